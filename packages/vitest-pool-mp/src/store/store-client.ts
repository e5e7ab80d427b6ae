import type { BirpcReturn } from 'birpc'
import type { StoreChannel } from '../child/store-channel.js'
import type { Caller, StoreClientFunctions, StoreServerFunctions, TrailPhase } from './store-rpc.js'
import { AsyncLocalStorage } from 'node:async_hooks'
import { createBirpc } from 'birpc'
import { MpError } from '../errors.js'
import { checkBoardValue } from './board-value.js'
import { checkCallback, checkLockOptions, checkName } from './call-arguments.js'
import { namedLockKey, RUN_LOCK_KEY, RUN_LOCK_NAME } from './store-rpc.js'

/** Options of `acquire` and `runExclusive`. */
export interface LockOptions {
  /**
   * Give up after this many milliseconds; the error names the test and process holding the lock.
   * @default undefined (wait as long as the test's own timeout allows)
   */
  timeout?: number
}

/** A lock shared by every worker of the run. Not re-entrant; waiters are served first come, first served. */
export interface MpLock {
  /** The lock's name; `mp_lock` for the run-wide lock (a lock of its own: `mpLock('mp_lock')` is not it). */
  readonly name: string
  /** Resolves once this worker holds the lock. Rejects if it already does, or on timeout. */
  acquire: (options?: LockOptions) => Promise<void>
  /** Releases the lock; rejects unless this worker holds it. */
  release: () => Promise<void>
  /** Acquires, runs `fn`, releases even when `fn` throws; resolves to what `fn` returns. */
  runExclusive: <T>(fn: () => T | Promise<T>, options?: LockOptions) => Promise<T>
}

/**
 * A dictionary shared by every worker of the run. Values are copies (structured clone): what you
 * get is yours, and changing it never changes the board; write it back with `set` or `update`.
 */
export interface MpMessageBoard {
  /** A copy of the value under `key`, or `undefined`. */
  get: <T = unknown>(key: string) => Promise<T | undefined>
  /**
   * Stores a copy of `value`; refuses values structured clone cannot copy (a function, a symbol, an
   * object holding one), or over 64 MiB. The refusal is at run time: the type takes any value.
   */
  set: (key: string, value: unknown) => Promise<void>
  /** Whether `key` holds a value. */
  has: (key: string) => Promise<boolean>
  /** Removes `key`; resolves to whether it was there. */
  delete: (key: string) => Promise<boolean>
  /** The keys that hold a value, in the order they were set (a key deleted and set again comes last). */
  keys: () => Promise<string[]>
  /**
   * Atomic read-modify-write: no other worker writes `key` between the read and the write, without
   * taking any lock yourself. If `fn` throws, nothing is written. Resolves to the value written.
   */
  update: <T = unknown>(key: string, fn: (current: T | undefined) => T | Promise<T>) => Promise<T>
}

/** The callback of a trail: `flag` is `first` for 'start', `last` for 'finish'. */
export type TrailCallback<T> = (flag: boolean) => T | Promise<T>

/** `mpTrail(name, phase?, callback)`: see the runtime's `mpTrail`. */
export interface MpTrail {
  <T>(name: string, callback: TrailCallback<T>): Promise<T>
  <T>(name: string, phase: TrailPhase, callback: TrailCallback<T>): Promise<T>
}

/** The three primitives over one connection to the store. */
export interface StoreClient {
  lock: (name?: string) => MpLock
  board: MpMessageBoard
  trail: MpTrail
}

type StoreRpc = BirpcReturn<StoreServerFunctions, StoreClientFunctions>

/** What the client learns from the test runner. */
export interface CallerContext {
  /** Names the running test, for other workers' errors. */
  caller: () => Caller
  /**
   * Runs `callback` when the running test ends, or outside a test (a beforeAll or afterAll hook)
   * when the running suite ends; otherwise does nothing. A wait still pending then is withdrawn, so
   * a test or hook that timed out never leaves its worker queued for, or holding, a lock. Throws,
   * refusing the wait, when the calling code's suite has already ended.
   */
  onCallerEnd: (callback: () => void) => void
}

const NO_CONTEXT: CallerContext = { caller: () => ({}), onCallerEnd: () => {} }

