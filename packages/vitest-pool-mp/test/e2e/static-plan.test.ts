import type { FixtureRun } from './utils'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { copyFixture } from './compat-helpers'
import { childWorkers, runFixture } from './utils'

describe('the static-plan fixture, one run', () => {
  let run: FixtureRun
  beforeAll(async () => {
    run = await runFixture('static-plan')
  })

  // Files whose source shows that one worker runs them whole skip the collect pass; a file whose
  // collected tree turns out otherwise is replanned before any of its tests starts.
  test('whole files load once; a wrong guess is replanned; a group named in another file is collected', () => {
    expect(run.exitCode).toBe(0)
    expect(run.json?.numPassedTests).toBe(18)
    const byName = new Map(run.records.map(r => [r.name, r]))
    const modules = (file: string) => run.records.filter(r => r.name === `module ${file}`)
    const pidOf = (name: string) => byName.get(name)!.pid

    // A whole serial file and a single-test file: their module code ran once, in the process that ran their tests.
    expect(modules('a-whole-serial')).toHaveLength(1)
    expect(new Set(['whole 1', 'whole 2', 'whole 3', 'module a-whole-serial'].map(pidOf)).size).toBe(1)
    expect(modules('b-whole-single')).toHaveLength(1)
    expect(pidOf('single')).toBe(pidOf('module b-whole-single'))
    expect(byName.has('single, located')).toBe(false)

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
    // Workers booted ahead of the plan all ran something or were stopped with the run.
    expect(childWorkers()).toEqual([])
  })

  // A file whose source shows its whole tree is planned from it like a collected file, with no
  // collect pass; its first batch's worker checks the tree before any test starts.
  test('a file planned from its whole tree loads once per batch, in the processes that ran its tests', () => {
    expect(run.exitCode).toBe(0)
    const byName = new Map(run.records.map(r => [r.name, r]))
    const pidOf = (name: string) => byName.get(name)!.pid
    const free = ['h free 1', 'h free 2', 'h free 3'].map(pidOf)
    const serial = ['h serial 1', 'h serial 2'].map(pidOf)
    expect(new Set([...free, serial[0]]).size).toBe(4)
    expect(serial[1]).toBe(serial[0])
    const modules = run.records.filter(r => r.name === 'module h-predicted').map(r => r.pid)
    expect(modules.sort()).toEqual([...free, serial[0]].sort())
    // Vitest reports the tree the workers collected, names and nesting as written.
    const h = run.json!.testResults.find(result => result.name.endsWith('h-predicted.test.ts'))!
    expect(h.assertionResults.map(result => [result.ancestorTitles, result.title, result.status])).toEqual([
      [['h'], 'h free 1', 'passed'],
      [['h'], 'h free 2', 'passed'],
      [['h', 'HSerial'], 'h serial 1', 'passed'],
      [['h', 'HSerial'], 'h serial 2', 'passed'],
      [[], 'h free 3', 'passed'],
    ])
  })

  test('a predicted tree that loading the file contradicts is collected again and planned from that, before any of its tests runs', () => {
    expect(run.exitCode).toBe(0)
    const byName = new Map(run.records.map(r => [r.name, r]))
    const testPids = ['i direct 1', 'i direct 2', 'i from helper 1', 'i from helper 2'].map(name => byName.get(name)!.pid)
    expect(new Set(testPids).size).toBe(4)
    // The checking worker (ended before its test) and the collector loaded the file and ran no test.
    const loaded = run.records.filter(r => r.name === 'module i-predicted-helper').map(r => r.pid)
    const idle = loaded.filter(pid => !testPids.includes(pid))
    expect(loaded).toHaveLength(6)
    expect(idle).toHaveLength(2)
    for (const pid of idle) {
      expect(run.records.filter(r => r.pid === pid && !r.name.startsWith('module '))).toEqual([])
    }
    expect(run.json!.testResults.find(result => result.name.endsWith('i-predicted-helper.test.ts'))!.assertionResults).toHaveLength(4)
  })
})

// Workers that check a file's tree record no task locations unless the config asks, as on forks.
test('with includeTaskLocation in the config, every test reports where it is declared, as on forks, however its file was planned', async () => {
  const locations = (run: FixtureRun) => Object.fromEntries(run.json!.testResults
    .flatMap(result => result.assertionResults)
    .map(test => [test.fullName, test.location]))
  const mp = await runFixture('static-plan', { config: { includeTaskLocation: true } })
  expect(mp.exitCode, `${mp.stdout}\n${mp.stderr}`).toBe(0)
  const forks = await runFixture('static-plan', { config: { includeTaskLocation: true, pool: 'forks' } })
  expect(forks.exitCode, `${forks.stdout}\n${forks.stderr}`).toBe(0)
  expect(Object.keys(locations(mp))).toHaveLength(18)
  expect(locations(mp)).toEqual(locations(forks))
  expect(locations(mp).single).toEqual({ line: 7, column: 1 })
})

