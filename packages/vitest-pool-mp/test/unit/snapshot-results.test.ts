import type { SnapshotResult } from '../../src/snapshot-results.js'
import { describe, expect, test } from 'vitest'
import { mergeSnapshotResults } from '../../src/snapshot-results.js'

function result(part: Partial<SnapshotResult>): SnapshotResult {
  return { filepath: '/p/s.test.ts', added: 0, fileDeleted: false, matched: 0, unchecked: 0, uncheckedKeys: [], unmatched: 0, updated: 0, ...part }
}

describe('mergeSnapshotResults', () => {
  test('no batch reported: nothing to send', () => {
    expect(mergeSnapshotResults([])).toBeUndefined()
  })

  test('counts add up over the batches', () => {
    const merged = mergeSnapshotResults([result({ added: 1, matched: 2 }), result({ matched: 1, unmatched: 1, updated: 3 })])
    expect(merged).toMatchObject({ filepath: '/p/s.test.ts', added: 1, matched: 3, unmatched: 1, updated: 3 })
  })

  test('a snapshot of a deleted test, left unchecked by every batch, is obsolete once', () => {
    const merged = mergeSnapshotResults([result({ unchecked: 1, uncheckedKeys: ['c 1'] }), result({ unchecked: 1, uncheckedKeys: ['c 1'] }), result({ unchecked: 1, uncheckedKeys: ['c 1'] })])
    expect(merged).toMatchObject({ unchecked: 1, uncheckedKeys: ['c 1'] })
  })

  test('a snapshot its own test no longer takes, left unchecked by that test\'s batch only, is obsolete', () => {
    const merged = mergeSnapshotResults([result({ unchecked: 2, uncheckedKeys: ['a 2', 'gone 1'] }), result({ unchecked: 1, uncheckedKeys: ['gone 1'] })])
    expect(merged).toMatchObject({ unchecked: 2, uncheckedKeys: ['a 2', 'gone 1'] })
  })

  test('a deleted snapshot file counts nothing unchecked and still lists its keys, as Vitest reports it', () => {
    const merged = mergeSnapshotResults([result({ fileDeleted: true, uncheckedKeys: ['removed 1'] })])
    expect(merged).toMatchObject({ fileDeleted: true, unchecked: 0, uncheckedKeys: ['removed 1'] })
  })

  test('the file counts as deleted only when every batch deleted it', () => {
    expect(mergeSnapshotResults([result({ fileDeleted: true }), result({ fileDeleted: false })])!.fileDeleted).toBe(false)
    expect(mergeSnapshotResults([result({ fileDeleted: true }), result({ fileDeleted: true })])!.fileDeleted).toBe(true)
  })

  test('a file a worker\'s merge removed, and still gone, is deleted, though each worker saved it', () => {
    const saved = [result({ uncheckedKeys: ['a 1'] }), result({ uncheckedKeys: ['b 1'] })]
    expect(mergeSnapshotResults(saved, true)).toMatchObject({ fileDeleted: true, unchecked: 0, uncheckedKeys: ['a 1', 'b 1'] })
    expect(mergeSnapshotResults(saved, false)).toMatchObject({ fileDeleted: false, unchecked: 2 })
  })
})
