/**
 * The `maxWorkers` process slots of a run, shared by every project on the mp pool. A slot's
 * number is the `VITEST_POOL_ID` its worker sees, between 1 and `maxWorkers`.
 */
export class SlotPool {
  private readonly free: number[]
  private readonly waiters: ((slot: number) => void)[] = []

  constructor(readonly size: number) {
    this.free = Array.from({ length: size }, (_, index) => index + 1)
  }

  get available(): number {
    return this.free.length
  }

  /** Takes a slot now if one is free. */
  tryTake(): number | undefined {
    return this.free.shift()
  }

  /** Waits for a slot, first come first served. */
  take(): Promise<number> {
    const slot = this.tryTake()
    if (slot !== undefined) {
      return Promise.resolve(slot)
    }
    return new Promise(resolve => this.waiters.push(resolve))
  }

  /** Returns a slot taken with `tryTake` but not used, without waking anyone. */
  putBack(slot: number): void {
    this.giveBack(slot)
  }

  release(slot: number): void {
    if (this.giveBack(slot)) {
      this.listeners.forEach(listener => listener())
    }
  }

  private readonly listeners = new Set<() => void>()

  /** Hands the slot to the first waiter, or makes it free; true when it became free. */
  private giveBack(slot: number): boolean {
    const waiter = this.waiters.shift()
    if (waiter) {
      waiter(slot)
      return false
    }
    this.free.push(slot)
    this.free.sort((a, b) => a - b)
    return true
  }

  /** Calls `listener` whenever a slot becomes free with nobody waiting for it. */
  onRelease(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
}
