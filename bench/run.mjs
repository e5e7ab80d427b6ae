// The benchmark: times whole `vitest run` processes on synthetic suites, alternating the commands
// it compares, and prints medians and ratios against the `forks` pool. See bench/README.md.
//
//   node bench/run.mjs                 full run (about 10 minutes on 2 cores)
//   node bench/run.mjs --quick         1 repetition, small suites (about 1–2 minutes)
//   node bench/run.mjs --help          every option
import { execFileSync, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { generateSuite } from './generate.mjs'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const VITEST_BIN = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs')
const POOL_DIST = join(ROOT, 'packages', 'vitest-pool-mp', 'dist', 'index.js')
const TIME_BIN = '/usr/bin/time'
/** Events an instrumented build writes (boot … teardown) around the test file's own (import, begin, end). */
const TRACE_EVENTS = ['boot', 'entry', 'task', 'setup', 'setupEnd', 'run', 'import', 'begin', 'end', 'runEnd', 'teardown']
/** A run that takes longer than this is killed and counted as failed. */
const RUN_TIMEOUT_MS = 300_000

/** The suites of issue 5. D = 100 ms. */
const FULL_SUITES = [
  { name: 'serial-10x10', title: '(1) 10 files × 10 tests, every file one serial group', files: 10, tests: 10, delay: 100, serial: 10 },
  { name: 'files-100x1', title: '(2) 100 files × 1 test', files: 100, tests: 1, delay: 100 },
  { name: 'free-10x10', title: '(3) 10 files × 10 tests, all free', files: 10, tests: 10, delay: 100 },
  { name: 'mixed-10x10', title: '(4) 10 files × 10 tests, 3 files serial groups', files: 10, tests: 10, delay: 100, serial: 3 },
  { name: 'cold-1x1', title: '(5) cold single test (cache cleared)', files: 1, tests: 1, delay: 100, cold: true },
  { name: 'app-10x10', title: '(6) 10 files × 10 tests, all free, each file importing an app of 40 source modules', files: 10, tests: 10, delay: 100, modules: 40 },
]

const QUICK_SUITES = [
  { name: 'q-serial-4x5', title: '(1q) 4 files × 5 tests, every file one serial group', files: 4, tests: 5, delay: 100, serial: 4 },
  { name: 'q-files-12x1', title: '(2q) 12 files × 1 test', files: 12, tests: 1, delay: 100 },
  { name: 'q-free-4x5', title: '(3q) 4 files × 5 tests, all free', files: 4, tests: 5, delay: 100 },
  { name: 'q-mixed-4x5', title: '(4q) 4 files × 5 tests, 1 file a serial group', files: 4, tests: 5, delay: 100, serial: 1 },
  { name: 'cold-1x1', title: '(5) cold single test (cache cleared)', files: 1, tests: 1, delay: 100, cold: true },
]

/** Beyond issue 5, run only when named. */
const EXTRA_SUITES = [
  // Many quick tests per file, where each batch collects (and reports) its whole file.
  { name: 'big-2x300', title: '(7) 2 files × 300 tests of 0 ms, all free', files: 2, tests: 300, delay: 0 },
  // What one more file costs a worker: the difference between these two over 99, at --workers 1.
  { name: 'empty-100x1', title: '(8) 100 files × 1 test of 0 ms', files: 100, tests: 1, delay: 0 },
  { name: 'empty-1x1', title: '(8) 1 file × 1 test of 0 ms', files: 1, tests: 1, delay: 0 },
]

const HELP = `node bench/run.mjs [options]
  --quick              1 repetition, small suites, maxWorkers 4 only (about 1–2 minutes)
  --reps N             measured repetitions of each command (default 3; --quick: 1)
  --suites a,b         only these suites (names: ${FULL_SUITES.map(s => s.name).join(', ')}, the q- ones, or ${EXTRA_SUITES.map(s => s.name).join(', ')})
  --commands a,b       what to compare (default mp,forks,threads). A command is POOL[:VERB][@DIR][#OPTS][+cc]:
                       mp:list times \`vitest list --pool=mp\`; mp@DIR uses the build of vitest-pool-mp in
                       DIR (a copy with a local change: DIR/dist/index.js; relative to --out);
                       mp#ungrouped=file;watchdogGrace=false passes options to mpPlugin(); for
                       Vitest's own pools they are flags: forks#isolate=false runs --no-isolate;
                       +cc sets NODE_COMPILE_CACHE=<out>/.compile-cache (Node 22+)
  --workers 4,8        maxWorkers values (default 4,8; --quick: 4)
  --delay MS           D, ms each test awaits (default 100)
  --ca MODE            NODE_EXTRA_CA_CERTS: as-is (default), unset, or both
  --out DIR            where suites and results go (default bench/.out; must be inside the repo
                       so the suites resolve vitest and vitest-pool-mp)
  --label TEXT         a note stored with the results (e.g. "machine shared with other jobs")
  --live-dist          run \`mp\` from packages/vitest-pool-mp/dist itself; by default the runner first
                       copies it to <out>/mp-snapshot, so a rebuild during the benchmark changes nothing
Prints markdown tables; writes <out>/results/<stamp>.md and .json.`

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    reps: { type: 'string' },
    suites: { type: 'string' },
    commands: { type: 'string', default: 'mp,forks,threads' },
    workers: { type: 'string' },
    delay: { type: 'string' },
    ca: { type: 'string', default: 'as-is' },
    out: { type: 'string', default: join(ROOT, 'bench', '.out') },
    label: { type: 'string', default: '' },
    'live-dist': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
})

