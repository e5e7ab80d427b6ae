// Added to `setupFiles` by mpPlugin(): makes `describe.mpGroup` work for files that import `describe`
// from 'vitest', and, in an mp child, reports each test's begin and end to the pool at once, so a
// worker that dies or hangs never takes a finished test's result, or the name of the running test, with it.
import type { ChildServices } from '../protocol.js'
import { aroundAll, aroundEach, describe } from 'vitest'

// protocol.ts CHILD_SERVICES_KEY, spelt out: at run time this file imports nothing but vitest (which
// Vitest hands over without asking), since each import would cost every worker a round trip to the
// main process. Outside an mp child (the file added to another pool's setupFiles) groups still work.
const child = (globalThis as Record<symbol, ChildServices | undefined>)[Symbol.for('vitest-pool-mp.child-services')]
if (child) {
  child.attachMpGroup(describe)
}
else {
  const { attachMpGroup } = await import('./groups.js')
  attachMpGroup(describe)
}

// Around hooks, not before hooks: Vitest reports a suite's or a test's before hooks to reporters
// (onHookStart/onHookEnd) whenever a level has one, so the pool's own would show as the user's.

// A file planned from its source alone runs only once main has checked what this worker collected
// (see ProjectRun.verifyLate): registered first, this hook runs before the file's own hooks and tests.
const verdict = child?.verdict
if (verdict) {
  // Not an async function, nor awaiting: an error a test throws would carry this hook in its async
  // stack, and reporters show the first frame outside Vitest as where it happened.
  // Vitest hands an around hook its fixtures second (which it requires to be destructured), the suite third.
  // eslint-disable-next-line no-empty-pattern
  // No timeout of its own (0): the user's hookTimeout is for their hooks, and main's check takes
  // what it takes on a loaded machine; a worker that never gets a verdict is the watchdog's.
  aroundAll((runSuite, {}, suite) => {
    const file = (suite as { file?: { filepath?: string } } | undefined)?.file
    return file?.filepath === undefined ? runSuite() : Promise.resolve(verdict(file.filepath)).then(runSuite)
  }, 0)
}

const progress = child?.progress
if (progress) {
  // protocol.ts RUNNING_TESTS_KEY, spelt out.
  const runningKey = Symbol.for('vitest-pool-mp.running-tests')
  const global = globalThis as Record<symbol, Map<string, string> | undefined>
  const running = global[runningKey] ??= new Map<string, string>()
  // Registered first, this hook wraps all of a test's attempt: the other around hooks (their
  // teardown too), the before and after hooks, onTestFinished and onTestFailed callbacks. A test
  // whose worker dies anywhere in there is the one named. Each retry or repeat is an attempt.
  // Not async, for the reason above.
  aroundEach((runTest, { task }) => {
    running.set(task.id, task.fullName)
    progress({ testId: task.id, phase: 'begin' })
    return Promise.resolve(runTest()).finally(() => {
      running.delete(task.id)
      const state = task.result?.state
      progress({
        testId: task.id,
        phase: 'end',
        ...(state === 'pass' || state === 'fail' || state === 'skip' || state === 'todo' ? { state } : {}),
        ...(task.result?.duration !== undefined && { duration: task.result.duration }),
        ...(state === 'fail' && (task.result?.errors?.length ?? 0) > 0 && { errors: task.result!.errors }),
      })
    })
  }, 0)
}
