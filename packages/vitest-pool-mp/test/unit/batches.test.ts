import type { PlannedBatch } from '../../src/batches.js'
import type { Strategy } from '../../src/strategy.js'
import type { AnalyzedFile, AnalyzedTest } from '../../src/test-tree.js'
import { describe, expect, test } from 'vitest'
import { describeBatch, planBatches, sameIsolatedGroup } from '../../src/batches.js'
import { STRATEGIES } from '../../src/strategy.js'

function tst(id: string, options: { group?: string, runnable?: boolean, ancestors?: string[], fullName?: string } = {}): AnalyzedTest {
  return {
    id,
    fullName: options.fullName ?? id,
    runnable: options.runnable ?? true,
    group: options.group ?? null,
    ancestors: options.ancestors ?? [],
    timeout: undefined,
  }
}

/** A file whose tests sit directly under it unless told otherwise. */
function file(moduleId: string, tests: AnalyzedTest[], options: { suiteIds?: string[], collectFailed?: boolean } = {}): AnalyzedFile {
  return {
    moduleId,
    collectFailed: options.collectFailed ?? false,
    tests: tests.map(test => test.ancestors.length ? test : { ...test, ancestors: [moduleId] }),
    suiteIds: options.suiteIds ?? [moduleId],
  }
}

const groups = (entries: Record<string, Strategy>) => new Map(Object.entries(entries))

/** What each batch runs, as `group:strategy[file:ids]`, for compact assertions. */
function shape(batches: PlannedBatch[]): string[] {
  return batches.map(batch => `${batch.group ?? '-'}:${batch.strategy}[${batch.runnable.join(',')}]`)
}

