import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { REPEATABLE_CALLS, repeatableCallKey } from './protocol.js'

/** Bumped whenever what is stored changes meaning: every file written before is ignored. */
const QUESTIONS_FORMAT = 1
/** At most this many questions are kept per test file (a file importing half the world). */
const MAX_QUESTIONS_PER_FILE = 2000
/** Stands for "any worker's first request" among the files: what every fresh worker asks (its setup file, the snapshot environment). */
const BOOT = ''

/** A repeatable runtime call: its method and its arguments. */
export type Question = [method: string, args: unknown[]]

/** The questions file: every distinct question once, and each test file's by index. */
interface StoredQuestions {
  format: number
  salt: string
  questions: Question[]
  files: Record<string, number[]>
}

/** A worker's request, as far as questions go. */
export interface AskingWorker {
  /** The test files of its current request. */
  moduleIds: readonly string[]
  /** Whether that request is the first of its process. */
  firstRequest: boolean
  /** What it has the answer to: it asked, or was given. */
  known: Set<string>
}

/** Where a project keeps, between runs, what its workers asked the main process. */
export function questionsPath(cacheDir: string): string {
  return join(cacheDir, 'vitest-pool-mp', 'questions.json')
}

/**
 * The answers to Vitest's repeatable runtime calls (`resolve`, `fetch`, `resolveSnapshotPath`),
 * given once per run and remembered by the test files whose workers asked them.
 *
 * Every fresh worker asks main the same questions before its first test: where the setup file
 * and the snapshot environment are and their code, then the test file and each module it
 * imports, one round trip at a time, each waiting for a main process busy with other workers.
 * Here main answers each question once per run; a worker that is about to run a file is sent,
 * ahead of its request, every answer the file's workers needed before (in this run, or in the last
 * one: those questions are kept in Vite's cache directory and answered again, a request's own
 * files' while its worker boots, the rest once the run's first batch has ended). The answers themselves are never kept between runs: each is Vitest's own answer in
 * this run. A question that was not asked this time costs main one answer nobody reads.
 */
export class KnownAnswers {
  private readonly answers = new Map<string, Promise<unknown>>()
  private readonly settled = new Map<string, unknown>()
  private readonly questions = new Map<string, Question>()
  /** Each test file's questions: the last run's, then this run's. */
  private readonly byFile = new Map<string, Set<string>>()
  private readonly askedNow = new Set<string>()
  /** For each question asked in a worker's first request, the test files of the workers that asked it. */
  private readonly bootAskers = new Map<string, Set<string>>()
  /** Questions to answer ahead: those of requests about to start, then the rest of the run. */
  private readonly soon = new Set<string>()
  private readonly later = new Set<string>()
  private draining = false
  private readonly salt: string

  /**
   * `compute`: main's own answer (Vitest's RuntimeRPC method). `path`: the questions file, or
   * `undefined` to keep nothing between runs (Vitest's `cache: false`).
   */
  constructor(
    private readonly compute: (method: string, args: unknown[]) => unknown,
    private readonly path: string | undefined,
    salt: string,
  ) {
    this.salt = `${QUESTIONS_FORMAT}\0${salt}`
    if (path !== undefined) {
      this.load(path)
    }
  }

  /** Whether main answers this method here. */
  static handles(method: string): boolean {
    return REPEATABLE_CALLS.has(method)
  }

  /**
   * A worker asks: answered once per run, and remembered for the files it runs, and, when asked
   * in a worker's first request by workers of two files or more, for every fresh worker.
   */
  serve(method: string, args: unknown[], worker: AskingWorker): Promise<unknown> {
    const key = repeatableCallKey(method, args)
    if (key === undefined) {
      return this.computed(method, args)
    }
    this.questions.set(key, [method, args])
    this.remember(key, worker)
    return this.answer(key, method, args)
  }

  /** The worker used these answers it was sent ahead: its files still ask them. */
  used(worker: AskingWorker, keys: readonly string[]): void {
    keys.filter(key => this.questions.has(key)).forEach(key => this.remember(key, worker))
  }

  /**
   * Answers, in the background, what the workers of these files asked before, in this order: a
   * worker that gets to a file later finds its answers ready.
   */
  prefetch(moduleIds: readonly string[]): void {
    this.keysOf(moduleIds).forEach(key => this.later.add(key))
    void this.drain()
  }

  /** Answers first what a worker about to start on these files will ask. */
  prepare(moduleIds: readonly string[]): void {
    this.keysOf(moduleIds).forEach(key => this.soon.add(key))
    void this.drain()
  }

  private keysOf(moduleIds: readonly string[]): string[] {
    return [BOOT, ...moduleIds].flatMap(moduleId => [...this.byFile.get(moduleId) ?? []])
  }