/** The worker's side of the store. Errors from the store are rethrown here, with this worker's stack. */
export function createStoreClient(channel: StoreChannel, context: CallerContext = NO_CONTEXT): StoreClient {
  const rpc: StoreRpc = createBirpc<StoreServerFunctions, StoreClientFunctions>({}, {
    post: data => channel.post(data),
    on: listener => channel.on(listener),
    off: listener => channel.off(listener),
    eventNames: ['withdraw'],
    timeout: -1,
  })
  const { caller } = context
  const call = async <T>(request: () => Promise<T>): Promise<T> => {
    try {
      return await request()
    }
    catch (error) {
      throw localError(error)
    }
  }
  // The store sees a worker, not its tests: while one test of the worker updates a key or is inside
  // a trail, another test running at once (test.concurrent) that writes that key or enters that
  // trail waits here for its turn, as another worker would. The same call from inside the running
  // callback would wait for itself, and is refused.
  const insideTurn = new AsyncLocalStorage<ReadonlySet<string>>()
  const turns = new Map<string, Promise<void>>()
  /** Runs `work` once no other call holding `turn` by this worker is under way (check and claim at once). */
  const ownTurn = async <T>(turn: string, refusal: () => MpError, work: () => Promise<T>): Promise<T> => {
    if (insideTurn.getStore()?.has(turn)) {
      throw refusal()
    }
    for (let running = turns.get(turn); running; running = turns.get(turn)) {
      await running
    }
    let done!: () => void
    turns.set(turn, new Promise<void>((resolve) => { done = resolve }))
    try {
      return await work()
    }
    finally {
      turns.delete(turn)
      done()
    }
  }
  /** Runs a callback that holds `turn`: a call needing the same turn from inside it is refused. */
  const holdingTurn = <T>(turn: string, callback: () => T): T => insideTurn.run(new Set([...insideTurn.getStore() ?? [], turn]), callback)
  const boardTurn = (key: string, what: string) => [
    `board:${key}`,
    () => new MpError(`${what}("${key}") was called inside the callback of board.update("${key}"), which would wait for itself. Return the new value from the update callback instead.`),
  ] as const
  let tickets = 0
  /** A call that may wait in a queue: withdrawn if its test (or its hook's suite) ends first. */
  const wait = async <T>(request: (caller: Caller) => Promise<T>): Promise<T> => {
    const ticket = `${++tickets}`
    let pending = true
    let withdrawn = false
    context.onCallerEnd(() => {
      if (pending) {
        withdrawn = true
        void rpc.withdraw(ticket)
      }
    })
    try {
      const result = await call(() => request({ ...caller(), ticket }))
      if (withdrawn) {
        // Granted after its test or suite ended: the store took it back, so the code still running must not go on.
        throw new MpError(`A wait was granted after its test or suite had ended; it was withdrawn (request ${ticket}).`)
      }
      return result
    }
    finally {
      pending = false
    }
  }

  const lock = (name?: string): MpLock => {
    if (name !== undefined) {
      checkName('mpLock', 'name', name)
    }
    const label = name === undefined ? 'mpLock()' : `mpLock("${name}")`
    const key = name === undefined ? RUN_LOCK_KEY : namedLockKey(name)
    const acquire = async (options?: LockOptions) => {
      checkLockOptions(`${label}.acquire`, options)
      // Infinity would not survive the channel's JSON: no timeout is what it means.
      const timeout = options?.timeout === Infinity ? undefined : options?.timeout
      return wait(asker => rpc.acquire(key, asker, timeout))
    }
    const release = () => call(() => rpc.release(key))
    return {
      name: name ?? RUN_LOCK_NAME,
      acquire,
      release,
      async runExclusive(fn, options) {
        checkCallback(`${label}.runExclusive`, fn)
        checkLockOptions(`${label}.runExclusive`, options)
        await acquire(options)
        try {
          return await fn()
        }
        finally {
          await release()
        }
      },
    }
  }

  const board: MpMessageBoard = {
    // Checks inside async functions: a refused call rejects, as every other failure of the board does.
    get: async <T>(key: string) => {
      checkName('board.get', 'key', key)
      return call(() => rpc.get(key)) as Promise<T | undefined>
    },
    async set(key, value) {
      checkName('board.set', 'key', key)
      checkBoardValue('board.set', key, value)
      await ownTurn(...boardTurn(key, 'board.set'), () => wait(asker => rpc.set(key, value, asker)))
    },
    has: async (key) => {
      checkName('board.has', 'key', key)
      return call(() => rpc.has(key))
    },
    delete: async (key) => {
      checkName('board.delete', 'key', key)
      return ownTurn(...boardTurn(key, 'board.delete'), () => wait(asker => rpc.delete(key, asker)))
    },
    keys: () => call(() => rpc.keys()),
    async update<T>(key: string, fn: (current: T | undefined) => T | Promise<T>): Promise<T> {
      checkName('board.update', 'key', key)
      checkCallback(`board.update("${key}")`, fn)
      return ownTurn(...boardTurn(key, 'board.update'), async () => {
        const current = await wait(asker => rpc.beginUpdate(key, asker)) as T | undefined
        let next: T
        try {
          next = await holdingTurn(`board:${key}`, () => fn(current))
          checkBoardValue('board.update', key, next)
        }
        catch (error) {
          await call(() => rpc.endUpdate(key))
          throw error
        }
        await call(() => rpc.endUpdate(key, { value: next }))
        return next
      })
    },
  }

  async function trail<T>(name: string, phaseOrCallback: TrailPhase | TrailCallback<T>, maybeCallback?: TrailCallback<T>): Promise<T> {
    checkName('mpTrail', 'name', name)
    const phase = typeof phaseOrCallback === 'function' ? 'start' : phaseOrCallback
    const callback = typeof phaseOrCallback === 'function' ? phaseOrCallback : maybeCallback
    if (phase !== 'start' && phase !== 'finish') {
      throw new MpError(`mpTrail("${name}", "${String(phase)}"): the phase must be "start" or "finish".`)
    }
    if (typeof callback !== 'function') {
      throw new MpError(`mpTrail("${name}", "${phase}") needs a callback as its last argument.`)
    }
    const turn = `trail:${name}`
    const nested = () => new MpError(`mpTrail("${name}", "${phase}") was called inside the callback of mpTrail("${name}", ...), which would wait for itself. A trail's phases do not nest: call mpTrail("${name}", ...) again outside the callback of the one running.`)
    return ownTurn(turn, nested, async () => {
      const flag = await wait(asker => rpc.enterTrail(name, phase, asker))
      let result: T
      try {
        result = await holdingTurn(turn, () => callback(flag))
      }
      catch (error) {
        await call(() => rpc.exitTrail(name, phase, false))
        throw error
      }
      await call(() => rpc.exitTrail(name, phase, true))
      return result
    })
  }

  return { lock, board, trail }
}

/** The store's error, with this worker's stack instead of the main process's. */
function localError(error: unknown): unknown {
  if (!(error instanceof Error)) {
    return error
  }
  const local = new Error(error.message)
  local.name = 'MpError'
  return local
}
