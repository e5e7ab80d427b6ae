import { mpPlugin } from 'vitest-pool-mp'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  plugins: [mpPlugin()],
  test: { pool: 'mp', maxWorkers: 2 },
})
