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

// Vitest's experimental native loader (viteModuleRunner: false) evaluates a module once per
// process: warm workers' batches would share the test file's state, which module isolation promises
// they do not. The pool refuses the run, saying what to change.
test('isolation: \'module\' with experimental.viteModuleRunner: false is refused before any test runs, naming the fix', async () => {
  const run = await runFixture('module-native-runner')
  expect(run.exitCode).not.toBe(0)
  expect(`${run.stdout}\n${run.stderr}`.replace(/\s+/g, ' ')).toContain('[vitest-pool-mp] isolation: \'module\' needs Vite\'s module runner')
  expect(`${run.stdout}\n${run.stderr}`).toContain('Use mpPlugin({ isolation: \'process\' }), or leave viteModuleRunner on.')
  expect(run.json?.numPassedTests ?? 0).toBe(0)
  expect(run.json?.numFailedTests ?? 0).toBe(0)
})

// Vitest's isolate: false stops its worker from evaluating each file's modules afresh (and from
// resetting vi.mock between files). The mp pool's batches get what its own isolation promises.
test.each(['process', 'module'] as const)('Vitest\'s isolate: false leaves every batch and every file of a serial group its fresh modules (isolation: %s)', async (isolation) => {
  process.env.MP_ISOLATION = isolation
  const run = await runFixture('no-isolate').finally(() => delete process.env.MP_ISOLATION)
  expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0)
  expect(run.json?.numPassedTests).toBe(9)
})
