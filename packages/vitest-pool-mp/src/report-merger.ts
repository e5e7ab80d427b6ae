import type { PlannedBatch } from './batches.js'
import type { Deferred } from './deferred.js'
import type { OwnedModes, OwnedTestsMessage, ProgressMessage, UnplannedTest } from './protocol.js'
import type { SnapshotResult } from './snapshot-results.js'
import type { RunnerTaskEventPack, RunnerTaskResult, RunnerTaskResultPack, RunnerTestFile, RuntimeRPC } from './vitest-types.js'
import { existsSync } from 'node:fs'
import { CANCELLED, SAME_TESTS_EACH_LOAD } from './batch-failure.js'
import { ownedTestIds } from './batches.js'
import { declarationShape, declaredNames, undeclaredInPlan } from './declared-tests.js'
import { createDeferred } from './deferred.js'
import { OWNED_MODES } from './protocol.js'
import { reportFileNotRun } from './refused-file.js'
import { mergeSnapshotResults } from './snapshot-results.js'

type Task = RunnerTestFile['tasks'][number] | RunnerTestFile
type TaskEvent = RunnerTaskEventPack[1]

/** How a batch ended when it did not report all it owned. */
export interface BatchFailure {
  /** `fail` for a crash or hang, `skip` for a batch that never ran (cancelled). */
  state: 'fail' | 'skip'
  /** For the test that was running when it happened. */
  runningMessage: string
  /** For the tests that never started, after another test of the batch had. */
  pendingMessage: string
  /** For the tests that never started, when the worker had collected them and begun none (a `beforeAll` hook, say). */
  beforeTestsMessage: string
  /** For the tests that never started, when earlier tests of the batch had all ended (a nested suite's `beforeAll`, say). */
  betweenTestsMessage: string
  /** For the file, when every test of the batch had ended (an afterAll hook, or the worker's teardown). */
  afterTestsMessage: string
  /** For the file, when the worker had not collected it yet (it was loading the file, or starting). */
  loadingMessage: string
  /**
   * For the tests that never started because their file failed to load in this batch's worker,
   * which reported the file's error; the error's own message is added.
   */
  loadFailedMessage?: string
  /** The error behind it (what a worker that failed to start threw), shown as the message's cause. */
  cause?: SerializedCause
}

/** An error as reporters show a cause: name, message and the stack its frames are read from. */
export interface SerializedCause {
  name: string
  message: string
  stack?: string
}

interface SuiteState {
  moduleId: string
  depth: number
  participants: Set<number>
  results: Map<number, RunnerTaskResult | undefined>
  prepared: boolean
  finished: boolean
  /** Skipped or todo tests to report as they stand once the suite has started (see reportAsItStands). */
  waiting: string[]
  /**
   * A batch's result for the suite that came while tests of the batch inside it had none (the file
   * failed to load there): recorded by closeBatch after it has given those tests theirs, since
   * reporters take a suite's end as the end of its tests.
   */
  held: Map<number, RunnerTaskResult | undefined>
  /**
   * Child suites that ended skipped, with their results, before this suite ended. Vitest reports
   * every task inside a suite that ends skipped, so theirs is sent with this suite's end, or not
   * at all if this suite ends skipped too (its own end reports them).
   */
  skippedChildren: [string, RunnerTaskResult][]
  /** The reported batch's afterAll events: sent with the suite's end, after the tests of every batch in it. */
  afterHooks: RunnerTaskEventPack[]
}

interface FileState {
  /** Unknown until its worker collects it, for a file planned from its source. */
  tree: RunnerTestFile | undefined
  queuedSent: boolean
  collectedSent: boolean
  pendingBatches: Set<number>
  /** What the batches that own part of the file reported of its snapshots; sent merged once it is done. */
  snapshots: SnapshotResult[]
  /** The file's .snap file, once a worker removed it (its merge left it empty). */
  removedSnapFile?: string
  done: Deferred<void>
}

// Coverage providers keep one coverage result per joined `testFiles` and let a later one replace
// it (a rerun's), so each batch's coverage needs its own key or only one worker's would count.
const COVERAGE_KEY_MARK = '#vitest-pool-mp batch '

/** A batch that runs a file planned from its source alone (`owned: 'late'`). */
interface LateBatch {
  moduleId: string
  /** `waiting` for the worker's collected tree; then `adopted` (it runs) or `abandoned` (replanned). */
  state: 'waiting' | 'adopted' | 'abandoned'
  /** The file was planned from its predicted tree (the batch owns its share); else the batch runs it whole. */
  predicted: boolean
  /** The file as the worker queued it, to report on if the worker dies before collecting it. */
  queued?: RunnerTestFile
  verdict: Deferred<boolean>
}

export interface ReportMergerOptions {
  /**
   * Checks a file planned from its source against the tree its worker collected, before any of
   * its tests starts; `false` abandons the batch (the caller replans the file).
   */
  verifyLate?: (batch: PlannedBatch, tree: RunnerTestFile) => boolean
  /** A bare file task, for a file whose worker died before it could report the file itself. */
  fileTask?: (moduleId: string) => RunnerTestFile
  /** Files whose given tree was predicted from the source: none of it reaches Vitest until a worker confirms it. */
  predicted?: ReadonlySet<string>
  /** A predicted file's checking batch ended before its worker collected the file: the file failed. */
  onUncollected?: (moduleId: string) => void
  /** The tree a file planned from its source shows, in the shape Vitest reports, for when the run is cancelled before any worker loads it. */
  reportableTree?: (moduleId: string) => RunnerTestFile | undefined
  /**
   * Whether the run is cancelled (`bail`, or a key in watch mode). Vitest's runner then ends the
   * tests it has not started without a result, which reporters would show as still pending: the
   * merger reports them as skipped.
   */
  cancelled?: () => boolean
}

const FINAL_TEST_EVENTS = new Set<TaskEvent>(['test-finished', 'test-cancel', 'test-failed-early'])
const SUITE_HOOK_EVENTS = new Set<TaskEvent>(['before-hook-start', 'before-hook-end', 'after-hook-start', 'after-hook-end'])

/**
 * Vitest keeps one report per file and lets the last `onCollected` win, so a file whose tests
 * ran in several workers must reach Vitest as if one worker ran it. The merger sends the file's
 * collected tree once, passes on each test's events from the one batch that owns it, and holds
 * every suite's (and the file's) result until all batches taking part in it have finished, then
 * sends one merged result. Whatever a batch owned but never reported, because it crashed, hung
 * or never started, is reported for it, so no result is lost. All calls into Vitest go through
 * one queue so reporters see them in order.
 */