test('a group that code unseen in the source joins, when another file already planned it, fails that file with how to fix it', async () => {
  const run = await runFixture('static-plan-refused')
  expect(run.exitCode).toBe(1)
  const results = run.json?.testResults ?? []
  const hidden = results.find(result => result.name.endsWith('f-hidden.test.ts'))!
  expect(hidden.status).toBe('failed')
  expect(hidden.message).toContain('[vitest-pool-mp] Group "Hidden" is declared in f-hidden.test.ts by code the pool saw only when a worker loaded the file')
  expect(hidden.message).toContain('also in g-literal.test.ts')
  expect(hidden.message).toContain('describe.mpGroup("Hidden", ...) in f-hidden.test.ts')
  expect(hidden.message).toContain('where it cannot (a setup file declares the group for every test file), set mpPlugin({ staticPlan: false })')
  const literal = results.find(result => result.name.endsWith('g-literal.test.ts'))!
  expect(literal.status).toBe('passed')
  expect(run.stdout).toContain('f-hidden.test.ts')
  expect(childWorkers()).toEqual([])
})

test('a mistake only a worker sees (helper code) fails its file with the line of the call, as the collect pass would name it', async () => {
  const run = await runFixture('static-plan-late-error')
  expect(run.exitCode).toBe(1)
  const a = run.json!.testResults.find(result => result.name.endsWith('a.test.ts'))!
  expect(a.status).toBe('failed')
  expect(a.message).toContain('[vitest-pool-mp] Group "Db" has an unknown strategy "seriall" at a.test.ts:4.')
  // The other file was planned from its source and may have run: documented in strategies.md.
  expect(run.json!.testResults.find(result => result.name.endsWith('c.test.ts'))!.status).not.toBe('failed')
  // Locations were recorded for the message only: the report carries none unless asked.
  expect(run.json!.testResults.flatMap(result => result.assertionResults).every(test => test.location == null)).toBe(true)
})

// The worker of a.test.ts's first batch is ended once main sees the tree differs from the source;
// it may finish that batch first. Durations from each run reorder the next one's batches.
test('with isolation: \'module\', a worker ended for a replanned file takes no other batch: every test of every run runs', async () => {
  const { root, dispose } = copyFixture('module-replan')
  try {
    for (let i = 0; i < 4; i++) {
      const run = await runFixture(root)
      expect(run.exitCode, `run ${i + 1}\n${run.stdout}\n${run.stderr}`).toBe(0)
      expect([run.json!.numTotalTests, run.json!.numPassedTests], `run ${i + 1}`).toEqual([6, 6])
      // The file was collected again with task locations, for messages only: reports show none unless asked.
      expect(run.json!.testResults.flatMap(result => result.assertionResults).filter(test => test.location != null)).toEqual([])
    }
  }
  finally {
    dispose()
  }
})

// a and b join a serial group through a variable (`test(name, db, fn)`); c and d each show one
// test and call a helper that declares a serial group: no file's source names either group.
describe.each(['free', 'file'])('a group no file\'s source names, shared by files that look single-test (ungrouped: %s)', (ungrouped) => {
  let run: FixtureRun
  beforeAll(async () => {
    process.env.MP_UNGROUPED = ungrouped
    run = await runFixture('static-plan-hidden-groups').finally(() => delete process.env.MP_UNGROUPED)
  })

  test('runs as one batch, in file order, as with the collect pass', () => {
    expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0)
    expect(run.json?.numPassedTests).toBe(7)
    const byName = new Map(run.records.map(r => [r.name, r]))
    for (const [first, second] of [['a in Db', 'b in Db'], ['c in Hidden', 'd in Hidden']] as const) {
      expect(byName.get(second)!.pid, `${first} / ${second}`).toBe(byName.get(first)!.pid)
      expect(byName.get(first)!.end, `${first} / ${second}`).toBeLessThanOrEqual(byName.get(second)!.begin)
    }
    expect(childWorkers()).toEqual([])
  })
})

