import type { TestRecord } from '../fixtures/_shared/record'
import type { FixtureRun } from './utils'
import type { TestUserConfig } from 'vitest/node'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { maxOverlap, overlaps, runFixture, statuses, withoutColors } from './utils'

// Evidence comes from what the fixtures record: which process ran a test (pid), its VITEST_POOL_ID,
// and when its body began and ended. Never from how long anything took.

/** Records of test bodies; `module:N` and `beforeAll:N` records count how often file code ran. */
function testRecords(run: FixtureRun): TestRecord[] {
  return run.records.filter(r => !r.name.includes(':'))
}

function named(run: FixtureRun, names: readonly string[]): TestRecord[] {
  return names.map((name) => {
    const found = run.records.filter(r => r.name === name)
    expect(found, `one record named "${name}"`).toHaveLength(1)
    return found[0]!
  })
}

function pids(records: readonly TestRecord[]): Set<number> {
  return new Set(records.map(r => r.pid))
}

/** The span of time from the first begin to the last end of some records. */
function span(records: readonly TestRecord[]): TestRecord {
  return {
    name: records.map(r => r.name).join(', '),
    pid: -1,
    poolId: undefined,
    begin: Math.min(...records.map(r => r.begin)),
    end: Math.max(...records.map(r => r.end)),
  }
}

function expectInOrderInOneProcess(records: readonly TestRecord[]): void {
  expect(pids(records).size).toBe(1)
  for (let i = 1; i < records.length; i++) {
    expect(records[i - 1]!.end, `${records[i - 1]!.name} ends before ${records[i]!.name} begins`).toBeLessThanOrEqual(records[i]!.begin)
  }
}

function expectNothingElseOverlaps(run: FixtureRun, group: readonly TestRecord[]): void {
  const window = span(group)
  const others = testRecords(run).filter(r => !group.includes(r))
  expect(others.filter(r => overlaps(r, window)).map(r => r.name)).toEqual([])
}

const FREE = ['free 1', 'free 2', 'free 3', 'free 4']
const UNGROUPED = ['ungrouped 1', 'ungrouped 2', 'ungrouped 3', 'ungrouped 4', 'ungrouped 5', 'ungrouped 6']
const SPAN = ['span 1', 'span 2', 'span 3', 'span 4']
const ISO_SERIAL = ['iso-serial 1', 'iso-serial 2', 'iso-serial 3']
const ISO_FREE = ['iso-free 1', 'iso-free 2', 'iso-free 3']
const ISO_FREE_OTHER = ['iso-free other']