if (args.help) {
  console.log(HELP)
  process.exit(0)
}
// Absolute: the suites' configs import the snapshot of the pool from under it, from their own folder.
args.out = resolve(args.out)

const reps = Number(args.reps ?? (args.quick ? 1 : 3))
const workers = (args.workers ?? (args.quick ? '4' : '4,8')).split(',').map(Number)
const commands = args.commands.split(',')
const caModes = args.ca === 'both' ? ['as-is', 'unset'] : [args.ca]
let suites = args.quick ? QUICK_SUITES : FULL_SUITES
if (args.suites) {
  const wanted = args.suites.split(',')
  suites = [...FULL_SUITES, ...QUICK_SUITES, ...EXTRA_SUITES].filter((suite, index, all) =>
    wanted.includes(suite.name) && all.findIndex(other => other.name === suite.name) === index)
}
if (args.delay) {
  suites = suites.map(suite => ({ ...suite, delay: Number(args.delay) }))
}
if (!existsSync(POOL_DIST)) {
  console.error(`vitest-pool-mp is not built (${POOL_DIST} is missing): run \`npm run build\` first, or \`npm run bench\`.`)
  process.exit(2)
}
for (const mode of caModes) {
  if (mode !== 'as-is' && mode !== 'unset') {
    console.error(`--ca must be as-is, unset or both, not ${mode}`)
    process.exit(2)
  }
}

commands.forEach(parseCommand)
const snapshot = args['live-dist'] ? undefined : snapshotDist()
const cpuSource = existsSync(TIME_BIN) ? 'time' : 'proc'
const environment = describeEnvironment()
const results = []
const started = Date.now()

