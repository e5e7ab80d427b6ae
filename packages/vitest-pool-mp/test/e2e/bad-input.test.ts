import type { FixtureRun } from './utils'
import { beforeAll, describe, expect, test } from 'vitest'
import { childWorkers, runFixture, withoutColors } from './utils'

const VALID = 'isolated_serial, isolated_free, serial, free'

interface BadCase {
  fixture: string
  /** What the error must name, besides the prefix: group, strategies, files, valid choices. */
  names: string[]
  /** Every place the error must point at, as `file:line`. */
  places: string[]
}

const cases: BadCase[] = [
  {
    fixture: 'bad-strategy',
    names: ['Group "Db"', '"seriall"', 'a.test.ts', VALID],
    places: ['a.test.ts:8'],
  },
  {
    fixture: 'bad-two-strategies',
    names: ['Group "Db"', '"serial" at a.test.ts', '"isolated_free" at b.test.ts', VALID],
    places: ['a.test.ts:4', 'b.test.ts:6'],
  },
  {
    fixture: 'bad-nested',
    names: ['Group "Inner"', 'inside group "Outer"', 'a.test.ts'],
    places: ['a.test.ts:7', 'a.test.ts:4'],
  },
  {
    // A serial group's files with different environment options ran the later ones in the first one's.
    fixture: 'bad-mixed-environments',
    names: ['Group "Env" (serial)', 'a.test.ts (./flagged-env.ts with the config\'s options)', 'b.test.ts (./flagged-env.ts with options', 'split the group by environment'],
    places: [],
  },
  {
    // Each worker counted the snapshots of same-named tests from 1: they took one another's entries.
    fixture: 'bad-snapshot-names',
    names: [
      'a.test.ts: the tests named "Db > connects" run in 2 different workers (group "A" (serial), group "B" (serial)), and the file takes snapshots with toMatchSnapshot',
      'b.test.ts: the tests named "renders" run in 2 different workers (group "G" (serial), an ungrouped test (free))',
      'Give the tests different names (in test.each, put %s or $name in the name), or put them in one serial group',
    ],
    places: [],
  },
]

/** What the user reads: stdout and stderr, without colours. */
function plain(run: FixtureRun): string {
  return withoutColors(`${run.stdout}\n${run.stderr}`)
}

/** The output a user reads, with whitespace collapsed. */
function output(run: FixtureRun): string {
  return plain(run).replace(/\s+/g, ' ')
}

const runs = new Map<string, FixtureRun>()

const isolations = ['process', 'module'] as const
const matrix = cases.flatMap(badCase => isolations.map(isolation => ({ ...badCase, isolation })))

describe.each(matrix)('$fixture, isolation: $isolation', ({ fixture, names, places, isolation }) => {
  let run: FixtureRun

  beforeAll(async () => {
    // The fixture's config reads MP_ISOLATION when Vitest loads it, in this process.
    process.env.MP_ISOLATION = isolation
    run = await runFixture(fixture).finally(() => delete process.env.MP_ISOLATION)
    if (isolation === 'process') {
      runs.set(fixture, run)
    }
  })

  test('stops the run before any test starts, with a non-zero exit code', () => {
    expect(run.records).toEqual([])
    expect(run.exitCode).not.toBe(0)
    // The workers booted while the run was planned are stopped with it.
    expect(childWorkers()).toEqual([])
  })

  test('shows a [vitest-pool-mp] error naming the group, the strategies, the files and the valid choices', () => {
    const text = output(run)
    expect(text).toContain('[vitest-pool-mp] ')
    for (const name of names) {
      expect(text).toContain(name)
    }
  })

  test('fails the files the error is about, as Vitest shows a failed file, with no "unhandled error"', () => {
    const text = plain(run)
    expect(text).toMatch(/FAIL +a\.test\.ts/)
    // Nor a reporter's error ('Unhandled Reporter Error'): the files' reports are complete.
    expect(text).not.toMatch(/Unhandled (?:\w+ )?Error/)
    expect(run.json?.testResults.some(file => file.status === 'failed' && file.message.includes('[vitest-pool-mp]'))).toBe(true)
  })

  test('reports every test it knows of in the refused files as skipped, none as still pending', () => {
    const statuses = run.json!.testResults.flatMap(file => file.assertionResults.map(test => test.status))
    expect(statuses.length).toBeGreaterThan(0)
    expect(statuses.filter(status => status !== 'skipped')).toEqual([])
    expect(run.json!.numPendingTests).toBe(statuses.length)
  })

  test('points at every declaration as file:line, without includeTaskLocation in the config', () => {
    const text = output(run)
    for (const place of places) {
      expect(text).toContain(place)
    }
  })
})

/** The error Vitest printed for the pool's files: one line, from its name on. */
function errorText(run: FixtureRun): string {
  const text = plain(run)
  const start = text.indexOf('MpError: ')
  return text.slice(start, text.indexOf('\n', start)).trim()
}

