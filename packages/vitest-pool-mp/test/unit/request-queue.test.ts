import { describe, expect, test } from 'vitest'
import { RequestQueue } from '../../src/child/request-queue.js'

const run = (n: number) => ({ __vitest_worker_request__: true as const, type: 'run', n })
const finished = { __vitest_worker_response__: true as const, type: 'testfileFinished' }
const settle = () => new Promise<void>(resolve => queueMicrotask(resolve))

function connect() {
  const delivered: unknown[] = []
  const verified: string[][] = []
  const queue = new RequestQueue(request => delivered.push(request), files => verified.push(files))
  /** What the child entry does with a message from main: hand it over unless the queue holds it. */
  const fromMain = (message: unknown) => {
    if (queue.incoming(message)) {
      delivered.push(message)
    }
  }
  return { queue, fromMain, delivered, verified }
}

describe('RequestQueue', () => {
  test('a run sent while one runs waits, with its files to verify, until the worker reports the file finished', async () => {
    const { queue, fromMain, delivered, verified } = connect()
    fromMain(run(1))
    queue.incomingVerify(['/b.test.ts'])
    fromMain(run(2))
    expect(delivered).toEqual([run(1)])
    expect(verified).toEqual([])
    queue.outgoing({ t: 'q', m: 'onTaskUpdate', a: [] })
    queue.outgoing(finished)
    expect(verified).toEqual([['/b.test.ts']])
    // Handed over after the worker's own send returns.
    expect(delivered).toEqual([run(1)])
    await settle()
    expect(delivered).toEqual([run(1), run(2)])
    // The worker is busy with it: the next one waits again.
    fromMain(run(3))
    expect(delivered).toHaveLength(2)
  })

  test('a run sent while the worker is free goes straight to it, its files verified at once', () => {
    const { queue, fromMain, delivered, verified } = connect()
    queue.incomingVerify(['/a.test.ts'])
    fromMain(run(1))
    expect(verified).toEqual([['/a.test.ts']])
    expect(delivered).toEqual([run(1)])
    queue.outgoing(finished)
    fromMain(run(2))
    expect(delivered).toEqual([run(1), run(2)])
  })

  test('a dropped run is never handed over; other messages always pass', async () => {
    const { queue, fromMain, delivered } = connect()
    fromMain(run(1))
    fromMain(run(2))
    queue.drop()
    queue.outgoing(finished)
    await settle()
    expect(delivered).toEqual([run(1)])
    fromMain({ __vitest_worker_request__: true, type: 'stop' })
    fromMain({ t: 's', i: '1', r: 1 })
    expect(delivered).toHaveLength(3)
  })
})