console.error(`bench: ${suites.length} suites × workers ${workers.join('/')} × ${commands.join('/')} × ${reps} reps × ca ${caModes.join('/')}; CPU from ${cpuSource === 'time' ? '/usr/bin/time' : '/proc/self/stat children'}`)
for (const suite of suites) {
  const dir = generateSuite(args.out, suite)
  for (const maxWorkers of workers) {
    for (const ca of caModes) {
      for (let rep = 0; rep < reps; rep++) {
        // Rotate the order each repetition so no command always runs first (cold caches) or last.
        const order = commands.map((_, index) => commands[(index + rep) % commands.length])
        for (const command of order) {
          const run = await timeRun(dir, suite, command, maxWorkers, ca)
          results.push({ suite: suite.name, maxWorkers, ca, command, rep, ...run })
          console.error(`  ${suite.name} w${maxWorkers} ca:${ca} ${command.padEnd(8)} rep ${rep + 1}: wall ${run.wall.toFixed(2)} s, cpu ${run.cpu.toFixed(2)} s, ${run.processes} procs${run.ok ? '' : '  FAILED'}`)
        }
      }
    }
  }
}
environment.loadAfter = loadavg().map(value => value.toFixed(2)).join(' ')
environment.durationSeconds = Math.round((Date.now() - started) / 1000)

const markdown = renderMarkdown()
console.log(markdown)
const stamp = new Date().toISOString().replace(/[:.]/g, '-')
mkdirSync(join(args.out, 'results'), { recursive: true })
writeFileSync(join(args.out, 'results', `${stamp}.md`), markdown)
writeFileSync(join(args.out, 'results', `${stamp}.json`), `${JSON.stringify({ environment, suites, results }, null, 2)}\n`)
console.error(`bench: wrote ${join(args.out, 'results', `${stamp}.md`)} and .json in ${environment.durationSeconds} s`)
if (results.some(result => !result.ok)) {
  process.exitCode = 1
}

/** One whole `vitest run` (or `vitest list`) process: wall, CPU of it and all its waited children, worker records. */
async function timeRun(dir, suite, command, maxWorkers, ca) {
  const { pool, verb, variant, options, compileCache } = parseCommand(command)
  const records = join(dir, '.records')
  rmSync(records, { recursive: true, force: true })
  mkdirSync(records, { recursive: true })
  if (suite.cold) {
    rmSync(join(dir, '.vite-cache'), { recursive: true, force: true })
  }
  const env = { ...process.env }
  if (ca === 'unset') {
    delete env.NODE_EXTRA_CA_CERTS
  }
  delete env.VITEST_POOL_ID
  delete env.MP_BENCH_PACKAGE
  delete env.MP_BENCH_OPTIONS
  if (options && pool === 'mp') {
    env.MP_BENCH_OPTIONS = JSON.stringify(options)
  }
  // Read only by an instrumented build (see bench/README.md, "Experiments").
  env.MP_BENCH_TRACE = records
  if (variant) {
    env.MP_BENCH_PACKAGE = join(resolve(args.out, variant), 'dist', 'index.js')
  }
  else if (pool === 'mp' && snapshot) {
    env.MP_BENCH_PACKAGE = join(snapshot, 'dist', 'index.js')
  }
  if (compileCache) {
    env.NODE_COMPILE_CACHE = join(args.out, '.compile-cache')
  }
  delete env.VITEST_WORKER_ID
  const flags = options && pool !== 'mp' ? Object.entries(options).map(([key, value]) => value === false ? `--no-${key}` : value === true ? `--${key}` : `--${key}=${value}`) : []
  const vitestArgs = [VITEST_BIN, verb, `--pool=${pool}`, `--maxWorkers=${maxWorkers}`, '--reporter=dot', ...flags]
  const timeFile = join(tmpdir(), `vitest-pool-mp-bench-${process.pid}.time`)
  const [file, argv] = cpuSource === 'time'
    ? [TIME_BIN, ['-f', '%e %U %S %M', '-o', timeFile, process.execPath, ...vitestArgs]]
    : [process.execPath, vitestArgs]
  const before = cpuSource === 'proc' ? childrenCpu() : 0
  const startedAt = Date.now()
  const start = process.hrtime.bigint()
  const { code, output } = await spawnAndWait(file, argv, { cwd: dir, env })
  const wall = Number(process.hrtime.bigint() - start) / 1e9
  let cpu
  let maxRssMb
  if (cpuSource === 'time') {
    const [, user, system, rss] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1).split(' ').map(Number)
    cpu = user + system
    maxRssMb = Math.round(rss / 1024)
    rmSync(timeFile, { force: true })
  }
  else {
    cpu = childrenCpu() - before
  }
  const ok = code === 0
  if (!ok) {
    console.error(`    exit code ${code}; last output:\n${output.slice(-2000)}`)
  }
  return { ok, wall, cpu, maxRssMb, ...analyzeRecords(records, startedAt) }
}

