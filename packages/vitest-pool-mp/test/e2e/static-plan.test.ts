import { expect, test } from 'vitest'
import { runFixture } from './utils'

// Files whose source shows that one worker runs them whole skip the collect pass; a file whose
// collected tree turns out otherwise is replanned before any of its tests starts.
test('whole files load once; a wrong guess is replanned; a group named in another file is collected', async () => {
  const run = await runFixture('static-plan')
  expect(run.exitCode).toBe(0)
  expect(run.json?.numPassedTests).toBe(9)
  const byName = new Map(run.records.map(r => [r.name, r]))
  const modules = (file: string) => run.records.filter(r => r.name === `module ${file}`)
  const pidOf = (name: string) => byName.get(name)!.pid

  // A whole serial file and a single-test file: their module code ran once, in the process that ran their tests.
  expect(modules('a-whole-serial')).toHaveLength(1)
  expect(new Set(['whole 1', 'whole 2', 'whole 3', 'module a-whole-serial'].map(pidOf)).size).toBe(1)
  expect(modules('b-whole-single')).toHaveLength(1)
  expect(pidOf('single')).toBe(pidOf('module b-whole-single'))

  // The helper's tests were not in the source: the guessed worker ran none of them, and each
  // free test then got a fresh process of its own.
  const cPids = ['direct', 'c from helper 1', 'c from helper 2'].map(pidOf)
  expect(new Set(cPids).size).toBe(3)
  const cModules = modules('c-helper-tests')
  expect(cModules).toHaveLength(4)
  const abandoned = cModules.map(r => r.pid).filter(pid => !cPids.includes(pid))
  expect(abandoned).toHaveLength(1)
  expect(run.records.filter(r => r.pid === abandoned[0] && !r.name.startsWith('module '))).toEqual([])

  // e names d's group only as a string for a helper: both were collected and the group ran in one worker, in file order.
  expect(pidOf('d in Shared')).toBe(pidOf('e in Shared'))
  expect(byName.get('d in Shared')!.end).toBeLessThanOrEqual(byName.get('e in Shared')!.begin)
})
