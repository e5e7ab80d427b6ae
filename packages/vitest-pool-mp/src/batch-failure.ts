import type { ChildOutcome } from './child-host.js'
import type { BatchFailure, SerializedCause } from './report-merger.js'

/** What a file whose tests run in several workers must do, and how to get there. */
export const SAME_TESTS_EACH_LOAD = 'A file whose tests run in several workers must declare the same tests, in the same order, each time it is loaded; tests named or counted from Math.random(), the time, the files on disk or what an earlier file of a serial group set are not. Declare such a test always, and skip it with test.skipIf() or test.runIf().'

export const CANCELLED: BatchFailure = {
  state: 'skip',
  runningMessage: 'Not run: the test run was cancelled.',
  pendingMessage: 'Not run: the test run was cancelled.',
  beforeTestsMessage: 'Not run: the test run was cancelled.',
  betweenTestsMessage: 'Not run: the test run was cancelled.',
  afterTestsMessage: 'The test run was cancelled.',
  loadingMessage: 'Not run: the test run was cancelled.',
}

/**
 * What the tests of a batch that did not report everything are told: the cause, the process, the
 * batch (`where`), and whether the test was running or never started; or the file, when the
 * batch's tests had all ended.
 */
export function batchFailure(outcome: ChildOutcome, where: string): BatchFailure {
  switch (outcome.kind) {
    case 'finished': {
      // A worker that ended on its own ran every test its file declared: a planned one it left
      // out was not declared there the way the plan's collection saw it (child/owned-reports.ts).
      const notRun = `[vitest-pool-mp] Not run: the worker (pid ${outcome.pid}) running ${where} finished without running this test: when that worker loaded the file, it did not declare this test where the plan's collection saw it (another test, or none, was in its place). ${SAME_TESTS_EACH_LOAD}`
      return {
        state: 'fail',
        runningMessage: `[vitest-pool-mp] The worker (pid ${outcome.pid}) running ${where} finished without reporting this test's result.`,
        pendingMessage: notRun,
        beforeTestsMessage: notRun,
        betweenTestsMessage: notRun,
        afterTestsMessage: `[vitest-pool-mp] The worker (pid ${outcome.pid}) running ${where} finished without reporting all of this file.`,
        loadingMessage: `[vitest-pool-mp] The worker (pid ${outcome.pid}) running ${where} finished before it collected this file.`,
        loadFailedMessage: `[vitest-pool-mp] Not run: the file failed to load in the worker (pid ${outcome.pid}) running ${where}, which evaluates it again`,
      }
    }
    case 'cancelled':
    case 'abandoned':
      return CANCELLED
    case 'start-failed': {
      const message = `[vitest-pool-mp] The worker for ${where} failed to start: ${errorMessage(outcome.error)}`
      const cause = serializedCause(outcome.error)
      return { state: 'fail', runningMessage: message, pendingMessage: message, beforeTestsMessage: message, betweenTestsMessage: message, afterTestsMessage: message, loadingMessage: message, ...(cause && { cause }) }
    }
    case 'crashed': {
      const how = outcome.signal
        ? `was killed by ${outcome.signal}`
        : outcome.exitCode !== null ? `exited with code ${outcome.exitCode}` : 'exited unexpectedly'
      const process = outcome.pid === undefined ? 'worker process' : `worker process (pid ${outcome.pid})`
      // Node aborts on its own fatal errors, the commonest being a full heap.
      const hint = outcome.signal === 'SIGABRT' ? ' Node aborts so on a fatal error, such as running out of heap memory: the worker\'s output above says which.' : ''
      return {
        state: 'fail',
        runningMessage: `[vitest-pool-mp] The ${process} running ${where} ${how} while this test was running.${hint}`,
        pendingMessage: `[vitest-pool-mp] Not run: the ${process} running ${where} ${how} before this test started.`,
        beforeTestsMessage: `[vitest-pool-mp] Not run: the ${process} running ${where} ${how} after it loaded this file and before its first test started (in a beforeAll hook, say).${hint}`,
        betweenTestsMessage: `[vitest-pool-mp] Not run: the ${process} running ${where} ${how} after its earlier tests had ended and before this one started (in a suite's beforeAll or afterAll hook, say).${hint}`,
        afterTestsMessage: `[vitest-pool-mp] The ${process} running ${where} ${how} after its tests had ended (in an afterAll hook, or while it tore down).${hint}`,
        loadingMessage: `[vitest-pool-mp] The ${process} running ${where} ${how} while it loaded this file.${hint}`,
      }
    }
    case 'hung': {
      const seconds = (outcome.silentForMs / 1000).toFixed(1)
      return {
        state: 'fail',
        runningMessage: `[vitest-pool-mp] This test hung: the worker (pid ${outcome.pid}) running ${where} made no progress for ${seconds} s, past the watchdog's limit (the longest test or hook timeout plus watchdogGrace), and was killed. Vitest's own timeout cannot stop code that never yields, such as a busy loop.`,
        pendingMessage: `[vitest-pool-mp] Not run: the worker (pid ${outcome.pid}) running ${where} hung on an earlier test and was killed after ${seconds} s.`,
        beforeTestsMessage: `[vitest-pool-mp] Not run: after it loaded this file and before its first test started (in a beforeAll hook, say), the worker (pid ${outcome.pid}) running ${where} made no progress for ${seconds} s, past the watchdog's limit (the longest test or hook timeout plus watchdogGrace), and was killed. Vitest's own hook timeout cannot stop code that never yields, such as a busy loop.`,
        betweenTestsMessage: `[vitest-pool-mp] Not run: after its earlier tests had ended and before this one started (in a suite's beforeAll or afterAll hook, say), the worker (pid ${outcome.pid}) running ${where} made no progress for ${seconds} s, past the watchdog's limit (the longest test or hook timeout plus watchdogGrace), and was killed. Vitest's own hook timeout cannot stop code that never yields, such as a busy loop.`,
        afterTestsMessage: `[vitest-pool-mp] After its tests had ended, the worker (pid ${outcome.pid}) running ${where} made no progress for ${seconds} s, past the watchdog's limit (the longest test or hook timeout plus watchdogGrace), and was killed.`,
        loadingMessage: `[vitest-pool-mp] While it loaded this file, the worker (pid ${outcome.pid}) running ${where} made no progress for ${seconds} s, past the watchdog's limit (the longest test or hook timeout plus watchdogGrace), and was killed. Code at a module's top level that never yields, such as a busy loop, hangs the file's import.`,
      }
    }
  }
}

/** The worker's own error with its stack, for reporters to show its frames (as Vitest's pools show theirs). */
function serializedCause(error: unknown): SerializedCause | undefined {
  if (!error || typeof error !== 'object' || typeof (error as { stack?: unknown }).stack !== 'string') {
    return undefined
  }
  const { name, stack } = error as { name?: unknown, stack: string }
  return { name: typeof name === 'string' ? name : 'Error', message: errorMessage(error), stack }
}

export function errorMessage(error: unknown): string {
  if (error && typeof error === 'object' && 'message' in error) {
    return String((error as { message: unknown }).message)
  }
  return String(error)
}