/** Copies the built package to <out>/mp-snapshot (dist, package.json, a link to its node_modules). */
function snapshotDist() {
  const pkg = dirname(dirname(POOL_DIST))
  const dir = join(args.out, 'mp-snapshot')
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  cpSync(join(pkg, 'dist'), join(dir, 'dist'), { recursive: true })
  cpSync(join(pkg, 'package.json'), join(dir, 'package.json'))
  symlinkSync(join(pkg, 'node_modules'), join(dir, 'node_modules'))
  return dir
}

/** A short hash of every file of a built package's dist, to tell builds apart. */
function fingerprint(dir) {
  const hash = createHash('sha256')
  for (const name of readdirSync(dir, { recursive: true }).map(String).sort()) {
    const file = join(dir, name)
    if (statSync(file).isFile()) {
      hash.update(name).update(readFileSync(file))
    }
  }
  return hash.digest('hex').slice(0, 12)
}

/** POOL[:VERB][@DIR][#OPTS][+cc], e.g. mp, forks+cc, mp:list, mp@exp-minthreads, mp#ungrouped=file. */
function parseCommand(command) {
  const match = /^(?<pool>[\w-]+)(?::(?<verb>run|list))?(?:@(?<variant>[^#+]+))?(?:#(?<opts>[^+]+))?(?<cc>\+cc)?$/.exec(command)
  if (!match) {
    throw new Error(`bench: cannot read the command ${command}: expected POOL[:VERB][@DIR][#OPTS][+cc]`)
  }
  const { pool, verb = 'run', variant, opts, cc } = match.groups
  const options = opts
    ? Object.fromEntries(opts.split(';').map((pair) => {
        const [key, value] = pair.split('=')
        return [key, value === 'false' ? false : value === 'true' ? true : /^\d+$/.test(value) ? Number(value) : value]
      }))
    : undefined
  return { pool, verb, variant, options, compileCache: Boolean(cc) }
}

function spawnAndWait(file, argv, options) {
  return new Promise((resolvePromise) => {
    const child = spawn(file, argv, { ...options, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk) => { output = (output + chunk).slice(-8000) })
    child.stderr.on('data', (chunk) => { output = (output + chunk).slice(-8000) })
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolvePromise({ code: code ?? signal, output })
    })
  })
}

/** CPU seconds of this process's waited-for children (utime+stime of children, /proc/self/stat fields 16–17). */
function childrenCpu() {
  const stat = readFileSync('/proc/self/stat', 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())
  return (Number(fields[13]) + Number(fields[14])) / ticks
}

/**
 * Reads the workers' event lines (bench/generate.mjs). A worker is a process (threadId 0) or a
 * worker thread. One that ran no test body only collected. Per-process CPU is known only for
 * processes: a thread's process.cpuUsage() is the whole process's.
 */
function analyzeRecords(dir, startedAt) {
  const workers = readdirSync(dir).map((name) => {
    const events = readFileSync(join(dir, name), 'utf8').trim().split('\n').map((line) => {
      const [event, time, cpu, origin] = line.split(' ')
      return { event, time: Number(time), cpu: Number(cpu) / 1e6, origin: Number(origin) }
    })
    const imported = events.find(event => event.event === 'import')
    const begins = events.filter(event => event.event === 'begin')
    return {
      thread: !name.endsWith('-0'),
      collectOnly: begins.length === 0,
      bootWall: imported ? (imported.time - imported.origin) / 1000 : undefined,
      bootCpu: imported?.cpu,
      lastCpu: events.at(-1).cpu,
      firstBegin: begins[0]?.time,
      startedAt: events[0].origin,
      events,
    }
  })
  const processes = workers.filter(worker => !worker.thread)
  const begins = workers.map(worker => worker.firstBegin).filter(Boolean)
  return {
    processes: workers.length,
    collectProcesses: workers.filter(worker => worker.collectOnly).length,
    bootWall: median(workers.map(worker => worker.bootWall).filter(value => value !== undefined)),
    bootCpu: processes.length ? median(processes.map(worker => worker.bootCpu).filter(value => value !== undefined)) : undefined,
    workerCpu: processes.length ? sum(processes.map(worker => worker.lastCpu)) : undefined,
    collectCpu: processes.length ? sum(processes.filter(worker => worker.collectOnly).map(worker => worker.lastCpu)) : undefined,
    toFirstTest: begins.length ? (Math.min(...begins) - startedAt) / 1000 : undefined,
    firstWorkerAt: workers.length ? (Math.min(...workers.map(worker => worker.startedAt)) - startedAt) / 1000 : undefined,
    phases: {
      run: phaseMedians(processes.filter(worker => !worker.collectOnly)),
      collect: phaseMedians(processes.filter(worker => worker.collectOnly)),
    },
  }
}

/** For each event, the median over processes of its first occurrence: seconds since process start, and CPU seconds. */
function phaseMedians(processes) {
  const names = [...new Set(processes.flatMap(worker => worker.events.map(event => event.event)))]
  return Object.fromEntries(names.map((name) => {
    const firsts = processes.map(worker => worker.events.find(event => event.event === name)).filter(Boolean)
    return [name, {
      wall: median(firsts.map(event => (event.time - event.origin) / 1000)),
      cpu: median(firsts.map(event => event.cpu)),
    }]
  }))
}

function describeEnvironment() {
  const vitestVersion = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'vitest', 'package.json'), 'utf8')).version
  const tinypoolVersion = readVersion('tinypool')
  let commit = ''
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim()
  }
  catch {}
  return {
    label: args.label,
    date: new Date().toISOString(),
    node: process.version,
    vitest: vitestVersion,
    tinypool: tinypoolVersion,
    commit,
    dist: snapshot ? `snapshot of packages/vitest-pool-mp/dist taken at start, fingerprint ${fingerprint(join(snapshot, 'dist'))}` : `live packages/vitest-pool-mp/dist (fingerprint at start ${fingerprint(dirname(POOL_DIST))})`,
    cores: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    loadBefore: loadavg().map(value => value.toFixed(2)).join(' '),
    nodeExtraCaCerts: process.env.NODE_EXTRA_CA_CERTS ? `set (${process.env.NODE_EXTRA_CA_CERTS})` : 'not set',
    caModes,
    cpuSource: cpuSource === 'time' ? '/usr/bin/time -f "%e %U %S %M" (user+sys of vitest and every child it waited for)' : 'getrusage children via /proc/self/stat (utime+stime of waited children)',
    command: `node bench/run.mjs ${process.argv.slice(2).map(arg => /[\s'"#;]/.test(arg) ? `'${arg}'` : arg).join(' ')}`.trim(),
    reps,
  }
}

