import type { AnalyzedFile, AnalyzedTest } from '../../src/test-tree.js'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { planBatches } from '../../src/batches.js'
import { durationCachePath, readDurations, writeDurations } from '../../src/duration-cache.js'

function file(moduleId: string, tests: { id: string, group?: string }[]): AnalyzedFile {
  return {
    moduleId,
    collectFailed: false,
    suiteIds: [moduleId],
    tests: tests.map((t): AnalyzedTest => ({ id: t.id, fullName: t.id, runnable: true, group: t.group ?? null, ancestors: [moduleId], timeout: undefined })),
  }
}

describe('planBatches: longest first, from the previous run\'s durations', () => {
  const files = [file('a', [{ id: 'a1' }, { id: 'a2' }, { id: 's1', group: 'S' }]), file('b', [{ id: 'b1' }, { id: 's2', group: 'S' }])]
  const strategies = new Map([['S', 'serial' as const]])

  test('without durations, batches keep run order within their phase', () => {
    const order = planBatches(files, strategies, { ungrouped: 'free' }).map(batch => batch.runnable.join('+'))
    expect(order).toEqual(['s1+s2', 'a1', 'a2', 'b1'])
  })

  test('with durations, the longest batch of each phase starts first; the phases keep their order', () => {
    const durations = new Map([['a1', 10], ['a2', 300], ['b1', 50], ['s1', 1], ['s2', 1]])
    const order = planBatches(files, strategies, { ungrouped: 'free', durations }).map(batch => batch.runnable.join('+'))
    expect(order).toEqual(['s1+s2', 'a2', 'b1', 'a1'])
  })

  test('a test without a duration counts as the average of the known ones', () => {
    const durations = new Map([['a1', 100], ['a2', 300]])
    const order = planBatches(files, strategies, { ungrouped: 'free', durations }).map(batch => batch.runnable.join('+'))
    // b1 counts 200: between a2 (300) and a1 (100).
    expect(order).toEqual(['s1+s2', 'a2', 'b1', 'a1'])
  })
})

describe('planBatches: an isolated_free group is one block', () => {
  // Group A's tests are declared around group B's: A1, B1, A2.
  const files = [file('a', [{ id: 'A1', group: 'A' }, { id: 'B1', group: 'B' }, { id: 'A2', group: 'A' }])]
  const strategies = new Map([['A', 'isolated_free' as const], ['B', 'isolated_free' as const]])

  test('without durations, a group\'s batches come together, the groups in the order of their first test', () => {
    const order = planBatches(files, strategies, { ungrouped: 'free' }).map(batch => batch.runnable.join('+'))
    expect(order).toEqual(['A1', 'A2', 'B1'])
  })

  test('with durations, the group with the longest total first, and the longest first within it', () => {
    const durations = new Map([['A1', 10], ['A2', 50], ['B1', 100]])
    const order = planBatches(files, strategies, { ungrouped: 'free', durations }).map(batch => batch.runnable.join('+'))
    expect(order).toEqual(['B1', 'A2', 'A1'])
  })
})

describe('duration cache', () => {
  test('keeps the old durations of tests a run did not run, and replaces the others', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mp-durations-'))
    try {
      const path = durationCachePath(dir)
      expect(readDurations(path)).toEqual(new Map())
      writeDurations(path, new Map(), new Map([['x', 5], ['y', 7]]))
      writeDurations(path, readDurations(path), new Map([['y', 9]]))
      expect(readDurations(path)).toEqual(new Map([['x', 5], ['y', 9]]))
    }
    finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