// Six files, two or three workers: more files than workers, so Vitest alone would not hand the
// pool the last file (the second half of "Span") while the first is still running.
describe.each([2, 3])('strategies fixture, maxWorkers %i', (maxWorkers) => {
  let run: FixtureRun

  beforeAll(async () => {
    run = await runFixture('strategies', { config: { maxWorkers } })
  })

  test('the run passes and records every test once', () => {
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(0)
    expect(run.json?.numPassedTests).toBe(21)
    expect(testRecords(run).map(r => r.name).sort()).toEqual([...FREE, ...UNGROUPED, ...SPAN, ...ISO_SERIAL, ...ISO_FREE, ...ISO_FREE_OTHER].sort())
  })

  test('free tests, grouped or not, never share a process', () => {
    const free = named(run, [...FREE, ...UNGROUPED, ...ISO_FREE, ...ISO_FREE_OTHER])
    expect(pids(free).size).toBe(free.length)
    const sharing = testRecords(run).filter(r => !free.includes(r) && pids(free).has(r.pid))
    expect(sharing.map(r => r.name)).toEqual([])
  })

  test('a serial group runs in one process, in file order, from the first file to the last', () => {
    const group = named(run, SPAN)
    expectInOrderInOneProcess(group)
    const others = testRecords(run).filter(r => !group.includes(r))
    expect(others.filter(r => r.pid === group[0]!.pid)).toEqual([])
  })

  test('an isolated_serial group runs in one process, in order, with nothing else running', () => {
    const group = named(run, ISO_SERIAL)
    expectInOrderInOneProcess(group)
    expectNothingElseOverlaps(run, group)
  })

  // IsoFree is declared in two parts, IsoFreeOther between them: each group still runs as one block.
  test('nothing overlaps an isolated_free group, whose own tests run in parallel', () => {
    const group = named(run, ISO_FREE)
    expect(pids(group).size).toBe(group.length)
    expectNothingElseOverlaps(run, group)
    expect(maxOverlap(group)).toBeGreaterThanOrEqual(2)
    expectNothingElseOverlaps(run, named(run, ISO_FREE_OTHER))
  })

  test('groups start in order: isolated_serial, then isolated_free, then the rest', () => {
    const isoSerial = span(named(run, ISO_SERIAL))
    const isoFree = span(named(run, [...ISO_FREE, ...ISO_FREE_OTHER]))
    const rest = span(named(run, [...SPAN, ...FREE, ...UNGROUPED]))
    expect(isoSerial.end).toBeLessThanOrEqual(isoFree.begin)
    expect(isoFree.end).toBeLessThanOrEqual(rest.begin)
  })

  test(`at least two tests overlap, never more than ${maxWorkers}`, () => {
    expect(maxOverlap(testRecords(run))).toBeGreaterThanOrEqual(2)
    expect(maxOverlap(testRecords(run))).toBeLessThanOrEqual(maxWorkers)
  })

  test('each worker slot has its own VITEST_POOL_ID', () => {
    const records = testRecords(run)
    const valid = Array.from({ length: maxWorkers }, (_, i) => String(i + 1))
    for (const r of records) {
      expect(valid).toContain(r.poolId)
    }
    for (const a of records) {
      for (const b of records) {
        if (a !== b && overlaps(a, b)) {
          expect(a.poolId, `${a.name} and ${b.name} run at once`).not.toBe(b.poolId)
        }
      }
    }
  })

  test('every worker is fresh: module code and beforeAll run again in each', () => {
    const byFile: Record<string, string[]> = {
      1: ['span 1', 'span 2', 'free 1', 'free 2', 'ungrouped 1'],
      2: [...ISO_SERIAL, 'ungrouped 2'],
      3: [...ISO_FREE, ...ISO_FREE_OTHER],
      4: ['free 3', 'free 4', 'ungrouped 3'],
      5: ['ungrouped 4', 'ungrouped 5'],
      6: ['span 3', 'span 4', 'ungrouped 6'],
    }
    for (const [file, names] of Object.entries(byFile)) {
      const workers = pids(named(run, names))
      for (const kind of ['module', 'beforeAll']) {
        const ran = run.records.filter(r => r.name === `${kind}:${file}` && workers.has(r.pid))
        expect(ran.map(r => r.pid).sort(), `${kind} code of file ${file}: once in each of its workers`).toEqual([...workers].sort())
      }
    }
  })
})

// 6-last.test.ts joins "Span" without a strategy; 1-first.test.ts, left out by the filter, gives it.
test.each(['a file filter', 'a file filter, staticPlan: false'] as const)('a run without the file that gives a group its strategy still runs the group by it (%s)', async (how) => {
  // The fixture's config reads MP_STATIC_PLAN when Vitest loads it, in this process.
  process.env.MP_STATIC_PLAN = how === 'a file filter' ? '' : 'false'
  const run = await runFixture('strategies', { filters: ['6-last'], config: { maxWorkers: 3 } })
    .finally(() => delete process.env.MP_STATIC_PLAN)
  expect(run.exitCode, run.stderr).toBe(0)
  expect(testRecords(run).map(r => r.name).sort()).toEqual(['span 3', 'span 4', 'ungrouped 6'])
  expectInOrderInOneProcess(named(run, ['span 3', 'span 4']))
})

