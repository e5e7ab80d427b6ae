/**
 * The one contract between a worker (the client, in the child) and the run's store (the server, in
 * the main process). Calls travel as birpc messages inside our tagged store messages (protocol.ts),
 * on the IPC channel Vitest's own traffic uses; values are copied by the channel's structured clone.
 * Every call is made as the worker whose connection carries it: that worker owns what it takes.
 */

/** The phase of a trail call. */
export type TrailPhase = 'start' | 'finish'

/** What the worker names itself with, so errors in other workers can say who holds what. */
export interface Caller {
  /** The running test's full name, when called from inside a test. */
  test?: string
  /**
   * The tests running at once in the worker when it asked (`test.concurrent`): which of them asked
   * cannot be known from a global, so the messages name them all.
   */
  concurrent?: string[]
  /** Names a request that may wait, so `withdraw` can take it back. */
  ticket?: string
}

/** The store's functions, served in the main process. */
export interface StoreServerFunctions {
  /** Waits for lock `name` (FIFO). Rejects on re-entry, or after `timeoutMs` naming the holder. */
  acquire: (name: string, caller: Caller, timeoutMs?: number) => Promise<void>
  /** Releases lock `name`; rejects unless this worker holds it. */
  release: (name: string) => void
  get: (key: string) => unknown
  has: (key: string) => boolean
  keys: () => string[]
  set: (key: string, value: unknown, caller: Caller) => Promise<void>
  /** Resolves to whether the key was there. */
  delete: (key: string, caller: Caller) => Promise<boolean>
  /** Holds `key` against other writers and resolves to its value; `endUpdate` must follow. */
  beginUpdate: (key: string, caller: Caller) => Promise<unknown>
  /** Writes `commit.value` (when given) and releases `key`. */
  endUpdate: (key: string, commit?: { value: unknown }) => void
  /** Waits for trail `name`; resolves to `first` (start) or `last` (finish). */
  enterTrail: (name: string, phase: TrailPhase, caller: Caller) => Promise<boolean>
  /** Counts the consumer in or out, and releases the trail. */
  exitTrail: (name: string, phase: TrailPhase, succeeded: boolean) => void
  /**
   * The test that made request `ticket` ended while it was still waiting (a test timeout, say):
   * the request leaves its queue, or gives back what it got meanwhile. Sent as an event.
   */
  withdraw: (ticket: string) => void
}

/** The worker serves nothing: the store never calls it. */
export type StoreClientFunctions = Record<string, never>

/** The largest value the board accepts, serialized; larger ones would stall the shared channel. */
export const MAX_VALUE_BYTES = 64 * 1024 * 1024

/** The name `mpLock()` without a name shows (pytest-mp's `mp_lock`). */
export const RUN_LOCK_NAME = 'mp_lock'

/** The run-wide lock's key in the store. Named locks are keyed by namedLockKey, so no name reaches it. */
export const RUN_LOCK_KEY = 'run'

/** The store's key of the lock `mpLock(name)`. */
export function namedLockKey(name: string): string {
  return `named:${name}`
}

/** How messages name the lock a store key stands for. */
export function lockLabel(key: string): string {
  return key === RUN_LOCK_KEY ? 'the run-wide lock (mpLock())' : `lock "${key.replace(/^named:/, '')}"`
}
