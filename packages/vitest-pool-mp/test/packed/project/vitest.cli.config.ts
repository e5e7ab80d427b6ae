import { mpPlugin } from 'vitest-pool-mp'
import { defineConfig } from 'vitest/config'

// No `pool` here: the run chooses it with `--pool=mp` on the command line. The option given (the
// default value) has the installed package load zod and check it.
export default defineConfig({
  plugins: [mpPlugin({ ungrouped: 'free' })],
  test: { maxWorkers: 2 },
})
