import type { PlannedBatch } from './batches.js'
import type { AnalyzedFile, GroupDeclaration, TreeFile } from './test-tree.js'
import { matchesPrediction } from './static-plan.js'
import { analyzeFile } from './test-tree.js'

/**
 * The files of a run planned from the tree their source shows (static-plan.ts), and what waits on
 * each: the first batch that runs tests of the file checks the tree its worker collected before
 * any test starts; the file's other batches are held until then.
 */
export class PredictedFiles {
  private readonly held = new Map<string, PlannedBatch[]>()

  constructor(readonly trees: ReadonlyMap<string, TreeFile>) {}

  has(moduleId: string): boolean {
    return this.trees.has(moduleId)
  }

  /** Marks each file's checking batch in the plan; returns the ids of the batches to hold. */
  markChecks(batches: readonly PlannedBatch[]): number[] {
    for (const moduleId of this.trees.keys()) {
      const [first, ...rest] = batches.filter(batch => batch.files.some(entry => entry.moduleId === moduleId))
      first?.files.filter(entry => entry.moduleId === moduleId).forEach((entry) => {
        entry.verify = true
      })
      this.held.set(moduleId, rest)
    }
    return [...this.held.values()].flat().map(batch => batch.id)
  }

  /** Whether a worker collected the tree that was predicted. */
  matches(collected: { file: AnalyzedFile, declarations: readonly GroupDeclaration[] }): boolean {
    const predicted = this.trees.get(collected.file.moduleId)
    return predicted !== undefined && matchesPrediction(analyzeFile(predicted), collected)
  }

  /** The file's held batches, no longer held: they may start (confirmed), or never will (given up). */
  release(moduleId: string): PlannedBatch[] {
    const held = this.held.get(moduleId) ?? []
    this.held.delete(moduleId)
    return held
  }
}
