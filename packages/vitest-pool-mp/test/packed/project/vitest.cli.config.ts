import { mpPlugin } from 'vitest-pool-mp'
import { defineConfig } from 'vitest/config'

// No `pool` here: the run chooses it with `--pool=mp` on the command line.
export default defineConfig({
  plugins: [mpPlugin()],
  test: { maxWorkers: 2 },
})
