import type { SlotPool } from './slot-pool.js'

/**
 * One project's use of the run's shared slots, never more at once than the project's own
 * `maxWorkers`. The shared pool is as large as the largest of them, so every project can use its
 * whole share when it runs alone, and the projects together never exceed it.
 */
export class ProjectSlots {
  private held = 0
  private readonly waiters: (() => void)[] = []

  constructor(private readonly pool: SlotPool, private readonly cap: number) {}

  /** How many workers this project may run at once. */
  get size(): number {
    return Math.min(this.cap, this.pool.size)
  }

  /** Takes a slot now if one is free and the project is under its cap. */
  tryTake(): number | undefined {
    if (this.held >= this.cap) {
      return undefined
    }
    const slot = this.pool.tryTake()
    if (slot !== undefined) {
      this.held++
    }
    return slot
  }

  /** Waits until the project is under its cap and a slot is free. */
  async take(): Promise<number> {
    while (this.held >= this.cap) {
      await new Promise<void>(resolve => this.waiters.push(resolve))
    }
    this.held++
    return this.pool.take()
  }

  /** Returns a slot taken with `tryTake` but not used. */
  putBack(slot: number): void {
    this.held--
    this.waiters.shift()?.()
    this.pool.putBack(slot)
  }

  release(slot: number): void {
    this.held--
    this.waiters.shift()?.()
    this.pool.release(slot)
  }

  /** Calls `listener` whenever a shared slot becomes free with nobody waiting for it. */
  onRelease(listener: () => void): () => void {
    return this.pool.onRelease(listener)
  }
}
