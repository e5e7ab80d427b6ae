// Every file a worker runs evaluates its modules afresh (a serial group's files one after another;
// a warm worker's batches), so a `scope: 'worker'` fixture is defined again with each file, while
// Vitest tears worker fixtures down only when the worker ends: a second copy is set up beside the
// first (a port already in use). Vitest's runner gives worker fixtures file scope in the pools that
// run several files afresh in one worker, vmThreads and vmForks, and takes the pool's name from the
// run request: the child names vmForks there, and puts the real name back on the files it reports.

import type { RunnerTestFile } from '../vitest-types.js'
import type { Call } from './birpc-wire.js'

const POOL_WITH_FILE_SCOPED_WORKER_FIXTURES = 'vmForks'

/** Names the pool in a worker's requests so that its runner scopes worker fixtures to the file. */
export class FileScopedWorkerFixtures {
  private pool: string | undefined

  /** A request arrives: the runner a run or collect request makes reads the pool's name from its context, or the start request's. */
  request(message: { context?: { pool?: string } }): void {
    const context = message.context
    if (context?.pool !== undefined && context.pool !== POOL_WITH_FILE_SCOPED_WORKER_FIXTURES) {
      this.pool = context.pool
      context.pool = POOL_WITH_FILE_SCOPED_WORKER_FIXTURES
    }
  }

  /** A report leaves: the files it announces carry the pool's real name, which main reruns them on. */
  report(call: Call): void {
    if (this.pool === undefined || (call.m !== 'onQueued' && call.m !== 'onCollected')) {
      return
    }
    const files = (call.m === 'onQueued' ? [call.a[0]] : call.a[0]) as RunnerTestFile[]
    for (const file of files) {
      if (file?.pool === POOL_WITH_FILE_SCOPED_WORKER_FIXTURES) {
        file.pool = this.pool
      }
    }
  }
}
