import type { StoreSession } from '../../src/store/run-store.js'
import { describe, expect, test } from 'vitest'
import { RunStore } from '../../src/store/run-store.js'

function workers(count: number): { store: RunStore, sessions: StoreSession[] } {
  const store = new RunStore()
  const sessions = Array.from({ length: count }, (_, i) => store.connect({ pid: 1000 + i, label: `batch ${i}` }))
  return { store, sessions }
}

/** Lets every settled promise's reactions run. */
const settle = () => new Promise(resolve => setImmediate(resolve))

describe('locks', () => {
  test('waiters are served first come, first served', async () => {
    const { sessions: [a, b, c, d] } = workers(4)
    const order: string[] = []
    await a!.acquire('db')
    const waits = ([['b', b], ['c', c], ['d', d]] as const).map(([name, session]) =>
      session!.acquire('db').then(() => {
        order.push(name)
        session!.release('db')
      }))
    await settle()
    expect(order).toEqual([])
    a!.release('db')
    await Promise.all(waits)
    expect(order).toEqual(['b', 'c', 'd'])
  })

  test('named locks are independent of each other', async () => {
    const { sessions: [a, b] } = workers(2)
    await a!.acquire('one')
    await b!.acquire('two')
    a!.release('one')
    b!.release('two')
  })

  test('acquiring a lock this worker holds is an error, not a deadlock', async () => {
    const { sessions: [a] } = workers(1)
    await a!.acquire('db', { test: 'a.test.ts > migrates' })
    await expect(a!.acquire('db')).rejects.toThrow(/\[vitest-pool-mp\] Lock "db" is already held by this worker \(test "a\.test\.ts > migrates" in process 1000.*not re-entrant/)
    a!.release('db')
    await a!.acquire('db')
  })

  test('a timeout names the holder, and the waiter leaves the queue', async () => {
    const { sessions: [a, b, c] } = workers(3)
    await a!.acquire('db', { test: 'slow test' })
    const timedOut = b!.acquire('db', {}, 20)
    const patient = c!.acquire('db')
    await expect(timedOut).rejects.toThrow('[vitest-pool-mp] Timed out after 20 ms waiting for lock "db". It is held by test "slow test" in process 1000 (batch 0).')
    a!.release('db')
    await patient
    expect(() => b!.release('db')).toThrow(/this worker does not hold it \(it is held by process 1002/)
  })

  test('a timeout longer than a timer can hold (2 ** 31 ms) waits for the lock, without a timer that would fire at once', async () => {
    const { sessions: [a, b] } = workers(2)
    await a!.acquire('db')
    let granted = false
    const waits = b!.acquire('db', {}, 2 ** 31).then(() => {
      granted = true
    })
    await new Promise(resolve => setTimeout(resolve, 20))
    expect(granted).toBe(false)
    a!.release('db')
    await waits
    expect(granted).toBe(true)
  })

  test('only the holder may release', async () => {
    const { sessions: [a, b] } = workers(2)
    expect(() => a!.release('db')).toThrow('[vitest-pool-mp] Cannot release lock "db": nobody holds it.')
    await a!.acquire('db')
    expect(() => b!.release('db')).toThrow(/does not hold it/)
  })
})

describe('release on disconnect', () => {
  test('a closed worker releases its locks to the next waiter, and leaves every queue', async () => {
    const { sessions: [a, b, c] } = workers(3)
    await a!.acquire('db')
    const bWaits = b!.acquire('db')
    const cWaits = c!.acquire('db').then(() => 'c')
    b!.close()
    await expect(bWaits).rejects.toThrow(/ended while waiting/)
    a!.close()
    await expect(cWaits).resolves.toBe('c')
  })

  test('a closed worker ends its update: the key is free, nothing is written', async () => {
    const { sessions: [a, b] } = workers(2)
    await a!.set('k', 1)
    expect(await a!.beginUpdate('k')).toBe(1)
    const write = b!.set('k', 2)
    a!.close()
    await write
    expect(b!.get('k')).toBe(2)
  })

  test('a dead consumer stops counting, so the survivor finishes last', async () => {
    const { store, sessions: [a, b] } = workers(2)
    await a!.enterTrail('Db', 'start')
    a!.exitTrail('Db', 'start', true)
    expect(await b!.enterTrail('Db', 'start')).toBe(false)
    b!.exitTrail('Db', 'start', true)
    expect(store.trailCount('Db')).toBe(2)
    a!.close()
    expect(store.trailCount('Db')).toBe(1)
    expect(await b!.enterTrail('Db', 'finish')).toBe(true)
    b!.exitTrail('Db', 'finish', true)
    expect(store.trailCount('Db')).toBe(0)
  })

  test('a worker that dies inside a trail callback frees the trail', async () => {
    const { sessions: [a, b] } = workers(2)
    await a!.enterTrail('Db', 'start')
    const bEnters = b!.enterTrail('Db', 'start')
    a!.close()
    await expect(bEnters).resolves.toBe(true)
  })
})

describe('withdrawn waits (their test ended first)', () => {
  test('a withdrawn waiter leaves the queue; one granted meanwhile gives the lock back', async () => {
    const { sessions: [a, b, c] } = workers(3)
    await a!.acquire('db')
    const abandoned = b!.acquire('db', { ticket: '1' })
    const next = c!.acquire('db')
    b!.withdraw('1')
    await expect(abandoned).rejects.toThrow(/The test that was waiting ended first/)
    a!.release('db')
    await next
    const granted = b!.acquire('db', { ticket: '2' })
    c!.release('db')
    await granted
    b!.withdraw('2')
    await a!.acquire('db')
  })

  test('a withdrawn update writes nothing; a withdrawn trail counts nothing', async () => {
    const { store, sessions: [a] } = workers(1)
    await a!.beginUpdate('k', { ticket: '1' })
    a!.withdraw('1')
    expect(a!.has('k')).toBe(false)
    await a!.set('k', 1)
    await a!.enterTrail('Db', 'start', { ticket: '2' })
    a!.withdraw('2')
    expect(store.trailCount('Db')).toBe(0)
    expect(await a!.enterTrail('Db', 'start')).toBe(true)
  })

  test('withdrawing a finished request changes nothing', async () => {
    const { sessions: [a, b] } = workers(2)
    await a!.acquire('db', { ticket: '1' })
    a!.release('db')
    await a!.acquire('db', { ticket: '2' })
    a!.withdraw('1')
    await expect(b!.acquire('db', {}, 10)).rejects.toThrow(/Timed out/)
  })
})

describe('trails', () => {
  test('start passes first to the consumer that finds none; finish passes last to the one that leaves none', async () => {
    const { store, sessions: [a, b, c] } = workers(3)
    const flags: string[] = []
    for (const [name, session] of [['a', a], ['b', b], ['c', c]] as const) {
      flags.push(`${name} start ${await session!.enterTrail('Db', 'start')}`)
      session!.exitTrail('Db', 'start', true)
    }
    for (const [name, session] of [['b', b], ['a', a], ['c', c]] as const) {
      flags.push(`${name} finish ${await session!.enterTrail('Db', 'finish')}`)
      session!.exitTrail('Db', 'finish', true)
    }
    expect(flags).toEqual(['a start true', 'b start false', 'c start false', 'b finish false', 'a finish false', 'c finish true'])
    expect(store.trailCount('Db')).toBe(0)
  })

  test('a start whose callback failed does not count; a finish always counts out', async () => {
    const { store, sessions: [a, b] } = workers(2)
    expect(await a!.enterTrail('Db', 'start')).toBe(true)
    a!.exitTrail('Db', 'start', false)
    expect(await b!.enterTrail('Db', 'start')).toBe(true)
    b!.exitTrail('Db', 'start', true)
    expect(await b!.enterTrail('Db', 'finish')).toBe(true)
    b!.exitTrail('Db', 'finish', false)
    expect(store.trailCount('Db')).toBe(0)
  })

  test('a finish with no active consumer is an error and frees the trail', async () => {
    const { sessions: [a] } = workers(1)
    await expect(a!.enterTrail('Db', 'finish')).rejects.toThrow('mpTrail("Db", "finish") found no active consumer')
    expect(await a!.enterTrail('Db', 'start')).toBe(true)
  })

  test('a finish in another worker than the start counts the starter out', async () => {
    const { store, sessions: [a, b] } = workers(2)
    await a!.enterTrail('Db', 'start')
    a!.exitTrail('Db', 'start', true)
    expect(await b!.enterTrail('Db', 'finish')).toBe(true)
    b!.exitTrail('Db', 'finish', true)
    a!.close()
    expect(store.trailCount('Db')).toBe(0)
  })

  test('a trail entered again inside its own callback is an error that says phases do not nest', async () => {
    const { sessions: [a] } = workers(1)
    await a!.enterTrail('N', 'start')
    await expect(a!.enterTrail('N', 'start')).rejects.toThrow(/\[vitest-pool-mp\] Trail "N" is already held by this worker .*A trail's phases do not nest: call mpTrail\("N", \.\.\.\) again outside the callback of the one running\./)
    a!.exitTrail('N', 'start', true)
  })

  test('a trail is held alone: other trails and locks stay free while its callback runs', async () => {
    const { sessions: [a, b] } = workers(2)
    await a!.enterTrail('Db', 'start')
    await a!.acquire('mp_lock')
    a!.release('mp_lock')
    await expect(b!.enterTrail('Cache', 'start')).resolves.toBe(true)
    let bEntered = false
    const bWaits = b!.enterTrail('Db', 'start').then((first) => { bEntered = true; return first })
    await settle()
    expect(bEntered).toBe(false)
    a!.exitTrail('Db', 'start', true)
    await expect(bWaits).resolves.toBe(false)
  })
})

describe('board', () => {
  test('get, set, has, delete, keys', async () => {
    const { sessions: [a, b] } = workers(2)
    await a!.set('x', { n: 1 })
    expect(b!.get('x')).toEqual({ n: 1 })
    expect(b!.has('x')).toBe(true)
    expect(b!.keys()).toEqual(['x'])
    expect(await b!.delete('x')).toBe(true)
    expect(await b!.delete('x')).toBe(false)
    expect(a!.has('x')).toBe(false)
  })

  test('a write waits while another worker updates the key, and lands after it', async () => {
    const { sessions: [a, b] } = workers(2)
    await a!.set('n', 1)
    const current = await a!.beginUpdate('n') as number
    const write = b!.set('n', 100)
    await settle()
    expect(b!.get('n')).toBe(1)
    a!.endUpdate('n', { value: current + 1 })
    await write
    expect(b!.get('n')).toBe(100)
  })

  test('updates of one key are serialized FIFO', async () => {
    const { sessions } = workers(3)
    await Promise.all(sessions.map(async (session) => {
      const current = (await session.beginUpdate('n') ?? 0) as number
      await settle()
      session.endUpdate('n', { value: current + 1 })
    }))
    expect(sessions[0]!.get('n')).toBe(3)
  })

  test('writing a key inside this worker\'s own update of it is an error, not a deadlock', async () => {
    const { sessions: [a] } = workers(1)
    await a!.beginUpdate('n')
    await expect(a!.set('n', 1)).rejects.toThrow('board.set("n") was called while this worker is inside board.update("n")')
    await expect(a!.beginUpdate('n')).rejects.toThrow('board.update("n") was called while this worker is inside board.update("n")')
    a!.endUpdate('n')
    await a!.set('n', 1)
  })
})
