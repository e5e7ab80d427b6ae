import type { Reporter, Vitest } from 'vitest/node'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { version as vitestVersion } from 'vitest/node'
import { fixtureRoot, normalJson, normalText, runBoth } from './compat-helpers'
import { runFixture } from './utils'

// The pool's setup file wraps every test in its own around hook. Registered through `aroundEach`,
// that hook made Vitest set up the test's auto fixtures for it: before the test's file and worker
// fixtures, and outside the test's own hooks, so an auto fixture that threw skipped afterEach.
describe('test.extend fixtures are set up and torn down as on the forks pool', () => {
  test.each(['process', 'module'])('in the same order, around the same hooks (isolation: %s)', async (isolation) => {
    const root = fixtureRoot('compat-fixtures')
    // The fixture's config reads MP_ISOLATION when Vitest loads it, in this process.
    process.env.MP_ISOLATION = isolation
    const { forks, mp } = await runBoth('compat-fixtures', {}).finally(() => delete process.env.MP_ISOLATION)
    const expected = normalJson(forks.json, root)
    expect(expected.numPassedTests).toBe(2)
    expect(expected.numFailedTests).toBe(1)
    expect(normalJson(mp.json, root)).toEqual(expected)
    // Vitest 4 runs afterEach after the throw; Vitest 5 tries the fixture again for it instead.
    expect(stepsByTest(forks.stdout, root)['auto-throws.test.ts > fails in its auto fixture'])
      .toEqual(vitestVersion.startsWith('4.') ? ['auto fixture: setup', 'afterEach'] : ['auto fixture: setup', 'auto fixture: setup'])
    expect(stepsByTest(mp.stdout, root)).toEqual(stepsByTest(forks.stdout, root))
    expect(mp.exitCode).toBe(1)
  })
})

// Each file a worker runs defines its fixtures afresh, and Vitest tore worker fixtures down only
// when the worker ended: a serial group's second file set up a second copy beside the first. As in
// Vitest's vm pools, which also run several files afresh in one worker, they now have file scope.
describe('a scope: \'worker\' fixture in a worker that runs several files', () => {
  test.each([
    { isolation: 'process', staticPlan: true },
    { isolation: 'module', staticPlan: true },
    { isolation: 'process', staticPlan: false },
  ])('is set up and torn down with each file, and files report the pool they ran on (isolation: $isolation, staticPlan: $staticPlan)', async ({ isolation, staticPlan }) => {
    let reporterVitest: Vitest | undefined
    const reporter: Reporter = { onInit: (vitest) => { reporterVitest = vitest } }
    process.env.MP_ISOLATION = isolation
    process.env.MP_STATIC_PLAN = String(staticPlan)
    let steps: string[] = []
    const run = await runFixture('compat-fixtures-serial', {
      config: { maxWorkers: 1, reporters: ['default', reporter] },
      onRecordsDir: (dir) => { steps = readFileSync(join(dir, 'steps.log'), 'utf-8').trim().split('\n') },
    }).finally(() => {
      delete process.env.MP_ISOLATION
      delete process.env.MP_STATIC_PLAN
    })
    expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0)
    expect(normalJson(run.json, fixtureRoot('compat-fixtures-serial')).numPassedTests).toBe(2)
    expect(steps).toEqual(['setup', 'a on mp', 'teardown', 'setup', 'b on mp', 'teardown'])
    // Vitest keeps the files workers report, and reruns each (in watch mode) on the pool it names.
    expect(reporterVitest!.state.getFiles().map(file => file.pool)).toEqual(['mp', 'mp'])
  })
})

/** Each test's logged lines in the order they were printed (`stdout | file > test` blocks). */
function stepsByTest(stdout: string, root: string): Record<string, string[]> {
  const steps: Record<string, string[]> = {}
  for (const [, test, text] of normalText(stdout, root).matchAll(/^stdout \| (.+)\n([\s\S]*?)\n\n/gm)) {
    (steps[test!] ??= []).push(...text!.split('\n'))
  }
  return steps
}