test('a run whose --exclude leaves out the file that gives a group its strategy still runs the group by it', async () => {
  // What `vitest run --exclude '**/[1-5]-*.test.ts'` passes on.
  const run = await runFixture('strategies', { config: { maxWorkers: 3, cliExclude: ['**/[1-5]-*.test.ts'] } as TestUserConfig })
  expect(run.exitCode, run.stderr).toBe(0)
  expect(testRecords(run).map(r => r.name).sort()).toEqual(['span 3', 'span 4', 'ungrouped 6'])
  expectInOrderInOneProcess(named(run, ['span 3', 'span 4']))
})

test('ungrouped: \'file\' runs each file\'s ungrouped tests in one process', async () => {
  const run = await runFixture('strategies-ungrouped-file')
  expect(run.stderr).toBe('')
  expect(run.exitCode).toBe(0)
  const a = named(run, ['a ungrouped 1', 'a ungrouped 2', 'a ungrouped 3'])
  const b = named(run, ['b ungrouped 1', 'b ungrouped 2'])
  const free = named(run, ['a free 1', 'a free 2'])
  expectInOrderInOneProcess(a)
  expectInOrderInOneProcess(b)
  expect(pids([...a, ...b, ...free]).size).toBe(4)
})

test('a project\'s own mpPlugin() sets that project\'s options, after the root\'s it extends', async () => {
  const run = await runFixture('strategies-project-options')
  expect(run.stderr).toBe('')
  expect(run.exitCode).toBe(0)
  expectInOrderInOneProcess(named(run, ['file ungrouped 1', 'file ungrouped 2']))
  expect(pids(named(run, ['plain ungrouped 1', 'plain ungrouped 2'])).size).toBe(2)
})

describe('the four ways to declare a group', () => {
  let run: FixtureRun

  beforeAll(async () => {
    run = await runFixture('strategies-declare')
  })

  test('the run passes', () => {
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(0)
    expect(run.json?.numPassedTests).toBe(14)
  })

  test('describe.mpGroup on Vitest\'s own describe', () => {
    expectInOrderInOneProcess(named(run, ['via-vitest 1', 'via-vitest 2']))
  })

  test('the object form, with and without a strategy', () => {
    expectInOrderInOneProcess(named(run, ['object 1', 'object 2']))
    expect(pids(named(run, ['object-default 1', 'object-default 2'])).size).toBe(2)
  })

  test('describe(title, mpGroup(name)) and test(title, mpGroup(name)) join a group, taking its first strategy', () => {
    const joined = named(run, ['joined 1', 'joined 2', 'joined 3'])
    expectInOrderInOneProcess(joined)
    const elsewhere = named(run, ['joined 4'])
    const group = [...joined, ...elsewhere]
    expect(pids(group).size).toBe(1)
    expectNothingElseOverlaps(run, group)
    expectInOrderInOneProcess(named(run, ['single 1', 'single 2']))
  })

  test('describe.mpGroup titles the suite with the group; mpGroup() keeps the title given', () => {
    const names = Object.keys(statuses(run.json))
    expect(names).toContain('Joined joined 1')
    expect(names).toContain('A suite with its own title joined 2')
    expect(names).toContain('joined 3')
    expect(names).toContain('Object object 1')
  })
})

test('a group keeps the strategy a file that fails to load gives it', async () => {
  const run = await runFixture('strategies-load-error')
  expect(run.exitCode).toBe(1)
  const failed = run.json!.testResults.filter(file => file.status === 'failed').map(file => file.message)
  expect(failed).toHaveLength(2)
  expect(failed.join('\n')).toContain('a.test.ts fails to load')
  expect(failed.join('\n')).toContain('no-such-module')
  expect(Object.values(statuses(run.json))).toEqual(['passed', 'passed', 'passed', 'passed'])
  expectInOrderInOneProcess(named(run, ['b1', 'b2']))
  expectInOrderInOneProcess(named(run, ['b3', 'b4']))
})

test('pool: \'mp\' given from outside the config, as `vitest --pool=mp` does', async () => {
  const run = await runFixture('strategies-cli-pool', { config: { pool: 'mp' } })
  expect(run.stderr).toBe('')
  expect(run.exitCode).toBe(0)
  const serial = named(run, ['serial 1', 'serial 2'])
  expectInOrderInOneProcess(serial)
  expect(pids(named(run, ['serial 1', 'free 1', 'free 2'])).size).toBe(3)
})

