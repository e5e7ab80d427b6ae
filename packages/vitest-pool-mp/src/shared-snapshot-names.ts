import type { PlannedBatch } from './batches.js'
import type { AnalyzedFile } from './test-tree.js'

/** Tests of one file that share a full name, planned into different batches. */
export interface SharedSnapshotName {
  moduleId: string
  fullName: string
  /** The batches that run them, in the order of their first such test in the file. */
  batches: PlannedBatch[]
}

/** Whether a test file's source takes snapshots keyed by test name (not inline ones, which are keyed by place). */
export function takesKeyedSnapshots(code: string): boolean {
  return /\b(?:toMatchSnapshot|toThrowErrorMatchingSnapshot)\s*\(/.test(code)
}

/**
 * The names of a file's runnable tests that several batches run. Vitest keys a test's
 * `toMatchSnapshot` entries by its full name and a count that runs on across the tests of that
 * name in one worker (`name 1`, `name 2`, ...): in two workers each counts from 1, so their
 * snapshots would write and read the same entries.
 */
export function sharedSnapshotNames(files: readonly AnalyzedFile[], batches: readonly PlannedBatch[]): SharedSnapshotName[] {
  const batchOf = new Map<string, PlannedBatch>()
  for (const batch of batches) {
    batch.runnable.forEach(id => batchOf.set(id, batch))
  }
  const shared: SharedSnapshotName[] = []
  for (const file of files) {
    const byName = new Map<string, Set<PlannedBatch>>()
    for (const test of file.tests) {
      const batch = batchOf.get(test.id)
      if (test.runnable && batch) {
        byName.set(test.fullName, (byName.get(test.fullName) ?? new Set()).add(batch))
      }
    }
    for (const [fullName, named] of byName) {
      if (named.size > 1) {
        shared.push({ moduleId: file.moduleId, fullName, batches: [...named] })
      }
    }
  }
  return shared
}
