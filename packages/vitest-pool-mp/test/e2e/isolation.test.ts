import { expect, test } from 'vitest'
import { runFixture } from './utils'

test('isolation: \'module\' reuses one warm worker per slot, re-evaluating the test module for every batch', async () => {
  const run = await runFixture('module-isolation')
  expect(run.exitCode).toBe(0)
  // c.test.ts: a lock a finished batch kept is released although its worker lives on.
  expect(run.json?.numPassedTests).toBe(10)
  const pids = new Set(run.records.map(r => r.pid))
  // maxWorkers 2: the collectors are the warm workers, and every batch runs in one of them.
  expect(pids.size).toBeLessThanOrEqual(2)
  // Each test saw a fresh module (its own evaluation) ...
  expect(run.records).toHaveLength(8)
  // ... while globals carried over between batches of the same process.
  const evaluations = run.records.map(r => Number(r.name.split(' evaluation ')[1]))
  expect(Math.max(...evaluations)).toBeGreaterThan(1)
})