export class ReportMerger {
  private queue: Promise<unknown> = Promise.resolve()
  private readonly files = new Map<string, FileState>()
  private readonly suites = new Map<string, SuiteState>()
  private readonly tasks = new Map<string, Task>()
  private readonly parents = new Map<string, string>()
  private readonly testOwner = new Map<string, number>()
  private readonly testPrepared = new Set<string>()
  private readonly testFinal = new Set<string>()
  /** Tests a cancelled batch never started, updated without events (see closeBatch). */
  private readonly cancelledQuietly = new Set<string>()
  /** Batches that ended for a cancelled run without starting all their tests. */
  private readonly cancelledBatches = new Set<number>()
  private readonly wholeFileBatches = new Set<number>()
  private readonly progress = new Map<string, ProgressMessage>()
  /** Per batch, per file: the tests its worker declared that the plan does not have (noteUnplanned). */
  private readonly unplanned = new Map<number, Map<string, string[]>>()
  private readonly late = new Map<number, LateBatch>()
  /** Per predicted file: settles when its checking batch has confirmed the tree, or given up on it. */
  private readonly settled = new Map<string, Deferred<void>>()
  private readonly forgotten = new Set<number>()
  private readonly batchById = new Map<number, PlannedBatch>()
  /** The batches whose worker has reported collecting their files. */
  private readonly collectedBatches = new Set<number>()
  /** Per suite and kind of hook (before, after): the batch whose hook events reporters see. */
  private readonly hookReporter = new Map<string, number>()
  /** How long each test that ran took, by id, for the next run's plan. */
  readonly measured = new Map<string, number>()

  constructor(
    private readonly target: RuntimeRPC,
    trees: ReadonlyMap<string, RunnerTestFile>,
    batches: readonly PlannedBatch[],
    private readonly options: ReportMergerOptions = {},
  ) {
    for (const [moduleId, tree] of trees) {
      this.files.set(moduleId, { tree, queuedSent: false, collectedSent: false, pendingBatches: new Set(), snapshots: [], done: createDeferred() })
      this.indexTasks(tree, moduleId, 0)
    }
    for (const moduleId of options.predicted ?? []) {
      this.files.get(moduleId)!.tree = undefined
      this.settled.set(moduleId, createDeferred())
    }
    this.registerBatches(batches)
  }

  /** Files replanned from the trees workers collected, with the batches that now run them. */
  addPlan(trees: readonly RunnerTestFile[], batches: readonly PlannedBatch[]): void {
    for (const tree of trees) {
      // Ids are positions in the tree: where a predicted tree missed a suite, its ids name other
      // tasks of the collected one, and what its checking batch owned would claim them.
      for (const id of [...this.testOwner.keys()].filter(id => id.startsWith(`${tree.id}_`))) {
        this.testOwner.delete(id)
      }
      this.files.get(tree.filepath)!.tree = tree
      this.indexTasks(tree, tree.filepath, 0)
    }
    this.registerBatches(batches)
  }

  /** A file replanned from the tree a worker collected that will not run: it fails with `errors`. */
  refuseFile(tree: RunnerTestFile, errors: readonly Error[]): Promise<void> {
    return this.enqueue(async () => {
      const file = this.files.get(tree.filepath)!
      file.tree = tree
      file.collectedSent = true
      const queued = file.queuedSent
      file.queuedSent = true
      await reportFileNotRun(this.target, tree, errors, queued)
    })
  }

  /** Whether a late batch's worker may run its tests; waits for the worker's collected tree. */
  lateVerdict(batchId: number): Promise<boolean> {
    return this.late.get(batchId)?.verdict.promise ?? Promise.resolve(true)
  }

  private registerBatches(batches: readonly PlannedBatch[]): void {
    for (const batch of batches) {
      this.batchById.set(batch.id, batch)
      for (const entry of batch.files) {
        if (entry.owned === 'late') {
          this.files.set(entry.moduleId, { tree: undefined, queuedSent: false, collectedSent: false, pendingBatches: new Set(), snapshots: [], done: createDeferred() })
        }
        if (entry.owned === 'late' || entry.verify) {
          this.late.set(batch.id, { moduleId: entry.moduleId, state: 'waiting', predicted: entry.owned !== 'late', verdict: createDeferred() })
        }
        this.files.get(entry.moduleId)?.pendingBatches.add(batch.id)
        if (entry.owned === 'all') {
          this.wholeFileBatches.add(batch.id)
          continue
        }
        if (entry.owned !== 'late') {
          entry.owned.forEach(id => this.testOwner.set(id, batch.id))
        }
      }
      for (const suiteId of batch.suiteIds) {
        this.suites.get(suiteId)?.participants.add(batch.id)
      }
    }
  }

  /**
   * Batches taken back before they started (their file is replanned, or failed to load): they
   * report nothing and take part in no suite.
   */
  forget(batches: readonly PlannedBatch[]): void {
    for (const batch of batches) {
      this.forgotten.add(batch.id)
      for (const entry of batch.files) {
        this.files.get(entry.moduleId)?.pendingBatches.delete(batch.id)
      }
      for (const [id, owner] of this.testOwner) {
        if (owner === batch.id) {
          this.testOwner.delete(id)
        }
      }
      this.suites.forEach(suite => suite.participants.delete(batch.id))
    }
  }

  private lastOpenMarker = 0

  /** Keeps a file's report open while it is replanned; returns what closes it again. */
  keepOpen(moduleId: string): () => void {
    const file = this.files.get(moduleId)!
    // Negative, so never a batch's id; each one its own, as a file may be kept open twice at once.
    const marker = --this.lastOpenMarker
    file.pendingBatches.add(marker)
    return () => {
      file.pendingBatches.delete(marker)
      if (file.pendingBatches.size === 0) {
        this.completeFile(file)
      }
    }
  }

  /**
   * A predicted file matched what its worker collected: that tree is the file's report. The
   * worker ran only its batch's tests, so Vitest marked the rest skipped; none of them is.
   */
  private confirm(tree: RunnerTestFile): void {
    const runAll = (task: Task) => {
      task.mode = 'run'
      this.tasks.set(task.id, task)
      if (task.type === 'suite') {
        task.tasks.forEach(runAll)
      }
    }
    runAll(tree)
    this.files.get(tree.filepath)!.tree = tree
  }