// a and b show two free tests each, a tree the plan takes; a helper adds each a test in a serial
// group. Each file is collected again, then waits for the other: both hold its report open.
test.each(['process', 'module'])('files planned from their tree that a helper puts in one serial group report every test, and run the group as one batch (isolation: %s)', async (isolation) => {
  for (let i = 0; i < 3; i++) {
    process.env.MP_ISOLATION = isolation
    const run = await runFixture('static-plan-revealed').finally(() => delete process.env.MP_ISOLATION)
    expect(run.exitCode, `run ${i + 1}\n${run.stdout}\n${run.stderr}`).toBe(0)
    expect(run.json!.testResults.flatMap(file => file.assertionResults.map(test => `${test.title}: ${test.status}`)).sort(), `run ${i + 1}`)
      .toEqual(['a in Db: passed', 'a1: passed', 'a2: passed', 'b in Db: passed', 'b1: passed', 'b2: passed'])
    const byName = new Map(run.records.map(r => [r.name, r]))
    expect(byName.get('b in Db')!.pid, `run ${i + 1}`).toBe(byName.get('a in Db')!.pid)
    expect(byName.get('a in Db')!.end, `run ${i + 1}`).toBeLessThanOrEqual(byName.get('b in Db')!.begin)
  }
  expect(childWorkers()).toEqual([])
})

test('a file that declares a group with nothing to run in it (skipped, todo, empty) runs as the collect pass plans it', async () => {
  const run = await runFixture('static-plan-empty-group')
  expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0)
  expect(run.json!.testResults.flatMap(file => file.assertionResults.map(test => `${test.title}: ${test.status}`)).sort())
    .toEqual(['a skipped in Db: skipped', 'a1: passed', 'b1 in Db: passed'])
})

test('a file replanned from its worker\'s tree keeps the strategy a file outside the run gives its group', async () => {
  const run = await runFixture('static-plan-replan', { filters: ['a.test'] })
  expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0)
  const byName = new Map(run.records.map(r => [r.name, r]))
  expect(byName.get('a2')!.pid).toBe(byName.get('a1')!.pid)
  expect(byName.get('a1')!.end).toBeLessThanOrEqual(byName.get('a2')!.begin)
  expect(byName.has('b1')).toBe(false)
})

test('files whose hidden serial group would mix test environments in one worker fail with the error the collect pass gives', async () => {
  const run = await runFixture('static-plan-replan-environments')
  expect(run.exitCode).toBe(1)
  for (const file of ['a.test.ts', 'b.test.ts']) {
    const result = run.json!.testResults.find(candidate => candidate.name.endsWith(file))!
    expect(result.status, file).toBe('failed')
    expect(result.message, file).toContain('[vitest-pool-mp] Group "Db" (serial) runs its files in one worker, which has one test environment, but they ask for different ones')
  }
})

// d.test.ts shows two tests; the module it imports declares a suite before them, so every id
// the prediction gave names another task in what the worker collects.
test('a file whose imports add a suite ahead of its own tests reports every suite as it ran', async () => {
  const run = await runFixture('static-plan-import-tests')
  expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0)
  expect(run.json!.success).toBe(true)
  expect([run.json!.numFailedTestSuites, run.json!.numPassedTests]).toEqual([0, 3])
})

describe('files planned whole that no worker loads are reported with the tests their source shows, skipped', () => {
  const statuses = (run: FixtureRun) => run.json!.testResults.flatMap(file => file.assertionResults.map(test => `${test.title}: ${test.status}`)).sort()

  test('in a run refused for its groups', async () => {
    const run = await runFixture('static-plan-not-loaded', { filters: ['a.test', 'b.test', 'f.test'] })
    expect(run.exitCode).toBe(1)
    expect(statuses(run)).toEqual(['a1: skipped', 'b1: skipped', 'f1: skipped'])
  })

  test('in a run cancelled by --bail before they start', async () => {
    const run = await runFixture('static-plan-not-loaded', { filters: ['c-fails', 'f.test', 'g.test'], config: { bail: 1, maxWorkers: 1 } })
    expect(run.exitCode).toBe(1)
    expect(statuses(run)).toEqual(['c fails: failed', 'f1: skipped', 'g1: skipped'])
    expect(run.stdout).not.toContain('(0 test)')
  })
})

