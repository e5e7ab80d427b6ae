import type { TestModule, TestUserConfig } from 'vitest/node'
import { readFileSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { copyFixture, reporterParts } from './compat-helpers'
import { runFixture } from './utils'

const TIMEOUT_MS = 60_000
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup()
  }
})

/** Each test run's results as `file > test: state`, and a way to wait for the next run's end. */
class RunResults {
  readonly runs: string[][] = []
  private waiters: (() => void)[] = []

  constructor(private readonly root: string) {}

  onTestRunEnd(modules: readonly TestModule[]): void {
    this.runs.push(modules.flatMap(module => [...module.children.allTests()].map(test =>
      `${relative(this.root, module.moduleId)} > ${test.fullName}: ${test.result().state}`)).sort())
    this.waiters.splice(0).forEach(resolve => resolve())
  }

  nextRun(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('[compat-watch] no test run ended in time')), TIMEOUT_MS)
      this.waiters.push(() => {
        clearTimeout(timer)
        resolve()
      })
    })
  }
}

/** Vitest in watch mode on a copy of a fixture, after its first run; closed after the test. */
async function startWatching(fixture: string, pool: 'forks' | 'mp', options: { filters?: string[], config?: TestUserConfig, reporters?: string[] } = {}) {
  const copy = copyFixture(fixture)
  cleanups.push(copy.dispose)
  const results = new RunResults(copy.root)
  const first = await runFixture(copy.root, {
    keepOpen: true,
    ...(options.filters && { filters: options.filters }),
    config: { ...options.config, watch: true, reporters: [...options.reporters ?? [], results], ...(pool === 'forks' && { pool: 'forks' }) },
  })
  const vitest = first.vitest!
  cleanups.push(() => vitest.close())
  return { copy, results, first, vitest }
}

/** Watch mode on a copy of compat-watch: the first run, a programmatic rerun, a rerun on a source change. */
async function watchSequence(pool: 'forks' | 'mp') {
  const { copy, results, first, vitest } = await startWatching('compat-watch', pool, { reporters: ['verbose'] })
  expect(results.runs).toHaveLength(1)

  await vitest.rerunTestSpecifications(vitest.getModuleSpecifications(join(copy.root, 'value.test.ts')))
  expect(results.runs).toHaveLength(2)

  const changed = results.nextRun()
  writeFileSync(join(copy.root, 'src', 'value.ts'), 'export const value = 2\n')
  await changed
  expect(results.runs).toHaveLength(3)
  return { runs: results.runs, firstOutput: reporterParts(first.stdout, copy.root) }
}

test('watch mode: reruns report the same results as on forks', async () => {
  const forks = await watchSequence('forks')
  const mp = await watchSequence('mp')
  expect(forks.runs[0]).toContain('value.test.ts > value is 2: failed')
  expect(forks.runs[2]).toContain('value.test.ts > value is 2: passed')
  expect(mp.runs).toEqual(forks.runs)
  expect(mp.firstOutput.tests).toEqual(forks.firstOutput.tests)
  expect(mp.firstOutput.logs).toEqual(forks.firstOutput.logs)
})

/**
 * Watch mode on a copy of compat-snapshots, running only inline.test.ts: the first run writes its
 * inline snapshots, and the write makes Vitest run the file again (on every pool). Waiting for that
 * run also keeps it from writing Vitest's caches into the copy after the test has removed it.
 */
async function watchInlineSnapshots(pool: 'forks' | 'mp') {
  const { copy, results } = await startWatching('compat-snapshots', pool, { filters: ['inline.test.ts'], config: { update: 'new' } })
  if (results.runs.length < 2) {
    await results.nextRun()
  }
  return { runs: results.runs, source: readFileSync(join(copy.root, 'inline.test.ts'), 'utf-8') }
}

// Each worker used to write its inline snapshot into the test file as its test ended; in watch
// mode the write reloads the file, and the workers after it took their positions from the new
// text while editing the old one: a snapshot landed in another test.
test('watch mode: inline snapshots of several workers are written as on forks, every test passing', async () => {
  const forks = await watchInlineSnapshots('forks')
  const mp = await watchInlineSnapshots('mp')
  expect(forks.runs[0]).toEqual([
    'inline.test.ts > file snapshot: passed',
    'inline.test.ts > inline object: passed',
    'inline.test.ts > inline second object: passed',
    'inline.test.ts > inline string: passed',
  ])
  expect(forks.runs[1]).toEqual(forks.runs[0])
  expect(mp.runs).toEqual(forks.runs)
  expect(mp.source).toBe(forks.source)
})


/** Watch mode on a copy of compat-watch: a test-name filter set while watching (the `t` key), then a rerun. */
async function watchNameFilter(pool: 'forks' | 'mp') {
  const { copy, results, vitest } = await startWatching('compat-watch', pool)
  const rerun = results.nextRun()
  vitest.setGlobalTestNamePattern('alpha')
  await vitest.rerunTestSpecifications(vitest.getModuleSpecifications(join(copy.root, 'names.test.ts')))
  await rerun
  return results.runs[1]
}

// The pattern is Vitest's config override, not the project's config: the plan, which read only
// the latter, took the filtered-out tests of a file planned from its source for runnable, and
// their worker's "finished without running this test" failed them.
test('watch mode: a test-name filter set while watching skips the other tests, as on forks', async () => {
  const forks = await watchNameFilter('forks')
  const mp = await watchNameFilter('mp')
  expect(forks).toEqual(['names.test.ts > alpha: passed', 'names.test.ts > beta: skipped'])
  expect(mp).toEqual(forks)
})

// A changed config file restarts Vitest in the same instance, with a config resolved again: the
// pool used to keep announcing runs to the old one, and every run after the restart failed with
// "which the run did not announce".
test('watch mode: after a config change restarts Vitest, runs go on as before', async () => {
  const { copy, results } = await startWatching('compat-watch', 'mp')
  expect(results.runs).toHaveLength(1)
  const restarted = results.nextRun()
  const configFile = join(copy.root, 'vitest.config.ts')
  writeFileSync(configFile, `${readFileSync(configFile, 'utf-8')}// changed\n`)
  await restarted
  expect(results.runs[1]).toEqual(results.runs[0])
  const changed = results.nextRun()
  writeFileSync(join(copy.root, 'src', 'value.ts'), 'export const value = 2\n')
  await changed
  expect(results.runs[2]).toContain('value.test.ts > value is 2: passed')
})
