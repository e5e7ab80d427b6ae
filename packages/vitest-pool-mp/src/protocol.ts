/**
 * Everything that crosses the process boundary between the main process and a child worker,
 * besides Vitest's own lifecycle requests and birpc traffic, which pass through unchanged.
 * Our messages carry MP_TAG so the two streams never mix on the one IPC channel.
 */
export const MP_TAG = '__vitest_pool_mp__'

/**
 * Vitest's runtime calls that answer nothing (they return void) and that Vitest's worker waits
 * for all the same: onQueued before it collects a file, onCollected before it runs the file's
 * first test, the last onTaskUpdate and snapshotSaved before it reports the file done. The child
 * sends them as birpc events and answers them itself (child/reports-without-reply.ts); main
 * handles them in the order they came, and reports a failure of one as an unhandled error. A
 * file planned from its source still waits before its tests for main's verdict on what it collected.
 */
export const REPORTS_WITHOUT_REPLY: ReadonlySet<string> = new Set(['onQueued', 'onCollected', 'onTaskUpdate', 'snapshotSaved'])

/**
 * Vitest's runtime calls whose answer depends on their arguments alone for as long as no source
 * file changes: the module runner's `resolve` and `fetch`, and `resolveSnapshotPath`. A child
 * answers its own repeats of them (child/repeat-answers.ts); main answers each once per run and
 * sends a worker ahead of time what its files asked for before (known-answers.ts).
 */
export const REPEATABLE_CALLS: ReadonlySet<string> = new Set(['resolve', 'fetch', 'resolveSnapshotPath'])

/** One repeatable call's identity on both sides of the channel; `undefined` when its arguments are not JSON. */
export function repeatableCallKey(method: string, args: readonly unknown[]): string | undefined {
  try {
    return `${method}\0${JSON.stringify(args)}`
  }
  catch {
    return undefined
  }
}

/** The task Tinypool hands the child entry. */
export interface ChildTask {
  /** A description of the batch, for messages from the child. */
  label: string
  /**
   * The URL of `vitest/worker` of the Vitest that runs main: a project whose package installed the
   * pool beside another copy of Vitest (a monorepo) runs its tests on main's, as Vitest's own pools do.
   */
  vitestWorker: string
}

/** What the child entry resolves with once Vitest's worker has stopped. */
export interface ChildTaskResult {
  pid: number
}

/** Child to main: the child is listening; `pid` identifies its process. */
export interface ReadyMessage {
  [MP_TAG]: true
  kind: 'ready'
  pid: number
}

/** Either way: one birpc message of the shared-state store. */
export interface StoreMessage {
  [MP_TAG]: true
  kind: 'store'
  data: unknown
}

/**
 * Child to main: a test began or ended. Sent at once, unlike Vitest's throttled task updates, so
 * that when a worker dies the pool knows which test was running and which had already finished.
 */
export interface ProgressMessage {
  [MP_TAG]: true
  kind: 'progress'
  testId: string
  phase: 'begin' | 'end'
  /** On `end`: the test's state as the runner decided it. */
  state?: 'pass' | 'fail' | 'skip' | 'todo'
  /** On `end`: when the test started (the runner's), and how long this attempt took (the child's clock). */
  startTime?: number
  duration?: number
  retryCount?: number
  repeatCount?: number
  /** On a failed `end`: the test's errors as the runner serialized them, kept if the worker dies before its report. */
  errors?: unknown[]
}

/** Main to child, before each request: the files whose collected tree main checks before their tests run. */
export interface VerifyMessage {
  [MP_TAG]: true
  kind: 'verify'
  files: string[]
}

/**
 * Main to child, before a request whose reports main takes by test: the tests main takes from this
 * batch. The worker leaves out the rest of its files' reports (child/owned-reports.ts).
 */
export interface OwnedTestsMessage {
  [MP_TAG]: true
  kind: 'owned'
  tests: string[]
  /**
   * The shape of the tests main planned in each of the request's files (declarationShape): a
   * worker whose copy of a file declares tests in other places names them all (main keeps those it
   * did not plan). A shape is all a batch sends in the usual case, however many tests the file has.
   */
  planned?: Record<string, string>
  /**
   * Each of `tests` with its name and its suites' as main planned it (`Suite > test`). Vitest's ids
   * are positions, so a worker whose copy of the file declares another test in that place does not
   * run it under this test's id.
   */
  names?: Record<string, string>
}

/**
 * Child to main: every test of a file whose copy in the worker declares tests in other places than
 * main planned. Those its collection did not see run in no batch: the file must fail, saying so.
 */
export interface UnplannedTestsMessage {
  [MP_TAG]: true
  kind: 'unplanned'
  tests: UnplannedTest[]
}

/** A test main may not have planned: its file, and its name with its suites' (`Suite > test`). */
export interface UnplannedTest {
  file: string
  name: string
}

/**
 * Main to child, as soon as main has checked the tree the worker reported collecting: the
 * request's tests may run. (When they may not, main ends the child instead.) Sent unasked, so a
 * worker that reaches its first test finds it there, without one more round trip.
 */
export interface VerdictMessage {
  [MP_TAG]: true
  kind: 'verdict'
}

/** Main to child, before a request: answers to repeatable calls its files' workers made before, keyed by {@link repeatableCallKey}. */
export interface AnswersMessage {
  [MP_TAG]: true
  kind: 'answers'
  answers: [key: string, answer: unknown][]
}

/** Child to main, as a request ends: the answers sent ahead that its worker used (main keeps asking those for the files). */
export interface AnswersUsedMessage {
  [MP_TAG]: true
  kind: 'answers-used'
  keys: string[]
}

