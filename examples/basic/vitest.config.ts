import { mpPlugin } from 'vitest-pool-mp'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  // The plugin installs the pool for every project with `pool: 'mp'` (or `vitest --pool=mp`).
  plugins: [mpPlugin()],
  test: {
    pool: 'mp',
    // At most two worker processes at once; each has its own VITEST_POOL_ID (1 or 2).
    maxWorkers: 2,
    // Creates the fake database once per run, before any worker starts.
    globalSetup: ['./test/support/global-setup.ts'],
  },
})
