import type { LockOwner } from './fifo-lock.js'
import type { Caller, TrailPhase } from './store-rpc.js'
import { MpError } from '../errors.js'
import { describeOwner, FifoLock } from './fifo-lock.js'
import { lockLabel } from './store-rpc.js'

/** Who a session is: one worker process running one batch. */
export interface SessionInfo {
  pid: number
  label: string
}

interface Trail {
  lock: FifoLock
  /** Active consumers per session, in the order sessions first started. */
  counts: Map<StoreSession, number>
}

/**
 * The shared state of one test run, without any transport: named locks, the message board and
 * trails, each piece owned by the session (worker) that took it.
 *
 * Rules:
 * 1. Locks serve waiters first come, first served, and are not re-entrant.
 * 2. The board holds values as given (the transport copies them); a write to a key waits while
 *    another worker is inside `update` of that key, so an update is never overwritten halfway.
 * 3. A trail is its own lock: its callback excludes only other callbacks of the same trail.
 *    `start` reports `first` when no consumer is active and counts one more once its callback
 *    succeeded; `finish` reports `last` when it leaves no consumer and always counts one less.
 * 4. A closed session (its worker ended, however) releases every lock, update and trail it holds,
 *    leaves every queue, and its trail consumers stop counting.
 */
export class RunStore {
  readonly locks = new Map<string, FifoLock>()
  readonly board = new Map<string, unknown>()
  /** @internal Held by `update` (kind 'user') or for the instant of a write. */
  readonly keyLocks = new Map<string, FifoLock>()
  private readonly trails = new Map<string, Trail>()
  private readonly sessions = new Set<StoreSession>()

  /** Opens a session for one worker; close it when the worker ends. */
  connect(info: SessionInfo): StoreSession {
    const session = new StoreSession(this, info)
    this.sessions.add(session)
    return session
  }

  /** How many consumers of `name` are active now. */
  trailCount(name: string): number {
    let total = 0
    this.trails.get(name)?.counts.forEach((count) => { total += count })
    return total
  }

  /** @internal */
  lock(name: string): FifoLock {
    return getOrCreate(this.locks, name, () => new FifoLock(lockLabel(name)))
  }

  /** @internal */
  keyLock(key: string): FifoLock {
    return getOrCreate(this.keyLocks, key, () => new FifoLock(`board key "${key}"`, `Updates of one key do not nest: update "${key}" outside its own update's callback.`))
  }

  /** @internal */
  trail(name: string): Trail {
    return getOrCreate(this.trails, name, () => ({ lock: new FifoLock(`trail "${name}"`, `A trail's phases do not nest: call mpTrail("${name}", ...) again outside the callback of the one running.`), counts: new Map() }))
  }

  /** @internal Forgets locks nobody holds or waits for, so a long watch session does not grow. */
  prune(): void {
    for (const map of [this.locks, this.keyLocks]) {
      map.forEach((lock, name) => lock.idle && map.delete(name))
    }
    this.trails.forEach((trail, name) => trail.lock.idle && trail.counts.size === 0 && this.trails.delete(name))
  }

  /** @internal */
  withdraw(session: StoreSession, ticket: string, reason: string): void {
    const locks = [...this.locks.values(), ...this.keyLocks.values(), ...[...this.trails.values()].map(trail => trail.lock)]
    locks.some(lock => lock.withdraw(session, ticket, reason))
    this.prune()
  }

  /** @internal */
  close(session: StoreSession): void {
    if (!this.sessions.delete(session)) {
      return
    }
    const reason = `The worker in ${describeOwner({ session, ...session.info })} ended while waiting.`
    for (const lock of [...this.locks.values(), ...this.keyLocks.values()]) {
      lock.drop(session, reason)
    }
    for (const trail of this.trails.values()) {
      trail.counts.delete(session)
      trail.lock.drop(session, reason)
    }
    this.prune()
  }
}

/** One worker's view of the store: every call is made as, and owned by, that worker. */
export class StoreSession {
  constructor(private readonly store: RunStore, readonly info: SessionInfo) {}

  private owner(caller: Caller = {}): LockOwner {
    return {
      session: this,
      pid: this.info.pid,
      label: this.info.label,
      ...(caller.test !== undefined && { test: caller.test }),
      ...(caller.concurrent !== undefined && { concurrent: caller.concurrent }),
      ...(caller.ticket !== undefined && { ticket: caller.ticket }),
    }
  }

  acquire(name: string, caller: Caller = {}, timeoutMs?: number): Promise<void> {
    return this.store.lock(name).acquire(this.owner(caller), 'user', timeoutMs)
  }

