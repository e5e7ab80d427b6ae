import type { PlannedBatch } from './batches.js'
import type { ChildConnection, ChildOutcome, ChildRequest } from './child-host.js'
import type { DependencyReport } from './dependency-union.js'
import type { VitestNodeApi } from './running-vitest.js'
import type { WholeFilePlan } from './static-plan.js'
import type { ResolvedMpPoolOptions } from './options.js'
import type { RunningBatches } from './running-batches.js'
import type { ProjectSlots } from './project-slots.js'
import type { Strategy } from './strategy.js'
import type { AnalyzedFile, GroupDeclaration, TreeFile } from './test-tree.js'
import type { FileSpecification, PoolOptions, RunnerTestFile, RuntimeRPC, SerializedConfig, TestProject, TestSpecification, WorkerEnvironment } from './vitest-types.js'
import { readFile } from 'node:fs/promises'
import { relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import Tinypool from 'tinypool'
import { describeBatch, planBatches } from './batches.js'
import { createDeferred } from './deferred.js'
import { durationCachePath, readDurations, writeDurations } from './duration-cache.js'
import { InlineSnapshotWriter } from './inline-snapshot-writer.js'
import { KnownAnswers, questionsPath } from './known-answers.js'
import { batchFailure, CANCELLED } from './batch-failure.js'
import { ChildLauncher, sameEnvironment } from './child-launcher.js'
import { collectChunks } from './collect-chunks.js'
import { MpError } from './errors.js'
import { parseFileDocblock } from './file-environment.js'
import { mayBeDebugged } from './debugger-attach.js'
import { unionOfDependencies } from './dependency-union.js'
import { resolveGroups } from './groups.js'
import { PredictedFiles } from './predicted-files.js'
import { reportFileNotRun } from './refused-file.js'
import { reportableTree } from './reportable-tree.js'
import { ReportMerger } from './report-merger.js'
import { hashSource, ScanCache, scanCachePath } from './scan-cache.js'
import { BatchScheduler } from './scheduler.js'
import { sharedSnapshotNames, takesKeyedSnapshots } from './shared-snapshot-names.js'
import { analyzeFile } from './test-tree.js'
import { vitestWorkerUrl } from './running-vitest.js'
import { timerDelay } from './timer-delay.js'
import { withoutPoolSetupTime } from './setup-file.js'
import { watchdogLimit } from './watchdog-limit.js'
import { POOL_NAME } from './pool-name.js'
import { choosePredictedFiles, chooseWholeFiles, matchesWholePlan, predictedGroups, predictedTree, scanFiles } from './static-plan.js'

/** How long workers may take to wind down after a cancel before they are killed. */
const CANCEL_KILL_TIMEOUT = 5_000

const CHILD_ENTRY = fileURLToPath(new URL('./child/child-entry.js', import.meta.url))
/** Merges what workers of one file write to its .snap file; see runtime/snapshot-environment.ts. */
const SNAPSHOT_ENVIRONMENT = fileURLToPath(new URL('./runtime/snapshot-environment.js', import.meta.url))

interface PreparedFile {
  spec: FileSpecification
  environment: WorkerEnvironment
  /** The hash of the file's source; `undefined` when it could not be read. */
  sourceHash: string | undefined
  /** Its source takes snapshots keyed by test name (toMatchSnapshot). */
  keyedSnapshots: boolean
}

/** What the store needs from a run: a way to attach each child's connection. */
export interface StoreAttacher {
  attach: (child: ChildConnection) => () => void
}

/**
 * One project's share of one test run on the mp pool: collect every file in a fresh worker,
 * check the groups, plan batches, run them under the scheduler's rules within the shared slots,
 * and report through the merger. Files are known up front (from the sequencer), so no batch
 * ever waits for Vitest to hand over a file.
 */
export class ProjectRun {
  private readonly files = new Map<string, PreparedFile>()
  private readonly launcher: ChildLauncher
  private merger: ReportMerger | undefined
  private scheduler: BatchScheduler | undefined
  private fatal: MpError | undefined
  private fatalReported = false
  private cancelled = false
  private nextWorkerId = 1
  private readonly finished: Promise<void>
  private readonly plannedSignal = createDeferred()
  private readonly target: RuntimeRPC
  private readonly answers: KnownAnswers
  private readonly stopWatching: () => void

  constructor(
    private readonly project: TestProject,
    private readonly specs: readonly TestSpecification[],
    private readonly poolOptions: PoolOptions,
    private readonly options: ResolvedMpPoolOptions,
    private readonly slots: ProjectSlots,
    private readonly running: RunningBatches,
    tinypool: Tinypool,
    store: StoreAttacher | undefined,
    /** `vitest/node` of the Vitest running the tests. */
    private readonly vitestNode: VitestNodeApi,
    /** How many worker processes to boot while the run is planned (its share of the slots). */
    spares = 0,
  ) {
    const methods = vitestNode.createMethodsRPC(project, { collect: poolOptions.method === 'collect', cacheFs: true })
    const reportDependencies = (methods as { onTestModuleDependencies?: DependencyReport }).onTestModuleDependencies
    const withoutSetupTime = withoutPoolSetupTime(project.config.setupFiles)
    this.target = {
      ...methods,
      ...(withoutSetupTime && { onCollected: files => methods.onCollected(withoutSetupTime(files)) }),
      // With `bail`, every worker whose failure reaches the limit asks Vitest to cancel, and with
      // a test per worker several do. Vitest takes a second cancel for a forced one: it stops the
      // pool's workers at once and ends the run before their reports are in.
      onCancel: reason => this.cancelled ? undefined : methods.onCancel(reason),
      ...(reportDependencies && { onTestModuleDependencies: unionOfDependencies(reportDependencies) }),
    }
    const target = this.target as unknown as Record<string, (...args: unknown[]) => unknown>
    this.answers = new KnownAnswers(
      (method, args) => target[method]!(...args),
      this.cachePath(questionsPath),
      this.cacheSalt(),
    )
    this.durationCache = this.cachePath(durationCachePath)
    this.previousDurations = this.durationCache ? readDurations(this.durationCache) : new Map()
    // Vitest's `isolate` is not the mp pool's: a batch gets what `isolation` gives it, and inside a
    // batch Vitest's worker evaluates each file's modules afresh (and resets vi.mock), as by default.
    const workerConfig: SerializedConfig = { ...project.serializedConfig, isolate: true }
    this.launcher = new ChildLauncher({
      tinypool,
      vitestWorker: vitestWorkerUrl(project.vitest),
      config: {
        ...workerConfig,
        snapshotEnvironment: workerConfig.snapshotEnvironment ?? SNAPSHOT_ENVIRONMENT,
      },
      soloConfig: workerConfig,
      output: { stdout: project.vitest.logger.outputStream, stderr: project.vitest.logger.errorStream },
      isolation: options.isolation,
      ...(store && { attachStore: (child: ChildConnection) => store.attach(child) }),
      answers: this.answers,
      onTeardownError: error => this.target.onUnhandledError(error, 'Teardown Error'),
      baseRpc: this.target,
    })
    if (poolOptions.method === 'run') {
      this.launcher.prespawn(Math.min(spares, specs.length), { name: project.config.environment || 'node', options: null } as WorkerEnvironment)
    }
    // A source file changed while the run goes on: what main answered for it so far is stale.
    const watcher = project.vite.watcher
    const forget = () => this.answers.forget()
    watcher?.on('change', forget)
    watcher?.on('unlink', forget)
    this.stopWatching = () => {
      watcher?.off('change', forget)
      watcher?.off('unlink', forget)
    }
    this.finished = this.execute().catch((error: unknown) => {
      this.fatal = insideError(error)
    })
  }

  static createTinypool(poolOptions: PoolOptions, maxWorkers: number): Tinypool {
    const tinypool = new Tinypool({
      filename: CHILD_ENTRY,
      runtime: 'child_process',
      isolateWorkers: true,
      minThreads: 0,
      maxThreads: maxWorkers,
      env: poolOptions.env as Record<string, string>,
      execArgv: poolOptions.execArgv,
      serialization: 'advanced',
    })
    // Tinypool reports a worker that dies while idle (or while booting) as an 'error' event; left
    // unhandled it would crash Vitest. Our own tasks learn of deaths through their rejection.
    tinypool.on('error', (error: unknown) => {
      poolOptions.project.vitest.logger.error(new MpError('A worker process died outside any test.', { cause: error }))
    })
    return tinypool
  }

  get method(): 'run' | 'collect' {
    return this.poolOptions.method
  }

  /**
   * Waits until every given file's report is complete. Resolves with the error to show for
   * this Vitest task, if any: a run-wide error is shown once, by the first file that asks.
   */
  async waitForFiles(files: readonly FileSpecification[]): Promise<unknown> {
    const unknown = files.filter(file => !this.specs.some(spec => spec.moduleId === file.filepath))
    if (unknown.length) {
      return new MpError(
        `Vitest asked the mp pool to run ${unknown.map(file => this.format(file.filepath)).join(', ')}, which the run did not announce. `
        + 'Add mpPlugin() to the `plugins` of this project\'s config: the pool learns a run\'s files from it.',
      )
    }
    const filesDone = Promise.all(files.map(file => this.whenFileDone(file.filepath)))
    await Promise.race([filesDone, this.finished])
    if (this.fatal) {
      if (this.fatalReported) {
        return undefined
      }
      this.fatalReported = true
      return this.fatal
    }
    await filesDone
    if (this.cancelled) {
      // Vitest ends a cancelled run once the files it has handed to a worker are done, and drops
      // the ones it had not handed out yet, which still run here: their reports must come first.
      await this.finished
    }
    if (!this.inlineSnapshots.received) {
      return undefined
    }
    // Written once every batch has ended: a worker still running reads the files it writes
    // inline snapshots into, and its edits are relative to them as they were when it loaded them.
    const unwritten = await this.inlineWritten.promise
    if (unwritten.length === 0 || this.inlineErrorsReported) {
      return undefined
    }
    this.inlineErrorsReported = true
    return unwritten.length > 1 ? new Error(unwritten.map(error => error.message).join('\n')) : unwritten[0]
  }

  /** Inline snapshots the workers would write, written once the run's batches have all ended. */
  private readonly inlineSnapshots = new InlineSnapshotWriter(file => this.format(file))
  private readonly inlineWritten = createDeferred<Error[]>()
  private inlineErrorsReported = false

  /** Stops starting batches; running workers are told to skip what they have not begun. */
  cancel(reason: string): void {
    if (this.cancelled) {
      return
    }
    this.cancelled = true
    this.launcher.cancel(reason)
    this.wake?.()
    setTimeout(() => this.launcher.kill(), CANCEL_KILL_TIMEOUT).unref()
  }

  /**
   * Vitest is closing while this run goes on. As its own pools let a file that is running finish,
   * the batches running finish (killed if they outlast `teardownTimeout`), and every result is in
   * before this resolves. No batch starts any more: Vitest 4 closes the projects' Vite servers
   * meanwhile, and a new worker could not load its files; the batches not started are reported not run.
   */
  async close(): Promise<void> {
    if (!this.cancelled) {
      this.cancelled = true
      this.wake?.()
      setTimeout(() => this.launcher.kill(), timerDelay(this.project.config.teardownTimeout)).unref()
    }
    await this.finished
  }

  /** Ends every child at once. */
  kill(): void {
    this.cancelled = true
    this.launcher.kill()
    this.wake?.()
  }

  private async whenFileDone(moduleId: string): Promise<void> {
    await this.plannedSignal.promise
    await this.refusal
    await this.listed.get(moduleId)
    await this.merger?.whenFileDone(moduleId)
  }


  private async execute(): Promise<void> {
    try {
      const refused = this.moduleIsolationRefused()
      if (refused) {
        await this.refuseRun(new Map(this.specs.map(spec => [spec.moduleId, this.fileTask(spec.moduleId)])), [refused])
        return
      }
      await this.prepareFiles()
      if (this.method === 'collect') {
        await this.collectOnly()
        return
      }
      const trees = await this.collectWhatTheSourceDoesNotTell()
      const batches = await this.plan(trees)
      if (!batches) {
        return
      }
      this.lastBatchId = Math.max(0, ...batches.map(batch => batch.id))
      this.countBatchesPerFile(batches)
      const held = this.predicted.markChecks(batches)
      const planned = new Map([...trees, ...this.predicted.trees as ReadonlyMap<string, unknown> as Map<string, RunnerTestFile>])
      this.merger = new ReportMerger(this.target, planned, batches, {
        verifyLate: (_batch, tree) => this.verifyLate(tree),
        predicted: new Set(this.predicted.trees.keys()),
        onUncollected: moduleId => this.withdrawHeld(moduleId),
        reportableTree: moduleId => this.reportableSourceTree(moduleId),
        fileTask: moduleId => this.fileTask(moduleId),
        cancelled: () => this.cancelled,
      })
      this.scheduler = new BatchScheduler(batches, this.slots.size)
      this.scheduler.hold(held)
      for (const batch of batches) {
        for (const entry of batch.files.filter(entry => entry.owned === 'late' || entry.verify)) {
          this.unsettled.add(entry.moduleId)
          void this.merger.lateVerdict(batch.id).finally(() => {
            this.unsettled.delete(entry.moduleId)
            this.releaseRevealed()
          })
        }
      }
      this.plannedSignal.resolve()
      // The run's other answers are worked out ahead once a first batch has ended: before that,
      // main's CPU is the booting workers' (each request prepares its own files' answers).
      const firstEnded = createDeferred()
      const files = [...new Set(batches.flatMap(batch => batch.files.map(entry => entry.moduleId)))]
      void firstEnded.promise.then(() => this.answers.prefetch(files))
      await this.runBatches(this.scheduler, this.merger, () => firstEnded.resolve())
      this.inlineWritten.resolve(this.inlineSnapshots.flush())
      if (this.durationCache) {
        writeDurations(this.durationCache, this.previousDurations, this.merger.measured)
      }
      this.answers.save()
    }
    finally {
      this.plannedSignal.resolve()
      this.inlineWritten.resolve([])
      this.stopWatching()
      await this.launcher.close()
    }
  }

  private async prepareFiles(): Promise<void> {
    await Promise.all(this.specs.map(async (spec) => {
      const { docblock, environment, sourceHash, keyedSnapshots } = await this.readTestFile(spec.moduleId)
      this.files.set(spec.moduleId, {
        environment,
        sourceHash,
        keyedSnapshots,
        spec: {
          filepath: spec.moduleId,
          fileTags: docblock.tags,
          testLocations: spec.testLines,
          testNamePattern: spec.testNamePattern,
          testIds: spec.testIds,
          testNames: testNamesOf(spec),
          testTagsFilter: spec.testTagsFilter,
        } as FileSpecification,
      })
    }))
  }

  /** What the plan reads of a test file's source: its docblock (environment, tags) and its hash. */
  private async readTestFile(moduleId: string): Promise<{ docblock: ReturnType<typeof parseFileDocblock>, environment: WorkerEnvironment, sourceHash: string | undefined, keyedSnapshots: boolean }> {
    const code = await readFile(moduleId, 'utf-8').catch(() => undefined)
    const docblock = parseFileDocblock(code ?? '', this.project.config.environment || 'node', this.project.config.environmentOptions)
    return { docblock, environment: docblock.environment as WorkerEnvironment, sourceHash: code === undefined ? undefined : hashSource(code), keyedSnapshots: takesKeyedSnapshots(code ?? '') }
  }

  private scanCache(): ScanCache {
    return new ScanCache(this.cachePath(scanCachePath), ScanCache.salt([this.cacheSalt()]))
  }

  /** Where in Vite's cache directory the pool keeps one of its caches; `undefined` with Vitest's `cache: false`. */
  private cachePath(inCacheDir: (cacheDir: string) => string): string | undefined {
    return this.project.vitest.config.cache === false ? undefined : inCacheDir(this.project.vite.config.cacheDir)
  }

  /** What else, besides a file's source, changes what Vite makes of it: Vitest's version and the Vite plugins. */
  private cacheSalt(): string {
    const { vitest, vite } = this.project
    return [vitest.version, ...vite.config.plugins.map(plugin => plugin.name)].join('\0')
  }

  /** `vitest list`: the files collected as for a run, reported straight to Vitest. */
  private async collectOnly(): Promise<void> {
    // Collectors always record locations (group errors name lines); `vitest list` shows them only if asked.
    const rpc: RuntimeRPC = this.project.config.includeTaskLocation
      ? this.target
      : { ...this.target, onCollected: (files) => {
          files.forEach(file => stripLocations(file))
          return this.target.onCollected(files)
        } }
    for (const chunk of this.collectChunks()) {
      const collected = this.withSlot(async (poolId) => {
        await this.runChild(poolId, chunk, undefined, { label: this.collectLabel(chunk), method: 'collect', rpc, watchdogMs: this.watchdogFor([]) })
      })
      chunk.forEach(moduleId => this.listed.set(moduleId, collected))
    }
    this.plannedSignal.resolve()
    await Promise.all(this.listed.values())
  }

  /** For `vitest list`: each file's collection. */
  private readonly listed = new Map<string, Promise<void>>()

  /**
   * Files whose source shows that one worker runs them whole (static-plan.ts) skip the collect
   * pass: their worker collects them and main checks the tree before their tests run. The rest
   * are collected first. A collected file may join a whole file's group by means the scan could
   * not read; that whole file is then collected too, so the group is planned from every tree.
   */
  private async collectWhatTheSourceDoesNotTell(): Promise<Map<string, RunnerTestFile>> {
    const scans = this.options.staticPlan ? await scanFiles(this.project, this.vitestNode.parseAst, this.files, this.options.ungrouped, this.scanCache()) : new Map()
    let whole = chooseWholeFiles(scans)
    let predicted = this.userFilters() ? [] : choosePredictedFiles(scans, whole)
    const isStatic = (moduleId: string) => whole.some(plan => plan.moduleId === moduleId) || predicted.some(plan => plan.moduleId === moduleId)
    const trees = await this.collectAll(this.specs.map(spec => spec.moduleId).filter(moduleId => !isStatic(moduleId)))
    for (;;) {
      const declared = new Set([...trees.values()].flatMap(tree => analyzeFile(tree as unknown as TreeFile).declarations.map(declaration => declaration.group)))
      const demotedWhole = whole.filter(plan => plan.group !== null && declared.has(plan.group))
      const demotedPredicted = predicted.filter(plan => predictedGroups(plan.tasks).some(group => declared.has(group)))
      if (demotedWhole.length === 0 && demotedPredicted.length === 0) {
        break
      }
      whole = whole.filter(plan => !demotedWhole.includes(plan))
      predicted = predicted.filter(plan => !demotedPredicted.includes(plan))
      for (const [moduleId, tree] of await this.collectAll([...demotedWhole, ...demotedPredicted].map(plan => plan.moduleId))) {
        trees.set(moduleId, tree)
      }
    }
    // A file whose collector died or hung has no tree: it runs whole in a batch that learns its
    // tree from its own worker, which reports what went wrong if it happens again (the file then
    // fails, named), or replans the file from what it collected.
    const uncollected = this.specs.map(spec => spec.moduleId).filter(moduleId => !trees.has(moduleId) && !isStatic(moduleId))
    whole.push(...uncollected.map(moduleId => ({ moduleId, group: null, strategy: 'free' as const, given: false })))
    this.unread = new Set(uncollected)
    this.wholePlans = new Map(whole.map(plan => [plan.moduleId, plan]))
    this.predicted = new PredictedFiles(new Map(predicted.map(plan => [plan.moduleId, predictedTree(this.fileTask(plan.moduleId) as unknown as TreeFile, plan.tasks)])))
    return trees
  }

  /** Files planned from the tree their source shows, with no collect pass. */
  private predicted = new PredictedFiles(new Map())

  /** A user's filter (by name, line, id or tag) decides which tests run: only a collect pass knows. */
  private userFilters(): boolean {
    const config = this.project.config as typeof this.project.config & { tagsFilter?: unknown[] }
    // The serialized config the workers get: the project's pattern, or one set while watching (the
    // `t` key, setGlobalTestNamePattern), which is Vitest's config override.
    return !!this.project.serializedConfig.testNamePattern || config.sequence.shuffle === true || !!config.tagsFilter?.length
      || this.specs.some(spec => spec.testIds?.length || spec.testLines?.length || spec.testNamePattern || spec.testTagsFilter || testNamesOf(spec)?.length)
  }

  /** A predicted file's tree was not what its worker collected, or it never got collected. */
  private withdrawHeld(moduleId: string): void {
    const held = this.predicted.release(moduleId)
    this.scheduler!.withdraw(held.map(batch => batch.id))
    this.merger!.forget(held)
  }

  private wholePlans = new Map<string, WholeFilePlan>()

  /** Files whose collector died or hung before it read them: what groups they hold is unknown. */
  private unread = new Set<string>()

  /**
   * Collects the given files, a few processes for the whole run rather than one per file. A file whose
   * collector dies or hangs is simply missing here.
   */
  private async collectAll(moduleIds: readonly string[]): Promise<Map<string, RunnerTestFile>> {
    const trees = new Map<string, RunnerTestFile>()
    const rpc = {
      ...this.target,
      onQueued: () => undefined,
      onCollected: async (files: RunnerTestFile[]) => { files.forEach(file => trees.set(file.filepath, file)) },
      onTaskUpdate: async () => undefined,
      onUserConsoleLog: () => undefined,
      onAfterSuiteRun: () => undefined,
      onUnhandledError: () => undefined,
    } as RuntimeRPC
    const collect = (poolId: number, chunk: string[]) =>
      this.runChild(poolId, chunk, undefined, { label: this.collectLabel(chunk), method: 'collect', rpc, watchdogMs: this.watchdogFor([]) })
    if (this.options.isolation === 'module') {
      // Every slot's warm worker boots now anyway: each takes the next file as soon as it is up,
      // so the run's first tests wait for no worker slower to boot than the others.
      // A worker still booting when every file is taken leaves the collecting to the others.
      const queue = this.collectChunks(moduleIds).flat()
      const allTaken = createDeferred()
      const collectors = Math.min(this.slots.size, queue.length)
      await Promise.all(Array.from({ length: collectors }, () => this.withSlot(async (poolId) => {
        await Promise.race([this.launcher.startWarm(poolId, this.files.get(queue[0] ?? moduleIds[0]!)!.environment), allTaken.promise])
        for (let next = queue.shift(); next !== undefined && !this.cancelled; next = queue.shift()) {
          if (queue.length === 0) {
            allTaken.resolve()
          }
          await collect(poolId, [next])
        }
      })))
      return trees
    }
    // A collector collects its files in order, and one that dies or hangs while it loads a file
    // never gets to the files after it: another collector takes those, so that only that file goes
    // without a tree (planned whole, it fails by itself, named), not the files that shared its chunk.
    await Promise.all(this.collectChunks(moduleIds).map(async (chunk) => {
      for (let rest = chunk; rest.length > 0 && !this.cancelled;) {
        const files = rest
        await this.withSlot(poolId => collect(poolId, files))
        const stoppedAt = files.findIndex(moduleId => !trees.has(moduleId))
        rest = stoppedAt === -1 ? [] : files.slice(stoppedAt + 1)
      }
    }))
    return trees
  }

  private collectChunks(moduleIds: readonly string[] = this.specs.map(spec => spec.moduleId)): string[][] {
    const environmentOf = (moduleId: string) => JSON.stringify(this.files.get(moduleId)!.environment)
    return collectChunks([...moduleIds], environmentOf, this.slots.size)
  }

  private collectLabel(chunk: readonly string[]): string {
    return chunk.length === 1 ? `collecting ${this.format(chunk[0]!)}` : `collecting ${chunk.length} files`
  }

  private async plan(trees: Map<string, RunnerTestFile>): Promise<PlannedBatch[] | undefined> {
    const analyzed: AnalyzedFile[] = []
    const declarations: GroupDeclaration[] = []
    const unloaded: string[] = []
    // Path order, not the sequencer's (which sorts by cached durations): "the first strategy given
    // to a group" and a serial group's order across files must not change from one run to the next.
    const specs = [...this.specs].sort(byPath)
    for (const spec of specs) {
      const tree = trees.get(spec.moduleId)
      const whole = this.wholePlans.get(spec.moduleId)
      if (whole) {
        if (whole.group !== null) {
          declarations.push({ group: whole.group, strategy: whole.given ? whole.strategy : undefined, file: spec.moduleId, line: undefined })
        }
        continue
      }
      const predicted = this.predicted.trees.get(spec.moduleId)
      if (!tree && !predicted) {
        analyzed.push({ moduleId: spec.moduleId, collectFailed: true, tests: [], suiteIds: [] })
        unloaded.push(spec.moduleId)
        continue
      }
      const result = analyzeFile(predicted ?? tree as unknown as TreeFile)
      analyzed.push(result.file)
      declarations.push(...result.declarations)
      if (result.file.collectFailed) {
        unloaded.push(spec.moduleId)
      }
    }
    // Locations were collected for these messages only; the user's reports carry them only if asked.
    if (!this.project.config.includeTaskLocation) {
      trees.forEach(tree => stripLocations(tree))
    }
    const outside = await this.strategiesFromSources(declarations, unloaded)
    const { strategies, errors } = resolveGroups([...declarations, ...outside], file => this.format(file))
    if (errors.length) {
      this.refusePlan(trees, errors)
      return undefined
    }
    this.noteGroups(declarations, outside)
    const userTestIds = new Map(this.specs.filter(spec => spec.testIds).map(spec => [spec.moduleId, spec.testIds!]))
    for (const file of analyzed) {
      this.timeouts.set(file.moduleId, new Map(file.tests.map(test => [test.id, test.timeout])))
    }
    this.userTestIds = userTestIds
    const wholeFiles = [...this.wholePlans.values()].map(plan => ({
      ...plan,
      ...(plan.group !== null && { strategy: strategies.get(plan.group) ?? plan.strategy }),
      idPrefix: `${this.fileTask(plan.moduleId).id}_`,
    }))
    const batches = planBatches(analyzed, strategies, { ungrouped: this.options.ungrouped, userTestIds, durations: this.previousDurations, wholeFiles })
    const refused = [...batches.flatMap(batch => this.mixedEnvironments(batch)), ...this.sharedSnapshotNames(analyzed, batches)]
    if (refused.length) {
      this.refusePlan(trees, refused)
      return undefined
    }
    return batches
  }

  /** Refuses the run as planned: every file, collected or planned from its source, reported with the errors about it. */
  private refusePlan(trees: Map<string, RunnerTestFile>, errors: readonly MpError[]): void {
    const all = new Map(trees)
    for (const moduleId of [...this.wholePlans.keys(), ...this.predicted.trees.keys()]) {
      all.set(moduleId, this.reportableSourceTree(moduleId) ?? this.fileTask(moduleId))
    }
    void this.refuseRun(all, errors)
  }

  /**
   * The tree a file planned from its source shows, as Vitest reports a collected file, for when
   * no worker loads it (the run is refused or cancelled first); `undefined` if its source does not
   * show all of it.
   */
  private reportableSourceTree(moduleId: string): RunnerTestFile | undefined {
    const tasks = this.wholePlans.get(moduleId)?.tasks
    const predicted = this.predicted.trees.get(moduleId) ?? (tasks && predictedTree(this.fileTask(moduleId) as unknown as TreeFile, tasks))
    return predicted && reportableTree(this.fileTask(moduleId), predicted, this.project.config.testTimeout)
  }

  /**
   * A serial group's files run in one worker, and a worker has one test environment (Vitest's own
   * pools never share a worker between environments either): a group whose files ask for
   * different ones would run the later files in the first one's, silently.
   */
  private mixedEnvironments(batch: PlannedBatch): MpError[] {
    const files = batch.files.map(entry => ({ moduleId: entry.moduleId, environment: this.files.get(entry.moduleId)!.environment }))
    if (files.every(file => sameEnvironment(file.environment, files[0]!.environment))) {
      return []
    }
    const named = (environment: WorkerEnvironment) => files.filter(file => file.environment.name === environment.name).some(file => !sameEnvironment(file.environment, environment))
      ? `${environment.name} with ${environment.options === null ? 'the config\'s options' : `options ${JSON.stringify(environment.options)}`}`
      : environment.name
    return [new MpError(
      `${batch.group === null ? 'A batch' : `Group "${batch.group}" (${batch.strategy})`} runs its files in one worker, which has one test environment, but they ask for different ones: `
      + `${files.map(file => `${this.format(file.moduleId)} (${named(file.environment)})`).join(', ')}. `
      + 'Give its files the same environment and environment options (the config\'s, or the same per-file comments), or split the group by environment.',
      { files: files.map(file => file.moduleId) },
    )]
  }

  /**
   * Tests of a file that takes snapshots by name (toMatchSnapshot), sharing one name, in different
   * workers: their snapshots would take the same entries of the file's .snap file.
   */
  private sharedSnapshotNames(files: readonly AnalyzedFile[], batches: readonly PlannedBatch[]): MpError[] {
    const snapshotting = files.filter(file => this.files.get(file.moduleId)?.keyedSnapshots)
    return sharedSnapshotNames(snapshotting, batches).map(({ moduleId, fullName, batches: apart }) => new MpError(
      `${this.format(moduleId)}: the tests named "${fullName}" run in ${apart.length} different workers (${[...new Set(apart.map(batch => describeBatch(batch)))].join(', ')}), and the file takes snapshots with toMatchSnapshot. `
      + `Vitest tells apart the snapshots of tests that share a name only by counting them in one worker ("${fullName} 1", "${fullName} 2", ...): in different workers they would write and read the same entries. `
      + 'Give the tests different names (in test.each, put %s or $name in the name), or put them in one serial group.',
      { files: [moduleId] },
    ))
  }

  /** Which files declare each group, for checking a replanned file against the rest of the run. */
  private readonly groupFiles = new Map<string, Set<string>>()
  private userTestIds = new Map<string, string[]>()
  private lastBatchId = 0

  /**
   * A whole-file batch's worker has collected its file, and waits. It runs the file if the tree is
   * what the source promised; otherwise it is ended before any test starts and the file is
   * planned from the tree, as if the collect pass had collected it, with its batches joining the run.
   */
  private verifyLate(tree: RunnerTestFile): boolean {
    const { file, declarations } = this.analyzeCollected(tree)
    if (this.predicted.has(file.moduleId)) {
      if (this.predicted.matches({ file, declarations })) {
        this.scheduler!.release(this.predicted.release(file.moduleId).map(batch => batch.id))
        this.wake?.()
        return true
      }
      // This worker ran with its batch's filter, so its tree does not say which tests are
      // skipped: the file is collected again, whole, and planned from that.
      this.recollecting.add(file.moduleId)
      this.withdrawHeld(file.moduleId)
      this.track(this.recollect(file.moduleId))
      return false
    }
    const plan = this.wholePlans.get(file.moduleId)
    if (!plan || matchesWholePlan(file, declarations, plan)) {
      return true
    }
    this.replan({ tree, file, declarations, located: this.project.config.includeTaskLocation || this.unread.has(file.moduleId) })
    return false
  }

  private async recollect(moduleId: string): Promise<void> {
    const reopened = this.merger!.keepOpen(moduleId)
    try {
      // A collector that died or hung leaves a bare file with no test: planned, it runs whole, where
      // whatever went wrong is reported.
      const tree = (await this.collectAll([moduleId])).get(moduleId) ?? this.fileTask(moduleId)
      if (this.cancelled) {
        await this.merger!.refuseFile(this.fileTask(moduleId), [])
        return
      }
      const { file, declarations } = this.analyzeCollected(tree)
      this.replan({ tree, file, declarations, located: true })
    }
    finally {
      this.recollecting.delete(moduleId)
      this.releaseRevealed()
      reopened()
    }
  }

  /**
   * A tree a worker collected, analyzed; its tests' timeouts are the watchdog's from now on. The
   * worker recorded task locations for the messages about its declarations; the user's reports
   * carry them only if asked.
   */
  private analyzeCollected(tree: RunnerTestFile): ReturnType<typeof analyzeFile> {
    const analyzed = analyzeFile(tree as unknown as TreeFile)
    this.timeouts.set(analyzed.file.moduleId, new Map(analyzed.file.tests.map(test => [test.id, test.timeout])))
    if (!this.project.config.includeTaskLocation) {
      stripLocations(tree)
    }
    return analyzed
  }

  /** Work the run must wait for besides its batches (a file being collected again). */
  private readonly tracked = new Set<Promise<void>>()

  /**
   * A run that leaves files out (a file filter, `--shard`, a watch rerun) may leave out the file
   * that gives a group its strategy, and the group would run as `free`. For each group no file of
   * the run gives a strategy to, the project's other test files are read as the plan reads sources
   * (a literal `describe.mpGroup(name, strategy, ...)`); the first, in path order, that gives one
   * decides. So are the run's `unloaded` files, which failed to load in the collect pass (an
   * import that fails, a throw before the group): their run fails, but another file's tests in
   * the group must not run as `free` for it.
   */
  private async strategiesFromSources(declarations: readonly GroupDeclaration[], unloaded: readonly string[] = []): Promise<GroupDeclaration[]> {
    const given = new Set(declarations.filter(declaration => declaration.strategy !== undefined).map(declaration => declaration.group))
    const missing = new Set(declarations.map(declaration => declaration.group).filter(group => !given.has(group)))
    if (missing.size === 0) {
      return []
    }
    const inRun = new Set(this.specs.map(spec => spec.moduleId))
    const others = (await (this.projectTestFiles ??= this.testFilesOutsideCliExclude())).filter(file => !inRun.has(file))
    const unread = [...unloaded, ...others].sort()
    const files = new Map(await Promise.all(unread.map(async (file) => {
      const { environment, sourceHash } = this.files.get(file) ?? await this.readTestFile(file)
      return [file, { environment, sourceHash }] as const
    })))
    const scans = await scanFiles(this.project, this.vitestNode.parseAst, files, this.options.ungrouped, this.scanCache())
    const found: GroupDeclaration[] = []
    for (const file of unread) {
      for (const [group, strategy] of scans.get(file)?.given ?? []) {
        if (missing.delete(group)) {
          found.push({ group, strategy, file, line: undefined })
        }
      }
    }
    return found
  }

  /** testFilesOutsideCliExclude's answer, globbed once per run: the plan and each reveal may ask. */
  private projectTestFiles: Promise<string[]> | undefined

  /**
   * The project's test files, as if the command line gave no `--exclude`: that is one more way to
   * leave a file out of a run, like a filter, and the file may give a group its strategy. Vitest
   * adds those patterns after the config's; its glob of a project's files takes the rest.
   */
  private async testFilesOutsideCliExclude(): Promise<string[]> {
    const config = this.project.config as typeof this.project.config & { cliExclude?: string[] }
    const cliExclude = config.cliExclude ?? []
    const project = this.project as typeof this.project & { globFiles?: (include: string[], exclude: string[], cwd: string) => Promise<string[]> }
    const exclude = config.exclude.slice(0, config.exclude.length - cliExclude.length)
    if (cliExclude.length === 0 || typeof project.globFiles !== 'function' || config.exclude.slice(exclude.length).some((pattern, i) => pattern !== cliExclude[i])) {
      return (await this.project.globTestFiles()).testFiles
    }
    return project.globFiles(config.include, exclude, config.dir || config.root)
  }

  private track(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) => {
      this.fatal ??= insideError(error)
    }).finally(() => {
      this.tracked.delete(tracked)
      this.wake?.()
    })
    this.tracked.add(tracked)
  }

  /**
   * Plans a file from the tree a worker collected, as if the collect pass had collected it, its
   * batches joining the run; or refuses it when it declares, unseen, a group another file declares.
   * A group no plan has seen (declared through a variable or a helper) may be declared, just as
   * unseen, by other files whose first worker has yet to load them: the file waits for them (see
   * releaseRevealed), so that such a group is planned from every file that declares it.
   */
  private replan(replanned: RevealedFile): void {
    const { tree, file, declarations } = replanned
    this.unsettled.delete(file.moduleId)
    this.recollecting.delete(file.moduleId)
    const { strategies, errors } = resolveGroups([...this.strategiesGiven(declarations), ...declarations], moduleId => this.format(moduleId))
    if (errors.length && !replanned.located) {
      this.recollectForLines(file.moduleId)
      return
    }
    const planned = declarations.find(declaration => [...this.groupFiles.get(declaration.group) ?? []].some(moduleId => moduleId !== file.moduleId))
    if (planned) {
      const others = [...this.groupFiles.get(planned.group)!].filter(moduleId => moduleId !== file.moduleId)
      errors.push(new MpError(
        `Group "${planned.group}" is declared in ${this.format(file.moduleId)} by code the pool saw only when a worker loaded the file `
        + `(a helper, an import or a setup file), and also in ${others.map(moduleId => this.format(moduleId)).join(', ')}, which was already planned. `
        + `If the test file can declare it, do so with a literal describe.mpGroup("${planned.group}", ...) in ${this.format(file.moduleId)}, so it is planned with the others; `
        + 'where it cannot (a setup file declares the group for every test file), set mpPlugin({ staticPlan: false }) to collect every file before planning.',
        { files: [file.moduleId] },
      ))
    }
    if (errors.length) {
      void this.merger!.refuseFile(tree, errors)
      this.releaseRevealed()
      return
    }
    if (declarations.some(declaration => !this.groupFiles.has(declaration.group))) {
      if (this.revealed.length === 0) {
        this.revealedPlanned = createDeferred()
        this.track(this.revealedPlanned.promise)
      }
      this.revealed.push({ ...replanned, reopen: this.merger!.keepOpen(file.moduleId) })
      this.releaseRevealed()
      return
    }
    this.planReplanned([replanned], strategies)
  }

  /**
   * Collects a file again, with task locations, and replans it from that tree: its worker's tree
   * has none (they cost every checking worker its first stack trace), and a group error names lines.
   */
  private recollectForLines(moduleId: string): void {
    this.recollecting.add(moduleId)
    this.track(this.recollect(moduleId))
  }

  /**
   * Notes the plan's groups: which files declare each (`outside` only gives strategies), and the
   * declaration that gave each its strategy, which a group's later declarations must agree with.
   */
  private noteGroups(declarations: readonly GroupDeclaration[], outside: readonly GroupDeclaration[] = []): void {
    for (const declaration of declarations) {
      this.groupFiles.set(declaration.group, new Set([...this.groupFiles.get(declaration.group) ?? [], declaration.file]))
    }
    for (const declaration of [...declarations, ...outside]) {
      if (declaration.strategy !== undefined && !this.strategyGivenAt.has(declaration.group)) {
        this.strategyGivenAt.set(declaration.group, declaration)
      }
    }
  }

  /** Per group, the declaration that gave it its strategy in the plan (a file of the run's, or one outside it). */
  private readonly strategyGivenAt = new Map<string, GroupDeclaration>()

  /** The declarations that gave the plan's strategy to the groups `declarations` name. */
  private strategiesGiven(declarations: readonly GroupDeclaration[]): GroupDeclaration[] {
    return [...new Set(declarations.map(declaration => declaration.group))].flatMap(group => this.strategyGivenAt.get(group) ?? [])
  }

  /** Files planned from their source whose first worker has not shown yet what it collected. */
  private readonly unsettled = new Set<string>()
  /** Files being collected again: their predicted tree was not what their worker collected. */
  private readonly recollecting = new Set<string>()
  /** Replanned files that declare groups no plan had seen, held until no file is unsettled. */
  private revealed: (RevealedFile & { reopen: () => void })[] = []
  private revealedPlanned = createDeferred()

  /**
   * Plans the held files together once every file planned from its source has been checked (or
   * the run is cancelled): a group they share runs as one batch, in file order, and strategies
   * they disagree on fail those files, as the collect pass would have planned and refused them.
   */
  private releaseRevealed(): void {
    if (this.revealed.length === 0 || (!this.cancelled && this.unsettled.size + this.recollecting.size > 0)) {
      return
    }
    // In path order, as the plan reads files: the first strategy given wins, a serial group runs its files in it.
    const held = this.revealed.splice(0).sort((a, b) => byPath(a.file, b.file))
    const planned = this.revealedPlanned
    this.track(this.planRevealed(held).finally(() => {
      held.forEach(entry => entry.reopen())
      planned.resolve()
    }))
  }

  private async planRevealed(held: readonly RevealedFile[]): Promise<void> {
    let files = held
    let { strategies, errors, outside } = await this.resolveRevealed(files)
    const unlocated = files.filter(entry => !entry.located && errors.some(error => error.files.includes(entry.file.moduleId)))
    if (unlocated.length > 0 && !this.cancelled) {
      // Their errors would name no line: those files are collected again, with task locations.
      const trees = await this.collectAll(unlocated.map(entry => entry.file.moduleId))
      files = files.map((entry) => {
        const tree = unlocated.includes(entry) ? trees.get(entry.file.moduleId) : undefined
        return tree ? { tree, ...this.analyzeCollected(tree), located: true } : entry
      })
      ;({ strategies, errors, outside } = await this.resolveRevealed(files))
    }
    const refused = new Set(errors.flatMap(error => error.files))
    for (const entry of files.filter(entry => refused.has(entry.file.moduleId))) {
      void this.merger!.refuseFile(entry.tree, errors.filter(error => error.files.includes(entry.file.moduleId)))
    }
    this.planReplanned(files.filter(entry => !refused.has(entry.file.moduleId)), strategies, outside)
  }

  /** The strategies of the groups held files reveal, with the plan's and those of files the run leaves out. */
  private async resolveRevealed(held: readonly RevealedFile[]): Promise<ReturnType<typeof resolveGroups> & { outside: GroupDeclaration[] }> {
    const revealed = held.flatMap(entry => entry.declarations)
    const declarations = [...this.strategiesGiven(revealed), ...revealed]
    // A group these files reveal may get its strategy from a file the run leaves out, as at plan time.
    const outside = this.cancelled ? [] : await this.strategiesFromSources(declarations)
    return { ...resolveGroups([...declarations, ...outside], moduleId => this.format(moduleId)), outside }
  }

  private planReplanned(replanned: readonly RevealedFile[], strategies: ReadonlyMap<string, Strategy>, outside: readonly GroupDeclaration[] = []): void {
    if (replanned.length === 0) {
      return
    }
    const batches = planBatches(replanned.map(entry => entry.file).sort(byPath), strategies, { ungrouped: this.options.ungrouped, userTestIds: this.userTestIds, durations: this.previousDurations })
    // A serial group these files share runs in one worker, which has one test environment.
    const unplannable = [...batches.flatMap(batch => this.mixedEnvironments(batch)), ...this.sharedSnapshotNames(replanned.map(entry => entry.file), batches)]
    if (unplannable.length) {
      const refused = new Set(unplannable.flatMap(error => error.files))
      for (const entry of replanned.filter(entry => refused.has(entry.file.moduleId))) {
        void this.merger!.refuseFile(entry.tree, unplannable.filter(error => error.files.includes(entry.file.moduleId)))
      }
      this.planReplanned(replanned.filter(entry => !refused.has(entry.file.moduleId)), strategies, outside)
      return
    }
    this.noteGroups(replanned.flatMap(entry => entry.declarations), outside)
    for (const batch of batches) {
      batch.id += this.lastBatchId
    }
    this.lastBatchId += batches.length
    replanned.forEach(entry => this.batchesPerFile.delete(entry.file.moduleId))
    this.countBatchesPerFile(batches)
    this.merger!.addPlan(replanned.map(entry => entry.tree), batches)
    this.schedule(batches)
  }

  private schedule(batches: PlannedBatch[]): void {
    if (!this.scheduler!.add(batches)) {
      batches.forEach(batch => void this.merger!.batchEnded(batch, CANCELLED))
    }
    this.wake?.()
  }

  /** How many batches run tests of each file: a file with one needs no snapshot merging. */
  private readonly batchesPerFile = new Map<string, number>()

  private countBatchesPerFile(batches: readonly PlannedBatch[]): void {
    for (const entry of batches.flatMap(batch => batch.files)) {
      this.batchesPerFile.set(entry.moduleId, (this.batchesPerFile.get(entry.moduleId) ?? 0) + 1)
    }
  }

  /**
   * `isolation: 'module'` gets each batch fresh modules from Vite's module runner, which evaluates
   * test files and the source they import again for each; Node's own loader, which Vitest uses
   * instead with `experimental.viteModuleRunner: false`, evaluates a module once per process.
   */
  private moduleIsolationRefused(): MpError | undefined {
    const experimental = this.project.config.experimental as { viteModuleRunner?: boolean } | undefined
    if (this.options.isolation === 'module' && experimental?.viteModuleRunner === false) {
      return new MpError(
        'isolation: \'module\' needs Vite\'s module runner, which evaluates each batch\'s test file and source afresh; '
        + `with experimental.viteModuleRunner: false${this.project.name ? ` (project "${this.project.name}")` : ''} Node imports them once per process, and batches would share their state. `
        + 'Use mpPlugin({ isolation: \'process\' }), or leave viteModuleRunner on.',
        { files: this.specs.map(spec => spec.moduleId) },
      )
    }
    return undefined
  }

  /** A bare report for a file no worker has collected, with the id Vitest gives it. */
  private fileTask(moduleId: string): RunnerTestFile {
    const name = relative(this.project.config.root, moduleId)
    const file = {
      id: this.vitestNode.generateFileHash(name, this.project.config.name),
      name,
      fullName: name,
      type: 'suite',
      mode: 'run',
      filepath: moduleId,
      tasks: [],
      meta: {},
      projectName: this.project.config.name,
      pool: POOL_NAME,
    } as unknown as RunnerTestFile
    file.file = file
    return file
  }

  private readonly timeouts = new Map<string, Map<string, number | undefined>>()
  /** Where test durations persist between runs; none when Vitest's cache is off. */
  private readonly durationCache: string | undefined
  private readonly previousDurations: ReadonlyMap<string, number>

  /**
   * Bad group declarations stop the run before any test starts: each file they are in fails with
   * the errors about it, every other file is reported as not run.
   */
  private async refuseRun(trees: Map<string, RunnerTestFile>, errors: readonly MpError[]): Promise<void> {
    this.refusal = (async () => {
      for (const tree of trees.values()) {
        await reportFileNotRun(this.target, tree, errors.filter(error => error.files.includes(tree.filepath)))
      }
    })()
    await this.refusal
  }

  private refusal: Promise<void> | undefined

  /**
   * With module isolation, a slot whose warm worker is set up for one test environment prefers a
   * batch of that environment: a batch of another one replaces the worker (a new process).
   */
  private suitsWarmWorker(slot: number): ((batch: PlannedBatch) => boolean) | undefined {
    const warm = this.launcher.warmEnvironment(slot)
    return warm && (batch => sameEnvironment(this.files.get(batch.files[0]!.moduleId)!.environment, warm))
  }

  private async runBatches(scheduler: BatchScheduler, merger: ReportMerger, onBatchEnd: () => void): Promise<void> {
    const running = new Set<Promise<void>>()
    while (!this.cancelled && (!scheduler.isDone || this.tracked.size > 0)) {
      const slot = this.slots.tryTake()
      const batch = slot === undefined ? undefined : scheduler.next(this.running.others(this), this.suitsWarmWorker(slot))
      if (slot !== undefined && batch) {
        this.running.add(this, batch)
        this.slotsInUse.add(slot)
        const task: Promise<void> = this.runBatch(batch, slot).finally(() => {
          onBatchEnd()
          scheduler.finish(batch.id)
          running.delete(task)
          this.running.remove(this, batch)
          this.unchecked.delete(batch.id)
          this.slotsInUse.delete(slot)
          this.slots.release(slot)
          this.retireIdleWarmWorkers()
        })
        running.add(task)
        this.retireIdleWarmWorkers()
        continue
      }
      if (slot !== undefined) {
        this.slots.putBack(slot)
      }
      await this.nextChange(running)
    }
    for (const batch of scheduler.cancel()) {
      await merger.batchEnded(batch, CANCELLED)
    }
    this.releaseRevealed()
    await Promise.all([...running, ...this.tracked])
  }

  /** The slots this run's batches hold now. */
  private readonly slotsInUse = new Set<number>()
  /** Running batches whose files main has yet to check against the plan: a failed check adds batches. */
  private readonly unchecked = new Set<number>()

  /**
   * Once no batch is left to start and none can be added, a warm worker without a batch has
   * nothing left to do in this run.
   */
  private retireIdleWarmWorkers(): void {
    if (!this.scheduler!.hasPending && this.unchecked.size === 0 && this.tracked.size === 0) {
      this.launcher.retireIdle(this.slotsInUse)
    }
  }

  /** Resolves when a batch ends anywhere in the run, a slot frees, or the run is cancelled. */
  private nextChange(running: Set<Promise<void>>): Promise<void> {
    return new Promise<void>((resolve) => {
      const offSlots = this.slots.onRelease(done)
      const offBatches = this.running.onChange(done)
      this.wake = done
      void Promise.race([...running, ...this.tracked]).finally(done)
      function done() {
        offSlots()
        offBatches()
        resolve()
      }
    })
  }

  private wake: (() => void) | undefined

  private async runBatch(batch: PlannedBatch, poolId: number): Promise<void> {
    const merger = this.merger!
    const label = batch.files.some(entry => entry.owned === 'late' && this.unread.has(entry.moduleId))
      ? 'a whole file its collector could not read'
      : describeBatch(batch)
    const timeouts = batch.files.flatMap(entry => batch.runnable.map(id => this.timeouts.get(entry.moduleId)?.get(id)))
    const late = batch.files.filter(entry => entry.owned === 'late' || entry.verify).map(entry => entry.moduleId)
    const verify = late.length === 0
      ? undefined
      : {
          files: late,
          verdict: async () => ({
            go: await merger.lateVerdict(batch.id),
            watchdogMs: this.watchdogFor(late.flatMap(moduleId => [...this.timeouts.get(moduleId)?.values() ?? []])),
          }),
        }
    if (verify) {
      this.unchecked.add(batch.id)
      void merger.lateVerdict(batch.id).finally(() => {
        this.unchecked.delete(batch.id)
        this.retireIdleWarmWorkers()
      })
    }
    const outcome = await this.runChild(poolId, batch.files.map(entry => entry.moduleId), batch.files, {
      label,
      method: 'run',
      rpc: merger.methodsFor(batch),
      owned: merger.ownedTests(batch),
      watchdogMs: this.watchdogFor(timeouts),
      watchdogWith: hookTimeouts => this.watchdogFor(hookTimeouts),
      onProgress: progress => merger.noteProgress(progress),
      onUnplanned: tests => merger.noteUnplanned(batch, tests),
      onInlineSnapshots: edit => this.inlineSnapshots.add(edit),
      onInlineChecks: checks => this.inlineSnapshots.addChecks(checks),
      onSnapshotRemoved: (testFile, snapFile) => merger.noteSnapshotRemoved(testFile, snapFile),
      ...(verify && { verify }),
      taskLocations: batch.files.some(entry => this.unread.has(entry.moduleId)),
      solo: batch.files.every(entry => this.batchesPerFile.get(entry.moduleId) === 1),
    })
    if (outcome.kind === 'finished' && outcome.error !== undefined) {
      this.target.onUnhandledError(outcome.error, 'Test Run Error')
    }
    // After a cancel (--bail), a worker that ends normally has skipped what it had not started:
    // the tests it left without a result were cancelled, not lost.
    const cancelledFirst = outcome.kind === 'finished' && this.cancelled
    await merger.batchEnded(batch, cancelledFirst ? CANCELLED : batchFailure(outcome, `${label} [batch ${batch.id}]`))
  }

  private watchdogFor(timeouts: readonly (number | undefined)[]): number | false {
    const { testTimeout, hookTimeout } = this.project.config
    return watchdogLimit([testTimeout, hookTimeout, ...timeouts], this.debugged ? false : this.options.watchdogGrace)
  }

  /** A debugger may pause the workers: the watchdog must not take a breakpoint for a hang. */
  private get debugged(): boolean {
    return this.debuggedCached ??= mayBeDebugged({
      inspector: !!this.project.config.inspector?.enabled,
      execArgv: this.poolOptions.execArgv ?? [],
      env: { ...process.env, ...this.poolOptions.env },
    })
  }

  private debuggedCached: boolean | undefined

  /** Runs one request in a child of the slot: `request` is all of it but the files' context. */
  private async runChild(
    poolId: number,
    moduleIds: string[],
    entries: PlannedBatch['files'] | undefined,
    request: Omit<ChildRequest, 'context'>,
  ): Promise<ChildOutcome> {
    const files = moduleIds.map((moduleId) => {
      const prepared = this.files.get(moduleId)!
      const entry = entries?.find(candidate => candidate.moduleId === moduleId)
      return entry?.testIds ? { ...prepared.spec, testIds: entry.testIds } : prepared.spec
    })
    const environment = this.files.get(moduleIds[0]!)!.environment
    return this.launcher.run(poolId, environment, {
      ...request,
      context: {
        files,
        providedContext: this.project.getProvidedContext(),
        workerId: this.nextWorkerId++,
        environment,
      },
    })
  }

  private async withSlot<T>(work: (poolId: number) => Promise<T>): Promise<T> {
    const slot = await this.slots.take()
    try {
      return await work(slot)
    }
    finally {
      this.slots.release(slot)
    }
  }

  private format(file: string): string {
    return relative(this.project.config.root, file) || file
  }
}

