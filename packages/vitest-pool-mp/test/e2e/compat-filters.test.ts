import type { Reporter, TestModule, TestSpecification, TestUserConfig } from 'vitest/node'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { Writable } from 'node:stream'
import { createVitest, version as vitestVersion } from 'vitest/node'
import { describe, expect, test } from 'vitest'
import { copyFixture, fixtureRoot, normalJson, reporterParts, runBoth } from './compat-helpers'
import { runFixture, VITEST_CLI } from './utils'

describe('filters and run options behave as on the forks pool', () => {
  test('-t (testNamePattern) runs the same tests', async () => {
    const root = fixtureRoot('compat-mixed')
    const { forks, mp } = await runBoth('compat-mixed', { config: { testNamePattern: 'each|deep|s1' } })
    const expected = normalJson(forks.json, root)
    expect(expected.numPassedTests + expected.numFailedTests).toBe(6)
    expect(normalJson(mp.json, root)).toEqual(expected)
    expect(mp.exitCode).toBe(forks.exitCode)
  })

  test('.only with allowOnly runs only the marked tests', async () => {
    const root = fixtureRoot('compat-filters')
    const { forks, mp } = await runBoth('compat-filters', { filters: ['only.test.ts'], config: { allowOnly: true } })
    const expected = normalJson(forks.json, root)
    expect(expected.numPassedTests).toBe(2)
    expect(expected.numFailedTests).toBe(0)
    expect(normalJson(mp.json, root)).toEqual(expected)
    expect(mp.exitCode).toBe(0)
    expect(forks.exitCode).toBe(0)
  })

  test.each(['process', 'module'])('a .only inside a skipped or todo suite is reported skipped, as on forks (isolation: %s)', async (isolation) => {
    const root = fixtureRoot('compat-filters')
    process.env.MP_ISOLATION = isolation
    const { forks, mp } = await runBoth('compat-filters', { filters: ['only-in-skipped.test.ts'], config: { allowOnly: true } })
      .finally(() => delete process.env.MP_ISOLATION)
    const expected = normalJson(forks.json, root)
    expect(expected.numPassedTests).toBe(1)
    expect(expected.numFailedTests).toBe(0)
    expect(normalJson(mp.json, root)).toEqual(expected)
    expect(mp.exitCode).toBe(0)
  })

  test('--detectAsyncLeaks reports the leaks forks reports', async () => {
    // From Vitest's CLI in a process of its own: inside this test's worker, Vitest's leak
    // detection finds nothing on either pool.
    const leaks = async (pool: 'forks' | 'mp') => {
      const { exitCode, output } = await runCli('compat-filters', ['leak.test.ts', '--detectAsyncLeaks', `--pool=${pool}`])
      return { exitCode, leaks: output.split('\n').filter(line => /leaking in|^\s*Leaks /.test(line)) }
    }
    const forks = await leaks('forks')
    expect(forks.leaks).toEqual(['TCPSERVERWRAP leaking in leak.test.ts', '      Leaks  1 leak'])
    expect(await leaks('mp')).toEqual(forks)
  })

  // From Vitest's CLI, whose logger writes to the process's own stdout: Tinypool stopped reading a
  // child's output as soon as the child exited, and the end of a large write was lost.
  test('a worker\'s large write to stdout reaches the terminal whole, though the worker exits right after', async () => {
    // A reporter that writes to a file: stdout is then the worker's alone, its lines whole.
    const dir = mkdtempSync(join(tmpdir(), 'mp-big-output-'))
    try {
      const { exitCode, output } = await runCli('compat-big-output', ['--reporter=json', `--outputFile=${join(dir, 'report.json')}`])
      expect(exitCode, output.slice(-2000)).toBe(0)
      const lines = output.split('\n')
      expect(lines.filter(line => line.startsWith('last line of ')).sort()).toEqual(['last line of first', 'last line of second'])
      expect(lines.filter(line => line === 'x'.repeat(1023))).toHaveLength(2 * 2048)
    }
    finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  // Vitest 5 narrows a file by its tests' full names (how --lastFailed reruns only the failed ones).
  test.runIf(vitestVersion.startsWith('5.'))('a specification\'s testNames run only the named tests, as on forks', async () => {
    const root = fixtureRoot('compat-filters')
    const states = async (pool?: 'forks') => {
      const vitest = await createVitest('test', { root, watch: false, reporters: [{}], ...(pool && { pool }) }, {}, { stdout: devNull(), stderr: devNull() })
      try {
        const project = vitest.getRootProject()
        const createSpecification = project.createSpecification.bind(project) as (moduleId: string, options: { testNames: string[] }) => TestSpecification
        const { testModules } = await vitest.runTestSpecifications([createSpecification(join(root, 'names.test.ts'), { testNames: ['b', 's > c'] })])
        return testModules.flatMap(module => [...module.children.allTests()].map(test => `${test.fullName}: ${test.result().state}`)).sort()
      }
      finally {
        await vitest.close()
      }
    }
    const forks = await states('forks')
    expect(forks).toEqual(['a: skipped', 'b: passed', 's > c: passed', 's > d: skipped'])
    expect(await states()).toEqual(forks)
  })

  // What --changed and --sinceLastRun rerun for a changed module. Each batch of a file reports the
  // modules its own tests imported, and Vitest keeps the last report of a file.
  test.runIf(vitestVersion.startsWith('5.'))('experimental.recordDependencies records every module a file\'s tests imported, as on forks', async () => {
    const recorded = async (pool?: 'forks') => {
      const copy = copyFixture('compat-dependencies')
      try {
        // A Vitest 5 option (its types here may be Vitest 4's).
        const experimental = { recordDependencies: true } as NonNullable<TestUserConfig['experimental']>
        const run = await runFixture(copy.root, { config: { experimental, ...(pool && { pool }) } })
        expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0)
        const cache = join(copy.root, 'node_modules', '.vite', 'vitest')
        const [hash] = readdirSync(cache).filter(entry => existsSync(join(cache, entry, 'dependencies.json')))
        const { projects } = JSON.parse(readFileSync(join(cache, hash!, 'dependencies.json'), 'utf-8')) as { projects: Record<string, { modules: string[], files: Record<string, { deps: number[] }> }> }
        const { modules, files } = Object.values(projects)[0]!
        // The pool's own setup files are among an mp file's imports: the project's are compared.
        return files['imports.test.ts']!.deps.map(index => modules[index]!).filter(module => !module.includes('dist/runtime/'))
      }
      finally {
        copy.dispose()
      }
    }
    const forks = await recorded('forks')
    expect(forks).toEqual(['imports.test.ts', 'src/math.ts', 'src/other.ts'])
    expect((await recorded()).sort()).toEqual(forks)
  })

  test('.only without allowOnly fails the same way', async () => {
    const root = fixtureRoot('compat-filters')
    const { forks, mp } = await runBoth('compat-filters', { filters: ['only.test.ts'], config: { allowOnly: false } })
    expect(forks.exitCode).toBe(1)
    expect(mp.exitCode).toBe(1)
    expect(normalJson(mp.json, root)).toEqual(normalJson(forks.json, root))
  })

  test.each(['process', 'module'])('a refused .only that several batches hit is shown once, as on forks (isolation: %s)', async (isolation) => {
    const root = fixtureRoot('compat-filters')
    // The fixture's config reads MP_ISOLATION when Vitest loads it, in this process.
    process.env.MP_ISOLATION = isolation
    // Each of the file's three batches reports the error; with module isolation their stacks differ
    // in V8's async frames (a warm worker's first batch from its later ones).
    const { forks, mp } = await runBoth('compat-filters', { filters: ['only-suite.test.ts'], config: { allowOnly: false } })
      .finally(() => delete process.env.MP_ISOLATION)
    expect(mp.exitCode).toBe(1)
    expect(normalJson(mp.json, root)).toEqual(normalJson(forks.json, root))
    const failures = (run: typeof mp) => reporterParts(`${run.stdout}\n${run.stderr}`, root).tail.filter(line => /FAIL|Error|⎯\[\d+\/\d+\]⎯/.test(line))
    expect(failures(forks).filter(line => line.includes('Unexpected .only modifier'))).toHaveLength(1)
    expect(failures(mp)).toEqual(failures(forks))
  })

  test('--retry: a test passing on a later attempt passes, in fresh workers too', async () => {
    const root = fixtureRoot('compat-filters')
    const { forks, mp } = await runBoth('compat-filters', { filters: ['retry.test.ts'], config: { retry: 2, reporters: ['verbose'] } })
    const expected = normalJson(forks.json, root)
    expect(expected.numPassedTests).toBe(3)
    expect(normalJson(mp.json, root)).toEqual(expected)
    expect(reporterParts(mp.stdout, root).tests).toEqual(reporterParts(forks.stdout, root).tests)
    expect(mp.exitCode).toBe(0)
  })

  test('--retry too small fails the same tests', async () => {
    const root = fixtureRoot('compat-filters')
    const { forks, mp } = await runBoth('compat-filters', { filters: ['retry.test.ts'], config: { retry: 1 } })
    const expected = normalJson(forks.json, root)
    expect(expected.numFailedTests).toBe(1)
    expect(normalJson(mp.json, root)).toEqual(expected)
    expect(mp.exitCode).toBe(1)
  })

  test('--bail=1: a non-zero exit code, fewer tests run, nothing hangs', async () => {
    const root = fixtureRoot('compat-bail')
    const { forks, mp } = await runBoth('compat-bail', { config: { bail: 1 } })
    const ran = { forks: normalJson(forks.json, root), mp: normalJson(mp.json, root) }
    for (const [pool, run] of Object.entries({ forks, mp })) {
      const report = ran[pool as 'forks' | 'mp']
      expect(run.exitCode, pool).toBe(1)
      expect(report.numFailedTests, pool).toBeGreaterThanOrEqual(1)
      expect(report.numPassedTests + report.numFailedTests, pool).toBeLessThan(15)
    }
    // Known difference: forks leaves the cancelled tests of its running file without a result
    // (JSON 'pending') and never reports the files it did not start; mp collected every file up
    // front (or planned them from their source) and reports each test it did not run as skipped
    // ("Not run: the test run was cancelled.").
    const mpStatuses = ran.mp.files.flatMap(file => file.tests.map(t => t.status))
    expect(mpStatuses).toContain('skipped')
    expect(mpStatuses.filter(status => !['failed', 'passed', 'skipped'].includes(status))).toEqual([])
    expect(ran.mp.numTotalTests).toBe(15)
  })

  test('--bail=1 with several workers failing at once: the run ends after every result is in', async () => {
    const root = fixtureRoot('compat-bail')
    for (let attempt = 0; attempt < 3; attempt++) {
      // Each failing worker asks Vitest to cancel; a second cancel used to be taken for a forced
      // one, which ended the run while results were still coming (left 'pending' in the report).
      const mp = await runFixture('compat-bail', { config: { bail: 1, maxWorkers: 4 } })
      const report = normalJson(mp.json, root)
      expect(mp.exitCode).toBe(1)
      expect(report.numTotalTests).toBe(15)
      const statuses = report.files.flatMap(file => file.tests.map(t => `${t.fullName}: ${t.status}`))
      expect(statuses.filter(status => !/: (?:passed|failed|skipped)$/.test(status))).toEqual([])
      expect(report.numPassedTests + report.numFailedTests + report.numPendingTests).toBe(15)
      // The files no worker loaded are reported complete enough for every reporter.
      expect(`${mp.stdout}\n${mp.stderr}`).not.toContain('Unhandled Reporter Error')
    }
  })

  test('--bail=1: the tests a cancelled worker never started are skipped, not failed', async () => {
    // A serial group spanning two files fails in the first; its worker takes the cancel before it
    // starts the second file, and ends without running that file's test.
    const root = fixtureRoot('compat-bail-span')
    const run = await runFixture('compat-bail-span', { config: { bail: 1 } })
    const report = normalJson(run.json, root)
    expect(run.exitCode).toBe(1)
    expect(report.files.flatMap(file => file.tests.map(t => `${t.fullName}: ${t.status}`))).toEqual([
      'span part 1 span fails: failed',
      'span part 2 span 2: skipped',
    ])
    expect(run.stdout).not.toContain('finished without running this test')
  })

  // Vitest reports every task inside a suite that ends skipped when that suite ends. A group that
  // never started was reported skipped by its own end and again by its file's; a cancelled test
  // beside a group that ran was never reported at all.
  test('--bail=1: reporters see each test and suite of batches that never started once', async () => {
    // Without the cache the plan starts with a group; with the durations of a run before, with the failing one.
    for (const cache of [false, undefined, undefined]) {
      const events: string[] = []
      const count: Partial<Reporter> = {
        onTestCaseReady: testCase => void events.push(`ready ${testCase.fullName}`),
        onTestCaseResult: testCase => void events.push(`result ${testCase.fullName}: ${testCase.result().state}`),
        onTestSuiteReady: suite => void events.push(`suite ready ${suite.fullName}`),
        onTestSuiteResult: suite => void events.push(`suite result ${suite.fullName}: ${suite.state()}`),
      }
      const run = await runFixture('compat-bail-groups', { config: { bail: 1, reporters: ['default', count as never], ...(cache === false && { cache }) } })
      expect(run.exitCode).toBe(1)
      const tests = ['Sa > a fails', 'Sb > b1', 'Sb > b2', 'b free']
      expect(events).toContain('result Sa > a fails: failed')
      expect(events.filter(event => event.startsWith('ready ')).sort()).toEqual(tests.map(name => `ready ${name}`))
      expect(events.filter(event => event.startsWith('result ')).map(event => event.replace(/: .*/, '')).sort()).toEqual(tests.map(name => `result ${name}`))
      expect(events.filter(event => event.startsWith('suite ready ')).sort()).toEqual(['suite ready Sa', 'suite ready Sb'])
      expect(events.filter(event => event.startsWith('suite result ')).length).toBe(2)
      expect(events.filter(event => event.startsWith('result b free'))).toEqual(['result b free: skipped'])
    }
  })

  // A worker stuck in a test that never yields cannot take the cancel, and is killed: its file
  // used to end skipped (although a test in it had passed, and was then reported twice), and its
  // tests without a result had no note saying why.
  test('--bail=1: a file whose worker is killed after the bail keeps the results it had, and says why the rest did not run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mp-bail-killed-'))
    const results: string[] = []
    const ends: string[] = []
    const record: Partial<Reporter> = {
      onTestCaseResult: testCase => void results.push(testCase.fullName),
      onTestModuleEnd: module => void ends.push(`${basename(module.moduleId)}: ${module.state()}`),
      onTestRunEnd: modules => void modules.forEach(module => [...module.children.allTests()].forEach((testCase) => {
        const result = testCase.result()
        ends.push(`${testCase.fullName}: ${result.state}${result.state === 'skipped' && result.note ? ` (${result.note})` : ''}`)
      })),
    }
    try {
      const run = await runFixture('compat-bail-killed', { config: { bail: 1, env: { BAIL_DIR: dir }, reporters: ['default', record as never] } })
      expect(run.exitCode).toBe(1)
      expect(ends.sort()).toEqual([
        'Long > after busy: skipped (Not run: the test run was cancelled.)',
        'Long > busy: skipped (Not run: the test run was cancelled.)',
        'Long > quick first: passed',
        'a.test.ts: passed',
        'b.test.ts: failed',
        'fails once busy runs: failed',
      ])
      expect(results.filter(name => name === 'Long > quick first')).toHaveLength(1)
      expect(normalJson(run.json, fixtureRoot('compat-bail-killed')).files.map(file => `${file.file}: ${file.status}`).sort()).toEqual(['a.test.ts: passed', 'b.test.ts: failed'])
    }
    finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('vitest list (collect) lists the same tests', async () => {
    const list = async (pool?: string) => {
      const root = fixtureRoot('compat-mixed')
      const vitest = await createVitest('test', { root, watch: false, ...(pool && { pool }) }, {}, { stdout: devNull(), stderr: devNull() })
      try {
        const { testModules, unhandledErrors } = await (vitest.collect as (filters?: string[], options?: { staticParse?: boolean }) => ReturnType<typeof vitest.collect>).call(vitest, undefined, { staticParse: false })
        expect(unhandledErrors).toEqual([])
        return testModules.flatMap(module => listTests(module, root)).sort()
      }
      finally {
        await vitest.close()
      }
    }
    const forks = await list('forks')
    expect(forks).toContain('mixed.test.ts > each 3')
    expect(forks).toContain('mixed.test.ts > nested > deeper > deep fails')
    expect(await list()).toEqual(forks)
  })
})

function listTests(module: TestModule, root: string): string[] {
  const file = module.moduleId.slice(root.length + 1)
  return [...module.children.allTests()].map(test => `${file} > ${test.fullName}`)
}

/** `vitest run` from Vitest's CLI in a process of its own, in a fixture: its exit code, and its stdout and stderr together. */
async function runCli(fixture: string, args: string[]): Promise<{ exitCode: number | null, output: string }> {
  const vitest = spawn(process.execPath, [VITEST_CLI, 'run', ...args], {
    cwd: fixtureRoot(fixture),
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  })
  let output = ''
  vitest.stdout.on('data', (chunk: Buffer) => { output += chunk })
  vitest.stderr.on('data', (chunk: Buffer) => { output += chunk })
  const exitCode = await new Promise<number | null>(resolve => vitest.once('close', resolve))
  return { exitCode, output }
}

function devNull(): Writable {
  return new Writable({ write: (_chunk, _encoding, callback) => callback() })
}
