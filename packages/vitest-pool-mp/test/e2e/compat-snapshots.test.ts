import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { copyFixture, fixtureRoot, normalJson, runBoth } from './compat-helpers'
import { runFixture } from './utils'

const EXPECTED_KEYS = ['snap one 1', 'snap three 1', 'snap three > named 1', 'snap two 1', 'suite > snap five 1', 'suite > snap four 1']
// maxWorkers is 3: the first three free tests wait for each other (see compat-snapshots/barrier.ts).
const OVERLAP = { SNAP_BARRIER: '3' }

/** The keys in a .snap file's text, sorted. */
function keysIn(text: string): string[] {
  return [...text.matchAll(/^exports\[`(.+)`\] = /gm)].map(match => match[1]!).sort()
}

/** The keys of a .snap file, sorted. */
function snapKeys(file: string): string[] {
  return keysIn(readFileSync(file, 'utf-8'))
}

describe('snapshots written by several workers of one file', () => {
  const copies: (() => void)[] = []
  afterEach(() => {
    copies.splice(0).forEach(dispose => dispose())
  })

  async function writeSnapshots(fixture: string, pool: 'forks' | 'mp', update: 'new' | 'all', overlap = pool === 'mp'): Promise<string[]> {
    const copy = copyFixture(fixture)
    copies.push(copy.dispose)
    const snap = join(copy.root, '__snapshots__', 'many.test.ts.snap')
    rmSync(snap, { force: true })
    const run = await runFixture(copy.root, {
      filters: ['many.test.ts'],
      config: { update, ...(pool === 'forks' && { pool: 'forks' }), ...(overlap && { env: OVERLAP }) },
    })
    expect(run.exitCode, `${pool}\n${run.stdout}\n${run.stderr}`).toBe(0)
    expect(normalJson(run.json, copy.root).numPassedTests, pool).toBe(5)
    expect(existsSync(snap), pool).toBe(true)
    return snapKeys(snap)
  }

  test('forks writes every test\'s snapshot', async () => {
    expect(await writeSnapshots('compat-snapshots', 'forks', 'new')).toEqual(EXPECTED_KEYS)
  })

  // Each worker's snapshot state reads the .snap file when the test file starts and rewrites it
  // whole when it ends; overlapping workers of one file would drop each other's new entries. The
  // pool's snapshot environment merges each worker's own changes into the file under a lock.
  for (const update of ['new', 'all'] as const) {
    test(`mp, update '${update}', overlapping workers: every test's snapshot is in the file`, async () => {
      expect(await writeSnapshots('compat-snapshots', 'mp', update)).toEqual(EXPECTED_KEYS)
    })
  }

  test('mp with isolation: \'module\', one warm worker running the batches in turn, keeps every snapshot', async () => {
    expect(await writeSnapshots('compat-snapshots-module', 'mp', 'new', false)).toEqual(EXPECTED_KEYS)
    expect(await writeSnapshots('compat-snapshots-module', 'mp', 'all', false)).toEqual(EXPECTED_KEYS)
  })

  // Inline snapshots are written into the test file, and a file snapshot into its own file: the
  // merging of .snap entries must not touch them (it once took a test file for an empty .snap
  // and deleted it). Each worker's edits land on the lines its positions refer to.
  for (const isolation of ['process', 'module'] as const) {
    test(`inline and file snapshots written by several workers are the same as on forks (isolation: '${isolation}')`, async () => {
      const written = async (pool: 'forks' | 'mp') => {
        const copy = copyFixture(isolation === 'module' ? 'compat-snapshots-module' : 'compat-snapshots')
        copies.push(copy.dispose)
        if (isolation === 'module') {
          for (const file of ['inline.test.ts', 'barrier.ts']) {
            cpSync(join(fixtureRoot('compat-snapshots'), file), join(copy.root, file))
          }
        }
        rmSync(join(copy.root, '__snapshots__', 'raw.txt'), { force: true })
        const run = await runFixture(copy.root, {
          filters: ['inline.test.ts'],
          config: { update: 'new', ...(pool === 'forks' && { pool: 'forks' }), ...(pool === 'mp' && isolation === 'process' && { env: OVERLAP }) },
        })
        expect(run.exitCode, `${pool}\n${run.stdout}\n${run.stderr}`).toBe(0)
        expect(normalJson(run.json, copy.root).numPassedTests, pool).toBe(4)
        return {
          source: readFileSync(join(copy.root, 'inline.test.ts'), 'utf-8'),
          raw: readFileSync(join(copy.root, '__snapshots__', 'raw.txt'), 'utf-8'),
        }
      }
      const forks = await written('forks')
      expect(forks.source).toContain('toMatchInlineSnapshot(`"hello"`)')
      expect(forks.raw).toBe('raw content\n')
      expect(await written('mp')).toEqual(forks)
    })
  }

  // Workers read the .snap file as their tests start while others write it, and a warm worker's
  // next batch must read it anew: a half-written or stale read lost entries, and let a changed
  // value pass as a new snapshot.
  for (const isolation of ['process', 'module'] as const) {
    test(`20 changed values and 20 new tests in one .snap file: 20 fail, 20 are written, none is lost (isolation: '${isolation}')`, async () => {
      const copy = copyFixture('compat-snapshots-race')
      copies.push(copy.dispose)
      const snap = join(copy.root, '__snapshots__', 'many.test.ts.snap')
      process.env.MP_ISOLATION = isolation
      try {
        const first = await runFixture(copy.root, { config: { update: 'new' } })
        expect(first.exitCode, first.stderr).toBe(0)
        expect(snapKeys(snap)).toHaveLength(20)
        const second = await runFixture(copy.root, { config: { update: 'new', env: { SNAP_VALUE: '2', SNAP_ODD: '1' } } })
        const report = normalJson(second.json, copy.root)
        expect(report.numFailedTests).toBe(20)
        expect(report.numPassedTests).toBe(20)
        expect(snapKeys(snap)).toHaveLength(40)
        expect(readFileSync(snap, 'utf-8')).not.toContain('"value": 2')
      }
      finally {
        delete process.env.MP_ISOLATION
      }
    })
  }

  // A file that ended used to have every file's inline snapshots written, also those of a file
  // still running: its later workers then wrote theirs at places that had moved.
  test('inline snapshots of a file still running when another file ends land where forks puts them', async () => {
    const written = async (pool: 'forks' | 'mp') => {
      const copy = copyFixture('compat-snapshots')
      copies.push(copy.dispose)
      const run = await runFixture(copy.root, {
        filters: ['inline-quick.test.ts', 'inline-late.test.ts'],
        config: { update: 'new', maxWorkers: 4, ...(pool === 'forks' && { pool: 'forks' }) },
      })
      expect(run.exitCode, `${pool}\n${run.stdout}\n${run.stderr}`).toBe(0)
      return readFileSync(join(copy.root, 'inline-late.test.ts'), 'utf-8')
    }
    const forks = await written('forks')
    expect(forks).toContain('toMatchInlineSnapshot(`"second"`)')
    expect(await written('mp')).toBe(forks)
  })

  // Vitest numbers the snapshots of tests with one name in file order; in separate workers each
  // would count from 1 and overwrite the other's entry.
  test('tests of one name keep their numbered snapshots apart, as on forks, and the next run passes', async () => {
    const written = async (pool: 'forks' | 'mp') => {
      const copy = copyFixture('compat-snapshots')
      copies.push(copy.dispose)
      const snap = join(copy.root, '__snapshots__', 'namesakes.test.ts.snap')
      const config = { update: 'new' as const, ...(pool === 'forks' && { pool: 'forks' }) }
      const first = await runFixture(copy.root, { filters: ['namesakes.test.ts'], config })
      expect(first.exitCode, `${pool}\n${first.stdout}\n${first.stderr}`).toBe(0)
      const again = await runFixture(copy.root, { filters: ['namesakes.test.ts'], config: { ...config, update: false } })
      expect(again.exitCode, `${pool}\n${again.stdout}\n${again.stderr}`).toBe(0)
      expect(again.json?.numPassedTests).toBe(6)
      return readFileSync(snap, 'utf-8')
    }
    const forks = await written('forks')
    expect(keysIn(forks)).toEqual(['d > x 1', 'd > x 2', 'each 1 1', 'each 1 2', 'same 1', 'same 2'])
    expect(await written('mp')).toBe(forks)
  })

  // In one worker Vitest fails the second test; split over workers each test passes on its own,
  // and one of them rewrote the snapshot the other had matched (under -u), or each wrote its own
  // value into the one new snapshot (without -u).
  test.each([
    { update: 'all', file: 'inline-each.test.ts', place: 'inline-each\\.test\\.ts:5:13', values: [1, 2] },
    { update: 'new', file: 'inline-each-new.test.ts', place: 'inline-each-new\\.test\\.ts:6:18', values: [10, 20] },
  ] as const)('one inline snapshot reached with different values (update: $update) fails the run, as on forks, and the file is left alone', async ({ update, file, place, values }) => {
    const outcome = async (pool: 'forks' | 'mp') => {
      const copy = copyFixture('compat-snapshots')
      copies.push(copy.dispose)
      const path = join(copy.root, file)
      const before = readFileSync(path, 'utf-8')
      const run = await runFixture(copy.root, { filters: [file], config: { update, ...(pool === 'forks' && { pool: 'forks' }) } })
      expect(readFileSync(path, 'utf-8'), pool).toBe(before)
      return { exitCode: run.exitCode, output: run.stdout + run.stderr }
    }
    const forks = await outcome('forks')
    expect(forks.exitCode).toBe(1)
    expect(forks.output).toContain('toMatchInlineSnapshot with different snapshots cannot be called at the same location')
    const mp = await outcome('mp')
    expect(mp.exitCode).toBe(1)
    expect(mp.output).toMatch(new RegExp(`\\[vitest-pool-mp\\] toMatchInlineSnapshot with different snapshots cannot be called at the same location: ${place} \\("each 1" received ${values[0]}; "each 2" received ${values[1]}\\)`))
  })

  test('a mismatching snapshot fails like on forks, and the .snap file is left alone', async () => {
    const root = fixtureRoot('compat-snapshots')
    const snap = join(root, '__snapshots__', 'mismatch.test.ts.snap')
    const before = readFileSync(snap, 'utf-8')
    const { forks, mp } = await runBoth('compat-snapshots', { filters: ['mismatch.test.ts'], config: { update: false } })
    const expected = normalJson(forks.json, root)
    expect(expected.numFailedTests).toBe(1)
    expect(expected.files[0]!.tests.find(t => t.fullName === 'does not match')!.failureMessages.join('\n')).toContain('Snapshot `does not match 1` mismatched')
    expect(normalJson(mp.json, root)).toEqual(expected)
    expect(mp.exitCode).toBe(1)
    expect(readFileSync(snap, 'utf-8')).toBe(before)
  })
})