  /** A late batch's file matched its plan: the batch owns every test and suite of the tree. */
  private adopt(batch: PlannedBatch, tree: RunnerTestFile): void {
    const file = this.files.get(tree.filepath)!
    file.tree = tree
    this.indexTasks(tree, tree.filepath, 0)
    const tests: string[] = []
    const suites: string[] = []
    const walk = (task: Task) => {
      if (task.type === 'suite') {
        suites.push(task.id)
        task.tasks.forEach(walk)
      }
      else {
        tests.push(task.id)
      }
    }
    walk(tree)
    batch.files[0]!.owned = tests
    batch.suiteIds = suites
    tests.forEach(id => this.testOwner.set(id, batch.id))
    suites.forEach(id => this.suites.get(id)!.participants.add(batch.id))
  }

  private lateMethods(batch: PlannedBatch, late: LateBatch): RuntimeRPC {
    const owned = this.ownedMethods(batch)
    const unlessAbandoned = <A extends unknown[], R>(call: (...args: A) => R) =>
      (...args: A): R | undefined => late.state === 'abandoned' ? undefined : call(...args)
    return {
      ...owned,
      onQueued: file => this.enqueue(async () => {
        const state = this.files.get(late.moduleId)!
        late.queued = file
        if (late.state !== 'abandoned' && !state.queuedSent) {
          state.queuedSent = true
          await this.target.onQueued(file)
        }
      }),
      onCollected: files => this.enqueue(async () => {
        const tree = files.find(file => file.filepath === late.moduleId)
        if (!tree || late.state !== 'waiting') {
          return
        }
        this.collectedBatches.add(batch.id)
        const go = this.options.verifyLate?.(batch, tree) ?? true
        this.decide(late, go ? 'adopted' : 'abandoned', go)
        if (go) {
          if (late.predicted) {
            this.confirm(tree)
          }
          else {
            this.adopt(batch, tree)
          }
          await this.ensureCollected(late.moduleId)
        }
      }),
      // Reports right after the tree (a file that failed to load) arrive before main has decided
      // on it: whether the batch was abandoned is asked when the queue reaches them.
      onTaskUpdate: (packs, events) => this.enqueue(() => late.state === 'abandoned' ? undefined : this.forwardUpdate(batch, packs, events)),
      onUserConsoleLog: log => this.enqueue(() => late.state === 'abandoned' ? undefined : this.forwardLog(log)),
      onAfterSuiteRun: unlessAbandoned(owned.onAfterSuiteRun),
      snapshotSaved: unlessAbandoned(owned.snapshotSaved),
    } as RuntimeRPC
  }

  /**
   * A late batch leaves `waiting`: its worker learns whether it may run its tests, and the other
   * batches of a predicted file, waiting to report, learn that the file's fate is known.
   */
  private decide(late: LateBatch, state: 'adopted' | 'abandoned', go: boolean): void {
    late.state = state
    late.verdict.resolve(go)
    this.settled.get(late.moduleId)?.resolve()
  }

  /** A late batch whose worker ended before it collected the file: the file fails (or is skipped). */
  private async closeUncollected(late: LateBatch, failure: BatchFailure | undefined): Promise<void> {
    if (late.predicted) {
      this.options.onUncollected?.(late.moduleId)
    }
    this.decide(late, 'abandoned', false)
    const file = this.files.get(late.moduleId)!
    const tree = late.queued ?? this.options.fileTask?.(late.moduleId)
    if (!tree || file.collectedSent) {
      return
    }
    file.tree = tree
    file.collectedSent = true
    const queued = file.queuedSent
    file.queuedSent = true
    const message = failure?.state === 'skip'
      ? undefined
      : failure?.loadingMessage ?? '[vitest-pool-mp] The worker ended before it collected this file.'
    const error = message === undefined ? undefined : Object.assign(new Error(message, { cause: failure?.cause }), { name: 'MpWorkerError' })
    await reportFileNotRun(this.target, tree, error ? [error] : [], queued)
  }

  /** Every batch touching the file has ended: its snapshots are reported as one, and its report is complete. */
  private completeFile(file: FileState): void {
    const snapshots = mergeSnapshotResults(file.snapshots.splice(0), file.removedSnapFile !== undefined && !existsSync(file.removedSnapFile))
    if (snapshots) {
      void this.target.snapshotSaved(snapshots)
    }
    file.done.resolve()
  }

  /** Resolves once every batch touching the file has ended and its report is complete. */
  whenFileDone(moduleId: string): Promise<void> {
    return this.files.get(moduleId)?.done.promise ?? Promise.resolve()
  }

  /**
   * The tests whose reports the merger takes from a batch, when it takes nothing else from the
   * batch's files (see ownedMethods); `undefined` when it needs the worker's whole tree and
   * every report: a late batch checks or adopts the tree, a whole-file batch passes it on.
   */
  ownedTests(batch: PlannedBatch): Pick<OwnedTestsMessage, 'tests' | 'planned' | 'names'> | undefined {
    if (this.late.has(batch.id) || this.wholeFileBatches.has(batch.id)) {
      return undefined
    }
    const tests = ownedTestIds(batch)
    const planned: Record<string, string> = {}
    const names: Record<string, string> = {}
    for (const entry of batch.files) {
      const tree = this.files.get(entry.moduleId)?.tree
      if (tree && Array.isArray(entry.owned)) {
        const declared = plannedDeclarations(tree)
        planned[entry.moduleId] = declared.shape
        for (const id of entry.owned) {
          const name = declared.names.get(id)
          if (name !== undefined) {
            names[id] = name
          }
        }
      }
    }
    return { tests, planned, names }
  }

  /**
   * Every test of a file whose copy in a batch's worker declares its tests in other places than
   * the plan has: those the plan does not have (its collection did not see them) run in no batch,
   * so the file fails, naming them.
   */
  noteUnplanned(batch: PlannedBatch, tests: readonly UnplannedTest[]): void {
    const byFile = this.unplanned.get(batch.id) ?? new Map<string, string[]>()
    const declared = new Map<string, string[]>()
    for (const test of tests) {
      declared.set(test.file, declared.get(test.file) ?? [])
      declared.get(test.file)!.push(test.name)
    }
    for (const [file, fileNames] of declared) {
      const tree = this.files.get(file)?.tree
      const names = tree ? undeclaredInPlan(fileNames, plannedDeclarations(tree).names) : []
      if (names.length > 0) {
        byFile.set(file, [...byFile.get(file) ?? [], ...names])
      }
    }
    this.unplanned.set(batch.id, byFile)
  }