describe('planBatches', () => {
  test('free and ungrouped tests get one batch each', () => {
    const batches = planBatches([
      file('a', [tst('a1', { group: 'F' }), tst('a2'), tst('a3', { group: 'F' })]),
    ], groups({ F: 'free' }), { ungrouped: 'free' })
    expect(shape(batches)).toEqual(['F:free[a1]', '-:free[a2]', 'F:free[a3]'])
    expect(batches.map(batch => batch.id)).toEqual([1, 2, 3])
  })

  test('tests of one file and group with the same full name share one batch, in file order (snapshot numbering)', () => {
    const batches = planBatches([
      file('a', [
        tst('a1', { fullName: 'same' }),
        tst('a2', { fullName: 'other' }),
        tst('a3', { fullName: 'same' }),
        tst('a4', { fullName: 'same', group: 'F' }),
        tst('a5', { fullName: 'same', runnable: false }),
        tst('a6', { fullName: 'same', group: 'F' }),
      ]),
      file('b', [tst('b1', { fullName: 'same' })]),
    ], groups({ F: 'free' }), { ungrouped: 'free' })
    expect(shape(batches)).toEqual(['-:free[a1,a3]', '-:free[a2]', 'F:free[a4,a6]', '-:free[b1]'])
  })

  test('a group with no known strategy is treated as free', () => {
    const batches = planBatches([file('a', [tst('a1', { group: 'X' }), tst('a2', { group: 'X' })])], new Map(), { ungrouped: 'free' })
    expect(shape(batches)).toEqual(['X:free[a1]', 'X:free[a2]'])
  })

  test('a serial group is one batch spanning files in run order, tests in file order', () => {
    const batches = planBatches([
      file('a', [tst('a1', { group: 'S' }), tst('a2'), tst('a3', { group: 'S' })]),
      file('b', [tst('b1', { group: 'S' }), tst('b2', { group: 'S' })]),
    ], groups({ S: 'serial' }), { ungrouped: 'free' })
    expect(shape(batches)).toEqual(['S:serial[a1,a3,b1,b2]', '-:free[a2]'])
    expect(batches[0]!.files.map(entry => [entry.moduleId, entry.testIds])).toEqual([['a', ['a1', 'a3']], ['b', ['b1', 'b2']]])
  })

  test('batches are ordered isolated_serial, isolated_free, serial, free, stable within each phase', () => {
    const batches = planBatches([
      file('a', [
        tst('a1'),
        tst('a2', { group: 'S1' }),
        tst('a3', { group: 'IF' }),
        tst('a4', { group: 'IS' }),
        tst('a5', { group: 'S2' }),
        tst('a6', { group: 'F' }),
      ]),
      file('b', [
        tst('b1', { group: 'IF' }),
        tst('b2', { group: 'IS2' }),
        tst('b3', { group: 'S1' }),
        tst('b4'),
      ]),
    ], groups({ S1: 'serial', S2: 'serial', IF: 'isolated_free', IS: 'isolated_serial', IS2: 'isolated_serial', F: 'free' }), { ungrouped: 'free' })
    expect(shape(batches)).toEqual([
      'IS:isolated_serial[a4]',
      'IS2:isolated_serial[b2]',
      'IF:isolated_free[a3]',
      'IF:isolated_free[b1]',
      'S1:serial[a2,b3]',
      'S2:serial[a5]',
      '-:free[a1]',
      'F:free[a6]',
      '-:free[b4]',
    ])
    expect(batches.map(batch => batch.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9])
  })

  test('ungrouped: \'file\' puts a file\'s ungrouped tests in one serial-phase batch; grouped tests are unaffected', () => {
    const batches = planBatches([
      file('a', [tst('a1'), tst('a2', { group: 'F' }), tst('a3')]),
      file('b', [tst('b1'), tst('b2')]),
    ], groups({ F: 'free' }), { ungrouped: 'file' })
    expect(shape(batches)).toEqual(['-:serial[a1,a3]', '-:serial[b1,b2]', 'F:free[a2]'])
    expect(describeBatch(batches[0]!)).toContain('ungrouped: \'file\'')
  })

  test('the first batch touching a file hosts it: its non-runnable tests and all its suites', () => {
    const a = file('a', [
      tst('a1', { ancestors: ['a', 's1'] }),
      tst('a2', { ancestors: ['a', 's1'], runnable: false }),
      tst('a3', { ancestors: ['a', 's2'] }),
      tst('a4', { ancestors: ['a', 's3'], runnable: false }),
    ], { suiteIds: ['a', 's1', 's2', 's3'] })
    const batches = planBatches([a], new Map(), { ungrouped: 'free' })
    expect(batches).toHaveLength(2)
    const [host, other] = batches
    expect(host!.hosts).toEqual(['a'])
    expect(host!.files).toEqual([{ moduleId: 'a', testIds: ['a1', 'a2', 'a4'], owned: ['a1', 'a2', 'a4'] }])
    expect(host!.runnable).toEqual(['a1'])
    expect(host!.suiteIds).toEqual(['a', 's1', 's2', 's3'])
    expect(other!.hosts).toEqual([])
    expect(other!.files).toEqual([{ moduleId: 'a', testIds: ['a3'], owned: ['a3'] }])
    expect(other!.suiteIds).toEqual(['a', 's2'])
  })

  test('the host is the first batch in plan order, not in file order', () => {
    const batches = planBatches([
      file('a', [tst('a1'), tst('a2', { group: 'I' }), tst('a3', { runnable: false })]),
    ], groups({ I: 'isolated_free' }), { ungrouped: 'free' })
    expect(batches[0]!.group).toBe('I')
    expect(batches[0]!.hosts).toEqual(['a'])
    expect(batches[0]!.files[0]!.owned).toEqual(['a2', 'a3'])
  })

  test('a file with no runnable test gets one whole-file batch', () => {
    const batches = planBatches([
      file('a', [tst('a1')]),
      file('b', [tst('b1', { runnable: false }), tst('b2', { runnable: false })], { suiteIds: ['b', 'bs'] }),
      file('c', []),
    ], new Map(), { ungrouped: 'free' })
    expect(batches).toHaveLength(3)
    expect(batches[1]).toEqual({
      id: 2,
      strategy: 'free',
      group: null,
      files: [{ moduleId: 'b', testIds: undefined, owned: 'all' }],
      runnable: [],
      suiteIds: ['b', 'bs'],
      hosts: ['b'],
    })
    expect(batches[2]!.files).toEqual([{ moduleId: 'c', testIds: undefined, owned: 'all' }])
    expect(describeBatch(batches[2]!)).toBe('a whole-file batch')
  })

  test('a file that failed to collect and has no tests gets a whole-file batch', () => {
    const batches = planBatches([file('a', [], { collectFailed: true })], new Map(), { ungrouped: 'free' })
    expect(batches).toEqual([expect.objectContaining({ files: [{ moduleId: 'a', testIds: undefined, owned: 'all' }], hosts: ['a'] })])
  })

  // Rule 5 of batches.ts and AnalyzedFile.collectFailed's doc: a file that failed to collect
  // "runs whole, in one worker". Vitest can report a failed collection while keeping tasks
  // (e.g. "No test found in <file> in line N" sets file.result.state = 'fail' after collecting),
  // but planBatches never reads `collectFailed`, so such a file is split into per-test batches.
  test('a file that failed to collect runs whole even when some of its tests were collected', () => {
    const batches = planBatches([
      file('a', [tst('a1'), tst('a2')], { collectFailed: true }),
    ], new Map(), { ungrouped: 'free' })
    expect(batches).toHaveLength(1)
    expect(batches[0]!.files).toEqual([{ moduleId: 'a', testIds: undefined, owned: 'all' }])
  })

  test('a test the user\'s own id filter left out is owned by the host but not listed to run', () => {
    const batches = planBatches([
      file('a', [tst('a1'), tst('a2', { runnable: false }), tst('a3', { runnable: false })]),
    ], new Map(), { ungrouped: 'free', userTestIds: new Map([['a', ['a1', 'a3']]]) })
    expect(batches[0]!.files).toEqual([{ moduleId: 'a', testIds: ['a1', 'a3'], owned: ['a1', 'a2', 'a3'] }])
  })

  test('a user id filter for another file does not affect this one', () => {
    const batches = planBatches([
      file('a', [tst('a1'), tst('a2', { runnable: false })]),
    ], new Map(), { ungrouped: 'free', userTestIds: new Map([['b', ['b1']]]) })
    expect(batches[0]!.files[0]!.testIds).toEqual(['a1', 'a2'])
  })

  test('describeBatch names the group and strategy, or the kind of ungrouped batch', () => {
    const batches = planBatches([
      file('a', [tst('a1', { group: 'Db' }), tst('a2')]),
    ], groups({ Db: 'serial' }), { ungrouped: 'free' })
    expect(describeBatch(batches[0]!)).toBe('group "Db" (serial)')
    expect(describeBatch(batches[1]!)).toBe('an ungrouped test (free)')
  })

  test('sameIsolatedGroup holds only for two batches of one isolated group', () => {
    const batches = planBatches([
      file('a', [tst('a1', { group: 'I' }), tst('a2', { group: 'I' }), tst('a3', { group: 'J' }), tst('a4', { group: 'F' }), tst('a5', { group: 'F' })]),
    ], groups({ I: 'isolated_free', J: 'isolated_free', F: 'free' }), { ungrouped: 'free' })
    const [i1, i2, j, f1, f2] = batches
    expect(sameIsolatedGroup(i1!, i2!)).toBe(true)
    expect(sameIsolatedGroup(i1!, j!)).toBe(false)
    expect(sameIsolatedGroup(f1!, f2!)).toBe(false)
    const ungrouped = planBatches([file('b', [tst('b1'), tst('b2')])], new Map(), { ungrouped: 'free' })
    expect(sameIsolatedGroup(ungrouped[0]!, ungrouped[1]!)).toBe(false)
  })
})

