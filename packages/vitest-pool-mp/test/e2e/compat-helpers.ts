// Normalisers for comparing one fixture's results on the forks pool and on mp.
import type { JsonTestResults } from 'vitest/node'
import type { FixtureOptions, FixtureRun } from './utils'
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { join, relative } from 'node:path'
import { FIXTURES, runFixture, withoutColors } from './utils'

/** What one run of a fixture produced. */
export type CompatRun = FixtureRun

/** The same fixture run on the `forks` pool and on mp (what its config asks for). */
export async function runBoth(nameOrRoot: string, options: FixtureOptions = {}): Promise<{ forks: CompatRun, mp: CompatRun }> {
  const forks = await runFixture(nameOrRoot, { ...options, config: { ...options.config, pool: 'forks' } })
  const mp = await runFixture(nameOrRoot, options)
  return { forks, mp }
}

export interface NormalTest {
  fullName: string
  status: string
  failureMessages: string[]
}

export interface NormalFile {
  file: string
  status: string
  message: string
  tests: NormalTest[]
}

export interface NormalReport {
  success: boolean
  numTotalTests: number
  numPassedTests: number
  numFailedTests: number
  numPendingTests: number
  numTodoTests: number
  numTotalTestSuites: number
  numPassedTestSuites: number
  numFailedTestSuites: number
  numPendingTestSuites: number
  files: NormalFile[]
}

/** The JSON report without times, pids and absolute paths; files sorted by name. */
export function normalJson(json: JsonTestResults | undefined, root: string): NormalReport {
  if (!json) {
    throw new Error('no JSON report')
  }
  return {
    success: json.success,
    numTotalTests: json.numTotalTests,
    numPassedTests: json.numPassedTests,
    numFailedTests: json.numFailedTests,
    numPendingTests: json.numPendingTests,
    numTodoTests: json.numTodoTests,
    numTotalTestSuites: json.numTotalTestSuites,
    numPassedTestSuites: json.numPassedTestSuites,
    numFailedTestSuites: json.numFailedTestSuites,
    numPendingTestSuites: json.numPendingTestSuites,
    files: json.testResults
      .map(file => ({
        file: relative(root, file.name),
        status: file.status,
        message: withoutInternalFrames(normalText(file.message, root)),
        tests: file.assertionResults.map(test => ({
          fullName: test.fullName,
          status: test.status,
          failureMessages: (test.failureMessages ?? []).map(message => withoutInternalFrames(normalText(message, root))),
        })),
      }))
      .sort((a, b) => a.file.localeCompare(b.file)),
  }
}

interface StateTask {
  name: string
  type: string
  mode: string
  result?: { state?: string }
  tasks?: StateTask[]
}

/** Every suite's and file's final state as Vitest's state manager holds it: `file > suite` → state. */
export function suiteStates(run: CompatRun, root: string): Record<string, string> {
  const states: Record<string, string> = {}
  const visit = (task: StateTask, path: string) => {
    if (task.type !== 'suite') {
      return
    }
    states[path] = `${task.result?.state ?? 'none'} (mode ${task.mode})`
    task.tasks?.forEach(child => visit(child, `${path} > ${child.name}`))
  }
  for (const file of run.vitest?.state.getFiles() ?? []) {
    visit(file as unknown as StateTask, relative(root, file.filepath))
  }
  return Object.fromEntries(Object.entries(states).sort(([a], [b]) => a.localeCompare(b)))
}

/** Stack frames inside Vitest and Node differ with how a worker was started; the user's frames do not. */
function withoutInternalFrames(text: string): string {
  return text.split('\n').filter(line => !/^\s+at .*(node_modules|node:internal|<root>\/\.\.\/)/.test(line)).join('\n')
}

/** Removes absolute paths, durations, pids and colours from reporter text. */
export function normalText(text: string, root: string): string {
  return withoutColors(text)
    .split(root).join('<root>')
    .replace(/\d+(\.\d+)?\s?m?s\b/g, '<time>')
    .replace(/\bpid \d+/g, 'pid <pid>')
    .replace(/\d\d:\d\d:\d\d/g, '<clock>')
}

/** A copy of a fixture inside the fixtures folder (so `vitest-pool-mp` resolves), removed by `dispose`. */
export function copyFixture(name: string): { root: string, dispose: () => void } {
  const root = mkdtempSync(join(FIXTURES, `compat-tmp-${name}-`))
  cpSync(join(FIXTURES, name), root, { recursive: true, filter: source => !source.includes('node_modules') })
  return { root, dispose: () => rmSync(root, { recursive: true, force: true }) }
}

export function fixtureRoot(name: string): string {
  return join(FIXTURES, name)
}

/** Reporter text cut into what can be compared across pools, whose workers finish in different orders. */
export interface ReporterParts {
  /** Test lines (`✓ file > name`) with their `→ error` lines, sorted. */
  tests: string[]
  /** `stdout | file > test` blocks with their text, sorted. */
  logs: string[]
  /** Other lines before the failures and summary, sorted. */
  other: string[]
  /** Failures and summary, in order, without start time, duration and the JSON report's path. */
  tail: string[]
}

export function reporterParts(text: string, root: string): ReporterParts {
  const lines = normalText(text, root).split('\n')
  let tailStart = lines.findIndex(line => /^⎯+ Failed|^\s*Test Files /.test(line))
  if (tailStart === -1) {
    tailStart = lines.length
  }
  const tests: string[] = []
  const logs: string[] = []
  const other: string[] = []
  const head = lines.slice(0, tailStart)
  for (let i = 0; i < head.length; i++) {
    const line = head[i]!
    if (/^(stdout|stderr) \| /.test(line)) {
      const block = [line]
      while (i + 1 < head.length && head[i + 1] !== '') {
        block.push(head[++i]!)
      }
      logs.push(block.join('\n'))
      continue
    }
    if (/^\s+[✓×↓□❯]/.test(line)) {
      const entry = [line]
      while (i + 1 < head.length && /^\s+→/.test(head[i + 1]!)) {
        entry.push(head[++i]!)
      }
      tests.push(entry.join('\n'))
      continue
    }
    if (line.trim() !== '') {
      other.push(line)
    }
  }
  const tail = withoutHints(lines.slice(tailStart)
    .filter(line => !/^\s*(Start at|Duration) |^JSON report written to /.test(line)))
  return { tests: tests.sort(), logs: logs.sort(), other: other.sort(), tail }
}

/**
 * Vitest 5 ends the summary with performance hints ("Isolate  4 workers spawned ...", "Transform ...")
 * that it prints only when measured startup or transform times pass a threshold: machine load decides,
 * not the pool. Drops each hint line with its indented continuation lines, and trailing blank lines.
 */
function withoutHints(lines: string[]): string[] {
  const kept: string[] = []
  let inHint = false
  for (const line of lines) {
    if (/^\s+(?:Isolate|Import|Transform|Environment) {2}\S/.test(line)) {
      inHint = true
      continue
    }
    if (inHint && /^ {5,}\S/.test(line)) {
      continue
    }
    inHint = false
    kept.push(line)
  }
  while (kept.length && kept.at(-1) === '') {
    kept.pop()
  }
  return kept
}