  /** The error of a file whose copy in a batch's worker declared tests the plan does not have. */
  private unplannedError(batchId: number, moduleId: string): TaskError | undefined {
    const names = this.unplanned.get(batchId)?.get(moduleId)
    return names && workerError(
      `[vitest-pool-mp] Not run: a worker loaded this file with tests its collection did not see, and no batch runs them: ${names.map(name => `"${name}"`).join(', ')}. ${SAME_TESTS_EACH_LOAD}`,
    )
  }

  /** The RuntimeRPC a batch's worker talks to: Vitest's own, with reporting merged. */
  methodsFor(batch: PlannedBatch): RuntimeRPC {
    const late = this.late.get(batch.id)
    if (late) {
      return this.lateMethods(batch, late)
    }
    if (this.wholeFileBatches.has(batch.id)) {
      return {
        ...this.target,
        // A file replanned after its first worker reported it (a predicted tree that did not
        // match) is known to Vitest already: reporters see it queued once, as on Vitest's pools.
        onQueued: file => this.enqueue(async () => {
          const state = this.files.get(file.filepath)
          if (state?.queuedSent) {
            return
          }
          if (state) {
            state.queuedSent = true
          }
          await this.target.onQueued(file)
        }),
        onCollected: files => this.enqueue(() => this.target.onCollected(files.map(file => this.asPlanned(file)))),
        onTaskUpdate: (packs, events) => this.enqueue(() => this.target.onTaskUpdate(packs, events)),
        onUserConsoleLog: log => this.enqueue(() => this.target.onUserConsoleLog(log)),
        onTaskArtifactRecord: (testId, artifact) => this.enqueue(() => this.target.onTaskArtifactRecord(testId, artifact)),
      } as RuntimeRPC
    }
    return this.ownedMethods(batch)
  }

  /**
   * For a batch that reports the tests it owns, its share of suites, and nothing else. Its worker
   * sends only those (ownedTests): of its collected tree, main needs the file's path alone.
   */
  private ownedMethods(batch: PlannedBatch): RuntimeRPC {
    return {
      ...this.target,
      onQueued: () => undefined,
      onCollected: files => this.enqueue(async () => {
        this.collectedBatches.add(batch.id)
        for (const file of files) {
          this.adoptModes((file as RunnerTestFile & OwnedModes)[OWNED_MODES])
          await this.ensureCollected(file.filepath)
        }
      }),
      onTaskUpdate: (packs, events) => this.enqueue(() => this.forwardUpdate(batch, packs, events)),
      // A log from the file's top level comes before the worker's onCollected: Vitest must know
      // the file by then to show whose log it is.
      onUserConsoleLog: log => this.enqueue(() => this.forwardLog(log)),
      // Behind the test's own updates, which its worker does not wait for (reports-without-reply):
      // reporters see a test's annotations and artifacts after it is ready.
      onTaskArtifactRecord: (testId, artifact) => this.enqueue(() => this.target.onTaskArtifactRecord(testId, artifact)),
      onAfterSuiteRun: meta => this.target.onAfterSuiteRun({ ...meta, testFiles: [...meta.testFiles, `${COVERAGE_KEY_MARK}${batch.id}`] }),
      snapshotSaved: (result) => {
        const file = this.files.get(result.filepath)
        return file ? void file.snapshots.push(result) : this.target.snapshotSaved(result)
      },
    } as RuntimeRPC
  }

  /** A worker removed the test file's .snap file: reported as removed if it is still gone when the file is done. */
  noteSnapshotRemoved(testFile: string, snapFile: string): void {
    const file = this.files.get(testFile)
    if (file) {
      file.removedSnapFile = snapFile
    }
  }

  /**
   * The worker's mode for each of its own tests, where it differs from the plan's: the test ran,
   * or was skipped, as the worker loaded it, and reporters must see its result under that mode
   * (a skipped test with a result counts twice, a planned one without a result stays pending).
   * The tree Vitest holds is the plan's own objects, so they are changed in place.
   */
  private adoptModes(modes: OwnedModes[typeof OWNED_MODES]): void {
    for (const [id, mode] of Object.entries(modes ?? {})) {
      const task = this.tasks.get(id)
      if (task && task.mode !== mode) {
        task.mode = mode
      }
    }
  }

  /** Records a test's begin or end as its worker announced it, for use if the worker dies. */
  noteProgress(progress: ProgressMessage): void {
    // A begin after an end is the test's next attempt (retry, repeats): it runs again.
    if (progress.phase === 'end' || this.progress.get(progress.testId)?.phase !== 'begin') {
      this.progress.set(progress.testId, progress)
    }
  }

  /**
   * Reports what the batch owned but did not report, and closes its share of each suite. A batch
   * of a predicted file whose tree is not confirmed yet (it ended cancelled) waits until it is:
   * only then can its tests be reported, or is it known that the file is reported otherwise.
   */
  async batchEnded(batch: PlannedBatch, failure: BatchFailure | undefined): Promise<void> {
    const checking = this.late.get(batch.id)?.moduleId
    await Promise.all(batch.files.filter(entry => entry.moduleId !== checking).map(entry => this.settled.get(entry.moduleId)?.promise))
    return this.enqueue(async () => {
      if (this.forgotten.has(batch.id)) {
        return
      }
      const late = this.late.get(batch.id)
      const asPredicted = late?.state === 'waiting' && failure?.state === 'skip' ? this.options.reportableTree?.(late.moduleId) : undefined
      if (late && asPredicted) {
        // Cancelled before a worker loaded the file: its tests are reported skipped, as its source shows them.
        if (late.predicted) {
          this.confirm(asPredicted)
        }
        else {
          this.adopt(batch, asPredicted)
        }
        this.decide(late, 'adopted', false)
        await this.closeBatch(batch, failure)
      }
      else if (late?.state === 'waiting') {
        await this.closeUncollected(late, failure)
      }
      else if (!this.wholeFileBatches.has(batch.id) && late?.state !== 'abandoned') {
        await this.closeBatch(batch, failure)
      }
      for (const entry of batch.files) {
        const file = this.files.get(entry.moduleId)
        if (!file) {
          continue
        }
        file.pendingBatches.delete(batch.id)
        if (file.pendingBatches.size === 0) {
          this.completeFile(file)
        }
      }
    })
  }

  private enqueue<T>(call: () => T | Promise<T>): Promise<T> {
    const next = this.queue.then(call)
    this.queue = next.catch(() => undefined)
    return next
  }