/**
 * Child to main: inline snapshots a worker would write into a source file, as the file with its
 * edits (`edited`) and the text they were made against (`base`). Main writes them once the run's
 * batches have all ended, merged with other workers' (inline-snapshot-writer.ts).
 */
export interface InlineSnapshotsMessage {
  [MP_TAG]: true
  kind: 'inline-snapshots'
  file: string
  base: string
  edited: string
}

/** One inline snapshot assertion a worker ran while writing snapshots (`-u`, or new ones without it). */
export interface InlineSnapshotCheck {
  /** Where the assertion is: the source file, and its line and column as Vitest locates it. */
  file: string
  line: number
  column: number
  /** What it received, serialized as Vitest writes it. */
  snapshot: string
  /** The test's full name. */
  test: string
}

/**
 * Child to main, at the end of a test file while snapshots are written: every inline snapshot
 * assertion it ran (without -u, those at places it writes), so main sees two workers' tests reach
 * one assertion with different values, as Vitest would in one.
 */
export interface InlineChecksMessage {
  [MP_TAG]: true
  kind: 'inline-checks'
  checks: InlineSnapshotCheck[]
}

/**
 * Child to main: merging this worker's changes into a test file's .snap left it empty, so the
 * worker removed it. The worker's own snapshot result cannot say so (Vitest saw the entries of
 * other workers' tests in it); main reports the file removed if it is still gone once the test
 * file's batches have all ended, as one worker running the whole file would.
 */
export interface SnapshotRemovedMessage {
  [MP_TAG]: true
  kind: 'snapshot-removed'
  testFile: string
  snapFile: string
}

/**
 * Child to main, every {@link HEARTBEAT_MS} while a request runs: its event loop turns. The
 * watchdog is for code that never yields (Vitest's own timeouts end the rest), so a worker
 * awaiting something slow, a hook with a long timeout of its own say, is not taken for hung.
 */
export interface HeartbeatMessage {
  [MP_TAG]: true
  kind: 'heartbeat'
}

/**
 * Child to main, as a test file starts: the timeouts its before and around hooks were given
 * (`beforeAll(fn, 60_000)`), which may exceed hookTimeout. The watchdog allows them too.
 */
export interface HookTimeoutsMessage {
  [MP_TAG]: true
  kind: 'hook-timeouts'
  timeouts: number[]
}

/** How often a running worker sends a heartbeat: well under any watchdog limit (a timeout plus the grace). */
export const HEARTBEAT_MS = 500

export type MpMessage = ReadyMessage | StoreMessage | ProgressMessage | VerifyMessage | OwnedTestsMessage | UnplannedTestsMessage | VerdictMessage | AnswersMessage | AnswersUsedMessage | InlineSnapshotsMessage | InlineChecksMessage | SnapshotRemovedMessage | HeartbeatMessage | HookTimeoutsMessage

export type ProgressReporter = (message: Omit<ProgressMessage, typeof MP_TAG | 'kind'>) => void

/** Resolves when the file's tests may run; `undefined` when the file needs no verdict. */
export type VerdictWaiter = (filepath: string) => Promise<void> | undefined

/**
 * What an mp child offers the pool's setup file, through one global (any module copy finds it).
 * runtime/setup.ts spells the key out rather than import this module: every module a setup file
 * imports costs each worker a round trip to the main process.
 */
export const CHILD_SERVICES_KEY = Symbol.for('vitest-pool-mp.child-services')

/**
 * The tests an mp child runs right now, by id, with their full names (`file > suite > test`): the
 * pool's setup file keeps it (spelling the key out, as above), the shared-state API reads it to
 * name the caller when several run at once.
 */
export const RUNNING_TESTS_KEY = Symbol.for('vitest-pool-mp.running-tests')

/**
 * The suite (or test file) running now, as an AsyncLocalStorage of {@link SuiteScope}: the pool's
 * setup file runs each in a scope (spelling the key out), and the shared-state API withdraws a
 * wait that a suite's beforeAll or afterAll hook started when the suite ends.
 */
export const SUITE_SCOPE_KEY = Symbol.for('vitest-pool-mp.suite-scope')
export interface SuiteScope {
  ended: boolean
  /** Called once, as the suite ends. */
  onEnd: (() => void)[]
}
export interface ChildServices {
  /** Reports a test's begin or end to the pool at once. */
  progress: ProgressReporter
  /** Waits for main's verdict on a collected file. */
  verdict: VerdictWaiter
  /** Gives Vitest's `describe` its `describe.mpGroup`. */
  attachMpGroup: (describe: object) => void
  /** Hands main the inline snapshots this worker would write into `file`. */
  inlineSnapshots: (file: string, base: string, edited: string) => void
  /** Hands main the inline snapshot assertions a test file ran; present only while the run writes snapshots (`-u`, or new ones). */
  inlineChecks?: (checks: InlineSnapshotCheck[]) => void
  /** Tells main this worker removed the .snap file of `testFile`, which its merge left empty. */
  snapshotRemoved: (testFile: string, snapFile: string) => void
  /** Hands main the timeouts of a starting test file's before and around hooks. */
  hookTimeouts: (timeouts: number[]) => void
}

/**
 * On a file an owned batch's worker reports collected (without its tasks): the mode each of the
 * batch's own tests had when this worker loaded the file. A test whose `skipIf`/`runIf` reads
 * state that changed since the file was collected (a file an earlier test of a serial group
 * wrote) runs, or is skipped, in the worker against the plan: main takes the worker's mode.
 */
export const OWNED_MODES = 'mpOwnedModes'
export interface OwnedModes {
  [OWNED_MODES]?: Record<string, 'run' | 'skip' | 'only' | 'todo' | 'queued'>
}

export function isMpMessage(message: unknown): message is MpMessage {
  return typeof message === 'object' && message !== null && (message as Record<string, unknown>)[MP_TAG] === true
}
