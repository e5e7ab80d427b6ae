// What a new user sees: the packed tarball, installed with npm into a fresh project next to the
// Vitest version running this suite, then `npx vitest run` and `npx tsc` there.
import type { SpawnSyncReturns } from 'node:child_process'
import type { JsonTestResults } from 'vitest/node'
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join, resolve } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { version as vitestVersion } from 'vitest/node'

const PACKAGE_ROOT = resolve(import.meta.dirname, '../..')
const TEMPLATE = resolve(import.meta.dirname, '../packed/project')
const PNPM = ['-y', 'pnpm@10.34.9']
/** The TypeScript and Node types this repository builds with, for the project's own type check. */
const DEV_TYPES = Object.fromEntries(['typescript', '@types/node'].map((name) => {
  const manifest = createRequire(join(PACKAGE_ROOT, 'package.json'))(`${name}/package.json`) as { version: string }
  return [name, manifest.version]
}))
const INSTALL_TIMEOUT = 600_000
const RUN_TIMEOUT = 180_000

/** This run's own variables, which a user's shell would not have: Vitest's and npm's script context. */
const INHERITED_NOISE = /^(?:VITEST|npm_lifecycle_|npm_package_|npm_command$|npm_execpath$|npm_node_execpath$|npm_config_local_prefix$)/