  private indexTasks(task: Task, moduleId: string, depth: number): void {
    this.tasks.set(task.id, task)
    if (task.type !== 'suite') {
      return
    }
    this.suites.set(task.id, { moduleId, depth, participants: new Set(), results: new Map(), prepared: false, finished: false, waiting: [], held: new Map(), skippedChildren: [], afterHooks: [] })
    for (const child of task.tasks) {
      this.parents.set(child.id, task.id)
      this.indexTasks(child, moduleId, depth + 1)
    }
  }

  /**
   * A skipped or todo test is not the batch's to fail: Vitest's runner reports it as it stands
   * (prepare and finish, no result) when its suites ran, and not at all inside a skipped suite.
   * A host batch can leave it unreported because its filter made the enclosing suite skip.
   */
  private reportsAsItStands(id: string): 'events' | 'nothing' | undefined {
    // Inside a skipped suite whatever the test's own mode: a `.only` suite in there leaves its
    // tests' modes as declared.
    for (let parent = this.parents.get(id); parent !== undefined; parent = this.parents.get(parent)) {
      const parentMode = this.tasks.get(parent)?.mode
      if (parentMode === 'skip' || parentMode === 'todo') {
        return 'nothing'
      }
    }
    return keptFromRunning(this.tasks.get(id)?.mode) ? 'events' : undefined
  }

  /**
   * The share of a suite a batch did not report because its runner skipped it, the way a
   * `testIds` filter makes a suite whose every test the batch leaves out skip without a word
   * about its children: `'silent'` inside a suite skipped in the tree itself (Vitest reports
   * nothing there either), a skip or todo result when the suite or an ancestor the batch
   * reported was skipped, `undefined` when the batch simply failed to report it.
   */
  private skippedShare(id: string, batchId: number): 'silent' | RunnerTaskResult | undefined {
    for (let parent = this.parents.get(id); parent !== undefined; parent = this.parents.get(parent)) {
      const parentMode = this.tasks.get(parent)?.mode
      if (parentMode === 'skip' || parentMode === 'todo') {
        return 'silent'
      }
    }
    const mode = this.tasks.get(id)?.mode
    if (mode === 'skip' || mode === 'todo') {
      return { state: mode }
    }
    for (let parent = this.parents.get(id); parent !== undefined; parent = this.parents.get(parent)) {
      const parentSuite = this.suites.get(parent)
      const state = (parentSuite?.results.get(batchId) ?? parentSuite?.held.get(batchId))?.state
      if (state === 'skip' || state === 'todo') {
        return { state: 'skip' }
      }
    }
    return undefined
  }

  /**
   * Workers collect with task locations (to name lines in errors); Vitest shows them only when
   * the project asks for them, as the planned trees already reflect. A whole-file batch's own
   * tree gets a location only where the planned tree has one.
   */
  private asPlanned(file: RunnerTestFile): RunnerTestFile {
    const align = (task: Task) => {
      const planned = this.tasks.get(task.id)
      if (planned && !planned.location) {
        delete task.location
      }
      if (task.type === 'suite') {
        task.tasks.forEach(align)
      }
    }
    align(file)
    return file
  }

  private moduleOf(taskId: string): string | undefined {
    let id: string | undefined = taskId
    while (id !== undefined && !this.suites.has(id)) {
      id = this.parents.get(id)
    }
    return id === undefined ? undefined : this.suites.get(id)!.moduleId
  }

  private async ensureCollected(moduleId: string): Promise<void> {
    const file = this.files.get(moduleId)
    if (!file?.tree || file.collectedSent) {
      return
    }
    file.collectedSent = true
    if (!file.queuedSent) {
      file.queuedSent = true
      await this.target.onQueued(asQueued(file.tree))
    }
    await this.target.onCollected([file.tree])
  }

  private async forwardLog(log: Parameters<RuntimeRPC['onUserConsoleLog']>[0]): Promise<void> {
    const moduleId = log.taskId === undefined ? undefined : this.moduleOf(log.taskId)
    if (moduleId !== undefined) {
      await this.ensureCollected(moduleId)
    }
    await this.target.onUserConsoleLog(log)
  }

  private async forwardUpdate(batch: PlannedBatch, packs: RunnerTaskResultPack[], events: RunnerTaskEventPack[]): Promise<void> {
    const outPacks: RunnerTaskResultPack[] = []
    const outEvents: RunnerTaskEventPack[] = []
    const packById = new Map(packs.map(pack => [pack[0], pack]))

    const finished = this.options.cancelled?.() ? new Set(events.filter(([, name]) => name === 'test-finished').map(([id]) => id)) : undefined
    for (const pack of packs) {
      if (this.testOwner.get(pack[0]) === batch.id) {
        outPacks.push(finished?.has(pack[0]) ? this.skippedIfNotRun(pack) : pack)
        const result = pack[1]
        if ((result?.state === 'pass' || result?.state === 'fail') && result.duration !== undefined) {
          this.measured.set(pack[0], result.duration)
        }
      }
    }
    for (const event of events) {
      const [id, name] = event
      if (this.testOwner.has(id)) {
        if (this.testOwner.get(id) !== batch.id) {
          continue
        }
        if (name === 'test-prepare') {
          this.testPrepared.add(id)
        }
        if (FINAL_TEST_EVENTS.has(name)) {
          this.testFinal.add(id)
        }
        outEvents.push(event)
        continue
      }
      const suite = this.suites.get(id)
      if (!suite || !suite.participants.has(batch.id)) {
        continue
      }
      if (name === 'suite-prepare') {
        this.prepareSuite(id, suite, packById.get(id)?.[1], outPacks, outEvents)
      }
      else if ((name === 'suite-finished' || name === 'suite-failed-early') && this.testsWithoutResultIn(batch, id)) {
        suite.held.set(batch.id, packById.get(id)?.[1])
      }
      else if (name === 'suite-finished' || name === 'suite-failed-early') {
        this.recordSuiteResult(id, suite, batch.id, packById.get(id)?.[1], outPacks, outEvents)
      }
      else if (name === 'test-finished' && packById.get(id)?.[1]?.state === 'skip') {
        // Vitest's runner marks the suites under a failed beforeAll skipped, with a test's event.
        this.recordSuiteResult(id, suite, batch.id, { state: 'skip' }, outPacks, outEvents)
      }
      else if (SUITE_HOOK_EVENTS.has(name) && this.firstToRunHooks(id, name, batch.id)) {
        // Other batches may still be running tests of the suite when this one's afterAll runs.
        (name.startsWith('after') ? suite.afterHooks : outEvents).push(event)
      }
    }
    if (outPacks.length || outEvents.length) {
      await this.target.onTaskUpdate(outPacks, outEvents)
    }
  }

