import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join, relative } from 'node:path'
import { describe, expect, test } from 'vitest'
import { fixtureRoot, normalJson, normalText, reporterParts, runBoth, suiteStates } from './compat-helpers'
import { runFixture } from './utils'

// One fixture mixing passing, failing, skipped and todo tests, `.each`, `test.extend` fixtures,
// failing hooks, nested and skipped suites and a serial group, run on `forks` and on mp.
const FIXTURE = 'compat-mixed'
const root = fixtureRoot(FIXTURE)

describe('reporters see the same run as on the forks pool', () => {
  test('json: counts, statuses, failure messages, suite states, exit code', async () => {
    const { forks, mp } = await runBoth(FIXTURE)
    expect(mp.stderr).toBe(forks.stderr)
    expect(mp.exitCode).toBe(1)
    expect(mp.exitCode).toBe(forks.exitCode)
    const expected = normalJson(forks.json, root)
    expect(expected.numTotalTests).toBeGreaterThan(20)
    expect(expected.numPendingTests).toBeGreaterThan(0)
    expect(expected.numTodoTests).toBeGreaterThan(0)
    expect(normalJson(mp.json, root)).toEqual(expected)
    expect(suiteStates(mp, root)).toEqual(suiteStates(forks, root))
  })

  test('verbose: test lines, console output under the right test, failures and summary', async () => {
    const { forks, mp } = await runBoth(FIXTURE, { config: { reporters: ['verbose'] } })
    const expected = reporterParts(forks.stdout, root)
    const actual = reporterParts(mp.stdout, root)
    expect(actual.tests).toEqual(expected.tests)
    expect(actual.logs).toEqual(expected.logs)
    expect(actual.other).toEqual(expected.other)
    expect(actual.tail).toEqual(expected.tail)
    expect(actual.logs).toContain('stdout | mixed.test.ts > passes\nlog from passes')
    expect(actual.logs).toContain('stdout | mixed.test.ts > serial group > s1\nlog from s1')
    expect(actual.tail.join('\n')).toMatch(/Tests {2}\d+ failed \| \d+ passed \| \d+ skipped \| \d+ todo/)
    expect(mp.exitCode).toBe(forks.exitCode)
  })

  test('default: file lines, failed tests, failures and summary', async () => {
    const { forks, mp } = await runBoth(FIXTURE, { config: { reporters: ['default'] } })
    const expected = reporterParts(forks.stdout, root)
    const actual = reporterParts(mp.stdout, root)
    expect(expected.tests.join('\n')).toContain('❯ mixed.test.ts')
    expect(actual.tests).toEqual(expected.tests)
    expect(actual.logs).toEqual(expected.logs)
    expect(actual.other).toEqual(expected.other)
    expect(actual.tail).toEqual(expected.tail)
    // The project has no setup files of its own: the pool's is not the user's setup time.
    const setupTime = (stdout: string) => /Duration .*\bsetup (?!0ms)\d/.test(stdout)
    expect(setupTime(forks.stdout)).toBe(false)
    expect(setupTime(mp.stdout), mp.stdout).toBe(false)
  })

  test('junit: same test cases, results and failures', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mp-junit-'))
    try {
      const forksFile = join(dir, 'forks.xml')
      const mpFile = join(dir, 'mp.xml')
      const forks = await runFixture(FIXTURE, { config: { pool: 'forks', reporters: [['junit', { outputFile: forksFile }]] } })
      const mp = await runFixture(FIXTURE, { config: { reporters: [['junit', { outputFile: mpFile }]] } })
      expect(mp.exitCode).toBe(forks.exitCode)
      const expected = junitCases(readFileSync(forksFile, 'utf-8'))
      expect(expected).toHaveLength(6)
      expect(expected.join('\n')).toContain('<testcase classname="mixed.test.ts" name="nested &gt; deeper &gt; deep fails"')
      expect(junitCases(readFileSync(mpFile, 'utf-8'))).toEqual(expected)
    }
    finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

/** Each `<testsuite>` with its normalised `<testcase>`s, sorted by name. */
function junitCases(xml: string): string[] {
  return normalText(xml, root)
    .replace(/ (time|timestamp|hostname)="[^"]*"/g, '')
    .split(/(?=<testsuite )/)
    .slice(1)
    .map(suite => suite.replace(/<\/testsuites>[\s\S]*$/, '').trim())
    .sort()
}

/** A reporter that notes every hook event: `start beforeAll <file>` or `end afterEach <file> > <test>`. */
function hookRecorder(into: string[], root: string) {
  const name = (entity: { type: string, moduleId?: string, module?: { moduleId: string }, fullName?: string }) =>
    entity.type === 'module' ? relative(root, entity.moduleId!) : `${relative(root, entity.module!.moduleId)} > ${entity.fullName}`
  const note = (phase: string) => (hook: { name: string, entity: Parameters<typeof name>[0] }) => {
    into.push(`${phase} ${hook.name} ${name(hook.entity)}`)
  }
  return { onHookStart: note('start'), onHookEnd: note('end') }
}

for (const fixture of ['compat-mixed', 'compat-mixed-module']) {
  // The pool's own hooks (the begin/end reports, the wait for main's check of a file) used to show
  // as a beforeEach of every test and a beforeAll of every file, while the suites' own beforeAll
  // and afterAll never reached reporters.
  test(`hook events: every hook reported as on forks, once per suite, none of the pool's own (${fixture})`, async () => {
    const fixtureDir = fixtureRoot(fixture)
    const events = { forks: [] as string[], mp: [] as string[] }
    await runFixture(fixture, { config: { pool: 'forks', reporters: [hookRecorder(events.forks, fixtureDir) as never] } })
    await runFixture(fixture, { config: { reporters: [hookRecorder(events.mp, fixtureDir) as never] } })
    expect(events.forks).toContain('start afterAll hooks.test.ts > failing afterAll')
    expect(events.mp.sort()).toEqual(events.forks.sort())
  })
}

/** A reporter that lists the events of a run in the order reporters receive them: `ready outer > quick`. */
function eventRecorder(into: string[]) {
  type Entity = { type: string, fullName?: string, moduleId?: string }
  const name = (entity: Entity) => entity.type === 'module' ? basename(entity.moduleId!) : entity.fullName!
  return {
    onTestModuleQueued: (module: Entity & { state: () => string }) => void into.push(`queued ${name(module)}: ${module.state()}`),
    onTestModuleStart: (module: Entity) => void into.push(`start ${name(module)}`),
    onTestCaseReady: (testCase: Entity) => void into.push(`ready ${name(testCase)}`),
    onTestCaseResult: (testCase: Entity) => void into.push(`result ${name(testCase)}`),
    onHookEnd: (hook: { name: string, entity: Entity }) => void into.push(`hook end ${hook.name} ${name(hook.entity)}`),
    onTestCaseAnnotate: (testCase: Entity) => void into.push(`annotate ${name(testCase)}`),
    onTestCaseArtifactRecord: (testCase: Entity) => void into.push(`artifact ${name(testCase)}`),
  }
}

// Each batch of a file runs the file's hooks; the first batch's afterAll events used to reach
// reporters while other batches still ran the suite's tests. A test's annotations and artifacts
// bypassed the queue its updates wait in, and could come before the test was ready.
test.each(['process', 'module'] as const)('a suite\'s afterAll comes after all its tests, a test\'s annotations after it is ready, a file is queued as on forks (isolation: %s)', async (isolation) => {
  const onForks: string[] = []
  await runFixture('reporters-order', { config: { pool: 'forks', reporters: [eventRecorder(onForks) as never] } })
  const queued = onForks.filter(event => event.startsWith('queued ')).sort()
  expect(queued).toHaveLength(2)
  process.env.MP_ISOLATION = isolation
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      const events: string[] = []
      const run = await runFixture('reporters-order', { config: { reporters: [eventRecorder(events) as never] } })
      expect(run.exitCode, run.stderr).toBe(0)
      const at = (event: string) => events.indexOf(event)
      const results = events.filter(event => event.startsWith('result ') && !event.startsWith('result each '))
      expect(results).toHaveLength(4)
      const lastResultIn = (prefix: string) => Math.max(...results.filter(event => event.startsWith(`result ${prefix}`)).map(at))
      expect(at('hook end afterAll outer')).toBeGreaterThan(lastResultIn('outer > '))
      expect(at('hook end afterAll order.test.ts')).toBeGreaterThan(lastResultIn(''))
      expect(at('annotate annotates')).toBeGreaterThan(at('ready annotates'))
      expect(at('artifact records an artifact')).toBeGreaterThan(at('ready records an artifact'))
      expect(at('ready annotates')).toBeGreaterThan(at('start order.test.ts'))
      // As a worker announces a file it is about to collect (Vitest 5 tells 'queued' from the mode).
      expect(events.filter(event => event.startsWith('queued ')).sort()).toEqual(queued)
    }
  }
  finally {
    delete process.env.MP_ISOLATION
  }
})

/** A reporter that counts each module event per file: `onTestModuleQueued h.test.ts`. */
function moduleEventCounter(into: Map<string, number>) {
  const count = (event: string) => (module: { moduleId: string }) => {
    const key = `${event} ${basename(module.moduleId)}`
    into.set(key, (into.get(key) ?? 0) + 1)
  }
  return Object.fromEntries(['onTestModuleQueued', 'onTestModuleCollected', 'onTestModuleStart', 'onTestModuleEnd'].map(event => [event, count(event)]))
}

// A file that fails while it loads, whose source shows two tests, is planned from its source,
// then collected again and run whole: it used to be queued twice (and, in a warm worker, started
// and ended twice).
test.each(['process', 'module'] as const)('a file that fails to load is queued, collected, started and ended once, as on forks (isolation: %s)', async (isolation) => {
  const counts = { forks: new Map<string, number>(), mp: new Map<string, number>() }
  process.env.MP_ISOLATION = isolation
  try {
    await runFixture('compat-import-error', { config: { pool: 'forks', reporters: [moduleEventCounter(counts.forks) as never] } })
    await runFixture('compat-import-error', { config: { reporters: [moduleEventCounter(counts.mp) as never] } })
  }
  finally {
    delete process.env.MP_ISOLATION
  }
  expect(counts.forks.get('onTestModuleQueued h.test.ts')).toBe(1)
  expect(Object.fromEntries(counts.mp)).toEqual(Object.fromEntries(counts.forks))
})

describe('with isolation: \'module\'', () => {
  const moduleRoot = fixtureRoot('compat-mixed-module')

  test('json and verbose output equal the forks pool\'s', async () => {
    const { forks, mp } = await runBoth('compat-mixed-module', { config: { reporters: ['verbose'] } })
    const expected = normalJson(forks.json, moduleRoot)
    expect(expected.numTotalTests).toBeGreaterThan(20)
    expect(normalJson(mp.json, moduleRoot)).toEqual(expected)
    expect(suiteStates(mp, moduleRoot)).toEqual(suiteStates(forks, moduleRoot))
    const expectedText = reporterParts(forks.stdout, moduleRoot)
    const actualText = reporterParts(mp.stdout, moduleRoot)
    expect(actualText.tests).toEqual(expectedText.tests)
    expect(actualText.logs).toEqual(expectedText.logs)
    expect(actualText.tail).toEqual(expectedText.tail)
    expect(mp.exitCode).toBe(forks.exitCode)
  })
})

describe('console output', () => {
  const logsRoot = fixtureRoot('compat-logs')

  test('reaches the reporter under the test, suite or file that wrote it', async () => {
    const { forks, mp } = await runBoth('compat-logs', { config: { reporters: ['verbose'] } })
    const expected = reporterParts(forks.stdout, logsRoot).logs
    const actual = reporterParts(mp.stdout, logsRoot).logs
    expect(expected).toContain('stdout | logs.test.ts > with hooks > first\ninside first')
    expect(expected).toContain('stdout | logs.test.ts\nfile level')
    // A file's top level and a suite's hooks run in every worker that runs tests of it (one per
    // free test here), so their logs come once per worker; each under the right name.
    expect([...new Set(actual)].sort()).toEqual(expected)
    expect(actual.filter(log => log === 'stdout | logs.test.ts\nfile level')).toHaveLength(3)
    expect(reporterParts(mp.stderr, logsRoot).logs).toEqual(reporterParts(forks.stderr, logsRoot).logs)
    expect(reporterParts(mp.stderr, logsRoot).logs).toEqual(['stderr | logs.test.ts > with hooks > second\nerror inside second'])
    // A raw process.stdout.write goes to Vitest's output stream, as on forks, not to the process's own.
    expect(forks.stdout).toContain('raw write inside second')
    expect(mp.stdout).toContain('raw write inside second')
  })
})
