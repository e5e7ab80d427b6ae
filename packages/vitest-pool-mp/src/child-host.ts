import type Tinypool from 'tinypool'
import type { TinypoolChannel } from 'tinypool'
import type { ChildTask, ProgressMessage } from './protocol.js'
import type { RuntimeRPC, SerializedConfig, WorkerEnvironment, WorkerExecuteContext } from './vitest-types.js'
import { createBirpc } from 'birpc'
import { killChild, trackChild, untrackChild } from './child-reaper.js'
import { createDeferred } from './deferred.js'
import { isMpMessage } from './protocol.js'

/** How long a child may take to say it is listening, or to answer `start` or `stop`. */
const HANDSHAKE_TIMEOUT = 60_000
/** How long to wait for a dead child's exit code once its task failed (a failed send can fail it first). */
const EXIT_INFO_TIMEOUT = 2_000

/** One batch to run (or one file to collect) in one fresh child process. */
export interface ChildRequest {
  tinypool: Tinypool
  label: string
  poolId: number
  method: 'run' | 'collect'
  config: SerializedConfig
  environment: WorkerEnvironment
  context: WorkerExecuteContext
  /** Serves the worker's calls to the main process (Vitest's RuntimeRPC, possibly wrapped). */
  rpc: RuntimeRPC
  /** Kills the child when it has been silent this long (no RPC call, no report); `false` for never. */
  watchdogMs: number | false
  /** Serves the child's shared-state requests; returns a function that detaches it. */
  attachStore?: (child: ChildConnection) => () => void
  /** Called once the child process is known. */
  onSpawn?: (pid: number) => void
  /** Called as each test begins and ends, ahead of Vitest's throttled reports. */
  onProgress?: (progress: ProgressMessage) => void
}

/** The main process's handle on a running child, given to the store. */
export interface ChildConnection {
  pid: number
  label: string
  send: (data: unknown) => void
  onMessage: (listener: (data: unknown) => void) => void
}

export type ChildOutcome =
  | { kind: 'finished', pid: number, error?: unknown, teardownError?: unknown }
  | { kind: 'start-failed', pid: number | undefined, error: unknown }
  | { kind: 'crashed', pid: number | undefined, exitCode: number | null, signal: NodeJS.Signals | null, spawnError?: unknown }
  | { kind: 'hung', pid: number, silentForMs: number }
  | { kind: 'cancelled', pid: number | undefined }

interface LifecycleResponse {
  __vitest_worker_response__: true
  type: 'started' | 'stopped' | 'testfileFinished'
  error?: unknown
}

function isLifecycleResponse(message: unknown): message is LifecycleResponse {
  return typeof message === 'object' && message !== null && (message as LifecycleResponse).__vitest_worker_response__ === true
}

/**
 * Runs Vitest's worker protocol against one Tinypool child: ready → start → run|collect →
 * testfileFinished → stop → stopped. States are explicit; a child that dies at any point yields
 * an outcome instead of a hang, and a child silent for longer than the watchdog allows is killed.
 */
export class ChildHost {
  private state: 'spawning' | 'starting' | 'running' | 'stopping' | 'done' = 'spawning'
  private pid: number | undefined
  private toChild: ((message: unknown) => void) | undefined
  private rpcListener: ((message: unknown) => void) | undefined
  private storeListener: ((data: unknown) => void) | undefined
  private detachStore: (() => void) | undefined
  private runError: unknown
  private teardownError: unknown
  private exitInfo: { exitCode: number | null, signal: NodeJS.Signals | null } | undefined
  private readonly exited = createDeferred()
  private readonly abandoned = createDeferred()
  private lastActivity = Date.now()
  private watchdog: NodeJS.Timeout | undefined
  private handshakeTimer: NodeJS.Timeout | undefined
  private killedAs: ChildOutcome | undefined
  private readonly rpc

  constructor(private readonly request: ChildRequest) {
    this.rpc = createBirpc<Record<string, never>, RuntimeRPC>(request.rpc, {
      post: message => this.send(message),
      on: (listener) => { this.rpcListener = listener },
      eventNames: ['onCancel'],
      timeout: -1,
    })
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
    this.killProcess()
  }

  async run(): Promise<ChildOutcome> {
    const channel: TinypoolChannel = {
      onMessage: (callback) => { this.toChild = callback },
      postMessage: message => this.receive(message),
    }
    this.armHandshake('spawn')
    try {
      const task = this.request.tinypool.run({ label: this.request.label } satisfies ChildTask, { channel })
      // A child that never comes up has no pid to kill; stop waiting for it instead.
      await Promise.race([task, this.abandoned.promise.then(() => { throw this.startError })])
      return this.outcome()
    }
    catch (error) {
      if (this.killedAs || this.startError !== undefined || this.sawFinished) {
        return this.outcome()
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
        ...(this.pid === undefined && { spawnError: error }),
      }
    }
    finally {
      this.state = 'done'
      clearTimeout(this.watchdog)
      clearTimeout(this.handshakeTimer)
      this.detachStore?.()
      this.rpc.$close()
      if (this.pid !== undefined) {
        untrackChild(this.pid)
      }
    }
  }

