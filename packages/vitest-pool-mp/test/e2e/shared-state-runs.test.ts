import { readFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { expect, test } from 'vitest'
import { FIXTURES, runFixture, statuses } from './utils'

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

test('outside the mp pool the API works in one process, and warns that nothing is shared', async () => {
  const run = await runFixture('shared-local')
  expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0)
  expect(Object.values(statuses(run.json))).toEqual(['passed', 'passed', 'passed'])
  const warnings = run.stderr.split('mpLock, mpMessageBoard and mpTrail are used outside the mp pool, with up to 2 workers').length - 1
  expect(warnings).toBe(1)
})

test('a test that times out while queued for a lock leaves the queue; the next test of its worker gets the lock', async () => {
  const run = await runFixture('shared-abandon')
  const results = statuses(run.json)
  expect(results['Waiter times out while queued']).toBe('failed')
  expect(results['Waiter gets the lock afterwards']).toBe('passed')
  expect(results['Holder holds the lock until the waiter has given up']).toBe('passed')
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
