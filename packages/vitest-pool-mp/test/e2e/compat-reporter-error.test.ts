import type { Reporter } from 'vitest/node'
import { expect, test } from 'vitest'
import { runBoth } from './compat-helpers'

/** Fails on every test result it is given. */
class BrokenReporter implements Reporter {
  onTestCaseResult(): void {
    throw new Error('BrokenReporter failed on a test result')
  }
}

// A worker sends its last task update without waiting for main's answer (the update answers
// nothing): a failure while main handles it must still fail the run, with the error shown.
test('a reporter that fails on a test result fails the run and is shown, as on forks', async () => {
  const { forks, mp } = await runBoth('compat-reporter-error', { config: { reporters: ['default', new BrokenReporter()] } })
  for (const run of [forks, mp]) {
    expect(run.exitCode).toBe(1)
    expect(run.json?.numPassedTests).toBe(1)
    expect(run.stderr + run.stdout).toContain('BrokenReporter failed on a test result')
  }
})