  /**
   * Whether tests the batch runs inside the suite are still without a final result (skipped and
   * todo tests it owns are reported as they stand, at its end).
   */
  private testsWithoutResultIn(batch: PlannedBatch, suiteId: string): boolean {
    return batch.runnable.some(testId => !this.testFinal.has(testId) && this.isInside(testId, suiteId))
  }

  /**
   * A cancelled batch's share of a suite it did not finish, as Vitest's runner ends a suite whose
   * rest the cancel skipped: failed with a failed test, passed with a passed one, else skipped.
   */
  private cancelledShare(batch: PlannedBatch, suiteId: string): RunnerTaskResult {
    let state: 'pass' | 'skip' = 'skip'
    for (const entry of batch.files) {
      for (const id of Array.isArray(entry.owned) ? entry.owned : []) {
        const announced = this.progress.get(id)
        if (announced?.phase !== 'end' || !this.isInside(id, suiteId)) {
          continue
        }
        if (announced.state === 'fail') {
          return { state: 'fail' }
        }
        state = announced.state === 'pass' ? 'pass' : state
      }
    }
    return { state }
  }

  /** Whether a task is inside a suite, at any depth. */
  private isInside(taskId: string, suiteId: string): boolean {
    for (let parent = this.parents.get(taskId); parent !== undefined; parent = this.parents.get(parent)) {
      if (parent === suiteId) {
        return true
      }
    }
    return false
  }

  /**
   * Whether a batch's beforeAll or afterAll event for a suite is the one reporters see. Every batch
   * in a suite runs its hooks; Vitest's own pools run them, and report them, once: the first batch
   * to start a suite's hooks of a kind reports their start and end.
   */
  private firstToRunHooks(suiteId: string, event: TaskEvent, batchId: number): boolean {
    const key = `${suiteId}\0${event.startsWith('before') ? 'before' : 'after'}`
    const first = this.hookReporter.get(key)
    if (first === undefined && event.endsWith('-start')) {
      this.hookReporter.set(key, batchId)
      return true
    }
    return first === batchId
  }

  /** A test its worker ended without running, once the run is cancelled: skipped, with the reason. */
  private skippedIfNotRun(pack: RunnerTaskResultPack): RunnerTaskResultPack {
    const [id, result, meta] = pack
    const mode = this.tasks.get(id)?.mode
    if ((result && result.state !== 'run') || keptFromRunning(mode)) {
      return pack
    }
    // Vitest's runner gives skipped tests a `note` its types do not declare (as closeBatch does).
    const skipped = { ...result, state: 'skip', ...{ note: CANCELLED.pendingMessage } } satisfies RunnerTaskResult
    return [id, skipped, meta]
  }

  /** The result of a test that ended, but whose report died with its worker. */
  private announcedResult(announced: ProgressMessage, failure: BatchFailure | undefined): RunnerTaskResult {
    const { startTime, duration: took, retryCount, repeatCount } = announced
    const timing = {
      ...(startTime !== undefined && { startTime }),
      ...(took !== undefined && { duration: took }),
      ...(retryCount !== undefined && { retryCount }),
      ...(repeatCount !== undefined && { repeatCount }),
    }
    if (announced.state === 'fail' && announced.errors?.length) {
      return { state: 'fail', ...timing, errors: announced.errors as TaskError[] }
    }
    if (announced.state === 'fail') {
      const why = failure ? failure.runningMessage.replace(' while this test was running', ' right after this test ended') : 'its worker stopped'
      return { state: 'fail', ...timing, errors: [workerError(`This test failed, but its error was lost: ${why}`)] }
    }
    return { state: announced.state!, ...timing }
  }

  /**
   * Whether a suite is another batch's to start: one that runs a test in it. A batch whose share
   * of the suite was skipped (its filter skipped an enclosing suite) must not start it then: if
   * those tests' own workers skip it too (a beforeAll around it failed), they report its tests,
   * and a skipped suite that was started makes Vitest report them all again.
   */
  private runElsewhere(batch: PlannedBatch, suiteId: string, suite: SuiteState): boolean {
    const runsIn = (candidate: PlannedBatch | undefined) => candidate?.runnable.some(testId => this.isInside(testId, suiteId)) ?? false
    return [...suite.participants].some(other => other !== batch.id && runsIn(this.batchById.get(other)))
  }

  private prepareSuite(id: string, suite: SuiteState, result: RunnerTaskResult | undefined, outPacks: RunnerTaskResultPack[], outEvents: RunnerTaskEventPack[]): void {
    if (suite.prepared) {
      return
    }
    suite.prepared = true
    outPacks.push([id, { state: 'run', startTime: result?.startTime ?? Date.now() }, this.tasks.get(id)?.meta ?? {}])
    outEvents.push([id, 'suite-prepare', undefined])
    suite.waiting.splice(0).forEach(testId => this.emitAsItStands(testId, outPacks, outEvents))
  }

  /**
   * Reports a skipped or todo test the way Vitest's runner does, where its suite ran: a prepare
   * and a finish, no result. Reporters see a test inside its suite, so one whose suite no worker
   * has started yet waits for it; a suite that ends reports those still waiting first.
   */
  private reportAsItStands(testId: string, outPacks: RunnerTaskResultPack[], outEvents: RunnerTaskEventPack[]): void {
    const parent = this.parents.get(testId)
    const suite = parent === undefined ? undefined : this.suites.get(parent)
    if (suite && !suite.prepared && !suite.finished) {
      suite.waiting.push(testId)
      return
    }
    this.emitAsItStands(testId, outPacks, outEvents)
  }

  private emitAsItStands(testId: string, outPacks: RunnerTaskResultPack[], outEvents: RunnerTaskEventPack[]): void {
    outPacks.push([testId, undefined, this.tasks.get(testId)?.meta ?? {}])
    outEvents.push([testId, 'test-prepare', undefined], [testId, 'test-finished', undefined])
  }

