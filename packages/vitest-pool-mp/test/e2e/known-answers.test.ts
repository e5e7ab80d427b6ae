import type { FixtureRun } from './utils'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { version } from 'vitest/node'
import { copyFixture } from './compat-helpers'
import { childWorkers, runFixture } from './utils'

/** Whether every worker asks main for every module it loads (Vitest 5 has a module cache of its own). */
const ASKS_EVERY_TIME = version.startsWith('4.')

/**
 * How many times the main process computed the answer to a worker's `fetch` of a module (Vitest
 * times each). A fetch names the importing module too: helper.ts is one question per test file.
 */
function fetchesOf(run: FixtureRun, file: string): number {
  const metadata = run.vitest!.state.metadata as Record<string, { duration: Record<string, number[]> }>
  return Object.values(metadata).flatMap(project => Object.entries(project.duration))
    .filter(([url]) => url.endsWith(`/${file}`))
    .reduce((sum, [, durations]) => sum + durations.length, 0)
}

/**
 * Main answered each of the module's questions exactly once (Vitest's own pools: once per process
 * that asks). Vitest 5 may serve a later worker from its own module cache, unasked: there, at most
 * once each and at least one question.
 */
function expectAnsweredOnce(run: FixtureRun, file: string, questions: number): void {
  const fetches = fetchesOf(run, file)
  if (ASKS_EVERY_TIME) {
    expect(fetches).toBe(questions)
    return
  }
  expect(fetches).toBeGreaterThanOrEqual(1)
  expect(fetches).toBeLessThanOrEqual(questions)
}

interface StoredQuestions {
  questions: [string, unknown[]][]
  files: Record<string, number[]>
}

describe('the answers workers ask of the main process', () => {
  // Five free tests, five fresh processes, each loading helper.ts and dep.ts through Vite's module
  // runner: main answers each module's questions once per run, and keeps the questions (never the
  // answers) for the next run, which answers them ahead of its workers' asking.
  test('are given once per run, asked again by the next run, and never outlive a change to the source', async () => {
    const { root, dispose } = copyFixture('known-answers')
    try {
      const questionsFile = (): StoredQuestions => {
        const found = readdirSync(join(root, 'node_modules', '.vite'), { recursive: true, encoding: 'utf-8' })
          .find(file => file.endsWith('questions.json'))
        expect(found).toBeDefined()
        return JSON.parse(readFileSync(join(root, 'node_modules', '.vite', found!), 'utf-8')) as StoredQuestions
      }
      const values = (run: FixtureRun) => run.records.map(r => r.name).sort()

      const first = await runFixture(root)
      expect(first.exitCode).toBe(0)
      expect(values(first)).toEqual(['a 1 v1!', 'a 2 v1!', 'a 3 v1!', 'b 1 v1!', 'b 2 v1!'])
      expect(new Set(first.records.map(r => r.pid)).size).toBe(5)
      // Five processes loaded them; main answered once per question (Vitest's own pools: five times).
      expectAnsweredOnce(first, 'helper.ts', 2)
      expectAnsweredOnce(first, 'dep.ts', 1)

      // Each file's questions, kept: its own module and what it imports, by file.
      const asked = (file: string, stored = questionsFile()) => Object.entries(stored.files).find(([moduleId]) => basename(moduleId) === file)![1]
        .map(at => stored.questions[at]!)
        .filter(([method]) => method === 'fetch')
        .map(([, args]) => basename(String(args[0])))
      for (const file of ['a-free.test.ts', 'b-free.test.ts']) {
        expect(asked(file)).toEqual(expect.arrayContaining(ASKS_EVERY_TIME ? [file, 'helper.ts', 'dep.ts'] : [file]))
      }
      // The first workers to load the helper and its dependency asked for them (Vitest 5 may serve
      // a later worker from its own module cache, unasked).
      expect([...asked('a-free.test.ts'), ...asked('b-free.test.ts')]).toEqual(expect.arrayContaining(['helper.ts', 'dep.ts']))

      // The next run answers them again, from the source as it is now.
      writeFileSync(join(root, 'dep.ts'), `export const suffix = '?'\n`)
      const second = await runFixture(root)
      expect(second.exitCode).toBe(0)
      expect(values(second)).toEqual(['a 1 v1?', 'a 2 v1?', 'a 3 v1?', 'b 1 v1?', 'b 2 v1?'])
      expectAnsweredOnce(second, 'helper.ts', 2)
      expectAnsweredOnce(second, 'dep.ts', 1)
      // What its workers used of the answers sent ahead stays asked for the run after (their own
      // test file at least: Vitest 5 may load its imports from its own module cache, unasked).
      expect(asked('a-free.test.ts')).toEqual(expect.arrayContaining(ASKS_EVERY_TIME ? ['a-free.test.ts', 'helper.ts', 'dep.ts'] : ['a-free.test.ts']))
      expect(childWorkers()).toEqual([])
    }
    finally {
      dispose()
    }
  })

  test('with cache: false, nothing is kept between runs', async () => {
    const { root, dispose } = copyFixture('known-answers')
    try {
      const run = await runFixture(root, { config: { cache: false } })
      expect(run.exitCode).toBe(0)
      expectAnsweredOnce(run, 'helper.ts', 2)
      const kept = readdirSync(root, { recursive: true, encoding: 'utf-8' }).filter(file => file.endsWith('questions.json'))
      expect(kept).toEqual([])
    }
    finally {
      dispose()
    }
  })
})
