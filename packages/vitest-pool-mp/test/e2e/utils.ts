import type { TestRecord } from '../fixtures/_shared/record'
import type { JsonTestResults, TestUserConfig, Vitest } from 'vitest/node'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'
import { Writable } from 'node:stream'
import { startVitest } from 'vitest/node'

export const FIXTURES = resolve(import.meta.dirname, '../fixtures')

/** Vitest's command line, for runs that must not share this test worker's process. */
export const VITEST_CLI = join(createRequire(import.meta.url).resolve('vitest/package.json'), '../vitest.mjs')

export interface FixtureRun {
  exitCode: number
  stdout: string
  stderr: string
  /** The JSON reporter's report (always written, besides the reporters asked for). */
  json: JsonTestResults | undefined
  /** What the fixtures recorded with `record()`, ordered by begin time. */
  records: TestRecord[]
  /** Every worker pid the fixtures noted with `notePid()` or `record()`. */
  pids: number[]
  vitest: Vitest | undefined
}

export interface FixtureOptions {
  /** CLI-style options, e.g. `{ maxWorkers: 2, reporters: ['verbose'] }`. */
  config?: TestUserConfig
  /** File filters, as given on the command line. */
  filters?: string[]
  /** Keep Vitest open (watch mode tests); the caller closes it. */
  keepOpen?: boolean
  /** Reads extra evidence the fixture wrote to its records dir, before the dir is removed. */
  onRecordsDir?: (dir: string) => void
}

class Capture extends Writable {
  text = ''
  override _write(chunk: Buffer, _encoding: string, callback: () => void): void {
    this.text += chunk.toString()
    callback()
  }

  // A worker's stdout piped into this stream ends it when the worker exits; keep capturing.
  override end(): this {
    return this
  }
}

/**
 * Runs Vitest programmatically on `fixtures/<name>` (or on an absolute root, such as a temporary
 * copy of a fixture), the way a user runs `vitest run` there.
 */
export async function runFixture(nameOrRoot: string, options: FixtureOptions = {}): Promise<FixtureRun> {
  const root = isAbsolute(nameOrRoot) ? nameOrRoot : join(FIXTURES, nameOrRoot)
  const recordsDir = mkdtempSync(join(tmpdir(), 'mp-records-'))
  const jsonFile = join(recordsDir, 'report.json')
  const stdout = new Capture()
  const stderr = new Capture()
  const previousExitCode = process.exitCode
  const userReporters = options.config?.reporters
  const reporters = [
    ...(userReporters === undefined ? ['default'] : Array.isArray(userReporters) ? userReporters : [userReporters]),
    ['json', { outputFile: jsonFile }],
  ]
  let vitest: Vitest | undefined
  try {
    vitest = await startVitest('test', options.filters ?? [], {
      root,
      watch: false,
      ...options.config,
      reporters: reporters as TestUserConfig['reporters'],
      env: { ...options.config?.env, MP_RECORDS_DIR: recordsDir, FORCE_COLOR: '0', NO_COLOR: '1' },
    }, {}, { stdout, stderr })
  }
  catch (error) {
    stderr.text += `\n${error instanceof Error ? error.stack : String(error)}`
  }
  if (vitest && !options.keepOpen) {
    await vitest.close()
  }
  if (vitest && options.keepOpen) {
    // A rerun of a run kept open writes its JSON report again, which makes the folder again, so it
    // goes once the caller closes Vitest (an onClose callback runs before the reporters' last write).
    const close = vitest.close.bind(vitest)
    vitest.close = async () => {
      await close()
      rmSync(recordsDir, { recursive: true, force: true })
    }
  }
  const exitCode = Number(process.exitCode ?? 0)
  process.exitCode = previousExitCode
  const records = readRecords(recordsDir)
  const pids = readPids(recordsDir, records)
  options.onRecordsDir?.(recordsDir)
  let json: JsonTestResults | undefined
  try {
    json = JSON.parse(readFileSync(jsonFile, 'utf-8'))
  }
  catch {}
  if (!options.keepOpen) {
    rmSync(recordsDir, { recursive: true, force: true })
  }
  return { exitCode, stdout: stdout.text, stderr: stderr.text, json, records, pids, vitest }
}

/** The pids noted in `dir` (pids.txt) and those of the records. */
export function readPids(dir: string, records: readonly TestRecord[] = []): number[] {
  let noted: number[] = []
  try {
    noted = readFileSync(join(dir, 'pids.txt'), 'utf-8').split('\n').filter(Boolean).map(Number)
  }
  catch {}
  return [...new Set([...noted, ...records.map(r => r.pid)])]
}

/** The pids of `pids` that still name a live process. */
export function alive(pids: readonly number[]): number[] {
  return pids.filter((pid) => {
    try {
      process.kill(pid, 0)
      return true
    }
    catch {
      return false
    }
  })
}

/** Live processes whose parent is this process and whose command line contains `marker` (Linux: read from /proc). */
export function childProcesses(marker: string): number[] {
  return readdirSync('/proc').filter(name => /^\d+$/.test(name)).map(Number).filter((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf-8')
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      return parent === process.pid && readFileSync(`/proc/${pid}/cmdline`, 'utf-8').includes(marker)
    }
    catch {
      return false
    }
  })
}

/** Live Tinypool worker processes whose parent is this process. */
export function childWorkers(): number[] {
  return childProcesses('tinypool')
}

/** Polls `check` until it returns true or `timeoutMs` passes; resolves with the last result. */
export async function waitFor(check: () => boolean, timeoutMs: number, intervalMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (check()) {
      return true
    }
    await new Promise(resolve => setTimeout(resolve, intervalMs))
  }
  return check()
}

export function readRecords(dir: string): TestRecord[] {
  return readdirSync(dir)
    .filter(file => file.endsWith('.jsonl'))
    .flatMap(file => readFileSync(join(dir, file), 'utf-8').trim().split('\n').filter(Boolean).map(line => JSON.parse(line) as TestRecord))
    .sort((a, b) => a.begin - b.begin)
}

/** The largest number of recorded tests that were running at the same instant. */
export function maxOverlap(records: readonly TestRecord[]): number {
  const edges = records.flatMap(r => [{ at: r.begin, delta: 1 }, { at: r.end, delta: -1 }])
    .sort((a, b) => a.at - b.at || a.delta - b.delta)
  let running = 0
  let max = 0
  for (const edge of edges) {
    running += edge.delta
    max = Math.max(max, running)
  }
  return max
}

/** Whether two recorded intervals overlap in time. */
export function overlaps(a: TestRecord, b: TestRecord): boolean {
  return a.begin < b.end && b.begin < a.end
}

/** name → status, from the JSON report. */
export function statuses(json: JsonTestResults | undefined): Record<string, string> {
  const result: Record<string, string> = {}
  for (const file of json?.testResults ?? []) {
    for (const test of file.assertionResults) {
      result[test.fullName] = test.status
    }
  }
  return result
}

/** Terminal text without its colour codes. */
export function withoutColors(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001B\[[\d;]*m/g, '')
}
