import type Tinypool from 'tinypool'
import type { ChildConnection, ChildOutcome, ChildRequest, ChildSpec } from './child-host.js'
import type { KnownAnswers } from './known-answers.js'
import type { RuntimeRPC, SerializedConfig, WorkerEnvironment } from './vitest-types.js'
import { ChildHost } from './child-host.js'

export interface ChildLauncherOptions {
  tinypool: Tinypool
  /** See ChildTask.vitestWorker. */
  vitestWorker: string
  /** The config batch workers start with: the user's own, with the pool's merging snapshot environment. */
  config: SerializedConfig
  /**
   * The user's own config, for a process no other process shares a test file with (a collector, or
   * a batch that runs its files alone): Vitest's own snapshot environment is right there, and
   * cheaper to start than ours.
   */
  soloConfig: SerializedConfig
  /** `'process'`: a fresh child for every request. `'module'`: one warm child per slot, reused. */
  isolation: 'process' | 'module'
  attachStore?: (child: ChildConnection) => () => void
  /** The run's answers to repeatable calls, shared by its children. */
  answers?: KnownAnswers
  /** Where the children's stdout and stderr go. */
  output?: { stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream }
  /** Where errors a worker reports while tearing down go (Vitest's "Teardown Error"). */
  onTeardownError: (error: unknown) => void
  /** Vitest's RuntimeRPC, for a worker's calls outside any request (see ChildSpec.baseRpc). */
  baseRpc?: RuntimeRPC
}

/**
 * Gives each request a child: a fresh one per request by default, or, with module isolation, the
 * warm child of the request's slot as long as it is alive and set up for the same environment.
 */
export class ChildLauncher {
  private readonly active = new Set<ChildHost>()
  private readonly warm = new Map<number, ChildHost>()
  /** Children booted before the run knew what they would run; first requests take them. */
  private readonly spares: ChildHost[] = []
  /** Warm workers stopped before the run ended; `close` waits for them too. */
  private readonly retiring = new Set<Promise<void>>()

  constructor(private readonly options: ChildLauncherOptions) {}

  /**
   * Boots `count` children while the main process plans the run (reading sources, collecting),
   * when a core is free anyway, so the first batches do not wait for a process to start.
   */
  prespawn(count: number, environment: WorkerEnvironment): void {
    for (let i = 0; i < count; i++) {
      const host = this.createHost({ label: 'a spare worker', poolId: 0, config: this.options.config, environment })
      host.prespawn()
      this.spares.push(host)
    }
  }

  async run(poolId: number, environment: WorkerEnvironment, request: ChildRequest): Promise<ChildOutcome> {
    const reuse = this.options.isolation === 'module'
    const host = await this.hostFor(poolId, environment, request.label, this.configFor(request, reuse))
    // A warm worker starts with the user's config; only what it collects, or runs of files main plans
    // from the tree it collects, carries task locations (Vitest takes a request's own config over the one it started with).
    const withLocations = reuse && recordsTaskLocations(request)
      ? { ...request, context: { ...request.context, config: forCollecting(withTaskLocation(this.options.config), request) } }
      : request
    const outcome = await host.request(withLocations)
    if (!reuse || !host.isReusable) {
      if (this.warm.get(poolId) === host) {
        this.warm.delete(poolId)
      }
      await this.retire(host)
    }
    return outcome
  }

  /**
   * With module isolation: starts the slot's warm worker before its first request, and resolves
   * once it is up (or could not start: the first request then learns why).
   */
  async startWarm(poolId: number, environment: WorkerEnvironment): Promise<void> {
    if (this.options.isolation === 'module') {
      const host = await this.hostFor(poolId, environment, 'a warm worker', this.options.config)
      await host.start()
    }
  }

  /** With module isolation, the test environment the slot's warm worker is set up for, if it has one. */
  warmEnvironment(poolId: number): WorkerEnvironment | undefined {
    const host = this.warm.get(poolId)
    return host?.isReusable ? host.environment : undefined
  }