  private startError: unknown
  private sawFinished = false
  private startFailure(): ChildOutcome | undefined {
    return this.startError === undefined ? undefined : { kind: 'start-failed', pid: this.pid, error: this.startError }
  }

  private outcome(): ChildOutcome {
    if (this.killedAs) {
      return this.killedAs
    }
    const failed = this.startFailure()
    if (failed) {
      return failed
    }
    return { kind: 'finished', pid: this.pid!, error: this.runError, teardownError: this.teardownError }
  }

  private send(message: unknown): void {
    this.toChild?.(message)
  }

  private receive(message: unknown): void {
    this.lastActivity = Date.now()
    if (isMpMessage(message)) {
      switch (message.kind) {
        case 'ready':
          this.onReady(message.pid)
          break
        case 'progress':
          this.request.onProgress?.(message)
          break
        case 'store':
          this.storeListener?.(message.data)
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

  private onReady(pid: number): void {
    this.pid = pid
    trackChild(pid)
    if (this.killedAs) {
      this.killProcess()
      return
    }
    this.request.onSpawn?.(pid)
    this.request.tinypool.threads
      .find(thread => thread.threadId === pid)
      ?.once('exit', (exitCode: number | null, signal: NodeJS.Signals | null) => {
        this.exitInfo = { exitCode, signal }
        this.exited.resolve()
      })
    if (this.request.attachStore) {
      this.detachStore = this.request.attachStore({
        pid,
        label: this.request.label,
        send: data => this.send({ __vitest_pool_mp__: true, kind: 'store', data }),
        onMessage: (listener) => { this.storeListener = listener },
      })
    }
    this.state = 'starting'
    this.armHandshake('start')
    this.send({
      __vitest_worker_request__: true,
      type: 'start',
      poolId: this.request.poolId,
      workerId: this.request.context.workerId,
      options: { reportMemory: false },
      context: { environment: this.request.environment, config: this.request.config, pool: 'mp' },
      traces: { enabled: false },
    })
  }

  private onLifecycle(message: LifecycleResponse): void {
    switch (message.type) {
      case 'started': {
        clearTimeout(this.handshakeTimer)
        if (message.error !== undefined) {
          this.startError = message.error
          this.stop()
          return
        }
        this.state = 'running'
        this.armWatchdog()
        this.send({ __vitest_worker_request__: true, type: this.request.method, context: this.request.context })
        return
      }
      case 'testfileFinished': {
        this.sawFinished = true
        this.runError = message.error
        this.stop()
        return
      }
      case 'stopped': {
        clearTimeout(this.handshakeTimer)
        this.teardownError = message.error
      }
    }
  }

  private stop(): void {
    this.state = 'stopping'
    clearTimeout(this.watchdog)
    this.armHandshake('stop')
    this.send({ __vitest_worker_request__: true, type: 'stop' })
  }

  private armHandshake(step: 'spawn' | 'start' | 'stop'): void {
    clearTimeout(this.handshakeTimer)
    this.handshakeTimer = setTimeout(() => {
      this.startError ??= step === 'stop' ? undefined : new Error(`[vitest-pool-mp] The worker for ${this.request.label} did not answer "${step}" within ${HANDSHAKE_TIMEOUT / 1000} s.`)
      if (this.pid === undefined) {
        this.abandoned.resolve()
      }
      this.killProcess()
    }, HANDSHAKE_TIMEOUT)
    this.handshakeTimer.unref()
  }

  private armWatchdog(): void {
    const limit = this.request.watchdogMs
    if (limit === false || this.pid === undefined) {
      return
    }
    const check = () => {
      const silentFor = Date.now() - this.lastActivity
      if (this.state !== 'running') {
        return
      }
      if (silentFor >= limit) {
        this.killedAs = { kind: 'hung', pid: this.pid!, silentForMs: silentFor }
        this.killProcess()
        return
      }
      this.watchdog = setTimeout(check, limit - silentFor + 10)
      this.watchdog.unref()
    }
    this.watchdog = setTimeout(check, limit)
    this.watchdog.unref()
  }

  private killProcess(): void {
    if (this.pid !== undefined) {
      killChild(this.pid)
    }
  }
}
