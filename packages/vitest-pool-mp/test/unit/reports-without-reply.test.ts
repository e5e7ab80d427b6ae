import { createBirpc } from 'birpc'
import { describe, expect, test } from 'vitest'
import { sendWithoutReply } from '../../src/child/reports-without-reply.js'

interface MainFunctions {
  onQueued: (file: string) => void
  onCollected: (files: string[]) => void
  snapshotSaved: (result: string) => void
  resolve: (id: string) => string
}

/** A worker-side birpc whose channel to "main" passes through sendWithoutReply, as in the child entry. */
function connect() {
  const seen: string[] = []
  const answersSent: unknown[] = []
  const toWorker = new Set<(message: unknown) => void>()
  let toMain: ((message: unknown) => void) | undefined
  let releaseMain: () => void = () => {}
  const mainBusy = new Promise<void>((resolve) => { releaseMain = resolve })
  createBirpc<object, MainFunctions>({
    // Main is slow to handle the report: the worker must not wait for it.
    onQueued: async (file) => {
      await mainBusy
      seen.push(`onQueued ${file}`)
    },
    onCollected: files => void seen.push(`onCollected ${files.join()}`),
    snapshotSaved: result => void seen.push(`snapshotSaved ${result}`),
    resolve: (id) => {
      seen.push(`resolve ${id}`)
      return `/abs/${id}`
    },
  }, {
    post: (message) => {
      answersSent.push(message)
      queueMicrotask(() => toWorker.forEach(listener => listener(message)))
    },
    on: (listener) => { toMain = listener },
  })
  const deliver = (answer: unknown) => toWorker.forEach(listener => listener(answer))
  const worker = createBirpc<MainFunctions>({}, {
    post: (message) => {
      if (!sendWithoutReply(message, sent => queueMicrotask(() => toMain?.(sent)), deliver)) {
        queueMicrotask(() => toMain?.(message))
      }
    },
    on: listener => void toWorker.add(listener),
  })
  return { worker, seen, answersSent, releaseMain }
}

describe('sendWithoutReply', () => {
  test('a void report resolves for the worker at once; main still gets it, and answers nothing', async () => {
    const { worker, seen, answersSent, releaseMain } = connect()
    await worker.onQueued('/a.test.ts')
    await worker.onCollected(['/a.test.ts'])
    await worker.snapshotSaved('saved')
    expect(seen).toEqual(['onCollected /a.test.ts', 'snapshotSaved saved'])
    releaseMain()
    await new Promise(resolve => setTimeout(resolve, 0))
    expect(seen).toEqual(['onCollected /a.test.ts', 'snapshotSaved saved', 'onQueued /a.test.ts'])
    expect(answersSent).toEqual([])
  })

  test('the answer waits for answerLater when one is given', () => {
    const answers: unknown[] = []
    const later: (() => void)[] = []
    const sent: unknown[] = []
    const handled = sendWithoutReply({ t: 'q', i: 'a1', m: 'onTaskUpdate', a: [] }, message => sent.push(message), answer => answers.push(answer), callback => later.push(callback))
    expect(handled).toBe(true)
    expect(sent).toEqual([{ t: 'q', m: 'onTaskUpdate', a: [] }])
    expect(answers).toEqual([])
    later.forEach(callback => callback())
    expect(answers).toEqual([{ t: 's', i: 'a1' }])
  })

  test('any other call still goes to main and waits for its answer', async () => {
    const { worker, seen, answersSent } = connect()
    expect(await worker.resolve('a.test.ts')).toBe('/abs/a.test.ts')
    expect(seen).toEqual(['resolve a.test.ts'])
    expect(answersSent).toHaveLength(1)
  })
})
