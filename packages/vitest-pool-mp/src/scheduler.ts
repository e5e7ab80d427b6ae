import type { PlannedBatch } from './batches.js'
import { sameIsolatedGroup } from './batches.js'
import { isIsolated } from './strategy.js'

/**
 * Picks which planned batch starts next. Pure: no processes, no timers.
 *
 * Rules, checked in this order by `next()`:
 * 1. Nothing starts after `cancel()`, or while `limit` batches run.
 * 2. Batches start in plan order (isolated_serial, isolated_free, serial, free).
 * 3. An isolated batch starts only when nothing runs but batches of its own isolated group,
 *    so an isolated group waits for zero running workers before it starts.
 * 4. While an isolated batch runs, only batches of the same isolated group may start,
 *    so the next batch after an isolated group waits for zero running workers too.
 * 5. Batches running in other projects of the run (`foreign`) count for rules 3 and 4 too:
 *    they never belong to this project's groups.
 */
export class BatchScheduler {
  private readonly pending: PlannedBatch[]
  private readonly running = new Map<number, PlannedBatch>()
  /** Batches that may not start yet, whatever their place; later ones start past them. */
  private readonly held = new Set<number>()
  private cancelled = false

  constructor(batches: readonly PlannedBatch[], private readonly limit: number) {
    this.pending = [...batches]
  }

  /**
   * The batch to start now, marked running; `undefined` when none may start yet. `suits`: among
   * the batches of the head's strategy (not isolated), which plan order leaves interchangeable, the
   * first one it accepts starts instead of the head (a warm worker's own test environment).
   */
  next(foreign: readonly PlannedBatch[] = [], suits?: (batch: PlannedBatch) => boolean): PlannedBatch | undefined {
    if (this.cancelled || this.running.size >= this.limit) {
      return undefined
    }
    const first = this.pending.find(batch => !this.held.has(batch.id))
    if (!first) {
      return undefined
    }
    const head = !suits || isIsolated(first.strategy) || suits(first)
      ? first
      : this.pending.find(batch => !this.held.has(batch.id) && batch.strategy === first.strategy && suits(batch)) ?? first
    const running = [...this.running.values()]
    const blocked = isIsolated(head.strategy)
      ? foreign.length > 0 || running.some(other => !sameIsolatedGroup(head, other))
      : [...running, ...foreign].some(other => isIsolated(other.strategy))
    if (blocked) {
      return undefined
    }
    this.pending.splice(this.pending.indexOf(head), 1)
    this.running.set(head.id, head)
    return head
  }

  /** Batches planned after the run began (a file replanned from its collected tree); false once cancelled. */
  add(batches: readonly PlannedBatch[]): boolean {
    if (!this.cancelled) {
      this.pending.push(...batches)
    }
    return !this.cancelled
  }

  /** Keeps these batches from starting until `release`; they must not be isolated. */
  hold(batchIds: readonly number[]): void {
    batchIds.forEach(id => this.held.add(id))
  }

  release(batchIds: readonly number[]): void {
    batchIds.forEach(id => this.held.delete(id))
  }

  /** Takes back batches that have not started; returns them. */
  withdraw(batchIds: readonly number[]): PlannedBatch[] {
    const withdrawn = this.pending.filter(batch => batchIds.includes(batch.id))
    this.pending.splice(0, this.pending.length, ...this.pending.filter(batch => !batchIds.includes(batch.id)))
    batchIds.forEach(id => this.held.delete(id))
    return withdrawn
  }

  finish(batchId: number): void {
    this.running.delete(batchId)
  }

  /** Stops all further starts; returns the batches that will never start. */
  cancel(): PlannedBatch[] {
    this.cancelled = true
    return this.pending.splice(0)
  }

  get runningCount(): number {
    return this.running.size
  }

  /** Whether a batch is still to start (held ones included). */
  get hasPending(): boolean {
    return this.pending.length > 0
  }

  get isDone(): boolean {
    return this.pending.length === 0 && this.running.size === 0
  }
}