  private recordSuiteResult(
    id: string,
    suite: SuiteState,
    batchId: number,
    result: RunnerTaskResult | undefined,
    outPacks: RunnerTaskResultPack[],
    outEvents: RunnerTaskEventPack[],
  ): void {
    const unplanned = suite.depth === 0 ? this.unplannedError(batchId, suite.moduleId) : undefined
    suite.results.set(batchId, unplanned ? { ...result, state: 'fail', errors: [...result?.errors ?? [], unplanned] } : result)
    if (suite.finished || suite.results.size < suite.participants.size) {
      return
    }
    suite.finished = true
    const merged = mergeSuiteResults([...suite.results.values()])
    // Vitest reports every task inside a started suite that ends skipped, itself; so is a suite
    // that only cancelled batches took part in, once its parent has started (see skippedChildren).
    const parentId = this.parents.get(id)
    const parent = parentId === undefined ? undefined : this.suites.get(parentId)
    const neverStarted = !suite.prepared && parent?.prepared === true && [...suite.participants].every(batch => this.cancelledBatches.has(batch))
    const reportedByVitest = merged.state === 'skip' && (suite.prepared || neverStarted)
    const children = (this.tasks.get(id) as { tasks?: Task[] } | undefined)?.tasks ?? []
    // Its skipped and todo tests that no batch has reported yet come before its end.
    for (const child of children) {
      if (child.type === 'test' && !this.testFinal.has(child.id) && this.reportsAsItStands(child.id) === 'events') {
        this.testFinal.add(child.id)
        suite.waiting.push(child.id)
      }
    }
    if (!reportedByVitest) {
      suite.waiting.forEach(testId => this.emitAsItStands(testId, outPacks, outEvents))
    }
    for (const child of children) {
      // A cancelled test that no skipped suite around it reports: reporters see it skipped once.
      if (this.cancelledQuietly.delete(child.id) && !reportedByVitest && suite.prepared) {
        outEvents.push([child.id, 'test-prepare', undefined], [child.id, 'test-finished', undefined])
      }
    }
    if (!reportedByVitest && suite.prepared) {
      for (const [childId, childResult] of suite.skippedChildren) {
        this.finishSkippedSuite(childId, childResult, outPacks, outEvents)
      }
    }
    suite.waiting = []
    suite.skippedChildren = []
    outEvents.push(...suite.afterHooks.splice(0))
    outPacks.push([id, merged, this.tasks.get(id)?.meta ?? {}])
    if (reportedByVitest && parent?.prepared && !parent.finished) {
      parent.skippedChildren.push([id, merged])
      return
    }
    outEvents.push([id, suite.prepared ? 'suite-finished' : 'suite-failed-early', undefined])
  }

  /** A nested suite that ended skipped, once its parent has ended otherwise: Vitest reports its tasks. */
  private finishSkippedSuite(id: string, result: RunnerTaskResult, outPacks: RunnerTaskResultPack[], outEvents: RunnerTaskEventPack[]): void {
    const suite = this.suites.get(id)!
    if (!suite.prepared) {
      suite.prepared = true
      outEvents.push([id, 'suite-prepare', undefined])
    }
    // Its result again, in the update that carries its end.
    outPacks.push([id, result, this.tasks.get(id)?.meta ?? {}])
    outEvents.push([id, 'suite-finished', undefined])
  }

  /**
   * What a test of a failed batch that never started is told: while another test of the batch
   * ran, the pending message; otherwise where the worker was instead: loading the files, past that
   * in a `beforeAll` hook, or between two tests (a nested suite's hooks).
   */
  private notStartedMessage(batch: PlannedBatch, failure: BatchFailure | undefined): string | undefined {
    if (!failure) {
      return undefined
    }
    const begun = ownedTestIds(batch).filter(id => this.progress.has(id) || (this.testPrepared.has(id) && this.reportsAsItStands(id) === undefined))
    if (begun.some(id => this.progress.get(id)?.phase === 'begin' || (!this.progress.has(id) && !this.testFinal.has(id)))) {
      return failure.pendingMessage
    }
    if (begun.length > 0) {
      return failure.betweenTestsMessage
    }
    return this.collectedBatches.has(batch.id) ? failure.beforeTestsMessage : failure.loadingMessage
  }

  /** The message for a test of the batch that never started because the file failed to load in its worker. */
  private loadFailedMessage(batch: PlannedBatch, moduleId: string, failure: BatchFailure | undefined): string | undefined {
    const fileId = this.files.get(moduleId)?.tree?.id
    const error = fileId === undefined ? undefined : this.suites.get(fileId)?.held.get(batch.id)?.errors?.[0]
    if (!failure?.loadFailedMessage || !error) {
      return undefined
    }
    const name = error.name && error.name !== 'Error' ? `${error.name}: ` : ''
    return `${failure.loadFailedMessage}: ${name}${error.message} (shown in full with the file).`
  }

