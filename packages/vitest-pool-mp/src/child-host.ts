import type Tinypool from 'tinypool'
import type { Readable } from 'node:stream'
import type { TinypoolChannel } from 'tinypool'
import type { AskingWorker } from './known-answers.js'
import type { AnswersMessage, ChildTask, InlineSnapshotCheck, InlineSnapshotsMessage, OwnedTestsMessage, ProgressMessage, UnplannedTest, VerdictMessage, VerifyMessage } from './protocol.js'
import type { RuntimeRPC, SerializedConfig, WorkerEnvironment, WorkerExecuteContext } from './vitest-types.js'
import { createBirpc } from 'birpc'
import { killChild, trackChild, untrackChild } from './child-reaper.js'
import { createDeferred } from './deferred.js'
import { KnownAnswers } from './known-answers.js'
import { isMpMessage, MP_TAG, REPORTS_WITHOUT_REPLY } from './protocol.js'
import { timerDelay } from './timer-delay.js'
import { raisedLimit } from './watchdog-limit.js'

/** How long a child may take to say it is listening, or to answer `start` or `stop`. */
const HANDSHAKE_TIMEOUT = 60_000
/** How long to wait for a dead child's exit code once its task failed (a failed send can fail it first). */
const EXIT_INFO_TIMEOUT = 2_000

/**
 * Tinypool pipes a child's stdout and stderr into this process's own, and unpipes them as soon as
 * the child exits, dropping what main had not read yet (the end of a large write). Vitest's forks
 * pool pipes them into its logger's streams, which is what a programmatic user of Vitest
 * captures, until they end. Tinypool keeps the ChildProcess on its worker object (not in its
 * types), so this is best effort.
 */
function redirectOutput(thread: object, output: { stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream }): void {
  const child = (thread as { process?: { stdout?: Readable | null, stderr?: Readable | null } }).process
  for (const [from, to, own] of [[child?.stdout, output.stdout, process.stdout], [child?.stderr, output.stderr, process.stderr]] as const) {
    if (!from) {
      continue
    }
    from.unpipe(own)
    // Each piped child adds listeners to the shared stream for as long as it lives.
    to.setMaxListeners?.(to.getMaxListeners() + 1)
    from.pipe(to, { end: false })
    from.once('end', () => {
      from.unpipe(to)
      to.setMaxListeners?.(Math.max(to.getMaxListeners() - 1, 10))
    })
  }
}

/** What a wait for a worker's answer resolves with when the worker died first. */
const DIED = { died: true } as const

/** One child process: where it runs and how its Vitest worker is started. */
export interface ChildSpec {
  tinypool: Tinypool
  /** See ChildTask.vitestWorker. */
  vitestWorker: string
  /** Names the child in messages (its first batch, or what it collects). */
  label: string
  poolId: number
  config: SerializedConfig
  environment: WorkerEnvironment
  /** Serves the child's shared-state requests; returns a function that detaches it. */
  attachStore?: (child: ChildConnection) => () => void
  /** Where the child's own stdout and stderr go (Vitest's logger streams), as with Vitest's forks pool. */
  output?: { stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream }
  /** Answers the run's repeatable calls, and sends the child ahead what its files' workers asked before. */
  answers?: KnownAnswers
  /**
   * Serves the worker's calls outside any request: while it starts (loading a custom environment
   * through the module runner) or stops (tearing that environment down).
   */
  baseRpc?: RuntimeRPC
}

