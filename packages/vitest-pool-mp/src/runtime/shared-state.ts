import type { MpLock, MpMessageBoard, StoreClient, TrailCallback } from '../store/store-client.js'
import type { SuiteScope } from '../protocol.js'
import type { Caller, TrailPhase } from '../store/store-rpc.js'
import type { AsyncLocalStorage } from 'node:async_hooks'
import { relative } from 'node:path'
import { expect, onTestFinished } from 'vitest'
import { getStoreChannel } from '../child/store-channel.js'
import { ERROR_PREFIX, MpError } from '../errors.js'
import { RUNNING_TESTS_KEY, SUITE_SCOPE_KEY } from '../protocol.js'
import { createLocalChannel } from '../store/local-channel.js'
import { createStoreClient } from '../store/store-client.js'

export type { LockOptions, MpLock, MpMessageBoard, MpTrail, TrailCallback } from '../store/store-client.js'
export type { TrailPhase } from '../store/store-rpc.js'

const CLIENT_KEY = Symbol.for('vitest-pool-mp.store-client')
interface WorkerConfig { maxWorkers?: number, isolate?: boolean }
type WithClient = typeof globalThis & {
  [CLIENT_KEY]?: StoreClient
  __vitest_worker__?: { config?: WorkerConfig }
}

/** One client per process, whichever copy of this module asks: in an mp worker it reaches the run's store. */
function client(): StoreClient {
  const global = globalThis as WithClient
  if (!global[CLIENT_KEY]) {
    const channel = getStoreChannel()
    if (!channel) {
      if (!global.__vitest_worker__) {
        throw new MpError(
          'mpLock, mpMessageBoard and mpTrail work where Vitest runs tests (test files, their hooks, setupFiles), '
          + 'not here: this process runs no Vitest worker (nor does a child process or worker thread a test starts: call the API in the test, and hand the helper what it needs). A globalSetup file runs in Vitest\'s main process; '
          + 'to hand its values to the tests, use Vitest\'s provide() and inject().',
        )
      }
      warnIfNotShared(global.__vitest_worker__.config)
    }
    global[CLIENT_KEY] = createStoreClient(channel ?? createLocalChannel(), { caller: currentCaller, onCallerEnd })
  }
  return global[CLIENT_KEY]
}

function warnIfNotShared(config: WorkerConfig | undefined): void {
  const maxWorkers = config?.maxWorkers ?? 1
  // With isolate on, Vitest's pools give every test file a worker of its own, one worker at a time too.
  const apart = maxWorkers > 1 ? `with up to ${maxWorkers} workers` : config?.isolate !== false ? 'with each test file in a worker of its own (isolate: true)' : undefined
  if (apart) {
    console.warn(
      `${ERROR_PREFIX} mpLock, mpMessageBoard and mpTrail are used outside the mp pool, ${apart}: `
      + 'each worker has its own store, so nothing is shared between them. Run with `pool: \'mp\'` (and mpPlugin()) to share them, or run every test file in one process (maxWorkers: 1 and isolate: false).',
    )
  }
}

function onCallerEnd(callback: () => void): void {
  // The suite (or file) whose code calls, as the pool's setup file scopes them.
  const suite = (globalThis as Record<symbol, AsyncLocalStorage<SuiteScope> | undefined>)[SUITE_SCOPE_KEY]?.getStore()
  if (suite?.ended) {
    throw new MpError(
      'Code of a suite that has ended (a beforeAll or afterAll hook that timed out, say, and went on) started to wait for a lock, a board key or a trail: '
      + 'the wait is refused, so that it does not take them from the tests that follow. Give the hook a longer timeout if it needs one.',
    )
  }
  try {
    onTestFinished(callback)
  }
  // Not inside a test: a beforeAll or afterAll hook's wait ends with its suite, anything else's with the worker's batch.
  catch {
    suite?.onEnd.push(callback)
  }
}

function currentCaller(): Caller {
  const running = (globalThis as Record<symbol, Map<string, string> | undefined>)[RUNNING_TESTS_KEY]
  if (running && running.size > 1) {
    return { concurrent: [...running.values()] }
  }
  const { currentTestName, testPath } = expect.getState()
  if (!currentTestName) {
    return {}
  }
  return { test: testPath ? `${relative(process.cwd(), testPath)} > ${currentTestName}` : currentTestName }
}

/**
 * A lock shared by every worker of the run (pytest-mp's `mp_lock`); `mpLock('db')` is a named lock,
 * independent of the others. Not re-entrant; waiters are served first come, first served; whatever a
 * worker holds is released when its batch ends, however it ends.
 *
 * @example
 * const lock = mpLock()
 * await lock.runExclusive(async () => { await migrate() })
 * await mpLock('db').acquire({ timeout: 5_000 })   // the error names the holder's test and pid
 */
export function mpLock(name?: string): MpLock {
  return client().lock(name)
}

/**
 * The run's shared dictionary (pytest-mp's `mp_message_board`). Values are structured-clone copies:
 * changing a value you got never changes the board.
 *
 * @example
 * const board = mpMessageBoard()
 * await board.set('url', server.url)
 * await board.update('hits', (n = 0) => n + 1)   // atomic, no lock needed
 */
export function mpMessageBoard(): MpMessageBoard {
  return client().board
}

/**
 * Runs `callback` while holding trail `name` (and only it), with pytest-mp's consumer counting:
 * `'start'` (the default) passes `first = true` to the consumer that finds no active consumer,
 * `'finish'` passes `last = true` to the one that leaves none. Consumers of a batch that ends (its
 * worker too) stop counting. Resolves to the callback's value.
 *
 * @example
 * await mpTrail('Db', 'start', async (first) => { if (first) await createDb() })
 * // ... the test ...
 * await mpTrail('Db', 'finish', async (last) => { if (last) await dropDb() })
 */
export function mpTrail<T>(name: string, callback: TrailCallback<T>): Promise<T>
export function mpTrail<T>(name: string, phase: TrailPhase, callback: TrailCallback<T>): Promise<T>
export function mpTrail<T>(name: string, phaseOrCallback: TrailPhase | TrailCallback<T>, callback?: TrailCallback<T>): Promise<T> {
  return callback === undefined && typeof phaseOrCallback === 'function'
    ? client().trail(name, phaseOrCallback)
    : client().trail(name, phaseOrCallback as TrailPhase, callback as TrailCallback<T>)
}
