import type { AskingWorker } from '../../src/known-answers.js'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { RepeatAnswers } from '../../src/child/repeat-answers.js'
import { KnownAnswers, questionsPath } from '../../src/known-answers.js'

const dirs: string[] = []
afterEach(() => {
  dirs.splice(0).forEach(dir => rmSync(dir, { recursive: true, force: true }))
})

/** A questions file in a fresh folder. */
function cachePath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mp-known-answers-'))
  dirs.push(dir)
  return questionsPath(dir)
}

/** Main's answers, counting what main computed: `fetch` of `/fail` fails the first time. */
function mainAnswers(path?: string, salt = 'salt') {
  const computed: string[] = []
  let failed = false
  const answers = new KnownAnswers(async (method, args) => {
    computed.push(`${method} ${String(args[0])}`)
    if (args[0] === '/fail' && !failed) {
      failed = true
      throw new Error('not yet')
    }
    return { method, id: args[0] }
  }, path, salt)
  return { answers, computed }
}

function worker(moduleIds: string[], firstRequest = true, known = new Set<string>()): AskingWorker {
  return { moduleIds, firstRequest, known }
}

/** Lets every pending answer settle. */
const settle = () => new Promise(resolve => setTimeout(resolve, 0))

describe('KnownAnswers', () => {
  test('answers each question once per run, whichever worker asks', async () => {
    const { answers, computed } = mainAnswers()
    expect(await answers.serve('fetch', ['/helper.ts', null], worker(['/a.test.ts']))).toEqual({ method: 'fetch', id: '/helper.ts' })
    expect(await answers.serve('fetch', ['/helper.ts', null], worker(['/b.test.ts']))).toEqual({ method: 'fetch', id: '/helper.ts' })
    expect(await answers.serve('fetch', ['/helper.ts', '/a.test.ts'], worker(['/a.test.ts']))).toEqual({ method: 'fetch', id: '/helper.ts' })
    expect(computed).toEqual(['fetch /helper.ts', 'fetch /helper.ts'])
  })

  test('a failed answer is not kept: the next worker asks main again', async () => {
    const { answers, computed } = mainAnswers()
    await expect(answers.serve('fetch', ['/fail'], worker(['/a.test.ts']))).rejects.toThrow('not yet')
    expect(await answers.serve('fetch', ['/fail'], worker(['/a.test.ts']))).toEqual({ method: 'fetch', id: '/fail' })
    expect(computed).toEqual(['fetch /fail', 'fetch /fail'])
  })

  test('a worker about to run a file is sent what that file\'s workers asked, less what it has', async () => {
    const { answers } = mainAnswers()
    await answers.serve('resolve', ['/setup.ts'], worker(['/a.test.ts']))
    await answers.serve('fetch', ['/a.test.ts'], worker(['/a.test.ts']))
    await answers.serve('fetch', ['/b.test.ts'], worker(['/b.test.ts']))

    const next = worker(['/a.test.ts'], true)
    expect(answers.ahead(next).map(([key]) => key.split('\0')[0])).toEqual(['resolve', 'fetch'])
    // What it was sent is not sent again for its next request.
    expect(answers.ahead({ ...next, firstRequest: false })).toEqual([])
    // A file's questions go to that file's workers only.
    expect(answers.ahead(worker(['/b.test.ts'])).map(([, answer]) => answer)).toEqual([{ method: 'fetch', id: '/b.test.ts' }])
  })

  test('what first requests of two files asked (the setup file) goes to every fresh worker, not to a worker\'s next request', async () => {
    const { answers } = mainAnswers()
    await answers.serve('fetch', ['/setup.ts'], worker(['/a.test.ts'], true))
    expect(answers.ahead(worker(['/c.test.ts'], true))).toEqual([])
    await answers.serve('fetch', ['/setup.ts'], worker(['/b.test.ts'], true))
    expect(answers.ahead(worker(['/c.test.ts'], true)).map(([, answer]) => answer)).toEqual([{ method: 'fetch', id: '/setup.ts' }])
    expect(answers.ahead(worker(['/c.test.ts'], false))).toEqual([])
  })

  test('the next run answers the questions this run asked while its workers boot, and sends them ahead', async () => {
    const path = cachePath()
    const run1 = mainAnswers(path)
    await run1.answers.serve('fetch', ['/setup.ts'], worker(['/a.test.ts'], true))
    await run1.answers.serve('fetch', ['/setup.ts'], worker(['/b.test.ts'], true))
    await run1.answers.serve('fetch', ['/helper.ts', '/a.test.ts'], worker(['/a.test.ts'], true))
    run1.answers.save()

    const run2 = mainAnswers(path)
    run2.answers.prepare(['/a.test.ts'])
    await settle()
    expect(run2.computed.sort()).toEqual(['fetch /helper.ts', 'fetch /setup.ts'])
    const fresh = worker(['/a.test.ts'], true)
    expect(run2.answers.ahead(fresh).map(([, answer]) => answer)).toEqual([{ method: 'fetch', id: '/setup.ts' }, { method: 'fetch', id: '/helper.ts' }])
    // Background prefetch, in file order, one question at a time: b's questions too.
    run2.answers.prefetch(['/b.test.ts'])
    await settle()
    expect(run2.computed).toHaveLength(2)

    // Another Vitest or other Vite plugins: the questions are not used.
    const run3 = mainAnswers(path, 'other salt')
    run3.answers.prepare(['/a.test.ts'])
    await settle()
    expect(run3.computed).toEqual([])
  })

  test('a question sent ahead and used is kept for the next run; one sent and not used is dropped', async () => {
    const path = cachePath()
    const run1 = mainAnswers(path)
    await run1.answers.serve('fetch', ['/helper.ts'], worker(['/a.test.ts']))
    await run1.answers.serve('fetch', ['/gone.ts'], worker(['/a.test.ts']))
    run1.answers.save()

    const run2 = mainAnswers(path)
    run2.answers.prepare(['/a.test.ts'])
    await settle()
    const fresh = worker(['/a.test.ts'])
    const [used] = run2.answers.ahead(fresh).map(([key]) => key).filter(key => key.includes('helper'))
    run2.answers.used(fresh, [used!])
    run2.answers.save()

    const stored = JSON.parse(readFileSync(path, 'utf-8')) as { questions: [string, unknown[]][], files: Record<string, number[]> }
    expect(stored.files['/a.test.ts']!.map(at => stored.questions[at])).toEqual([['fetch', ['/helper.ts']]])
  })

  test('a test file this run did not run keeps its questions while it exists', async () => {
    const path = cachePath()
    const kept = join(dirname(path), 'kept.test.ts')
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(kept, '')
    const run1 = mainAnswers(path)
    await run1.answers.serve('fetch', ['/kept-helper.ts'], worker([kept]))
    await run1.answers.serve('fetch', ['/gone-helper.ts'], worker(['/deleted.test.ts']))
    run1.answers.save()

    const run2 = mainAnswers(path)
    await run2.answers.serve('fetch', ['/a.ts'], worker(['/a.test.ts']))
    run2.answers.save()
    const stored = JSON.parse(readFileSync(path, 'utf-8')) as { files: Record<string, number[]> }
    expect(Object.keys(stored.files).sort()).toEqual(['/a.test.ts', kept].sort())
  })

  test('a source file that changes makes main answer again', async () => {
    const { answers, computed } = mainAnswers()
    await answers.serve('fetch', ['/helper.ts'], worker(['/a.test.ts']))
    answers.forget()
    await answers.serve('fetch', ['/helper.ts'], worker(['/a.test.ts']))
    expect(computed).toEqual(['fetch /helper.ts', 'fetch /helper.ts'])
  })
})