/** One request to a started child: run a batch or collect files. */
export interface ChildRequest {
  label: string
  method: 'run' | 'collect'
  context: WorkerExecuteContext
  /** Serves the worker's calls to the main process (Vitest's RuntimeRPC, possibly wrapped). */
  rpc: RuntimeRPC
  /** Kills the child when it has been silent this long (no RPC call, no report); `false` for never. */
  watchdogMs: number | false
  /** The watchdog's limit once `timeouts` (a starting test file's hook timeouts) are allowed too. */
  watchdogWith?: (timeouts: readonly number[]) => number | false
  /** Called as each test begins and ends, ahead of Vitest's throttled reports. */
  onProgress?: (progress: ProgressMessage) => void
  /** Called with the inline snapshots the worker would write into a source file. */
  onInlineSnapshots?: (edit: InlineSnapshotsMessage) => void
  /** The inline snapshot assertions a test file of the batch ran under `-u`. */
  onInlineChecks?: (checks: InlineSnapshotCheck[]) => void
  /** A test file's .snap file this worker removed, as its merge left it empty. */
  onSnapshotRemoved?: (testFile: string, snapFile: string) => void
  /** No other worker of the run runs tests of these files (so none writes their snapshots). */
  solo?: boolean
  /**
   * The worker records where each task is declared (Vitest's `includeTaskLocation`), so that group
   * errors can name lines. Collect requests always do; a run does when main plans a file from the
   * tree its worker collects. A worker's first stack trace costs it milliseconds of CPU.
   */
  taskLocations?: boolean
  /** Files whose collected tree main checks before their tests run, and how it answers. */
  verify?: {
    files: string[]
    /** `go: false` ends the child (the file is replanned); `watchdogMs` is the batch's limit from now on. */
    verdict: () => Promise<{ go: boolean, watchdogMs: number | false }>
  }
  /**
   * The only tests whose reports main takes from this request, with what main planned in its
   * files (OwnedTestsMessage); without it, every report.
   */
  owned?: Pick<OwnedTestsMessage, 'tests' | 'planned' | 'names'>
  /** Called with the tests of a file the worker's copy of which declares its tests in other places than main planned. */
  onUnplanned?: (tests: UnplannedTest[]) => void
}

/** The main process's handle on a running child, given to the store. */
export interface ChildConnection {
  pid: number
  label: string
  send: (data: unknown) => void
  onMessage: (listener: (data: unknown) => void) => void
}

export type ChildOutcome =
  | { kind: 'finished', pid: number, error?: unknown }
  | { kind: 'start-failed', pid: number | undefined, error: unknown }
  | { kind: 'crashed', pid: number | undefined, exitCode: number | null, signal: NodeJS.Signals | null, spawnError?: unknown }
  | { kind: 'hung', pid: number, silentForMs: number }
  | { kind: 'cancelled', pid: number | undefined }
  | { kind: 'abandoned', pid: number | undefined }

interface LifecycleResponse {
  __vitest_worker_response__: true
  type: 'started' | 'stopped' | 'testfileFinished'
  error?: unknown
}

function isLifecycleResponse(message: unknown): message is LifecycleResponse {
  return typeof message === 'object' && message !== null && (message as LifecycleResponse).__vitest_worker_response__ === true
}

// `booted`: a spare child whose process is up, waiting for a first request to start its Vitest worker.
type State = 'idle' | 'spawning' | 'booted' | 'starting' | 'ready' | 'running' | 'stopping' | 'stopped' | 'dead'

/**
 * Runs Vitest's worker protocol against one Tinypool child: ready → start → (run|collect →
 * testfileFinished)* → stop → stopped. States are explicit; a child that dies at any point yields
 * an outcome instead of a hang, and a child silent for longer than the watchdog allows is killed.
 */
export class ChildHost {
  private state: State = 'idle'
  private pid: number | undefined
  private toChild: ((message: unknown) => void) | undefined
  private rpcListener: ((message: unknown) => void) | undefined
  private storeListener: ((data: unknown) => void) | undefined
  private detachStore: (() => void) | undefined
  private current: ChildRequest | undefined
  private exitInfo: { exitCode: number | null, signal: NodeJS.Signals | null } | undefined
  private killedAs: ChildOutcome | undefined
  private lastActivity = Date.now()
  private watchdogLimit: number | false = false
  private watchdog: NodeJS.Timeout | undefined
  private handshakeTimer: NodeJS.Timeout | undefined
  private task: Promise<unknown> | undefined
  private readonly exited = createDeferred()
  private readonly died = createDeferred<unknown>()
  private started = createDeferred<unknown>()
  private finished = createDeferred<unknown>()
  private stopped = createDeferred<unknown>()
  private readonly rpc
  /** Whether a request wants the worker started (a spare boots without starting). */
  private startWanted = false
  /** The current request, as the run's known answers see it. */
  private asking: AskingWorker = { moduleIds: [], firstRequest: true, known: new Set() }
  private requestsSent = 0

  constructor(private readonly spec: ChildSpec) {
    // birpc looks functions up at call time: each request serves its own RuntimeRPC.
    const functions = new Proxy({} as RuntimeRPC, {
      get: (_, name) => {
        const rpc = this.current?.rpc ?? this.spec.baseRpc
        const fn = (rpc as unknown as Record<PropertyKey, unknown> | undefined)?.[name]
        if (!rpc || typeof name !== 'string' || typeof fn !== 'function') {
          return fn
        }
        if (REPORTS_WITHOUT_REPLY.has(name)) {
          return reportingFailures(fn as (...args: unknown[]) => unknown, rpc)
        }
        const answers = this.spec.answers
        return answers && KnownAnswers.handles(name) ? (...args: unknown[]) => answers.serve(name, args, this.asking) : fn
      },
    })
    this.rpc = createBirpc<Record<string, never>, RuntimeRPC>(functions, {
      post: message => this.send(message),
      on: (listener) => { this.rpcListener = listener },
      eventNames: ['onCancel'],
      timeout: -1,
    })
  }

