import type { RuntimeRPC } from './vitest-types.js'

/** What a worker reports of one test file's snapshots once it has run its share of the file. */
export type SnapshotResult = Parameters<RuntimeRPC['snapshotSaved']>[0]

/**
 * One file's snapshot result from those of the batches that ran its tests, as one worker running
 * the whole file would report it. Each test ran in one batch, so the counts add up. A batch counts
 * the snapshots of the tests it skipped (the other batches' tests) as checked, so what a batch left
 * unchecked belongs to one of its own tests or to no test at all: obsolete either way, and listed
 * once, where Vitest counted an obsolete snapshot once per batch that reported it. (On Vitest 4
 * the workers count a skipped test's own snapshots only, as Vitest 5 does: see snapshot-skip-match.)
 * `removedByMerge`: a worker's merge left the file's .snap empty and removed it, and it is still
 * gone; Vitest, in each worker, had seen other workers' entries in it and saved it.
 */
export function mergeSnapshotResults(results: readonly SnapshotResult[], removedByMerge = false): SnapshotResult | undefined {
  const [first] = results
  if (!first) {
    return undefined
  }
  const uncheckedKeys = [...new Set(results.flatMap(result => result.uncheckedKeys))]
  const sum = (count: (result: SnapshotResult) => number) => results.reduce((total, result) => total + count(result), 0)
  const fileDeleted = removedByMerge || results.every(result => result.fileDeleted)
  return {
    ...first,
    added: sum(result => result.added),
    matched: sum(result => result.matched),
    unmatched: sum(result => result.unmatched),
    updated: sum(result => result.updated),
    fileDeleted,
    // Vitest counts nothing unchecked in a snapshot file it deleted, yet lists the keys.
    unchecked: fileDeleted ? 0 : uncheckedKeys.length,
    uncheckedKeys,
  }
}