function readVersion(name) {
  const store = join(ROOT, 'node_modules', '.pnpm')
  const entry = existsSync(store) ? readdirSync(store).find(dir => dir.startsWith(`${name}@`)) : undefined
  return entry ? entry.slice(name.length + 1).split('_')[0] : 'unknown'
}

function renderMarkdown() {
  const lines = []
  const env = environment
  lines.push(`# vitest-pool-mp benchmark${env.label ? ` — ${env.label}` : ''}`, '')
  lines.push(`- command: \`${env.command}\``)
  lines.push(`- date: ${env.date}, ${env.durationSeconds} s; commit ${env.commit}; mp from the ${env.dist}`)
  lines.push(`- Node ${env.node}, Vitest ${env.vitest}, Tinypool ${env.tinypool}`)
  lines.push(`- machine: ${env.cores} cores, ${env.cpuModel}; load average before ${env.loadBefore}, after ${env.loadAfter}`)
  lines.push(`- NODE_EXTRA_CA_CERTS: ${env.nodeExtraCaCerts}; runs made with it: ${env.caModes.join(', ')}`)
  lines.push(`- CPU: ${env.cpuSource}; wall: the runner's clock around the whole process`)
  lines.push(`- medians of ${env.reps} repetition(s); commands alternate, their order rotating each repetition`)
  lines.push('')
  lines.push('Columns: wall and CPU medians (s); ×forks = this median / forks median; procs = worker processes (threads for `threads`)'
    + ' that ran the test files, of which collect = those that ran no test (mp\'s collect pass); CPU/proc = CPU / procs;'
    + ' collect CPU = CPU of the collect processes up to their last record (a lower bound);'
    + ' boot CPU = median CPU of a worker process from its start to its test file\'s import; boot wall = the same in wall time;'
    + ' 1st test = from the start of `vitest` to the first test body.', '')
  for (const suite of suites) {
    lines.push(`## ${suite.title}`, '')
    lines.push(`F=${suite.files} T=${suite.tests} D=${suite.delay} ms${suite.serial ? `, serial files ${suite.serial}` : ''}${suite.isolated ? `, isolated files ${suite.isolated}` : ''}`, '')
    lines.push('| maxWorkers | ca | command | wall | CPU | wall ×forks | CPU ×forks | procs (collect) | CPU/proc | collect CPU | boot CPU | boot wall | 1st test |')
    lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|')
    for (const maxWorkers of workers) {
      for (const ca of caModes) {
        const group = results.filter(result => result.suite === suite.name && result.maxWorkers === maxWorkers && result.ca === ca)
        const forks = summarize(group.filter(result => result.command === 'forks'))
        for (const command of commands) {
          const row = summarize(group.filter(result => result.command === command))
          if (!row) {
            continue
          }
          lines.push(`| ${maxWorkers} | ${ca} | ${command}${row.failed ? ` (${row.failed} failed)` : ''} | ${fmt(row.wall)} | ${fmt(row.cpu)} | ${ratio(row.wall, forks?.wall)} | ${ratio(row.cpu, forks?.cpu)} | ${row.processes} (${row.collectProcesses}) | ${fmt(row.cpu / row.processes, 3)} | ${row.collectProcesses ? fmt(row.collectCpu) : '–'} | ${fmt(row.bootCpu, 3)} | ${fmt(row.bootWall, 3)} | ${fmt(row.toFirstTest)} |`)
        }
      }
    }
    lines.push('')
    const traced = results.filter(result => result.suite === suite.name && result.phases?.run?.entry)
    if (traced.length) {
      lines.push('Inside worker processes (instrumented build; medians over processes, then over repetitions; s since process start / CPU s):', '')
      lines.push('| maxWorkers | command | kind | ' + TRACE_EVENTS.join(' | ') + ' |')
      lines.push('|---|---|---|' + TRACE_EVENTS.map(() => '---').join('|') + '|')
      for (const maxWorkers of workers) {
        for (const command of commands) {
          for (const kind of ['collect', 'run']) {
            const runs = traced.filter(result => result.maxWorkers === maxWorkers && result.command === command && result.phases[kind]?.entry)
            if (!runs.length) {
              continue
            }
            const cell = name => {
              const wall = median(runs.map(run => run.phases[kind][name]?.wall).filter(value => value !== undefined))
              const cpu = median(runs.map(run => run.phases[kind][name]?.cpu).filter(value => value !== undefined))
              return wall === undefined ? '–' : `${fmt(wall, 3)} / ${fmt(cpu, 3)}`
            }
            lines.push(`| ${maxWorkers} | ${command} | ${kind} | ${TRACE_EVENTS.map(cell).join(' | ')} |`)
          }
        }
      }
      lines.push('')
    }
  }
  lines.push(...renderTargets())
  return lines.join('\n')
}