  /** Whether the child can take another request, now or once it has started. */
  get isReusable(): boolean {
    // A child the pool has decided to kill (abandoned, hung, cancelled) may still finish the request
    // it had before the kill lands; it must not take the next one, which the kill would then end.
    return this.killedAs === undefined
      && (this.state === 'spawning' || this.state === 'booted' || this.state === 'starting' || this.state === 'ready')
  }

  get environment(): WorkerEnvironment {
    return this.spec.environment
  }

  /** Boots the child's process ahead of any request, so a first request finds it up. */
  prespawn(): void {
    if (this.state === 'idle') {
      this.spawn(this.spec.label)
    }
  }

  /** Whether the child can still serve a first request (a spare that did not die while waiting). */
  get isFresh(): boolean {
    return this.state === 'idle' || this.state === 'spawning' || this.state === 'booted'
  }

  /** What a spare child starts as, given when a first request takes it. */
  assign(spec: Pick<ChildSpec, 'label' | 'poolId' | 'config' | 'environment'>): void {
    Object.assign(this.spec, spec)
  }

  /** Runs one request, starting the child first if needed. Resolves once the worker is done with it, or died. */
  async request(request: ChildRequest): Promise<ChildOutcome> {
    // While the process boots, main answers what workers of these files asked before.
    this.spec.answers?.prepare(request.context.files.map(file => file.filepath))
    const failed = await this.start(request.label)
    if (failed) {
      return failed
    }
    this.current = request
    this.finished = createDeferred()
    this.state = 'running'
    this.connectStore(request.label)
    this.lastActivity = Date.now()
    this.armWatchdog(request.watchdogMs)
    this.sendAnswersAhead(request)
    if (request.verify) {
      this.send({ [MP_TAG]: true, kind: 'verify', files: request.verify.files } satisfies VerifyMessage)
      void this.sendVerdict(request, request.verify)
    }
    if (request.owned) {
      this.send({ [MP_TAG]: true, kind: 'owned', ...request.owned } satisfies OwnedTestsMessage)
    }
    this.send({ __vitest_worker_request__: true, type: request.method, context: request.context })
    const result = await Promise.race([this.finished.promise.then(error => ({ error })), this.died.promise.then(() => DIED)])
    clearTimeout(this.watchdog)
    // Whatever the batch still holds (a lock, a trail count) is released now, however it ended.
    this.disconnectStore()
    if ('died' in result) {
      return this.deathOutcome()
    }
    this.state = 'ready'
    return { kind: 'finished', pid: this.pid!, ...(result.error !== undefined && { error: result.error }) }
  }

  /**
   * Boots the process if needed and starts Vitest's worker in it. Resolves once it can take a
   * request, or with the outcome that says why it cannot.
   */
  async start(label: string = this.spec.label): Promise<ChildOutcome | undefined> {
    if (this.state === 'idle') {
      this.spawn(label)
    }
    this.startWanted = true
    if (this.state === 'booted') {
      this.startWorker()
    }
    const startError = await Promise.race([this.started.promise, this.died.promise.then(() => DIED)])
    if (startError === DIED || this.state === 'dead') {
      return this.deathOutcome()
    }
    if (startError !== undefined) {
      return { kind: 'start-failed', pid: this.pid, error: startError }
    }
    return undefined
  }

  /** Stops the worker and waits for its process to end. Resolves with a teardown error, if any. */
  async stop(): Promise<unknown> {
    if (this.state === 'idle') {
      this.state = 'stopped'
      return undefined
    }
    let teardownError: unknown
    if (this.state === 'ready') {
      this.state = 'stopping'
      this.armHandshake('stop')
      this.send({ __vitest_worker_request__: true, type: 'stop' })
      const result = await Promise.race([this.stopped.promise.then(error => ({ error })), this.died.promise.then(() => DIED)])
      clearTimeout(this.handshakeTimer)
      teardownError = 'died' in result ? undefined : result.error
    }
    else if (this.state !== 'dead') {
      this.kill()
    }
    await this.task?.catch(() => undefined)
    this.state = this.state === 'dead' ? 'dead' : 'stopped'
    this.release()
    return teardownError
  }

