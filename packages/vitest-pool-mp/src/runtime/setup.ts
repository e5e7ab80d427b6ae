// Added to `setupFiles` by mpPlugin(): makes `describe.mpGroup` work for files that import `describe`
// from 'vitest', and, in an mp child, reports each test's begin and end to the pool at once, so a
// worker that dies or hangs never takes a finished test's result, or the name of the running test, with it.
import type { RunnerTestCase } from 'vitest'
import type { ChildServices, SuiteScope } from '../protocol.js'
import { describe, expect, TestRunner } from 'vitest'

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
// Registered on the file's collector as Vitest's runner calls them, not through `aroundEach` and
// `aroundAll`: those resolve the test's auto fixtures for the hook, which would set them up before
// the file's other fixtures and outside the test's own hooks (an auto fixture that throws would then
// skip afterEach). The runner reads an around hook's timeout from this key, and without it takes
// hookTimeout, which only bounds the time to call the callback: this file's hooks call it at once.
const AROUND_TIMEOUT_KEY = Symbol.for('VITEST_AROUND_TIMEOUT')
const collector = TestRunner.getCurrentSuite()
type AroundAllHook = (runSuite: () => Promise<void>, suite: { file?: { filepath?: string } } | undefined) => Promise<void>
type AroundEachHook = (runTest: () => Promise<void>, context: { task: RunnerTestCase }) => Promise<void>
function onAround(name: 'aroundAll', hook: AroundAllHook): void
function onAround(name: 'aroundEach', hook: AroundEachHook): void
function onAround(name: 'aroundAll' | 'aroundEach', hook: AroundAllHook | AroundEachHook): void {
  // No timeout of its own (0): the user's hookTimeout is for their hooks. Typed by Vitest as the
  // public hooks' callbacks, which these are not (no fixtures argument).
  const on = collector.on as (name: 'aroundAll' | 'aroundEach', hook: unknown) => void
  ownHooks.add(hook)
  on(name, Object.assign(hook, { [AROUND_TIMEOUT_KEY]: 0 }))
}
const ownHooks = new WeakSet<object>([inSuiteScope])

// A file planned from its source alone runs only once main has checked what this worker collected
// (see ProjectRun.verifyLate): registered first, this hook runs before the file's own hooks and tests.
const verdict = child?.verdict
if (verdict) {
  // Not an async function, nor awaiting: an error a test throws would carry this hook in its async
  // stack, and reporters show the first frame outside Vitest as where it happened. Main's check
  // takes what it takes on a loaded machine; a worker that never gets a verdict is the watchdog's.
  onAround('aroundAll', (runSuite, suite) => {
    const file = suite?.file
    return file?.filepath === undefined ? runSuite() : Promise.resolve(verdict(file.filepath)).then(runSuite)
  })
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
  onAround('aroundEach', (runTest, { task }) => {
    running.set(task.id, task.fullName)
    progress({ testId: task.id, phase: 'begin' })
    return Promise.resolve(runTest()).finally(() => {
      running.delete(task.id)
      const state = task.result?.state
      progress({
        testId: task.id,
        phase: 'end',
        ...(state === 'pass' || state === 'fail' || state === 'skip' || state === 'todo' ? { state } : {}),
        // The runner sets the duration only after this hook: the child times the attempt.
        ...(task.result?.startTime !== undefined && { startTime: task.result.startTime }),
        ...(task.result?.retryCount !== undefined && { retryCount: task.result.retryCount }),
        ...(task.result?.repeatCount !== undefined && { repeatCount: task.result.repeatCount }),
        ...(state === 'fail' && (task.result?.errors?.length ?? 0) > 0 && { errors: task.result!.errors }),
      })
    })
  })
}

// Vitest refuses one inline snapshot assertion reached with different values, but only within one
// worker: when snapshots are written, the file's tests that ran here hand main what each assertion
// received. Without -u only new snapshots are written, and each test reaching such a place writes
// it: only those places can clash (a test reaching a written one with another value fails alone).
const inlineChecks = child?.inlineChecks
if (inlineChecks) {
  interface InlinePlace { file: string, line: number, column: number }
  interface InlineStack extends InlinePlace { testId: string, snapshot: string }
  interface SnapshotStateShape { testFilePath?: string, _updateSnapshot?: string, _inlineSnapshots?: InlinePlace[], _inlineSnapshotStacks?: InlineStack[] }
  const placeOf = ({ file, line, column }: InlinePlace) => `${file}:${line}:${column}`
  type TaskShape = { id: string, name: string, tasks?: TaskShape[] }
  const namesById = (tasks: readonly TaskShape[] | undefined, prefix: string[] = [], names = new Map<string, string>()) => {
    for (const task of tasks ?? []) {
      names.set(task.id, [...prefix, task.name].join(' > '))
      namesById(task.tasks, [...prefix, task.name], names)
    }
    return names
  }
  // Not async, for the reason above.
  onAround('aroundAll', (runSuite, suite) => Promise.resolve(runSuite()).finally(() => {
    const state = expect.getState().snapshotState as unknown as SnapshotStateShape | undefined
    const written = state?._updateSnapshot === 'new' ? new Set(state._inlineSnapshots?.map(placeOf)) : undefined
    const stacks = state?._inlineSnapshotStacks?.filter(stack => !written || written.has(placeOf(stack)))
    if (!suite?.file || !state || state.testFilePath !== suite.file.filepath || !stacks?.length) {
      return
    }
    const names = namesById((suite.file as unknown as TaskShape).tasks)
    inlineChecks(stacks.map(stack => ({ file: stack.file, line: stack.line, column: stack.column, snapshot: stack.snapshot, test: names.get(stack.testId) ?? stack.testId })))
  }))
}