/** A file replanned from the tree a worker collected. */
interface RevealedFile {
  tree: RunnerTestFile
  file: AnalyzedFile
  declarations: readonly GroupDeclaration[]
  /** Whether the worker recorded task locations, which the file's group errors name. */
  located: boolean
}

/**
 * Path order, the order in which the plan reads files. Compared by code unit: a locale-aware
 * comparison builds a collator, milliseconds of main's CPU.
 */
function byPath(a: { moduleId: string }, b: { moduleId: string }): number {
  return a.moduleId < b.moduleId ? -1 : a.moduleId > b.moduleId ? 1 : 0
}

function stripLocations(task: { location?: unknown, tasks?: unknown[] }): void {
  delete task.location
  for (const child of (task.tasks ?? []) as { location?: unknown, tasks?: unknown[] }[]) {
    stripLocations(child)
  }
}

/** A failure of the pool's own code, for the user to report. */
function insideError(error: unknown): MpError {
  return error instanceof MpError ? error : new MpError(`The run failed inside the pool: ${errorStack(error)}\nThis is a bug in vitest-pool-mp; please report it with this message.`, { cause: error })
}

function errorStack(error: unknown): string {
  return error instanceof Error ? error.stack ?? error.message : String(error)
}

/**
 * Vitest 5's filter by the tests' full names (`--lastFailed`, or `createSpecification(file, {
 * testNames })`), which its worker applies as it collects; Vitest 4's specifications have none.
 */
function testNamesOf(spec: TestSpecification): string[] | undefined {
  return (spec as TestSpecification & { testNames?: string[] }).testNames
}