describe('obsolete snapshots of a file split over workers', () => {
  // Each of the file's three batches skips the others' tests and counts their snapshots as checked;
  // what is left unchecked is obsolete, once, whichever batches report it. Vitest 4 took a skipped
  // test's snapshots by a loose match of names that also took obsolete ones: the pool's workers
  // use Vitest 5's exact rule on Vitest 4 too.
  test.each(['process', 'module'] as const)('are reported and removed as on forks (isolation: %s)', async (isolation) => {
    const run = async (pool: 'forks' | 'mp', update: 'new' | 'all') => {
      const copy = copyFixture('compat-snapshots')
      process.env.MP_ISOLATION = isolation
      try {
        const result = await runFixture(copy.root, { filters: ['obsolete.test.ts'], config: { update, ...(pool === 'forks' && { pool: 'forks' }) } })
        expect(result.exitCode, `${pool}\n${result.stdout}\n${result.stderr}`).toBe(0)
        const snapshot = result.json!.snapshot
        return { unchecked: snapshot.unchecked, keys: snapshot.uncheckedKeysByFile.flatMap(file => file.keys), file: snapKeys(join(copy.root, '__snapshots__', 'obsolete.test.ts.snap')) }
      }
      finally {
        delete process.env.MP_ISOLATION
        copy.dispose()
      }
    }
    const forks = await run('forks', 'new')
    expect(forks).toEqual({ unchecked: 2, keys: ['a 2', 'deleted 1'], file: ['a 1', 'a 2', 'b 1', 'deleted 1'] })
    const mp = await run('mp', 'new')
    expect({ ...mp, keys: [...mp.keys].sort() }).toEqual(forks)
    expect((await run('mp', 'all')).file).toEqual((await run('forks', 'all')).file)
  })

  // emptied-split.test.ts's tests run in two workers: each deletes its own obsolete entry, and the
  // second deletes the file. One worker running the file reports one file removed, not two keys.
  test.each(['process', 'module'] as const)('a snapshot file `-u` deletes counts none obsolete and lists its keys, as on forks (isolation: %s)', async (isolation) => {
    const run = async (pool: 'forks' | 'mp') => {
      const copy = copyFixture('compat-snapshots')
      process.env.MP_ISOLATION = isolation
      try {
        const result = await runFixture(copy.root, { filters: ['emptied.test.ts', 'emptied-split.test.ts', 'obsolete.test.ts'], config: { update: 'all', ...(pool === 'forks' && { pool: 'forks' }) } })
        expect(result.exitCode, `${pool}\n${result.stdout}\n${result.stderr}`).toBe(0)
        const { unchecked, filesRemoved, uncheckedKeysByFile } = result.json!.snapshot
        const deleted = ['emptied.test.ts.snap', 'emptied-split.test.ts.snap'].filter(file => !existsSync(join(copy.root, '__snapshots__', file)))
        return { unchecked, filesRemoved, keys: uncheckedKeysByFile.flatMap(file => file.keys).sort(), deleted }
      }
      finally {
        delete process.env.MP_ISOLATION
        copy.dispose()
      }
    }
    const forks = await run('forks')
    expect(forks).toEqual({
      unchecked: 2,
      filesRemoved: 2,
      keys: ['a 2', 'deleted 1', 'first takes no snapshot 1', 'removed 1', 'second takes no snapshot 1'],
      deleted: ['emptied.test.ts.snap', 'emptied-split.test.ts.snap'],
    })
    expect(await run('mp')).toEqual(forks)
  })
})
