import type { PlannedBatch } from './batches.js'

/**
 * The batches running right now in every project of a run, so that an isolated group keeps the
 * whole run, not just its own project, from running anything else beside it.
 */
export class RunningBatches {
  private readonly byOwner = new Map<object, Set<PlannedBatch>>()
  private readonly listeners = new Set<() => void>()

  add(owner: object, batch: PlannedBatch): void {
    const set = this.byOwner.get(owner) ?? new Set()
    set.add(batch)
    this.byOwner.set(owner, set)
  }

  remove(owner: object, batch: PlannedBatch): void {
    this.byOwner.get(owner)?.delete(batch)
    this.listeners.forEach(listener => listener())
  }

  /** What runs in the other projects. */
  others(owner: object): PlannedBatch[] {
    return [...this.byOwner].filter(([key]) => key !== owner).flatMap(([, set]) => [...set])
  }

  /** Calls `listener` whenever a batch ends anywhere in the run. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
}