  /** The slot's warm worker when it can serve `environment`, or a spare, or a new child. */
  private async hostFor(poolId: number, environment: WorkerEnvironment, label: string, config: SerializedConfig): Promise<ChildHost> {
    const reuse = this.options.isolation === 'module'
    let host = reuse ? this.warm.get(poolId) : undefined
    if (host && (!host.isReusable || !sameEnvironment(host.environment, environment))) {
      this.warm.delete(poolId)
      await this.retire(host)
      host = undefined
    }
    if (!host) {
      const spec = { label, poolId, config, environment }
      host = this.takeSpare() ?? this.createHost(spec)
      host.assign(spec)
      if (reuse) {
        this.warm.set(poolId, host)
      }
    }
    return host
  }

  private configFor(request: Pick<ChildRequest, 'method' | 'solo' | 'taskLocations'>, reuse: boolean): SerializedConfig {
    // A warm worker collects and runs batches of any file alike.
    const solo = !reuse && (request.method === 'collect' || request.solo === true)
    const config = solo ? this.options.soloConfig : this.options.config
    return !reuse && recordsTaskLocations(request) ? forCollecting(withTaskLocation(config), request) : config
  }

  private createHost(spec: Pick<ChildSpec, 'label' | 'poolId' | 'config' | 'environment'>): ChildHost {
    const host = new ChildHost({
      ...spec,
      tinypool: this.options.tinypool,
      vitestWorker: this.options.vitestWorker,
      ...(this.options.attachStore && { attachStore: this.options.attachStore }),
      ...(this.options.answers && { answers: this.options.answers }),
      ...(this.options.output && { output: this.options.output }),
      ...(this.options.baseRpc && { baseRpc: this.options.baseRpc }),
    })
    this.active.add(host)
    return host
  }

  private takeSpare(): ChildHost | undefined {
    for (let spare = this.spares.shift(); spare; spare = this.spares.shift()) {
      if (spare.isFresh) {
        return spare
      }
      void this.retire(spare)
    }
    return undefined
  }

  /** Tells every running worker to skip what it has not started. */
  cancel(reason: string): void {
    this.active.forEach(host => host.cancel(reason))
  }

  kill(): void {
    this.active.forEach(host => host.kill())
  }

  /**
   * With module isolation: stops the warm workers of the slots not in use, as the run has no batch
   * left to start. Their processes end while the last batches still run, instead of after them.
   */
  retireIdle(slotsInUse: ReadonlySet<number>): void {
    for (const [poolId, host] of this.warm) {
      if (!slotsInUse.has(poolId)) {
        this.warm.delete(poolId)
        const retired: Promise<void> = this.retire(host).finally(() => this.retiring.delete(retired))
        this.retiring.add(retired)
      }
    }
  }

  /** Stops the warm workers once the run needs them no more. */
  async close(): Promise<void> {
    const unused = [...this.warm.values(), ...this.spares.splice(0)]
    this.warm.clear()
    await Promise.all([...unused.map(host => this.retire(host)), ...this.retiring])
  }

  private async retire(host: ChildHost): Promise<void> {
    const teardownError = await host.stop()
    this.active.delete(host)
    if (teardownError !== undefined) {
      this.options.onTeardownError(teardownError)
    }
  }
}

/** Main plans from the trees of these requests; a mistake it finds there names the line. */
function recordsTaskLocations(request: Pick<ChildRequest, 'method' | 'taskLocations'>): boolean {
  return request.method === 'collect' || request.taskLocations === true
}

function withTaskLocation(config: SerializedConfig): SerializedConfig {
  return { ...config, includeTaskLocation: true }
}

/**
 * A collect request runs no test: with Vitest's `--inspect-brk` its worker would wait for the
 * user's debugger, and stop at the file's first line, for nothing. The worker of each batch
 * loads the file again, under the debugger.
 */
function forCollecting(config: SerializedConfig, request: Pick<ChildRequest, 'method'>): SerializedConfig {
  return request.method === 'collect' && config.inspector?.enabled
    ? { ...config, inspect: false, inspectBrk: false, inspector: { ...config.inspector, enabled: false, waitForDebugger: false } }
    : config
}

/** Whether a worker set up for test environment `a` can run a batch that needs `b`. */
export function sameEnvironment(a: WorkerEnvironment, b: WorkerEnvironment): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}
