import type { Call } from '../../src/child/birpc-wire.js'
import { describe, expect, test } from 'vitest'
import { FileScopedWorkerFixtures } from '../../src/child/file-scoped-worker-fixtures.js'

describe('FileScopedWorkerFixtures', () => {
  test('the start request names vmForks, whose runner gives worker fixtures file scope', () => {
    const fixtures = new FileScopedWorkerFixtures()
    const start = { context: { pool: 'mp' } }
    fixtures.request(start)
    expect(start.context.pool).toBe('vmForks')
  })

  test('the files a worker reports carry the real pool again', () => {
    const fixtures = new FileScopedWorkerFixtures()
    fixtures.request({ context: { pool: 'mp' } })
    const queued = { pool: 'vmForks' }
    const collected = [{ pool: 'vmForks' }, { pool: 'vmForks' }]
    fixtures.report({ t: 'q', m: 'onQueued', a: [queued] } satisfies Call)
    fixtures.report({ t: 'q', m: 'onCollected', a: [collected] } satisfies Call)
    expect([queued, ...collected].map(file => file.pool)).toEqual(['mp', 'mp', 'mp'])
  })

  test('a request without a pool (a run request) keeps the name the start request gave', () => {
    const fixtures = new FileScopedWorkerFixtures()
    fixtures.request({ context: { pool: 'mp' } })
    fixtures.request({ context: {} })
    const file = { pool: 'vmForks' }
    fixtures.report({ t: 'q', m: 'onQueued', a: [file] } satisfies Call)
    expect(file.pool).toBe('mp')
  })

  test('other reports are left alone', () => {
    const fixtures = new FileScopedWorkerFixtures()
    fixtures.request({ context: { pool: 'mp' } })
    const packs = [{ pool: 'vmForks' }]
    fixtures.report({ t: 'q', m: 'onTaskUpdate', a: [packs, []] } satisfies Call)
    expect(packs[0]!.pool).toBe('vmForks')
  })
})
