import { createBirpc } from 'birpc'
import { describe, expect, test } from 'vitest'
import { RepeatAnswers } from '../../src/child/repeat-answers.js'

interface MainFunctions {
  fetch: (id: string, importer: string | null) => { code: string }
  resolve: (id: string) => string
  onTaskUpdate: (packs: unknown[]) => void
}

/** A worker-side birpc whose channel to "main" passes through RepeatAnswers, as in the child entry. */
function connect(failFirst = false) {
  const calls: string[] = []
  const toWorker = new Set<(message: unknown) => void>()
  let toMain: ((message: unknown) => void) | undefined
  let failed = false
  createBirpc<object, MainFunctions>({
    fetch: (id) => {
      calls.push(`fetch ${id}`)
      if (failFirst && !failed) {
        failed = true
        throw new Error('not yet')
      }
      return { code: `code of ${id}` }
    },
    resolve: (id) => {
      calls.push(`resolve ${id}`)
      return `/abs/${id}`
    },
    onTaskUpdate: () => void calls.push('onTaskUpdate'),
  }, {
    post: message => queueMicrotask(() => {
      answers.incoming(message)
      toWorker.forEach(listener => listener(message))
    }),
    on: (listener) => { toMain = listener },
  })
  const answers = new RepeatAnswers(answer => toWorker.forEach(listener => listener(answer)))
  const worker = createBirpc<MainFunctions>({}, {
    post: (message) => {
      if (answers.outgoing(message)) {
        queueMicrotask(() => toMain?.(message))
      }
    },
    on: listener => void toWorker.add(listener),
    eventNames: ['onTaskUpdate'],
  })
  return { worker, calls }
}

describe('RepeatAnswers', () => {
  test('answers a repeated fetch or resolve from what main answered, without asking main again', async () => {
    const { worker, calls } = connect()
    expect(await worker.fetch('/a.test.ts', null)).toEqual({ code: 'code of /a.test.ts' })
    expect(await worker.resolve('a.test.ts')).toBe('/abs/a.test.ts')
    expect(await worker.fetch('/a.test.ts', null)).toEqual({ code: 'code of /a.test.ts' })
    expect(await worker.resolve('a.test.ts')).toBe('/abs/a.test.ts')
    expect(calls).toEqual(['fetch /a.test.ts', 'resolve a.test.ts'])
  })

  test('asks main for other arguments, and hands out copies the worker may keep', async () => {
    const { worker, calls } = connect()
    const first = await worker.fetch('/a.test.ts', null)
    first.code = 'changed by the module runner'
    expect(await worker.fetch('/a.test.ts', '/importer.ts')).toEqual({ code: 'code of /a.test.ts' })
    expect(await worker.fetch('/a.test.ts', null)).toEqual({ code: 'code of /a.test.ts' })
    expect(calls).toEqual(['fetch /a.test.ts', 'fetch /a.test.ts'])
  })

  test('keeps no error: a failed call is asked again', async () => {
    const { worker, calls } = connect(true)
    await expect(worker.fetch('/a.test.ts', null)).rejects.toThrow('not yet')
    expect(await worker.fetch('/a.test.ts', null)).toEqual({ code: 'code of /a.test.ts' })
    expect(calls).toEqual(['fetch /a.test.ts', 'fetch /a.test.ts'])
  })

  test('passes every other call and event through', async () => {
    const { worker, calls } = connect()
    await worker.onTaskUpdate([])
    await worker.onTaskUpdate([])
    await new Promise(resolve => setTimeout(resolve, 0))
    expect(calls).toEqual(['onTaskUpdate', 'onTaskUpdate'])
  })
})