  /**
   * Withdraws the wait `ticket` (a lock, an update or a trail) whose test has ended: it leaves its
   * queue, or gives back what it was granted meanwhile, without writing or counting anything.
   */
  withdraw(ticket: string): void {
    const reason = `The test that was waiting ended first (request ${ticket} in ${describeOwner({ session: this, ...this.info })}); the wait was withdrawn.`
    this.store.withdraw(this, ticket, reason)
  }

  release(name: string): void {
    const lock = this.store.locks.get(name)
    if (!lock) {
      throw new MpError(`Cannot release ${lockLabel(name)}: nobody holds it.`)
    }
    lock.release(this)
    this.store.prune()
  }

  get(key: string): unknown {
    return this.store.board.get(key)
  }

  has(key: string): boolean {
    return this.store.board.has(key)
  }

  keys(): string[] {
    return [...this.store.board.keys()]
  }

  set(key: string, value: unknown, caller?: Caller): Promise<void> {
    return this.write(key, 'board.set', caller, () => { this.store.board.set(key, value) })
  }

  delete(key: string, caller?: Caller): Promise<boolean> {
    let existed = false
    return this.write(key, 'board.delete', caller, () => { existed = this.store.board.delete(key) }).then(() => existed)
  }

  /** Holds `key` against every other writer until `endUpdate`; resolves to the current value. */
  async beginUpdate(key: string, caller?: Caller): Promise<unknown> {
    this.refuseInsideOwnUpdate(key, 'board.update')
    await this.store.keyLock(key).acquire(this.owner(caller), 'user')
    return this.store.board.get(key)
  }

  /** Ends this worker's update of `key`: writes `commit.value`, or nothing when `commit` is absent. */
  endUpdate(key: string, commit?: { value: unknown }): void {
    const lock = this.store.keyLocks.get(key)
    if (lock?.holder?.session !== this || lock.holdKind !== 'user') {
      throw new MpError(`Cannot end the update of board key "${key}": this worker is not updating it.`)
    }
    if (commit) {
      this.store.board.set(key, commit.value)
    }
    lock.release(this)
    this.store.prune()
  }

  /** Waits for trail `name`, then tells whether this consumer is the first (start) or last (finish). */
  async enterTrail(name: string, phase: TrailPhase, caller?: Caller): Promise<boolean> {
    const trail = this.store.trail(name)
    await trail.lock.acquire(this.owner(caller), 'user')
    const count = this.store.trailCount(name)
    if (phase === 'start') {
      return count === 0
    }
    if (count === 0) {
      trail.lock.release(this)
      this.store.prune()
      throw new MpError(`mpTrail("${name}", "finish") found no active consumer: call mpTrail("${name}", "start") first, in a worker that is still running.`)
    }
    return count === 1
  }

  /** Leaves trail `name`, counting this consumer in (a successful start) or out (any finish). */
  exitTrail(name: string, phase: TrailPhase, succeeded: boolean): void {
    const trail = this.store.trail(name)
    if (trail.lock.holder?.session !== this) {
      throw new MpError(`Cannot leave trail "${name}": this worker is not inside it.`)
    }
    if (phase === 'start' && succeeded) {
      trail.counts.set(this, (trail.counts.get(this) ?? 0) + 1)
    }
    else if (phase === 'finish') {
      // A consumer may finish in another worker than the one that started it: then the oldest
      // starter's count goes, so a later crash of that starter is not counted out twice.
      const from = trail.counts.has(this) ? this : trail.counts.keys().next().value
      if (from) {
        const left = trail.counts.get(from)! - 1
        if (left > 0) {
          trail.counts.set(from, left)
        }
        else {
          trail.counts.delete(from)
        }
      }
    }
    trail.lock.release(this)
    this.store.prune()
  }

  /** Releases everything this worker holds; waits it still has fail. */
  close(): void {
    this.store.close(this)
  }

  private refuseInsideOwnUpdate(key: string, call: string): void {
    const lock = this.store.keyLocks.get(key)
    if (lock?.holder?.session === this && lock.holdKind === 'user') {
      throw new MpError(`${call}("${key}") was called while this worker is inside board.update("${key}"), which would wait for itself. Return the new value from the update callback instead.`)
    }
  }

  private write(key: string, call: string, caller: Caller | undefined, apply: () => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.refuseInsideOwnUpdate(key, call)
      const lock = this.store.keyLock(key)
      lock.request(this.owner(caller), 'write', () => {
        apply()
        lock.release(this)
        this.store.prune()
        resolve()
      }, reject)
    }).catch((error: unknown) => {
      this.store.prune()
      throw error
    })
  }
}

function getOrCreate<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key)
  if (value === undefined) {
    value = create()
    map.set(key, value)
  }
  return value
}