describe('planBatches invariants over generated inputs', () => {
  /** A small deterministic PRNG (mulberry32), so a failure is reproducible from its seed. */
  function prng(seed: number) {
    let a = seed
    return () => {
      a = (a + 0x6D2B79F5) | 0
      let t = Math.imul(a ^ (a >>> 15), 1 | a)
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296
    }
  }

  function generate(seed: number) {
    const random = prng(seed)
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
    const groupNames = ['G1', 'G2', 'G3', 'G4']
    const strategies = new Map(groupNames.map(name => [name, pick(STRATEGIES)]))
    const files: AnalyzedFile[] = []
    const userTestIds = new Map<string, string[]>()
    const fileCount = 1 + Math.floor(random() * 4)
    for (let f = 0; f < fileCount; f++) {
      const moduleId = `/p/f${f}.test.ts`
      const suiteIds = [moduleId, `${moduleId}#s1`, `${moduleId}#s2`]
      const tests: AnalyzedTest[] = []
      const testCount = Math.floor(random() * 6)
      for (let i = 0; i < testCount; i++) {
        tests.push(tst(`${moduleId}#t${i}`, {
          group: random() < 0.6 ? pick(groupNames) : undefined,
          runnable: random() < 0.75,
          ancestors: [moduleId, ...(random() < 0.5 ? [pick(suiteIds.slice(1))] : [])],
        }))
      }
      if (random() < 0.3) {
        userTestIds.set(moduleId, tests.filter(() => random() < 0.5).map(test => test.id))
      }
      files.push({ moduleId, collectFailed: false, tests, suiteIds })
    }
    return { files, strategies, userTestIds, ungrouped: random() < 0.5 ? 'free' as const : 'file' as const }
  }

  const seeds = Array.from({ length: 40 }, (_, seed) => seed + 1)

  test('the generated inputs reach every interesting case', () => {
    const seen = new Set<string>()
    for (const seed of seeds) {
      const { files, strategies, userTestIds, ungrouped } = generate(seed)
      const batches = planBatches(files, strategies, { ungrouped, userTestIds })
      if (batches.some(batch => batch.files.some(entry => entry.owned === 'all'))) {
        seen.add('whole-file batch')
      }
      if (batches.some(batch => batch.files.length > 1)) {
        seen.add('batch spanning files')
      }
      if (batches.some(batch => batch.files.some(entry => entry.owned !== 'all' && entry.owned.length > entry.testIds!.length))) {
        seen.add('non-runnable test kept out by the user filter')
      }
      if (batches.some(batch => batch.strategy === 'isolated_free') && batches.some(batch => batch.strategy === 'isolated_serial')) {
        seen.add('both isolated strategies')
      }
      if (ungrouped === 'file' && batches.some(batch => batch.group === null && batch.runnable.length > 1)) {
        seen.add('ungrouped: file sharing')
      }
    }
    expect([...seen].sort()).toEqual([
      'batch spanning files',
      'both isolated strategies',
      'non-runnable test kept out by the user filter',
      'ungrouped: file sharing',
      'whole-file batch',
    ])
  })

  test.each(seeds)('seed %i: every test owned once, every file hosted once, every runnable test run once', (seed) => {
    const { files, strategies, userTestIds, ungrouped } = generate(seed)
    const batches = planBatches(files, strategies, { ungrouped, userTestIds })

    expect(batches.map(batch => batch.id)).toEqual(batches.map((_, index) => index + 1))

    for (const file of files) {
      const entries = batches.flatMap(batch => batch.files.filter(entry => entry.moduleId === file.moduleId).map(entry => ({ batch, entry })))
      const wholeFile = entries.filter(({ entry }) => entry.owned === 'all')
      if (wholeFile.length) {
        expect(entries).toHaveLength(1)
        expect(file.tests.some(test => test.runnable)).toBe(false)
        continue
      }
      const owners = new Map<string, number[]>()
      for (const { batch, entry } of entries) {
        for (const id of entry.owned as string[]) {
          owners.set(id, [...(owners.get(id) ?? []), batch.id])
        }
      }
      for (const test of file.tests) {
        expect(owners.get(test.id), `${test.id} owned by exactly one batch`).toHaveLength(1)
      }
      expect([...owners.keys()].sort()).toEqual(file.tests.map(test => test.id).sort())

      const hosts = batches.filter(batch => batch.hosts.includes(file.moduleId))
      expect(hosts).toHaveLength(1)
      expect(hosts[0]).toBe(entries[0]!.batch)
      for (const suiteId of file.suiteIds) {
        expect(hosts[0]!.suiteIds).toContain(suiteId)
      }

      const user = userTestIds.get(file.moduleId)
      for (const { batch, entry } of entries) {
        // What the worker runs: the batch's runnable tests, plus non-runnable ones the user's filter allows.
        const runnableHere = batch.runnable.filter(id => file.tests.some(test => test.id === id))
        expect(entry.testIds!.slice(0, runnableHere.length)).toEqual(runnableHere)
        for (const id of entry.testIds!) {
          const test = file.tests.find(candidate => candidate.id === id)!
          expect(test.runnable || !user || user.includes(id)).toBe(true)
        }
        // Every suite a test of this batch sits in takes the batch as a participant.
        for (const id of runnableHere) {
          const test = file.tests.find(candidate => candidate.id === id)!
          test.ancestors.forEach(suiteId => expect(batch.suiteIds).toContain(suiteId))
        }
      }
    }

    const runs = batches.flatMap(batch => batch.runnable)
    const runnable = files.flatMap(file => file.tests.filter(test => test.runnable).map(test => test.id))
    expect([...runs].sort()).toEqual([...runnable].sort())

    const phases = batches.map(batch => STRATEGIES.indexOf(batch.strategy))
    expect(phases).toEqual([...phases].sort((x, y) => x - y))
  })
})