/** The same Node that runs this suite comes first on PATH, so `npx` runs the project with it. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!INHERITED_NOISE.test(key)) {
      env[key] = value
    }
  }
  return { ...env, PATH: [dirname(process.execPath), process.env.PATH].join(delimiter), FORCE_COLOR: '0', NO_COLOR: '1', ...extra }
}

function run(command: string, args: string[], cwd: string, timeout: number, env: Record<string, string> = {}): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { cwd, env: childEnv(env), encoding: 'utf-8', timeout, stdio: ['ignore', 'pipe', 'pipe'] })
  if (result.error) {
    throw new Error(`[vitest-pool-mp] ${command} ${args.join(' ')} in ${cwd} did not finish: ${result.error.message}`, { cause: result.error })
  }
  return result
}

function mustRun(command: string, args: string[], cwd: string, timeout: number): void {
  const result = run(command, args, cwd, timeout)
  if (result.status !== 0) {
    throw new Error(`[vitest-pool-mp] ${command} ${args.join(' ')} in ${cwd} exited with ${result.status}:\n${result.stdout}\n${result.stderr}`)
  }
}

let work: string
let project: string
let runs = 0

beforeAll(() => {
  if (!existsSync(join(PACKAGE_ROOT, 'dist/index.js'))) {
    throw new Error('[vitest-pool-mp] dist/ is missing: build the package first (npm test does).')
  }
  work = mkdtempSync(join(tmpdir(), 'mp-packed-'))
  mustRun('npx', [...PNPM, 'pack', '--pack-destination', work], PACKAGE_ROOT, INSTALL_TIMEOUT)
  const tarball = readdirSync(work).find(file => file.endsWith('.tgz'))
  if (!tarball) {
    throw new Error(`[vitest-pool-mp] pnpm pack left no tarball in ${work}.`)
  }
  project = join(work, 'project')
  cpSync(TEMPLATE, project, { recursive: true })
  writeFileSync(join(project, 'package.json'), `${JSON.stringify({
    name: 'packed-install-check',
    private: true,
    type: 'module',
    devDependencies: { 'vitest': vitestVersion, 'vitest-pool-mp': `file:${join(work, tarball)}`, ...DEV_TYPES },
  }, null, 2)}\n`)
  mustRun('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], project, INSTALL_TIMEOUT)
}, INSTALL_TIMEOUT)

afterAll(() => {
  if (work) {
    rmSync(work, { recursive: true, force: true })
  }
})

interface Note { name: string, pid: number }

test('packed install: pool \'mp\' in the config', () => {
  expectGroupsRun(['vitest', 'run'])
}, RUN_TIMEOUT)

test('packed install: --pool=mp on the command line, no pool in the config', () => {
  expectGroupsRun(['vitest', 'run', '--config', 'vitest.cli.config.ts', '--pool=mp'])
}, RUN_TIMEOUT)

test('packed install: a CommonJS project (no "type": "module") loads the plugin from its config too', () => {
  // Vite bundles such a config to CommonJS and require()s its packages: the package must be
  // loadable with require (Node's require of ES modules), not only with import.
  const manifest = join(project, 'package.json')
  const original = readFileSync(manifest, 'utf-8')
  const { type: _type, ...commonjs } = JSON.parse(original) as Record<string, unknown>
  writeFileSync(manifest, `${JSON.stringify(commonjs, null, 2)}\n`)
  try {
    expectGroupsRun(['vitest', 'run'], { VITE_CONFIG_NATIVE_IGNORE_WARNING: 'true' })
  }
  finally {
    writeFileSync(manifest, original)
  }
}, RUN_TIMEOUT)

test('packed install: the docs the README names ship with the package, and so do the examples they link to', () => {
  const installed = join(project, 'node_modules', 'vitest-pool-mp')
  for (const doc of ['strategies.md', 'configuration.md', 'shared-state.md', 'faults.md', 'speed.md']) {
    const path = join(installed, 'docs', doc)
    expect(existsSync(path), doc).toBe(true)
    // A link out of docs/ must land in the package: the examples ship beside docs/, the benchmark does not.
    for (const [, target] of readFileSync(path, 'utf-8').matchAll(/\]\((\.\.\/[^)#]+)/g)) {
      expect(existsSync(join(installed, 'docs', target!)), `${doc} links to ${target}`).toBe(true)
    }
  }
})

test('packed install: a shipped example, copied out of node_modules, runs on the mp pool', () => {
  const installed = join(project, 'node_modules', 'vitest-pool-mp')
  const dir = join(project, 'copied-example')
  cpSync(join(installed, 'examples', 'basic'), dir, { recursive: true })
  try {
    // It names the package as a user's project would, not as the repository's workspace does.
    const { version } = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf-8')) as { version: string }
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf-8')) as { devDependencies: Record<string, string> }
    expect(manifest.devDependencies['vitest-pool-mp']).toBe(`^${version}`)
    const { status, output, report } = runFolder(dir)
    expect(status, output).toBe(0)
    // Its four files, one per strategy, and every test in them (npm run example runs the same ten).
    expect(report.testResults, output).toHaveLength(4)
    expect(report.numFailedTests, output).toBe(0)
    expect(report.numPassedTests, output).toBe(10)
  }
  finally {
    rmSync(dir, { recursive: true, force: true })
  }
}, RUN_TIMEOUT)

test('packed install: the README\'s config and test file run as they are written there', () => {
  const readme = readFileSync(join(project, 'node_modules', 'vitest-pool-mp', 'README.md'), 'utf-8')
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map(match => match[1]!)
  const config = blocks.find(block => block.startsWith('// vitest.config.ts'))
  const tests = blocks.find(block => block.includes('describe.mpGroup('))
  expect(config, 'the README\'s vitest.config.ts block').toBeDefined()
  expect(tests, 'the README\'s test file block').toBeDefined()
  const dir = join(project, 'readme')
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'vitest.config.ts'), config!)
  writeFileSync(join(dir, 'readme.test.ts'), tests!)
  try {
    const { status, output, report } = runFolder(dir)
    expect(status, output).toBe(0)
    expect(testStatuses(report)).toEqual([
      'Checkout adds to cart: passed',
      'Checkout pays: passed',
      'Migrations migrates: passed',
      'Parsing parses: passed',
      'joins a group declared elsewhere: passed',
    ])
  }
  finally {
    rmSync(dir, { recursive: true, force: true })
  }
}, RUN_TIMEOUT)

// Vitest 5 needs Node 22: on Node 20 there is no other major version to install.
test.runIf(Number(process.versions.node.split('.')[0]) >= 22)('packed install: a monorepo package with its own Vitest, another version than the one beside the pool, runs on its own', () => {
  // The pool takes Vitest's node API from the Vitest that runs the tests: the copy beside it (this
  // project's) fails on the other one's objects ("project._fetcher is not a function").
  const other = vitestVersion.startsWith('4.') ? '5.1.1' : '4.1.12'
  const dir = join(project, 'other-vitest')
  try {
    mkdirSync(join(dir, 'test'), { recursive: true })
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'other-vitest', private: true, type: 'module', devDependencies: { vitest: other } }, null, 2)}\n`)
    mustRun('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], dir, INSTALL_TIMEOUT)
    writeMpConfig(dir)
    // From 'vitest', as docs/configuration.md says such a package must (the pool's runtime uses the Vitest beside it).
    writeFileSync(join(dir, 'test', 'plain.test.ts'), 'import { expect, test } from \'vitest\'\ntest(\'plain\', () => { expect(1).toBe(1) })\n')
    writeFileSync(join(dir, 'test', 'group.test.ts'), [
      'import { describe, expect, test } from \'vitest\'',
      'describe.mpGroup(\'G\', \'serial\', () => {',
      '  test(\'a\', () => { expect(process.pid).toBeGreaterThan(0) })',
      '  test(\'b\', () => { expect(process.pid).toBeGreaterThan(0) })',
      '})',
      '',
    ].join('\n'))
    const { status, output, report } = runFolder(dir, { ownVitest: true })
    expect(output).toContain(`v${other}`)
    expect(status, output).toBe(0)
    expect(testStatuses(report)).toEqual([
      'G a: passed',
      'G b: passed',
      'plain: passed',
    ])
  }
  finally {
    rmSync(dir, { recursive: true, force: true })
  }
}, INSTALL_TIMEOUT)

test('packed install: a wrong option is refused with zod\'s wording, naming the option', () => {
  const result = run('npx', ['vitest', 'run', '--config', 'vitest.bad-option.config.ts'], project, RUN_TIMEOUT)
  const output = `${result.stdout}\n${result.stderr}`
  expect(result.status, output).not.toBe(0)
  expect(output).toContain('[vitest-pool-mp] Invalid options passed to mpPlugin()')
  expect(output).toMatch(/ungrouped: .*\(got "files"\)/)
}, RUN_TIMEOUT)

test('packed install: with isolation \'module\', a warm worker\'s later batches run the pool\'s setup file too', () => {
  // Installed in node_modules, the setup file is one Vitest would load natively, once per process:
  // its hooks (the begin/end reports, the wait for main's check of a file's tree) would then run in
  // a warm worker's first batch only. Evidence: a worker killed by its second batch's test names that
  // test as running. Without durations from an earlier run, the batches run in declaration order.
  const dir = join(project, 'module-kill')
  mkdirSync(dir, { recursive: true })
  writeMpConfig(dir, { plugin: '{ isolation: \'module\' }', maxWorkers: 1 })
  writeFileSync(join(dir, 'kill.test.ts'), [
    'import { test } from \'vitest\'',
    'test(\'first\', () => {})',
    'test(\'kills its worker\', () => { process.kill(process.pid, \'SIGKILL\') })',
    '',
  ].join('\n'))
  const { status, output, report } = runFolder(dir)
  expect(status, output).toBe(1)
  const tests = report.testResults.flatMap(file => file.assertionResults)
  expect(tests.map(each => [each.title, each.status])).toEqual([['first', 'passed'], ['kills its worker', 'failed']])
  expect((tests[1]!.failureMessages ?? []).join('\n')).toMatch(/\[batch 2\] was killed by SIGKILL while this test was running/)
}, RUN_TIMEOUT)

test('packed install: a project below the folder that holds node_modules runs a client-kind test environment', () => {
  // A workspace package with its own package.json, or a `root` set to a subfolder: Vite serves
  // files to a client-kind environment (jsdom, happy-dom) only from inside the root's package, and
  // the pool's setup file is installed above it. Vite refused it ("Cannot find module '/@fs/...'").
  const dir = join(project, 'packages', 'web')
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'web', private: true, type: 'module' }, null, 2)}\n`)
  cpSync(join(PACKAGE_ROOT, 'test/fixtures/environment-custom/client-env.ts'), join(dir, 'client-env.ts'))
  writeMpConfig(dir, { test: 'environment: \'./client-env.ts\'' })
  writeFileSync(join(dir, 'web.test.ts'), [
    'import { describe, expect, test } from \'vitest-pool-mp/runtime\'',
    'describe.mpGroup(\'Web\', \'serial\', () => {',
    '  test(\'in the environment\', () => { expect((globalThis as Record<string, unknown>).clientLike).toBe(true) })',
    '})',
    'test(\'free, in the environment\', () => { expect((globalThis as Record<string, unknown>).clientLike).toBe(true) })',
    '',
  ].join('\n'))
  try {
    const { status, output, report } = runFolder(dir)
    expect(status, output).toBe(0)
    expect(report.numPassedTests, output).toBe(2)
  }
  finally {
    rmSync(join(project, 'packages'), { recursive: true, force: true })
  }
}, RUN_TIMEOUT)

test('packed install: with globals: true, the global describe has mpGroup, typed by vitest-pool-mp/globals', () => {
  const dir = join(project, 'globals')
  mkdirSync(dir, { recursive: true })
  writeMpConfig(dir, { test: 'globals: true' })
  writeFileSync(join(dir, 'tsconfig.json'), `${JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: ['node', 'vitest-pool-mp/globals'] },
    include: ['*.ts'],
  }, null, 2)}\n`)
  // No import: the second test sees the first's pid only if the group ran both in one process.
  writeFileSync(join(dir, 'globals.test.ts'), [
    'const pids: number[] = []',
    'describe.mpGroup(\'Steps\', \'serial\', () => {',
    '  test(\'first\', () => { pids.push(process.pid) })',
    '  test(\'second\', () => { expect(pids).toEqual([process.pid]) })',
    '})',
    '',
  ].join('\n'))
  try {
    const typecheck = run('npx', ['tsc', '-p', 'globals'], project, RUN_TIMEOUT)
    expect(typecheck.status, `${typecheck.stdout}\n${typecheck.stderr}`).toBe(0)
    const { status, output, report } = runFolder(dir)
    expect(status, output).toBe(0)
    expect(report.numPassedTests, output).toBe(2)
  }
  finally {
    rmSync(dir, { recursive: true, force: true })
  }
}, RUN_TIMEOUT)

test('packed install: a package that installed the pool beside another copy of Vitest runs its tests on the Vitest that runs them', () => {
  // A monorepo package that pins another Vitest than the root's, run from the root: the pool's own
  // imports would find the package's copy. Its workers must be the running Vitest's, as Vitest's
  // own pools' are, or the setup file's hooks (the running Vitest's) find no suite to join.
  const nested = join(project, 'node_modules', 'vitest-pool-mp', 'node_modules')
  const dir = join(project, 'other-copy')
  mkdirSync(join(nested, '@vitest'), { recursive: true })
  cpSync(join(project, 'node_modules', 'vitest'), join(nested, 'vitest'), { recursive: true, dereference: true })
  for (const name of readdirSync(join(project, 'node_modules', '@vitest'))) {
    cpSync(join(project, 'node_modules', '@vitest', name), join(nested, '@vitest', name), { recursive: true, dereference: true })
  }
  mkdirSync(dir, { recursive: true })
  writeMpConfig(dir)
  // Vitest's own describe: the runtime entry, loaded by Node from the package, would bind to its copy.
  writeFileSync(join(dir, 'copy.test.js'), [
    'import { describe, expect, test } from \'vitest\'',
    'describe.mpGroup(\'Steps\', \'serial\', () => {',
    '  test(\'one\', () => { expect(1).toBe(1) })',
    '  test(\'two\', () => { expect(2).toBe(2) })',
    '})',
    'test(\'free\', () => {})',
    '',
  ].join('\n'))
  try {
    const { status, output, report } = runFolder(dir)
    expect(status, output).toBe(0)
    expect(report.numPassedTests, output).toBe(3)
  }
  finally {
    rmSync(nested, { recursive: true, force: true })
    rmSync(dir, { recursive: true, force: true })
  }
}, RUN_TIMEOUT)

test('packed install: the config and the test file type-check against the shipped types', () => {
  const result = run('npx', ['tsc', '-p', '.'], project, RUN_TIMEOUT)
  expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0)
}, RUN_TIMEOUT)

/**
 * Runs `npx vitest run` on a folder of the project, with a JSON report besides its output: the
 * project's Vitest, or with `ownVitest` the one the folder installed (and its default reporter too,
 * which names its version).
 */