/**
 * Issue 5's targets, read off this run's medians: (1) and (2) with fresh processes (`mp`) within
 * 1.10 × `forks`' wall time and 1.1 × its CPU per process, (3) with the cheapest isolation any `mp…`
 * command measured within 0.80 × `forks`' wall time. Empty when the run lacks those suites or `forks`.
 */
function renderTargets() {
  const cells = [
    { suite: 'serial-10x10', label: '(1)', fresh: true },
    { suite: 'files-100x1', label: '(2)', fresh: true },
    { suite: 'free-10x10', label: '(3)', fresh: false },
  ]
  const verdict = (value, target) => `${value.toFixed(2)} ${value <= target + 0.005 ? 'holds' : `misses by ${(value - target).toFixed(2)}`}`
  const mpCommands = commands.filter(command => parseCommand(command).pool === 'mp')
  const rows = []
  for (const { suite, label, fresh } of cells) {
    for (const maxWorkers of workers) {
      for (const ca of caModes) {
        const group = results.filter(result => result.suite === suite && result.maxWorkers === maxWorkers && result.ca === ca)
        const forks = summarize(group.filter(result => result.command === 'forks'))
        const mp = mpCommands.map(command => ({ command, row: summarize(group.filter(result => result.command === command)) })).filter(entry => entry.row)
        if (!forks || !mp.length) {
          continue
        }
        if (fresh) {
          const row = mp.find(entry => entry.command === 'mp')?.row
          if (row) {
            rows.push(`| ${label} | ${maxWorkers} | ${ca} | mp | ${verdict(row.wall / forks.wall, 1.10)} (≤ 1.10) | ${verdict((row.cpu / row.processes) / (forks.cpu / forks.processes), 1.1)} (≤ 1.1) |`)
          }
        }
        else {
          const cheapest = mp.reduce((best, entry) => entry.row.wall < best.row.wall ? entry : best)
          rows.push(`| ${label} | ${maxWorkers} | ${ca} | ${cheapest.command} | ${verdict(cheapest.row.wall / forks.wall, 0.80)} (≤ 0.80) | – |`)
        }
      }
    }
  }
  if (!rows.length) {
    return []
  }
  return [
    '## Against issue 5\'s targets', '',
    'Ratios of this run\'s medians to `forks`\'; a ratio that rounds to its target holds. (3) takes the fastest `mp` command measured.', '',
    '| suite | maxWorkers | ca | command | wall × forks | CPU per process × forks\' |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
  ]
}

function summarize(runs) {
  if (!runs.length) {
    return undefined
  }
  const pick = key => median(runs.map(run => run[key]).filter(value => value !== undefined))
  return {
    failed: runs.filter(run => !run.ok).length,
    wall: pick('wall'),
    cpu: pick('cpu'),
    processes: pick('processes'),
    collectProcesses: pick('collectProcesses'),
    bootCpu: pick('bootCpu'),
    collectCpu: pick('collectCpu'),
    bootWall: pick('bootWall'),
    toFirstTest: pick('toFirstTest'),
  }
}

function median(values) {
  if (!values.length) {
    return undefined
  }
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

function sum(values) {
  return values.reduce((total, value) => total + value, 0)
}

function fmt(value, digits = 2) {
  return value === undefined || Number.isNaN(value) ? '–' : value.toFixed(digits)
}

function ratio(value, base) {
  return value === undefined || !base ? '–' : value === base ? '1' : (value / base).toFixed(2)
}
