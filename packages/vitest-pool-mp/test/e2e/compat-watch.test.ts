import type { TestModule } from 'vitest/node'
import { writeFileSync } from 'node:fs'
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

/** Watch mode on a copy of compat-watch: the first run, a programmatic rerun, a rerun on a source change. */
async function watchSequence(pool: 'forks' | 'mp') {
  const copy = copyFixture('compat-watch')
  cleanups.push(copy.dispose)
  const results = new RunResults(copy.root)
  const first = await runFixture(copy.root, {
    keepOpen: true,
    config: { watch: true, reporters: ['verbose', results], ...(pool === 'forks' && { pool: 'forks' }) },
  })
  const vitest = first.vitest!
  cleanups.push(() => vitest.close())
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