function runFolder(dir: string, { ownVitest = false } = {}): { status: number | null, output: string, report: JsonTestResults } {
  const reportFile = join(work, `report-${++runs}.json`)
  const args = ownVitest
    ? ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${reportFile}`]
    : ['vitest', 'run', '--root', dir, '--reporter=json', `--outputFile.json=${reportFile}`]
  const result = run('npx', args, ownVitest ? dir : project, RUN_TIMEOUT)
  const output = `${result.stdout}\n${result.stderr}`
  let report: JsonTestResults
  try {
    report = JSON.parse(readFileSync(reportFile, 'utf-8')) as JsonTestResults
  }
  catch (error) {
    throw new Error(`[vitest-pool-mp] vitest run in ${dir} wrote no JSON report (exit ${result.status}):\n${output}`, { cause: error })
  }
  return { status: result.status, output, report }
}

/** The README's config, with two workers unless told; `plugin` and `test` are source text: mpPlugin's options, more of `test`. */
function writeMpConfig(dir: string, { plugin = '', test = '', maxWorkers = 2 } = {}): void {
  writeFileSync(join(dir, 'vitest.config.ts'), [
    'import { mpPlugin } from \'vitest-pool-mp\'',
    'import { defineConfig } from \'vitest/config\'',
    `export default defineConfig({ plugins: [mpPlugin(${plugin})], test: { pool: 'mp', maxWorkers: ${maxWorkers}${test ? `, ${test}` : ''} } })`,
    '',
  ].join('\n'))
}

/** Each test of a JSON report as `full name: status`, sorted. */
function testStatuses(report: JsonTestResults): string[] {
  return report.testResults.flatMap(file => file.assertionResults.map(test => `${test.fullName}: ${test.status}`)).sort()
}

/** Runs `npx <args>` in the project; the serial group shares one process, each free test has its own. */
function expectGroupsRun(args: string[], env: Record<string, string> = {}): void {
  const records = join(work, `records-${++runs}.jsonl`)
  const report = join(work, `report-${runs}.json`)
  const result = run('npx', [...args, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`], project, RUN_TIMEOUT, { ...env, MP_PACKED_RECORDS: records })
  const output = `${result.stdout}\n${result.stderr}`

  expect(result.status, output).toBe(0)
  expect(result.stderr, 'nothing on stderr: no warning, no error').toBe('')
  expect(result.stdout).toContain(`v${vitestVersion}`)
  const json = JSON.parse(readFileSync(report, 'utf-8')) as JsonTestResults
  expect(json.numFailedTests, output).toBe(0)
  expect(json.numPassedTests, output).toBe(5)

  const pids = new Map(readFileSync(records, 'utf-8').trim().split('\n').map((line) => {
    const note = JSON.parse(line) as Note
    return [note.name, note.pid]
  }))
  expect([...pids.keys()].sort()).toEqual(['free 1', 'free 2', 'free 3', 'serial 1', 'serial 2'])
  expect(pids.get('serial 1')).toBe(pids.get('serial 2'))
  const processes = new Set(['free 1', 'free 2', 'free 3', 'serial 1'].map(name => pids.get(name)))
  expect(processes.size, 'each free test and the serial group in a process of its own').toBe(4)
}