  /**
   * Answers what is asked ahead one question at a time, as one worker asks them: Vitest times
   * each answer for its "transform" total, which all questions asked at once would inflate; and
   * main works on one thing at a time anyway.
   */
  private async drain(): Promise<void> {
    if (this.draining) {
      return
    }
    this.draining = true
    for (let key = first(this.soon) ?? first(this.later); key !== undefined; key = first(this.soon) ?? first(this.later)) {
      this.soon.delete(key)
      this.later.delete(key)
      if (!this.answers.has(key)) {
        const [method, args] = this.questions.get(key)!
        await this.answer(key, method, args).catch(() => undefined)
      }
    }
    this.draining = false
  }

  /**
   * The answers a worker about to run its request will ask for, as far as main has them already,
   * less those it was given or asked for before (which this adds to `worker.known`).
   */
  ahead(worker: AskingWorker): [key: string, answer: unknown][] {
    const ahead: [string, unknown][] = []
    for (const moduleId of worker.firstRequest ? [BOOT, ...worker.moduleIds] : worker.moduleIds) {
      for (const key of this.byFile.get(moduleId) ?? []) {
        if (!worker.known.has(key) && this.settled.has(key)) {
          worker.known.add(key)
          ahead.push([key, this.settled.get(key)])
        }
      }
    }
    return ahead
  }

  /** A source file changed: answers given so far may be stale (Vitest recreates its workers then too). */
  forget(): void {
    this.answers.clear()
    this.settled.clear()
  }

  /**
   * Keeps this run's questions for the next run; a file this run did not run keeps its old ones,
   * as long as it exists.
   */
  save(): void {
    const path = this.path
    if (path === undefined || this.askedNow.size === 0) {
      return
    }
    const index = new Map<string, number>()
    const stored: StoredQuestions = { format: QUESTIONS_FORMAT, salt: this.salt, questions: [], files: {} }
    for (const [moduleId, keys] of this.byFile) {
      if (moduleId !== BOOT && !this.askedNow.has(moduleId) && !existsSync(moduleId)) {
        continue
      }
      stored.files[moduleId] = [...keys].map((key) => {
        let at = index.get(key)
        if (at === undefined) {
          at = stored.questions.push(this.questions.get(key)!) - 1
          index.set(key, at)
        }
        return at
      })
    }
    try {
      mkdirSync(dirname(path), { recursive: true })
      writeFileSync(path, JSON.stringify(stored))
    }
    catch {}
  }

  private remember(key: string, worker: AskingWorker): void {
    worker.known.add(key)
    if (worker.firstRequest) {
      this.noteBoot(key, worker.moduleIds)
    }
    worker.moduleIds.forEach(moduleId => this.note(moduleId, key))
  }

  private noteBoot(key: string, moduleIds: readonly string[]): void {
    const askers = this.bootAskers.get(key) ?? new Set()
    this.bootAskers.set(key, askers)
    moduleIds.forEach(moduleId => askers.add(moduleId))
    if (askers.size >= 2) {
      this.note(BOOT, key)
    }
  }

  private note(moduleId: string, key: string): void {
    if (!this.askedNow.has(moduleId)) {
      // This run's questions replace the last run's: an import removed since is not asked again.
      this.askedNow.add(moduleId)
      this.byFile.set(moduleId, new Set())
    }
    const asked = this.byFile.get(moduleId)!
    if (asked.size < MAX_QUESTIONS_PER_FILE) {
      asked.add(key)
    }
  }

  private answer(key: string, method: string, args: unknown[]): Promise<unknown> {
    let answer = this.answers.get(key)
    if (!answer) {
      answer = this.computed(method, args)
      this.answers.set(key, answer)
      answer.then(
        (value) => {
          if (this.answers.get(key) === answer) {
            this.settled.set(key, value)
          }
        },
        () => {
          // A failure is not remembered: the next worker asks main again, as it would without us.
          if (this.answers.get(key) === answer) {
            this.answers.delete(key)
          }
        },
      )
    }
    return answer
  }

  /** Main's answer as a promise, whether Vitest's method is async or not, throws or rejects. */
  private async computed(method: string, args: unknown[]): Promise<unknown> {
    return this.compute(method, args)
  }

  private load(path: string): void {
    let stored: StoredQuestions
    try {
      stored = JSON.parse(readFileSync(path, 'utf-8')) as StoredQuestions
    }
    catch {
      return
    }
    if (stored?.format !== QUESTIONS_FORMAT || stored.salt !== this.salt || !Array.isArray(stored.questions) || typeof stored.files !== 'object') {
      return
    }
    for (const [moduleId, indexes] of Object.entries(stored.files)) {
      const keys = new Set<string>()
      for (const at of Array.isArray(indexes) ? indexes : []) {
        const question = stored.questions[at]
        const key = Array.isArray(question) && KnownAnswers.handles(question[0]) && Array.isArray(question[1]) ? repeatableCallKey(question[0], question[1]) : undefined
        if (question && key !== undefined) {
          this.questions.set(key, question)
          keys.add(key)
        }
      }
      this.byFile.set(moduleId, keys)
    }
  }
}

function first<T>(set: ReadonlySet<T>): T | undefined {
  return set.values().next().value
}
