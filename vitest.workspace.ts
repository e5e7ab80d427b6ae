// Vitest 4+ no longer reads workspace files: this module lists the projects, and vitest.config.ts imports it as `test.projects`.
import type { TestProjectInlineConfiguration } from 'vitest/config'

/** The projects of this repository's own test run (on Vitest's built-in forks pool). */
export const projects: TestProjectInlineConfiguration[] = [
  {
    test: {
      name: 'unit',
      root: './packages/vitest-pool-mp',
      include: ['test/unit/**/*.test.ts'],
      pool: 'forks',
    },
  },
  {
    test: {
      name: 'e2e',
      root: './packages/vitest-pool-mp',
      include: ['test/e2e/**/*.test.ts'],
      pool: 'forks',
      // Each e2e test starts Vitest on a fixture, which starts its own workers: one file at a time
      // keeps the evidence (pids, begin/end order) free of noise from other e2e files.
      fileParallelism: false,
      testTimeout: 120_000,
      hookTimeout: 120_000,
    },
  },
]