describe('planBatches: whole files planned from their source', () => {
  test('each is one late batch in its strategy\'s phase, the longest first by last run\'s durations', () => {
    const batches = planBatches([file('/x', [tst('x1', { group: 'S' })])], new Map([['S', 'serial']]), {
      ungrouped: 'free',
      durations: new Map([['fa_0', 50], ['fb_0', 300], ['x1', 100]]),
      wholeFiles: [
        { moduleId: '/a', group: 'A', strategy: 'serial', idPrefix: 'fa_' },
        { moduleId: '/b', group: null, strategy: 'free', idPrefix: 'fb_' },
        { moduleId: '/c', group: 'C', strategy: 'isolated_serial', idPrefix: 'fc_' },
      ],
    })
    expect(batches.map(batch => batch.files[0]!.moduleId)).toEqual(['/c', '/x', '/a', '/b'])
    const late = batches.find(batch => batch.files[0]!.moduleId === '/a')!
    expect(late.files).toEqual([{ moduleId: '/a', testIds: undefined, owned: 'late' }])
    expect(late.hosts).toEqual(['/a'])
  })

  test('without durations they take their place in path order among the collected files, whatever order they come in', () => {
    const batches = planBatches([file('/b', [tst('b1'), tst('b2')]), file('/d', [tst('d1')])], new Map(), {
      ungrouped: 'free',
      wholeFiles: [
        { moduleId: '/e', group: null, strategy: 'free', idPrefix: 'fe_' },
        { moduleId: '/a', group: null, strategy: 'free', idPrefix: 'fa_' },
        { moduleId: '/c', group: null, strategy: 'free', idPrefix: 'fc_' },
      ],
    })
    expect(batches.map(batch => batch.runnable[0] ?? batch.files[0]!.moduleId)).toEqual(['/a', 'b1', 'b2', '/c', 'd1', '/e'])
  })
})