  /** Forwards Vitest's cancel to the worker, which skips what it has not started. */
  cancel(reason: string): void {
    if (this.state === 'running') {
      void (this.rpc as unknown as { onCancel: (reason: string) => void }).onCancel(reason)
    }
  }

  /** Ends the child at once (run cancelled hard, or Vitest closing). */
  kill(): void {
    this.killedAs ??= { kind: 'cancelled', pid: this.pid }
    if (this.state === 'idle' || this.state === 'spawning') {
      this.markDead()
    }
    this.killProcess()
  }

  private spawn(label: string): void {
    this.state = 'spawning'
    const channel: TinypoolChannel = {
      onMessage: (callback) => { this.toChild = callback },
      postMessage: message => this.receive(message),
    }
    this.armHandshake('spawn')
    this.task = this.spec.tinypool.run({ label, vitestWorker: this.spec.vitestWorker } satisfies ChildTask, { channel })
    this.task.then(
      () => this.markDead(),
      (error: unknown) => this.markDead(error),
    )
  }

  private markDead(spawnError?: unknown): void {
    if (this.state === 'dead') {
      return
    }
    const wasStopping = this.state === 'stopping' || this.state === 'stopped'
    this.state = 'dead'
    clearTimeout(this.watchdog)
    clearTimeout(this.handshakeTimer)
    if (!wasStopping && this.pid === undefined && spawnError !== undefined) {
      this.killedAs ??= { kind: 'crashed', pid: undefined, exitCode: null, signal: null, spawnError }
    }
    this.died.resolve(spawnError)
    this.release()
  }

  private connectStore(label: string): void {
    if (this.spec.attachStore && this.pid !== undefined) {
      this.detachStore = this.spec.attachStore({
        pid: this.pid,
        label,
        send: data => this.send({ __vitest_pool_mp__: true, kind: 'store', data }),
        onMessage: (listener) => { this.storeListener = listener },
      })
    }
  }

  private disconnectStore(): void {
    this.detachStore?.()
    this.detachStore = undefined
    this.storeListener = undefined
  }

  private release(): void {
    this.disconnectStore()
    if (!this.rpc.$closed) {
      this.rpc.$close()
    }
    if (this.pid !== undefined) {
      untrackChild(this.pid)
    }
  }

  private async deathOutcome(): Promise<ChildOutcome> {
    if (this.killedAs) {
      return this.killedAs
    }
    if (this.pid !== undefined && !this.exitInfo) {
      const timer = setTimeout(() => this.exited.resolve(), EXIT_INFO_TIMEOUT)
      await this.exited.promise
      clearTimeout(timer)
    }
    return {
      kind: 'crashed',
      pid: this.pid,
      exitCode: this.exitInfo?.exitCode ?? null,
      signal: this.exitInfo?.signal ?? null,
    }
  }

  private send(message: unknown): void {
    if (this.state !== 'dead') {
      this.toChild?.(message)
    }
  }

  private receive(message: unknown): void {
    this.lastActivity = Date.now()
    if (isMpMessage(message)) {
      switch (message.kind) {
        case 'ready':
          this.onReady(message.pid)
          break
        case 'progress':
          this.current?.onProgress?.(message)
          break
        case 'store':
          this.storeListener?.(message.data)
          break
        case 'answers-used':
          this.spec.answers?.used(this.asking, message.keys)
          break
        case 'inline-snapshots':
          this.current?.onInlineSnapshots?.(message)
          break
        case 'inline-checks':
          this.current?.onInlineChecks?.(message.checks)
          break
        case 'snapshot-removed':
          this.current?.onSnapshotRemoved?.(message.testFile, message.snapFile)
          break
        case 'unplanned':
          this.current?.onUnplanned?.(message.tests)
          break
        case 'hook-timeouts':
          if (this.current?.watchdogWith) {
            this.watchdogLimit = raisedLimit(this.watchdogLimit, this.current.watchdogWith(message.timeouts))
          }
          break
        case 'heartbeat':
          // Its arrival (lastActivity above) is all it says.
      }
      return
    }
    if (isLifecycleResponse(message)) {
      this.onLifecycle(message)
      return
    }
    // Node delivers a child's exit code through Tinypool's channel as a bare number; ignore it.
    if (typeof message === 'object' && message !== null) {
      this.rpcListener?.(message)
    }
  }

