import type { PlannedBatch } from '../../src/batches.js'
import type { AnalyzedFile } from '../../src/test-tree.js'
import { describe, expect, test } from 'vitest'
import { sharedSnapshotNames, takesKeyedSnapshots } from '../../src/shared-snapshot-names.js'

function batch(id: number, runnable: string[]): PlannedBatch {
  return { id, strategy: 'serial', group: `G${id}`, files: [], runnable, suiteIds: [], hosts: [] }
}

function file(tests: [id: string, fullName: string, runnable?: boolean][]): AnalyzedFile {
  return {
    moduleId: '/a.test.ts',
    collectFailed: false,
    suiteIds: [],
    tests: tests.map(([id, fullName, runnable = true]) => ({ id, fullName, runnable, group: null, ancestors: [], timeout: undefined })),
  }
}

describe('sharedSnapshotNames', () => {
  test('names tests of one name in different batches, with the batches in file order', () => {
    const batches = [batch(1, ['t3']), batch(2, ['t1', 't2'])]
    expect(sharedSnapshotNames([file([['t1', 'Db > connects'], ['t2', 'other'], ['t3', 'Db > connects']])], batches))
      .toEqual([{ moduleId: '/a.test.ts', fullName: 'Db > connects', batches: [batches[1], batches[0]] }])
  })

  test('tests of one name in one batch, and skipped ones, are fine', () => {
    expect(sharedSnapshotNames([file([['t1', 'same'], ['t2', 'same']])], [batch(1, ['t1', 't2'])])).toEqual([])
    expect(sharedSnapshotNames([file([['t1', 'same'], ['t2', 'same', false]])], [batch(1, ['t1'])])).toEqual([])
  })
})

test('takesKeyedSnapshots: toMatchSnapshot and toThrowErrorMatchingSnapshot, not inline snapshots', () => {
  expect(takesKeyedSnapshots('expect(x).toMatchSnapshot()')).toBe(true)
  expect(takesKeyedSnapshots('expect(f).toThrowErrorMatchingSnapshot ()')).toBe(true)
  expect(takesKeyedSnapshots('expect(x).toMatchInlineSnapshot()')).toBe(false)
  expect(takesKeyedSnapshots('expect(f).toThrowErrorMatchingInlineSnapshot()')).toBe(false)
})
