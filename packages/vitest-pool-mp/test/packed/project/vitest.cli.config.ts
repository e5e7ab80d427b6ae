import { mpPlugin } from 'vitest-pool-mp'
import { defineConfig } from 'vitest/config'

// No `pool` here: the run chooses it with `--pool=mp` on the command line. The option given (the
// default value) is checked without zod; vitest.bad-option.config.ts has zod word a refusal.
export default defineConfig({
  plugins: [mpPlugin({ ungrouped: 'free' })],
  test: { maxWorkers: 2 },
})
