import { mpPlugin } from 'vitest-pool-mp'
import { defineConfig } from 'vitest/config'

// A wrong option value: the installed package loads zod to word the refusal.
export default defineConfig({
  // @ts-expect-error -- the wrong value is the point
  plugins: [mpPlugin({ ungrouped: 'files' })],
  test: { pool: 'mp', maxWorkers: 2 },
})