// Vitest queues a `vi.doMock` until the next import, in a list its mocker class keeps for the whole
// process, and as each file starts it drops the mocks it resolved, not that list: a mock a file asked
// for after its last import would mock the module for the next file this worker runs (the next of a
// `serial` group, or a warm worker's next batch). On `forks` the queue ends with the file's process;
// here it ends with the file. Not async, for the reason above.
if (child) {
  type MockerShape = { constructor?: { pendingIds?: unknown } }
  onAround('aroundAll', runSuite => Promise.resolve(runSuite()).finally(() => {
    const pending = (globalThis as { __vitest_mocker__?: MockerShape }).__vitest_mocker__?.constructor?.pendingIds
    Array.isArray(pending) && pending.splice(0)
  }))
}

// As a file starts (its own hooks not yet run, nested suites' neither):
// - main hears the timeouts its before and around hooks were given. One of its own
//   (`beforeAll(fn, 60_000)`) may exceed hookTimeout, and code that never yields (a synchronous
//   build, say) sends no heartbeat meanwhile: the watchdog must allow it. Vitest keeps those
//   hooks' timeouts on these keys; an after hook's is out of reach.
// - the file and each suite in it run in a scope of their own (protocol.ts SUITE_SCOPE_KEY, spelt
//   out), so that a lock, update or trail wait one of its beforeAll or afterAll hooks started is
//   withdrawn when the suite ends (a hook that times out ends it, its tests skipped), as a test's
//   is when the test ends. Through an around hook, not by wrapping the user's hooks: a wrapper
//   would show in the stack of every error they throw.
const CLEANUP_TIMEOUT_KEY = Symbol.for('VITEST_CLEANUP_TIMEOUT')
type Hook = ((...args: unknown[]) => unknown) & Record<symbol, unknown>
interface SuiteShape { type?: string, tasks?: SuiteShape[] }
interface SuiteScopes { run: <T>(scope: SuiteScope, callback: () => T) => T }
// Node's, taken without an import (see above). Elsewhere (a browser project that kept the file in
// its setupFiles) suites run unscoped.
const asyncHooks = globalThis.process?.getBuiltinModule?.('node:async_hooks')
const suiteScopes = asyncHooks && ((globalThis as Record<symbol, SuiteScopes | undefined>)[Symbol.for('vitest-pool-mp.suite-scope')] ??= new asyncHooks.AsyncLocalStorage<SuiteScope>())

// Not async, for the reason above; the suite starts in a microtask, so that no frame of this
// file is under the user's hooks either.
function inSuiteScope(runSuite: () => Promise<void>): Promise<void> {
  if (!suiteScopes) {
    return runSuite()
  }
  const scope: SuiteScope = { ended: false, onEnd: [] }
  return suiteScopes.run(scope, () => Promise.resolve().then(runSuite)).finally(() => {
    scope.ended = true
    scope.onEnd.splice(0).forEach(callback => callback())
  })
}

function hooksOf(suite: SuiteShape): Record<'beforeAll' | 'beforeEach' | 'aroundAll' | 'aroundEach', Hook[]> {
  return TestRunner.getSuiteHooks(suite as Parameters<typeof TestRunner.getSuiteHooks>[0]) as unknown as ReturnType<typeof hooksOf>
}

function prepareSuites(suite: SuiteShape, timeouts: number[]): void {
  const hooks = hooksOf(suite)
  for (const hook of [...hooks.beforeAll, ...hooks.beforeEach]) {
    const timeout = hook[CLEANUP_TIMEOUT_KEY]
    typeof timeout === 'number' && timeouts.push(timeout)
  }
  for (const hook of [...hooks.aroundAll, ...hooks.aroundEach]) {
    const timeout = hook[AROUND_TIMEOUT_KEY]
    !ownHooks.has(hook) && typeof timeout === 'number' && timeouts.push(timeout)
  }
  for (const task of suite.tasks ?? []) {
    if (task.type === 'suite') {
      // Last, so innermost: the suite's own around hooks run outside its scope, its before and after hooks inside.
      hooksOf(task).aroundAll.push(Object.assign(inSuiteScope, { [AROUND_TIMEOUT_KEY]: 0 }) as unknown as Hook)
      prepareSuites(task, timeouts)
    }
  }
}

onAround('aroundAll', (runSuite, suite) => {
  if (!suite) {
    return runSuite()
  }
  const timeouts: number[] = []
  prepareSuites(suite as SuiteShape, timeouts)
  timeouts.length > 0 && child?.hookTimeouts([...new Set(timeouts)])
  return inSuiteScope(runSuite)
})