test('pool: mpPool(options) in the config', async () => {
  const run = await runFixture('strategies-pool-object')
  expect(run.stderr).toBe('')
  expect(run.exitCode).toBe(0)
  expectInOrderInOneProcess(named(run, ['ungrouped 1', 'ungrouped 2']))
  expect(pids(named(run, ['ungrouped 1', 'free 1', 'free 2'])).size).toBe(3)
})

test('--pool=mp replaces a pool: mpPool(options) object: the options given to the plugin apply', async () => {
  const run = await runFixture('strategies-pool-object', { config: { pool: 'mp' } })
  expect(run.exitCode).toBe(0)
  expect(pids(named(run, ['ungrouped 1', 'ungrouped 2'])).size).toBe(2)
})

test('each mp project runs at most its own maxWorkers at once, the projects together at most the largest', async () => {
  // Whichever project's file the run planned first used to set the limit for both: cap each in turn.
  for (const [capped, other] of [['a', 'b'], ['b', 'a']] as const) {
    process.env.MP_CAPPED = capped
    const run = await runFixture('projects-max-workers').finally(() => delete process.env.MP_CAPPED)
    expect(run.exitCode, run.stderr).toBe(0)
    const cappedRecords = run.records.filter(r => r.name.startsWith(`${capped} `))
    const otherRecords = run.records.filter(r => r.name.startsWith(`${other} `))
    expect(cappedRecords).toHaveLength(4)
    expect(otherRecords).toHaveLength(4)
    expect(maxOverlap(cappedRecords), `${capped} capped`).toBe(1)
    expect(maxOverlap(otherRecords), `${capped} capped`).toBeGreaterThan(1)
    expect(maxOverlap(run.records), `${capped} capped`).toBeLessThanOrEqual(3)
  }
})

test('an isolated group keeps every project of the run from running beside it', async () => {
  const run = await runFixture('strategies-projects')
  expect(run.exitCode).toBe(0)
  const isolated = run.records.filter(r => r.name.startsWith('a iso'))
  const others = run.records.filter(r => r.name.startsWith('b '))
  expect(isolated).toHaveLength(2)
  expect(others).toHaveLength(5)
  for (const i of isolated) {
    for (const other of others) {
      expect(overlaps(i, other), `${i.name} overlaps ${other.name}`).toBe(false)
    }
  }
})

// A test's skipIf/runIf read at collection and again in its worker, after an earlier file of its
// serial group changed what it reads (or in a later process than the first load): the worker's
// mode is what ran, and reporters must count each test once under it.
describe('a test whose mode differs between its collection and its worker', () => {
  const runModes = async (filters: string[], isolation: 'process' | 'module') => {
    const dir = join(mkdtempSync(join(tmpdir(), 'mp-modes-')), 'state')
    process.env.MP_ISOLATION = isolation
    try {
      return await runFixture('modes-differ', { filters, config: { env: { MODES_DIR: dir } } })
    }
    finally {
      delete process.env.MP_ISOLATION
      rmSync(dirname(dir), { recursive: true, force: true })
    }
  }

  test.each(['process', 'module'] as const)('is reported as its worker ran it (isolation: %s)', async (isolation) => {
    const group = await runModes(['build.test.ts', 'check.test.ts'], isolation)
    expect(group.exitCode, group.stderr).toBe(0)
    expect(statuses(group.json)).toEqual({
      'Build builds': 'passed',
      'Build checks the build output': 'passed',
      'Build explains that the build is missing': 'skipped',
    })
    expect(withoutColors(group.stdout)).toMatch(/Tests {2}2 passed \| 1 skipped \(3\)/)

    const reloaded = await runModes(['first-load.test.ts'], isolation)
    expect(reloaded.exitCode, reloaded.stderr).toBe(0)
    expect(statuses(reloaded.json)).toEqual({ 'runs unless first': 'passed', 'plain': 'passed' })
    expect(withoutColors(reloaded.stdout)).toMatch(/Tests {2}2 passed \(2\)/)
  })
})