test('files that give such a group different strategies fail with the error the collect pass gives; the others run', async () => {
  const run = await runFixture('static-plan-hidden-conflict')
  expect(run.exitCode).toBe(1)
  const results = run.json?.testResults ?? []
  for (const file of ['c-serial.test.ts', 'd-isolated.test.ts']) {
    const result = results.find(candidate => candidate.name.endsWith(file))!
    expect(result.status, file).toBe('failed')
    // Their workers recorded no task locations: the files were collected again, so the error names lines.
    expect(result.message, file).toContain('[vitest-pool-mp] Group "C" is given 2 different strategies: "serial" at c-serial.test.ts:5')
    expect(result.message, file).toContain('"isolated_free" at d-isolated.test.ts:5')
    expect(result.assertionResults.map(test => test.status), file).not.toContain('passed')
  }
  expect(results.find(result => result.name.endsWith('e-free.test.ts'))!.status).toBe('passed')
  expect(childWorkers()).toEqual([])
})

test('staticPlan: false collects every file first, so a group helper code shares between files runs as one batch', async () => {
  // The fixture's config reads this when Vitest loads it, in this process.
  process.env.MP_STATIC_PLAN = 'false'
  const run = await runFixture('static-plan-refused').finally(() => delete process.env.MP_STATIC_PLAN)
  expect(run.exitCode).toBe(0)
  expect(run.json?.numPassedTests).toBe(3)
})

describe('the scan cache', () => {
  // What the scan read is kept by each file's source hash in Vite's cache folder: a run whose files
  // did not change transforms and parses none of them before the first batch.
  test('a second run plans from what the first scanned; a file whose source changed is scanned again', async () => {
    const { root, dispose } = copyFixture('static-plan-cache')
    try {
      const entries = () => readdirSync(join(root, 'node_modules', '.vite'), { recursive: true, encoding: 'utf-8' })
        .filter(file => /[\\/]scans[\\/][0-9a-f]+\.json$/.test(file))
        .map(file => join(root, 'node_modules', '.vite', file))
      const loads = (run: FixtureRun, file: string) => run.records.filter(r => r.name === `module ${file}`).map(r => r.pid)
      const testPids = (run: FixtureRun, names: string[]) => names.map(name => run.records.find(r => r.name === name)!.pid)

      const first = await runFixture(root)
      expect(first.exitCode).toBe(0)
      const stored = entries().map(path => ({ path, entry: JSON.parse(readFileSync(path, 'utf-8')) as { file: string, scan: unknown } }))
      expect(stored.map(({ entry }) => basename(entry.file)).sort()).toEqual(['a-serial.test.ts', 'b-free.test.ts'])
      // Planned from the source: b's two free tests loaded the file once each, and no collector did.
      expect(loads(first, 'b-free').sort()).toEqual(testPids(first, ['b 1', 'b 2']).sort())

      // Proof that the next run reads the cache: told that b's source cannot be read, it collects b first.
      const b = stored.find(({ entry }) => entry.file.endsWith('b-free.test.ts'))!
      writeFileSync(b.path, JSON.stringify({ ...b.entry, scan: null }))
      const second = await runFixture(root)
      expect(second.exitCode).toBe(0)
      expect(loads(second, 'b-free')).toHaveLength(3)

      // a's group is gone from its source: its cached whole-file plan is not used (that would cost an
      // abandoned worker); the new source's three free tests load the file once each.
      const aFile = join(root, 'a-serial.test.ts')
      writeFileSync(aFile, readFileSync(aFile, 'utf-8').replace(`describe.mpGroup('A', 'serial', () => {`, `describe('A', () => {`))
      const third = await runFixture(root)
      expect(third.exitCode).toBe(0)
      const aTests = testPids(third, ['a 1', 'a 2', 'a 3'])
      expect(new Set(aTests).size).toBe(3)
      expect(loads(third, 'a-serial').sort()).toEqual([...aTests].sort())
      expect(childWorkers()).toEqual([])
    }
    finally {
      dispose()
    }
  })
})

// The wait for main's check of a file planned from its source is the pool's own hook: with a
// hookTimeout of 1 ms it timed out on most runs ("The setup phase of "aroundAll" hook timed out"),
// and the file's tests were skipped.
test.each(['process', 'module'] as const)('the pool\'s own hooks are not held to the user\'s hookTimeout (1 ms, isolation: %s)', async (isolation) => {
  process.env.MP_ISOLATION = isolation
  const run = await runFixture('hook-timeout-tiny').finally(() => delete process.env.MP_ISOLATION)
  expect(run.stdout + run.stderr).not.toContain('AroundHookSetupError')
  expect(run.json!.numPassedTests).toBe(16)
  expect(run.exitCode).toBe(0)
})