describe('answers sent ahead, in the worker', () => {
  test('a worker given answers ahead asks main none of them, and says which it used, once', async () => {
    const { answers, computed } = mainAnswers()
    await answers.serve('fetch', ['/helper.ts', null], worker(['/a.test.ts']))
    await answers.serve('resolve', ['./dep', '/helper.ts'], worker(['/a.test.ts']))
    const toMain: unknown[] = []
    const delivered: unknown[] = []
    const repeat = new RepeatAnswers(answer => delivered.push(answer))
    repeat.seed(answers.ahead(worker(['/a.test.ts'])))

    expect(repeat.outgoing({ t: 'q', m: 'fetch', a: ['/helper.ts', null], i: '1' })).toBe(false)
    expect(repeat.outgoing({ t: 'q', m: 'fetch', a: ['/other.ts', null], i: '2' }) && toMain.push('fetch /other.ts')).toBeTruthy()
    await settle()
    expect(delivered).toEqual([{ t: 's', i: '1', r: { method: 'fetch', id: '/helper.ts' } }])
    expect(toMain).toEqual(['fetch /other.ts'])
    expect(computed).toEqual(['fetch /helper.ts', 'resolve ./dep'])
    expect(repeat.takeSeedsUsed()).toEqual(['fetch\0["/helper.ts",null]'])
    expect(repeat.outgoing({ t: 'q', m: 'fetch', a: ['/helper.ts', null], i: '3' })).toBe(false)
    expect(repeat.takeSeedsUsed()).toEqual([])
  })
})
