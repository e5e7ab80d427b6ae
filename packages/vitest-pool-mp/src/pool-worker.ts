import type { ResolvedMpPoolOptions } from './options.js'
import type { PoolOptions, PoolWorker, WorkerRequest } from './vitest-types.js'
import { EventEmitter } from 'node:events'
import { MpError, withoutFrames } from './errors.js'
import { RunCoordinator } from './coordinator.js'
import { POOL_NAME } from './pool-name.js'
import { runningVitestNode } from './running-vitest.js'

/**
 * What Vitest sees as one worker per test file. It runs nothing itself: it hands its files to
 * the run's ProjectRun, which runs them in fresh child processes, and answers Vitest's lifecycle
 * requests once the files' reports are complete.
 */
export class MpPoolWorker implements PoolWorker {
  readonly name = POOL_NAME
  private readonly events = new EventEmitter()

  constructor(private readonly poolOptions: PoolOptions, private readonly options: ResolvedMpPoolOptions) {}

  on(event: string, callback: (...args: any[]) => void): void {
    this.events.on(event, callback)
  }

  off(event: string, callback: (...args: any[]) => void): void {
    this.events.off(event, callback)
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {
    this.events.removeAllListeners()
  }

  deserialize(data: unknown): unknown {
    return data
  }

  send(message: WorkerRequest): void {
    // Vitest also sends birpc messages (its onCancel): cancellation reaches us through vitest.onCancel.
    if (!message || (message as { __vitest_worker_request__?: boolean }).__vitest_worker_request__ !== true) {
      return
    }
    switch (message.type) {
      case 'start':
        this.reply({ type: 'started' })
        return
      case 'stop':
        this.reply({ type: 'stopped' })
        return
      case 'run':
      case 'collect':
        void this.runFiles(message.context.files)
    }
  }

  private async runFiles(files: Extract<WorkerRequest, { type: 'run' }>['context']['files']): Promise<void> {
    const project = this.poolOptions.project
    const coordinator = RunCoordinator.of(project.vitest)
    if (!coordinator) {
      this.reply({
        type: 'testfileFinished',
        error: toSerializable(new MpError(
          'The mp pool needs its plugin: add `plugins: [mpPlugin()]` (from \'vitest-pool-mp\') to this project\'s Vitest config. '
          + 'The plugin tells the pool every file of a run before any runs, which groups that span files need.',
        )),
      })
      return
    }
    let error: unknown
    try {
      error = await coordinator.projectRun(project, this.poolOptions, this.options, await runningVitestNode(project.vitest)).waitForFiles(files)
    }
    catch (caught) {
      error = caught
    }
    this.reply({ type: 'testfileFinished', ...(error !== undefined && { error: toSerializable(error) }) })
  }

  private reply(response: { type: 'started' | 'stopped' | 'testfileFinished', error?: unknown }): void {
    setImmediate(() => this.events.emit('message', { __vitest_worker_response__: true, ...response }))
  }
}

function toSerializable(error: unknown): unknown {
  if (error instanceof Error) {
    // An MpError's message says what to fix in the user's suite or config; the pool's own frames
    // below it would only point into node_modules.
    return { name: error.name, message: error.message, stack: error instanceof MpError ? withoutFrames(error).stack : error.stack }
  }
  return error
}
