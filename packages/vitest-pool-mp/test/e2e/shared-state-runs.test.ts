import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { expect, test } from 'vitest'
import { FIXTURES, runFixture, statuses, VITEST_CLI } from './utils'

test('a watch rerun starts with an empty store', async () => {
  const run = await runFixture('shared-rerun', { keepOpen: true, config: { watch: true } })
  const exitCode = process.exitCode
  try {
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(0)
    const firstStart = run.vitest!.state.getFiles()[0]?.tasks[0]?.result?.startTime
    await run.vitest!.rerunTestSpecifications(await run.vitest!.globTestSpecifications())
    const files = run.vitest!.state.getFiles()
    expect(files[0]?.tasks[0]?.result?.startTime).toBeGreaterThan(firstStart!)
    expect(files.map(file => file.result?.state)).toEqual(['pass'])
    expect(run.vitest!.state.getCountOfFailedTests()).toBe(0)
  }
  finally {
    await run.vitest?.close()
    process.exitCode = exitCode
  }
})

const NOT_SHARED = 'mpLock, mpMessageBoard and mpTrail are used outside the mp pool, '

test.each([
  { maxWorkers: 2, isolate: true, warning: 'with up to 2 workers' },
  { maxWorkers: 1, isolate: true, warning: 'with each test file in a worker of its own (isolate: true)' },
  { maxWorkers: 1, isolate: false, warning: undefined },
])('outside the mp pool the API works in one process, and warns that nothing is shared where a test file may have a worker to itself (maxWorkers $maxWorkers, isolate $isolate)', async ({ maxWorkers, isolate, warning }) => {
  const run = await runFixture('shared-local', { config: { maxWorkers, isolate } })
  expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0)
  expect(Object.values(statuses(run.json))).toEqual(['passed', 'passed', 'passed'])
  const warnings = run.stderr.split(NOT_SHARED).length - 1
  expect(warnings).toBe(warning ? 1 : 0)
  if (warning) {
    expect(run.stderr).toContain(`${NOT_SHARED}${warning}: each worker has its own store`)
  }
})

// From Vitest's command line: a programmatic run here would share this test worker's process.
test('the API called from globalSetup, in Vitest\'s main process, says where it works', () => {
  const run = spawnSync(process.execPath, [VITEST_CLI, 'run'], { cwd: join(FIXTURES, 'shared-global-setup'), env: { ...process.env, CI: 'true', NO_COLOR: '1' }, encoding: 'utf-8', timeout: 120_000 })
  // The fixture's test checks the message globalSetup got.
  expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0)
  expect(run.stdout).toMatch(/Tests\s+1 passed/)
})

test('a test, or a beforeAll hook, that times out while queued for a lock leaves the queue; the next test of its worker gets the lock; a hook that timed out is refused a later wait', async () => {
  const run = await runFixture('shared-abandon')
  const results = statuses(run.json)
  expect(results['Waiter times out while queued']).toBe('failed')
  expect(results['Waiter gets the lock afterwards']).toBe('passed')
  expect(results['Holder holds the lock until the waiter has given up']).toBe('passed')
  expect(results['HookWaiter a beforeAll that times out while queued is skipped with its suite']).toBe('skipped')
  expect(results['HookWaiter gets the hook lock afterwards']).toBe('passed')
  expect(results['HookHolder holds the hook lock until the hook has given up']).toBe('passed')
  expect(results['HookWaiter a beforeAll that times out before it asks is skipped with its suite too']).toBe('skipped')
  expect(results['HookWaiter sees the late hook refused']).toBe('passed')
  expect(run.stdout + run.stderr).toContain('Hook timed out in 500ms')
  expect(run.stdout + run.stderr).toContain('Hook timed out in 300ms')
})

test('examples/shared-setup: the destructive setup and its teardown each run exactly once', async () => {
  const example = resolve(FIXTURES, '../../../../examples/shared-setup')
  const run = await runFixture(relative(FIXTURES, example))
  expect(run.exitCode).toBe(0)
  expect(Object.values(statuses(run.json))).toEqual(['passed', 'passed', 'passed', 'passed'])
  // The example's own global teardown checks this too; a programmatic run does not surface its error.
  const events = readFileSync(join(example, '.tmp/events.log'), 'utf-8').trim().split('\n')
  expect(events.filter(event => event === 'create database')).toHaveLength(1)
  expect(events.filter(event => event === 'drop database')).toHaveLength(1)
  expect(events[0]).toBe('create database')
  expect(events.at(-1)).toBe('drop database')
  expect(events.filter(event => event.startsWith('insert '))).toHaveLength(4)
})