  private async closeBatch(batch: PlannedBatch, failure: BatchFailure | undefined): Promise<void> {
    if (failure?.state === 'skip') {
      this.cancelledBatches.add(batch.id)
    }
    const outPacks: RunnerTaskResultPack[] = []
    const outEvents: RunnerTaskEventPack[] = []
    const openSuites = [...batch.suiteIds]
      .filter(id => this.suites.get(id)?.results.has(batch.id) === false)
      .sort((a, b) => this.suites.get(a)!.depth - this.suites.get(b)!.depth)
    for (const id of openSuites) {
      await this.ensureCollected(this.suites.get(id)!.moduleId)
    }
    // Reporters must see a suite start before its tests: open them outermost first.
    for (const id of openSuites) {
      const share = this.skippedShare(id, batch.id)
      // A cancelled batch starts no suite inside its file: one that ends skipped is reported whole.
      if (failure?.state === 'skip' && this.suites.get(id)!.depth > 0) {
        continue
      }
      if (share === undefined || (share !== 'silent' && !this.runElsewhere(batch, id, this.suites.get(id)!))) {
        this.prepareSuite(id, this.suites.get(id)!, undefined, outPacks, outEvents)
      }
    }
    // Whether a test of the batch carries the worker's failure; if none does, the file does.
    let blamed = false
    const failedHere: string[] = []
    const notStarted = this.notStartedMessage(batch, failure)
    for (const entry of batch.files) {
      if (entry.owned === 'all' || entry.owned === 'late') {
        continue
      }
      const missing = entry.owned.filter(id => !this.testFinal.has(id))
      if (missing.length === 0) {
        continue
      }
      await this.ensureCollected(entry.moduleId)
      const loadFailed = this.loadFailedMessage(batch, entry.moduleId, failure)
      for (const id of missing) {
        this.testFinal.add(id)
        const asItStands = this.reportsAsItStands(id)
        if (asItStands !== undefined) {
          if (asItStands === 'events') {
            this.reportAsItStands(id, outPacks, outEvents)
          }
          continue
        }
        const announced = this.progress.get(id)
        const running = this.testPrepared.has(id) || announced?.phase === 'begin'
        if (failure?.state === 'skip' && announced?.phase !== 'end') {
          // Cancelled: like Vitest's own runner, update the state quietly (with the reason, as its
          // runner gives one); a suite that ends up skipped as a whole reports its tests itself.
          const note = running ? failure.runningMessage : failure.pendingMessage
          // Spread: Vitest 4's TaskResult type has no `note`, which its runner sets all the same.
          outPacks.push([id, { state: 'skip', ...{ note } }, this.tasks.get(id)?.meta ?? {}])
          outEvents.push([id, 'test-cancel', undefined])
          this.cancelledQuietly.add(id)
          continue
        }
        const result = announced?.phase === 'end' && announced.state
          ? this.announcedResult(announced, failure)
          : failure?.state === 'fail'
            ? { state: 'fail', errors: [workerError(running ? failure.runningMessage : loadFailed ?? notStarted!, failure.cause)] } satisfies RunnerTaskResult
            : { state: 'skip', ...(failure && { note: failure.pendingMessage }) } satisfies RunnerTaskResult
        blamed ||= result.state === 'fail' && !(announced?.phase === 'end' && announced.state)
        if (result.state === 'fail') {
          failedHere.push(id)
        }
        if (!this.testPrepared.has(id)) {
          outEvents.push([id, 'test-prepare', undefined])
        }
        outPacks.push([id, result, this.tasks.get(id)?.meta ?? {}])
        outEvents.push([id, 'test-finished', undefined])
      }
    }
    for (const id of [...openSuites].reverse()) {
      const suite = this.suites.get(id)!
      if (suite.held.has(batch.id)) {
        const held = suite.held.get(batch.id)
        suite.held.delete(batch.id)
        // The worker ended the suite passed without these tests; Vitest's runner fails a suite
        // with a failed test, and so does the run's exit code.
        const failedInside = held?.state !== 'fail' && failedHere.some(testId => this.isInside(testId, id))
        this.recordSuiteResult(id, suite, batch.id, failedInside ? { ...held, state: 'fail' } : held, outPacks, outEvents)
        continue
      }
      const skipped = this.skippedShare(id, batch.id)
      if (skipped === 'silent') {
        suite.results.set(batch.id, { state: 'skip' })
        suite.finished ||= suite.results.size >= suite.participants.size
        continue
      }
      const failed = failure?.state === 'fail'
        ? { state: 'fail' as const, ...(!blamed && suite.depth === 0 && { errors: [workerError(failure.afterTestsMessage, failure.cause)] }) }
        : failure?.state === 'skip' ? this.cancelledShare(batch, id) : { state: 'skip' as const }
      this.recordSuiteResult(id, suite, batch.id, skipped ?? failed, outPacks, outEvents)
    }
    if (outPacks.length || outEvents.length) {
      await this.target.onTaskUpdate(outPacks, outEvents)
    }
  }
}

/**
 * A collected file as a worker announces it before collecting it (queued, without tasks), so
 * reporters see it queued: the tree itself already has the mode its collection gave it.
 */
function asQueued(tree: RunnerTestFile): RunnerTestFile {
  const queued: RunnerTestFile = { ...tree, mode: 'queued', result: undefined, tasks: [] }
  queued.file = queued
  return queued
}

/**
 * Whether a collected task's mode keeps it from running: skipped, todo, or a `.only` inside a
 * skipped or todo suite, which Vitest's runner leaves as declared (and never runs).
 */
function keptFromRunning(mode: Task['mode'] | undefined): boolean {
  return mode === 'skip' || mode === 'todo' || mode === 'only'
}

/** One suite result from the results its batches reported: fail wins, then pass, then todo, then skip. */
export function mergeSuiteResults(results: readonly (RunnerTaskResult | undefined)[]): RunnerTaskResult {
  const present = results.filter((result): result is RunnerTaskResult => result !== undefined)
  const states = present.map(result => result.state)
  const state: RunnerTaskResult['state'] = states.includes('fail')
    ? 'fail'
    : states.includes('pass')
      ? 'pass'
      : states.length > 0 && states.every(s => s === 'todo') ? 'todo' : 'skip'
  const errors = dedupeErrors(present.flatMap(result => result.errors ?? []))
  const timed = present.filter(result => result.startTime !== undefined)
  const start = timed.length ? Math.min(...timed.map(result => result.startTime!)) : undefined
  // The time the workers spent in the suite, added up as Vitest adds up the files it ran in
  // parallel: the span from the first worker's start to the last one's end would count the
  // workers' boots and their waits for a slot as the suite's time.
  const duration = timed.reduce((sum, result) => sum + (result.duration ?? 0), 0)
  const base = present.find(result => result.state === state) ?? present[0]
  return {
    ...base,
    state,
    ...(errors.length ? { errors } : { errors: undefined }),
    ...(start !== undefined && { startTime: start, duration }),
  }
}

type TaskError = NonNullable<RunnerTaskResult['errors']>[number]

/**
 * One error per throw: batches that hit the same error (a suite's hook, a `.only` refused in CI)
 * report it once each, and their stacks differ below the throw site (V8's async frames depend on
 * what the worker had already awaited), so the key is the error and where it was thrown.
 */
function dedupeErrors(errors: TaskError[]): TaskError[] {
  const seen = new Set<string>()
  return errors.filter((error) => {
    const key = `${error.name}\0${error.message}\0${throwSite(error.stack)}`
    if (seen.has(key)) {
      return false
    }
    seen.add(key)
    return true
  })
}

/** The stack's first frame (where the error was thrown), or the whole stack when it has none. */
function throwSite(stack: string | undefined): string | undefined {
  return stack?.split('\n').find(line => line.trimStart().startsWith('at ')) ?? stack
}

function workerError(message: string, cause?: SerializedCause): TaskError {
  return { name: 'MpWorkerError', message, stack: `MpWorkerError: ${message}`, ...(cause && { cause }) } as TaskError
}

const treeDeclarations = new WeakMap<RunnerTestFile, { shape: string, names: Map<string, string> }>()

/** A planned tree's tests by id, with their names, and its shape; read once per tree, as every batch of the file asks. */
function plannedDeclarations(file: RunnerTestFile): { shape: string, names: Map<string, string> } {
  let declared = treeDeclarations.get(file)
  if (declared === undefined) {
    const names = declaredNames(file)
    declared = { shape: declarationShape([...names.keys()]), names }
    treeDeclarations.set(file, declared)
  }
  return declared
}
