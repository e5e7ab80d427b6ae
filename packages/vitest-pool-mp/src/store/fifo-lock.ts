import { MpError } from '../errors.js'
import { LONGEST_TIMER_MS } from '../timer-delay.js'

/** Who holds or waits for a lock: one worker's connection, and what it was running at the time. */
export interface LockOwner {
  /** The worker's connection; everything it holds is released when it ends. */
  session: object
  pid: number
  /** The batch the worker runs, as the pool describes it. */
  label: string
  /** The test that asked, when it was asked from inside one. */
  test?: string
  /** The tests running at once in the worker when it asked, one of which asked. */
  concurrent?: string[]
  /** Names this one request, so the worker can withdraw it (its test ended while it waited). */
  ticket?: string
}

/** What kind of hold: the user's own, or a short internal one the store takes for a write. */
export type HoldKind = 'user' | 'write'

interface Waiter {
  owner: LockOwner
  kind: HoldKind
  grant: () => void
  fail: (error: Error) => void
  timer?: NodeJS.Timeout
}

/** Names the owner in messages: the test when known, the process and batch always. */
export function describeOwner(owner: LockOwner): string {
  const where = `process ${owner.pid} (${owner.label})`
  if (owner.concurrent) {
    return `one of the tests running concurrently in ${where} (${owner.concurrent.map(test => `"${test}"`).join(', ')})`
  }
  return owner.test ? `test "${owner.test}" in ${where}` : where
}

/**
 * One lock with a FIFO queue of waiters. Not re-entrant: a worker asking for a lock it holds gets
 * an error instead of waiting for itself forever. A waiter may give up after a timeout; the error
 * names whoever holds the lock at that moment.
 */
export class FifoLock {
  private current: { owner: LockOwner, kind: HoldKind } | undefined
  private readonly waiters: Waiter[] = []

  /**
   * @param what how messages name this lock, e.g. `lock "db"`.
   * @param reentryFix what a worker that asks for it while holding it should do instead.
   */
  constructor(readonly what: string, private readonly reentryFix = 'Locks are not re-entrant: release it before acquiring it again.') {}

  get holder(): LockOwner | undefined {
    return this.current?.owner
  }

  get holdKind(): HoldKind | undefined {
    return this.current?.kind
  }

  /** Neither held nor awaited: the store may forget it. */
  get idle(): boolean {
    return !this.current && this.waiters.length === 0
  }

  /**
   * Takes the lock for `owner` as soon as it is free and everyone queued before has had it;
   * `onGrant` runs synchronously at that moment. Rejects (with `onFail`) on re-entry or timeout.
   */
  request(owner: LockOwner, kind: HoldKind, onGrant: () => void, onFail: (error: Error) => void, timeoutMs?: number): void {
    if (this.current?.owner.session === owner.session && (kind === 'user' || this.current.kind === 'user')) {
      onFail(new MpError(`${capitalize(this.what)} is already held by this worker (${describeOwner(this.current.owner)}). ${this.reentryFix}`))
      return
    }
    if (!this.current) {
      this.current = { owner, kind }
      onGrant()
      return
    }
    const waiter: Waiter = { owner, kind, grant: onGrant, fail: onFail }
    // A wait longer than a timer can hold (about 24.8 days) is a wait without one: the test's own
    // timeout, or the end of the run, comes first.
    if (timeoutMs !== undefined && timeoutMs >= 0 && timeoutMs <= LONGEST_TIMER_MS) {
      waiter.timer = setTimeout(() => this.timeOut(waiter, timeoutMs), timeoutMs)
    }
    this.waiters.push(waiter)
  }

  /** Like `request`, as a promise. */
  acquire(owner: LockOwner, kind: HoldKind = 'user', timeoutMs?: number): Promise<void> {
    return new Promise((resolve, reject) => this.request(owner, kind, resolve, reject, timeoutMs))
  }

  /** Hands the lock to the next waiter in line. Only its holder may release it. */
  release(session: object): void {
    if (this.current?.owner.session !== session) {
      const held = this.current ? `it is held by ${describeOwner(this.current.owner)}` : 'nobody holds it'
      throw new MpError(`Cannot release ${this.what}: this worker does not hold it (${held}).`)
    }
    this.current = undefined
    this.grantNext()
  }

  /** Forgets everything `session` holds or waits for; its waiters fail with `reason`. */
  drop(session: object, reason: string): void {
    for (const waiter of this.waiters.filter(w => w.owner.session === session)) {
      this.remove(waiter)
      waiter.fail(new MpError(reason))
    }
    if (this.current?.owner.session === session) {
      this.current = undefined
      this.grantNext()
    }
  }

  /**
   * Withdraws `session`'s request `ticket`: it leaves the queue, failing with `reason`, or, if it
   * was granted meanwhile, gives the lock back. Resolves to whether the request was found.
   */
  withdraw(session: object, ticket: string, reason: string): boolean {
    const waiter = this.waiters.find(w => w.owner.session === session && w.owner.ticket === ticket)
    if (waiter) {
      this.remove(waiter)
      waiter.fail(new MpError(reason))
      return true
    }
    if (this.current?.owner.session === session && this.current.owner.ticket === ticket) {
      this.current = undefined
      this.grantNext()
      return true
    }
    return false
  }

  private grantNext(): void {
    const next = this.waiters.shift()
    if (next) {
      clearTimeout(next.timer)
      this.current = { owner: next.owner, kind: next.kind }
      next.grant()
    }
  }

  private remove(waiter: Waiter): void {
    clearTimeout(waiter.timer)
    const index = this.waiters.indexOf(waiter)
    if (index >= 0) {
      this.waiters.splice(index, 1)
    }
  }

  private timeOut(waiter: Waiter, timeoutMs: number): void {
    this.remove(waiter)
    const holder = this.current ? `It is held by ${describeOwner(this.current.owner)}.` : 'Nobody holds it now.'
    waiter.fail(new MpError(`Timed out after ${timeoutMs} ms waiting for ${this.what}. ${holder}`))
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
