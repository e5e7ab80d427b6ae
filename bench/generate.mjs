// Writes synthetic Vitest projects for the benchmark: F files × T tests, each test awaiting D ms,
// with chosen files declared as `serial`, `isolated_free` or `isolated_serial` groups (every other
// test is ungrouped, hence `free`). The config uses `plugins: [mpPlugin()]` and leaves the pool to
// the command line (`--pool=mp|forks|threads`, `--maxWorkers`).
//
// Every worker records what it did in <suite>/.records/<pid>-<threadId>, one line per event:
//   <event> <Date.now()> <process.cpuUsage() user+system µs> <performance.timeOrigin> <VITEST_POOL_ID>
// events: `import` (the test file's module body ran: in a collect pass and in a run), `begin` and
// `end` (a test body). The runner reads them to count processes and to split their time.
//
// Use: node bench/generate.mjs <dir> <files> <tests> [delayMs] [serialFiles] [isolatedFiles]
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * @typedef {object} SuiteSpec
 * @property {string} name        directory name under the output dir
 * @property {string} title       what the suite is, for tables
 * @property {number} files       F
 * @property {number} tests       T, tests per file
 * @property {number} delay       D, ms each test awaits
 * @property {number} [serial]    the first `serial` files are each one `serial` group
 * @property {number} [isolated]  the next `isolated` files are each one `isolated_serial` group
 * @property {number} [isolatedFree] the next files are each one `isolated_free` group
 * @property {boolean} [cold]     clear the Vite/Vitest cache dir before every run
 * @property {number} [modules]   every test file imports an app of this many source modules
 *                                (test/app/index.mjs importing m1 … mN), which each worker loads
 */

/** Writes the suite; returns its absolute directory. */
export function generateSuite(outDir, spec) {
  const dir = resolve(outDir, spec.name)
  for (const old of ['test', '.records', '.vite-cache']) {
    rmSync(join(dir, old), { recursive: true, force: true })
  }
  mkdirSync(join(dir, 'test'), { recursive: true })
  mkdirSync(join(dir, '.records'), { recursive: true })
  writeFileSync(join(dir, 'vitest.config.mjs'), configSource())
  writeFileSync(join(dir, 'test', 'bench-lib.mjs'), libSource(join(dir, '.records')))
  writeFileSync(join(dir, 'suite.json'), `${JSON.stringify(spec, null, 2)}\n`)
  if (spec.modules) {
    writeApp(join(dir, 'test', 'app'), spec.modules)
  }
  const serial = spec.serial ?? 0
  const isolated = spec.isolated ?? 0
  const isolatedFree = spec.isolatedFree ?? 0
  const width = String(spec.files).length
  for (let index = 0; index < spec.files; index++) {
    const strategy = index < serial
      ? 'serial'
      : index < serial + isolated
        ? 'isolated_serial'
        : index < serial + isolated + isolatedFree ? 'isolated_free' : undefined
    const name = `f${String(index + 1).padStart(width, '0')}.test.mjs`
    writeFileSync(join(dir, 'test', name), testSource(index + 1, spec.tests, spec.delay, strategy, !!spec.modules))
  }
  return dir
}

function configSource() {
  return `import { defineConfig } from 'vitest/config'

// The benchmark may point MP_BENCH_PACKAGE at another build of the pool (a local experiment)
// and pass the plugin's options as JSON in MP_BENCH_OPTIONS.
const pkg = process.env.MP_BENCH_PACKAGE
const { mpPlugin } = await import(pkg || 'vitest-pool-mp')
const options = process.env.MP_BENCH_OPTIONS ? JSON.parse(process.env.MP_BENCH_OPTIONS) : undefined

// The test files import the pool's runtime from that same build, as a user's one copy would be:
// a runtime from another copy would not be the plugin's own, and would run through Vite's module
// runner instead of Node's import.
const alias = pkg ? { 'vitest-pool-mp/runtime': new URL('./runtime/index.js', 'file://' + pkg).pathname } : {}

// The pool and maxWorkers come from the command line: --pool=mp|forks|threads --maxWorkers=N
export default defineConfig({
  plugins: [mpPlugin(options)],
  resolve: { alias },
  cacheDir: '.vite-cache',
  test: { include: ['test/**/*.test.mjs'] },
})
`
}

function libSource(recordsDir) {
  return `import { appendFileSync } from 'node:fs'
import { threadId } from 'node:worker_threads'

const FILE = ${JSON.stringify(recordsDir)} + '/' + process.pid + '-' + threadId

/** Appends one event line for this worker (see bench/generate.mjs). */
export function mark(event) {
  const cpu = process.cpuUsage()
  appendFileSync(FILE, event + ' ' + Date.now() + ' ' + (cpu.user + cpu.system) + ' ' + performance.timeOrigin + ' ' + (process.env.VITEST_POOL_ID ?? '-') + '\\n')
}

/** One test's body: await the given delay between two marks. */
export async function work(delay) {
  mark('begin')
  await new Promise(resolve => setTimeout(resolve, delay))
  mark('end')
}
`
}

/** N small source modules and an index that imports them all, as a test's subject would. */
function writeApp(appDir, modules) {
  mkdirSync(appDir, { recursive: true })
  const names = Array.from({ length: modules }, (_, index) => `m${index + 1}`)
  for (const [index, name] of names.entries()) {
    writeFileSync(join(appDir, `${name}.mjs`), `/** Module ${index + 1} of the app. */
export function ${name}(value) {
  return { module: ${index + 1}, value: String(value).repeat(2) }
}
`)
  }
  writeFileSync(join(appDir, 'index.mjs'), `${names.map(name => `import { ${name} } from './${name}.mjs'`).join('\n')}

/** Calls every module once. */
export function app(value) {
  return [${names.join(', ')}].map(call => call(value))
}
`)
}

function testSource(fileNumber, tests, delay, strategy, withApp) {
  const body = Array.from({ length: tests }, (_, index) =>
    `  test('t${index + 1}', () => work(${delay}))`).join('\n')
  const open = strategy
    ? `describe.mpGroup('G${fileNumber}', '${strategy}', () => {`
    : `describe('f${fileNumber}', () => {`
  return `import { describe, test } from 'vitest-pool-mp/runtime'
import { mark, work } from './bench-lib.mjs'
${withApp ? `import { app } from './app/index.mjs'\n\napp(${fileNumber})\n` : ''}
mark('import')

${open}
${body}
})
`
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [dir, files, tests, delay = '100', serial = '0', isolated = '0'] = process.argv.slice(2)
  if (!dir || !files || !tests) {
    console.error('usage: node bench/generate.mjs <dir> <files> <tests> [delayMs] [serialFiles] [isolatedFiles]')
    process.exit(2)
  }
  const spec = { name: '.', title: 'custom', files: Number(files), tests: Number(tests), delay: Number(delay), serial: Number(serial), isolated: Number(isolated) }
  console.log(generateSuite(resolve(dir), spec))
}