  /** Tells the worker, once main has checked its collected tree, that its tests may run (or ends it). */
  private async sendVerdict(request: ChildRequest, verify: NonNullable<ChildRequest['verify']>): Promise<void> {
    const verdict = await verify.verdict()
    if (this.current !== request || this.state !== 'running') {
      return
    }
    if (!verdict.go) {
      this.killedAs ??= { kind: 'abandoned', pid: this.pid }
      this.killProcess()
      return
    }
    this.watchdogLimit = verdict.watchdogMs
    this.lastActivity = Date.now()
    this.send({ [MP_TAG]: true, kind: 'verdict' } satisfies VerdictMessage)
  }

  private sendAnswersAhead(request: ChildRequest): void {
    const firstRequest = this.requestsSent++ === 0
    this.asking = { moduleIds: request.context.files.map(file => file.filepath), firstRequest, known: this.asking.known }
    const answers = this.spec.answers?.ahead(this.asking)
    if (answers?.length) {
      this.send({ [MP_TAG]: true, kind: 'answers', answers } satisfies AnswersMessage)
    }
  }

  private onReady(pid: number): void {
    this.pid = pid
    trackChild(pid)
    if (this.killedAs) {
      this.killProcess()
      return
    }
    const thread = this.spec.tinypool.threads.find(candidate => candidate.threadId === pid)
    thread?.once('exit', (exitCode: number | null, signal: NodeJS.Signals | null) => {
      this.exitInfo = { exitCode, signal }
      this.exited.resolve()
    })
    if (thread && this.spec.output) {
      redirectOutput(thread, this.spec.output)
    }
    if (this.startWanted) {
      this.startWorker()
      return
    }
    this.state = 'booted'
    clearTimeout(this.handshakeTimer)
  }

  private startWorker(): void {
    this.state = 'starting'
    this.armHandshake('start')
    this.send({
      __vitest_worker_request__: true,
      type: 'start',
      poolId: this.spec.poolId,
      workerId: this.spec.poolId,
      options: { reportMemory: false },
      context: { environment: this.spec.environment, config: this.spec.config, pool: 'mp' },
      traces: { enabled: false },
    })
  }

  private onLifecycle(message: LifecycleResponse): void {
    switch (message.type) {
      case 'started':
        clearTimeout(this.handshakeTimer)
        this.state = message.error === undefined ? 'ready' : 'stopping'
        if (message.error !== undefined) {
          // A worker that cannot set up is of no further use; let it go.
          this.send({ __vitest_worker_request__: true, type: 'stop' })
        }
        this.started.resolve(message.error)
        return
      case 'testfileFinished':
        this.finished.resolve(message.error)
        return
      case 'stopped':
        this.stopped.resolve(message.error)
    }
  }

  private armHandshake(step: 'spawn' | 'start' | 'stop'): void {
    clearTimeout(this.handshakeTimer)
    this.handshakeTimer = setTimeout(() => {
      if (step !== 'stop') {
        this.started.resolve(new Error(`[vitest-pool-mp] The worker for ${this.spec.label} did not answer "${step}" within ${HANDSHAKE_TIMEOUT / 1000} s.`))
      }
      if (this.pid === undefined) {
        this.markDead()
      }
      this.killProcess()
    }, HANDSHAKE_TIMEOUT)
    this.handshakeTimer.unref()
  }

  private armWatchdog(limit: number | false): void {
    this.watchdogLimit = limit
    if (limit === false || this.pid === undefined) {
      return
    }
    const check = () => {
      const limit = this.watchdogLimit
      if (this.state !== 'running' || limit === false) {
        return
      }
      const silentFor = Date.now() - this.lastActivity
      if (silentFor >= limit) {
        this.killedAs = { kind: 'hung', pid: this.pid!, silentForMs: silentFor }
        this.killProcess()
        return
      }
      this.watchdog = setTimeout(check, timerDelay(limit - silentFor + 10))
      this.watchdog.unref()
    }
    this.watchdog = setTimeout(check, timerDelay(limit))
    this.watchdog.unref()
  }

  private killProcess(): void {
    if (this.pid !== undefined) {
      killChild(this.pid)
    }
  }
}

/**
 * A report the worker sent without waiting for an answer (REPORTS_WITHOUT_REPLY) has no one to
 * hear its failure, so Vitest shows it as an error of the run instead.
 */
function reportingFailures(fn: (...args: unknown[]) => unknown, rpc: RuntimeRPC): (...args: unknown[]) => Promise<void> {
  return async (...args) => {
    try {
      await fn(...args)
    }
    catch (error) {
      rpc.onUnhandledError(error, 'Unhandled Rejection')
    }
  }
}