test('the messages, as a user reads them', () => {
  const messages = cases.map(({ fixture }) => errorText(runs.get(fixture) ?? expect.unreachable(`${fixture} ran above`)))
  expect(messages).toMatchInlineSnapshot(`
    [
      "MpError: [vitest-pool-mp] Group "Db" has an unknown strategy "seriall" at a.test.ts:8. Use one of: isolated_serial, isolated_free, serial, free (or leave it out for "free").",
      "MpError: [vitest-pool-mp] Group "Db" is given 2 different strategies: "serial" at a.test.ts:4, "isolated_free" at b.test.ts:6. A group has one strategy; the first one given wins. Make them all "serial", or leave the strategy out where the group is joined. Valid strategies: isolated_serial, isolated_free, serial, free.",
      "MpError: [vitest-pool-mp] Group "Inner" at a.test.ts:7 is declared inside group "Outer" (a.test.ts:4). Groups cannot be nested: move the "Inner" block out of "Outer", or use one group for both.",
      "MpError: [vitest-pool-mp] Group "Env" (serial) runs its files in one worker, which has one test environment, but they ask for different ones: a.test.ts (./flagged-env.ts with the config's options), b.test.ts (./flagged-env.ts with options {"./flagged-env.ts":{"flag":"b"}}). Give its files the same environment and environment options (the config's, or the same per-file comments), or split the group by environment.",
      "MpError: [vitest-pool-mp] a.test.ts: the tests named "Db > connects" run in 2 different workers (group "A" (serial), group "B" (serial)), and the file takes snapshots with toMatchSnapshot. Vitest tells apart the snapshots of tests that share a name only by counting them in one worker ("Db > connects 1", "Db > connects 2", ...): in different workers they would write and read the same entries. Give the tests different names (in test.each, put %s or $name in the name), or put them in one serial group.",
    ]
  `)
})

// With every test filtered out, a refused file was both failed and skipped: "2 failed | 2 skipped (2)".
test('a refused run with -t matching no test counts each refused file once, as failed', async () => {
  const run = await runFixture('bad-two-strategies', { config: { testNamePattern: 'matches no test' } })
  expect(run.exitCode).toBe(1)
  expect(plain(run)).toMatch(/Test Files {2}2 failed \(2\)/)
  expect(run.json!.testResults.map(file => file.status)).toEqual(['failed', 'failed'])
})

// A run refused for one file's mistake reported a file that had failed to load in the collect
// pass as skipped, and its own error was never shown: the user met it only after the first fix.
test('a refused run also shows the error of a file that failed to load', () => {
  const run = runs.get('bad-nested') ?? expect.unreachable('bad-nested ran above')
  const file = run.json!.testResults.find(result => result.name.endsWith('c.test.ts'))!
  expect(file.status).toBe('failed')
  expect(file.message).toContain('c.test.ts cannot load')
  expect(plain(run)).toMatch(/FAIL +c\.test\.ts/)
})

test('a maxWorkers that is not a whole number stops the run, naming the value and what to set', async () => {
  // What `--maxWorkers=1.5` passes on: Vitest keeps the fraction, and a slot is a whole process.
  const run = await runFixture('bad-group-args', { config: { maxWorkers: 1.5 } })
  expect(run.records).toEqual([])
  expect(run.exitCode).not.toBe(0)
  expect(output(run)).toContain('MpError: [vitest-pool-mp] maxWorkers is 1.5: set a whole number of worker processes, 1 or more, or a share of the CPU cores such as \'50%\'.')
  expect(output(run)).not.toMatch(/coordinator\.[jt]s|Serialized Error/)
})

test('pool: mpPool() without mpPlugin() stops the run, saying to add the plugin', async () => {
  const run = await runFixture('bad-no-plugin')
  expect(run.records).toEqual([])
  expect(run.exitCode).not.toBe(0)
  expect(output(run)).toContain('[vitest-pool-mp] The mp pool needs its plugin: add `plugins: [mpPlugin()]`')
  // Not the pool's own stack below it: the message is what the user acts on.
  expect(output(run)).not.toMatch(/pool-worker\.[jt]s/)
})

// A group's name and strategy are checked where the file declares them: such a file fails to
// load, with the line, as a file with any other error at its top level does, and the run goes on.
test.each(isolations)('a group name or strategy of the wrong type fails its file with the line; other files run (isolation: %s)', async (isolation) => {
  process.env.MP_ISOLATION = isolation
  const run = await runFixture('bad-group-args').finally(() => delete process.env.MP_ISOLATION)
  const text = plain(run)
  expect(run.exitCode).toBe(1)
  const files = new Map(run.json!.testResults.map(file => [file.name.split('/').pop(), file]))
  expect(files.get('name.test.ts')!.status).toBe('failed')
  expect(files.get('name.test.ts')!.message).toContain('[vitest-pool-mp] describe.mpGroup takes the group\'s name, a non-empty string, first (or { group, strategy } in describe.mpGroup); got undefined.')
  expect(files.get('strategy.test.ts')!.status).toBe('failed')
  expect(files.get('strategy.test.ts')!.message).toContain('[vitest-pool-mp] mpGroup("Db") takes a strategy name (\'isolated_serial\', \'isolated_free\', \'serial\', \'free\'), or leave it out for \'free\'; got a number (5).')
  expect(files.get('spec-key.test.ts')!.status).toBe('failed')
  expect(files.get('spec-key.test.ts')!.message).toContain('[vitest-pool-mp] describe.mpGroup({ group, strategy }, fn) has no "strat" key; its object takes only "group" (the name) and "strategy".')
  expect(files.get('spec-strategy.test.ts')!.status).toBe('failed')
  expect(files.get('spec-strategy.test.ts')!.message).toContain('[vitest-pool-mp] describe.mpGroup({ group, strategy }, fn) takes the suite function right after the object; got a string (serial) there. Give the strategy in the object: describe.mpGroup({ group: "Beside", strategy: "serial" }, fn).')
  for (const file of ['name', 'strategy', 'spec-key', 'spec-strategy']) {
    expect(text).toMatch(new RegExp(`${file}\\.test\\.ts:5:\\d+`))
  }
  expect(run.records.map(record => record.name)).toEqual(['fine'])
})
