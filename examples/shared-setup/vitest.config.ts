import { mpPlugin } from 'vitest-pool-mp'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  plugins: [mpPlugin()],
  test: {
    pool: 'mp',
    // One worker per consumer group: the three groups run at the same time and share one database.
    maxWorkers: 3,
    // Checks, after the run, that the database was set up once and torn down once.
    globalSetup: ['./check-once.ts'],
  },
})
