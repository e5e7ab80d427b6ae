import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { fixtureRoot } from './compat-helpers'
import { runFixture } from './utils'


interface FileCoverage {
  statementMap: Record<string, { start: { line: number } }>
  s: Record<string, number>
  fnMap: Record<string, { name: string }>
  f: Record<string, number>
}

const dirs: string[] = []
afterEach(() => {
  dirs.splice(0).forEach(dir => rmSync(dir, { recursive: true, force: true }))
})

/** Runs the fixture with v8 coverage; returns the summary and, per source line, how often it ran. */
async function cover(pool: 'forks' | 'mp', isolation: 'process' | 'module' = 'process') {
  const fixture = 'compat-coverage'
  const root = fixtureRoot(fixture)
  const reportsDirectory = mkdtempSync(join(tmpdir(), `mp-coverage-${pool}-`))
  dirs.push(reportsDirectory)
  // The fixture's config reads MP_ISOLATION when Vitest loads it, in this process.
  process.env.MP_ISOLATION = isolation
  const run = await runFixture(fixture, {
    config: {
      ...(pool === 'forks' && { pool: 'forks' }),
      // Module isolation: one warm worker runs both free tests' batches, one after the other.
      ...(isolation === 'module' && { maxWorkers: 1 }),
      coverage: { enabled: true, provider: 'v8', reporter: ['json-summary', 'json'], reportsDirectory, include: ['src/**'] },
    },
  }).finally(() => delete process.env.MP_ISOLATION)
  expect(run.exitCode, run.stderr).toBe(0)
  const summary = JSON.parse(readFileSync(join(reportsDirectory, 'coverage-summary.json'), 'utf-8')) as Record<string, unknown>
  const detail = JSON.parse(readFileSync(join(reportsDirectory, 'coverage-final.json'), 'utf-8')) as Record<string, FileCoverage>
  const functions: Record<string, number> = {}
  for (const [file, coverage] of Object.entries(detail)) {
    for (const [id, fn] of Object.entries(coverage.fnMap)) {
      functions[`${relative(root, file)} ${fn.name}`] = coverage.f[id]!
    }
  }
  return {
    summary: Object.fromEntries(Object.entries(summary).map(([file, value]) => [file === 'total' ? file : relative(root, file), value])),
    functions,
  }
}

test('coverage v8: lines run in different workers of one file are all counted, as on forks', async () => {
  const forks = await cover('forks')
  const mp = await cover('mp')
  expect(forks.functions).toEqual({ 'src/math.ts alpha': 1, 'src/math.ts beta': 1, 'src/math.ts gamma': 0, 'src/math.ts both': 2 })
  expect(mp.functions).toEqual(forks.functions)
  expect(mp.summary).toEqual(forks.summary)
})

test('coverage v8 with isolation: \'module\' (warm workers) counts the same', async () => {
  const forks = await cover('forks', 'module')
  const mp = await cover('mp', 'module')
  expect(forks.functions).toEqual({ 'src/math.ts alpha': 1, 'src/math.ts beta': 1, 'src/math.ts gamma': 0, 'src/math.ts both': 2 })
  expect(mp.functions).toEqual(forks.functions)
  expect(mp.summary).toEqual(forks.summary)
})
