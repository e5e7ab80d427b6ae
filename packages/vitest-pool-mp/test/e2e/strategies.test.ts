import { expect, test } from 'vitest'
import { maxOverlap, overlaps, runFixture } from './utils'

test('strategies: evidence from pids and begin/end', async () => {
  const run = await runFixture('strategies')
  expect(run.stderr).toBe('')
  expect(run.exitCode).toBe(0)
  const byName = new Map(run.records.map(r => [r.name, r]))
  const free = ['free 1', 'free 2', 'free 3', 'ungrouped'].map(n => byName.get(n)!)
  expect(new Set(free.map(r => r.pid)).size).toBe(4)
  const serial = ['serial a1', 'serial a2', 'serial z1'].map(n => byName.get(n)!)
  expect(new Set(serial.map(r => r.pid)).size).toBe(1)
  expect(serial[0]!.end).toBeLessThanOrEqual(serial[1]!.begin)
  expect(serial[1]!.end).toBeLessThanOrEqual(serial[2]!.begin)
  const iso = ['iso 1', 'iso 2'].map(n => byName.get(n)!)
  for (const other of run.records.filter(r => !r.name.startsWith('iso'))) {
    for (const i of iso) {
      expect(overlaps(i, other)).toBe(false)
    }
  }
  expect(maxOverlap(run.records)).toBeGreaterThanOrEqual(2)
  expect(maxOverlap(run.records)).toBeLessThanOrEqual(3)
})
