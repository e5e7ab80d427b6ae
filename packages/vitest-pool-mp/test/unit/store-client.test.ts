import { Socket } from 'node:net'
import { describe, expect, test } from 'vitest'
import { connectLoopback } from '../../src/store/local-channel.js'
import { createStoreClient } from '../../src/store/store-client.js'
import { MAX_VALUE_BYTES } from '../../src/store/store-rpc.js'
import { StoreServer } from '../../src/store/store-server.js'

/** Several workers' clients joined to one store through copying in-process channels. */
function workers(count: number) {
  const server = new StoreServer()
  return Array.from({ length: count }, (_, i) => {
    const channel = connectLoopback(server, { pid: 2000 + i, label: `batch ${i}` })
    return { ...createStoreClient(channel, { caller: () => ({ test: `test ${i}` }), onCallerEnd: () => {} }), close: channel.close }
  })
}

describe('board over the channel', () => {
  test('values are copies: mutating what you got or what you set never changes the board', async () => {
    const [a, b] = workers(2)
    const value = { list: [1], when: new Date(0), map: new Map([['k', 1]]) }
    await a!.board.set('v', value)
    value.list.push(2)
    const got = await b!.board.get<typeof value>('v')
    expect(got).toEqual({ list: [1], when: new Date(0), map: new Map([['k', 1]]) })
    got!.list.push(3)
    expect((await b!.board.get<typeof value>('v'))!.list).toEqual([1])
  })

  test('a value structured clone cannot copy is refused at set, naming the key; the channel keeps working', async () => {
    const [a] = workers(1)
    await expect(a!.board.set('callback', () => 1)).rejects.toThrow(/^\[vitest-pool-mp\] board\.set\("callback"\) refused the value \(a function\): it cannot be copied/)
    await expect(a!.board.set('socket', new Socket())).rejects.toThrow(/board\.set\("socket"\) refused the value \(a Socket\)/)
    await expect(a!.board.update('later', () => ({ fn: () => 1 }))).rejects.toThrow(/board\.update\("later"\) refused the value/)
    expect(await a!.board.has('callback')).toBe(false)
    await a!.board.update('later', () => 2)
    expect(await a!.board.get('later')).toBe(2)
  })

  test('a value over the size limit is refused with its size', async () => {
    const [a] = workers(1)
    await expect(a!.board.set('big', new Uint8Array(MAX_VALUE_BYTES + 1))).rejects.toThrow(/board\.set\("big"\) refused the value: it is 64\.0 MiB serialized, over the board's limit of 64\.0 MiB/)
    await a!.board.set('small', 1)
    expect(await a!.board.keys()).toEqual(['small'])
  })

  test('update is atomic across workers without a lock', async () => {
    const clients = workers(4)
    await Promise.all(clients.map(async (client) => {
      for (let i = 0; i < 25; i++) {
        await client.board.update<number>('n', async (n = 0) => {
          await new Promise(resolve => setImmediate(resolve))
          return n + 1
        })
      }
    }))
    expect(await clients[0]!.board.get('n')).toBe(100)
  })

  test('a throwing update writes nothing and frees the key', async () => {
    const [a, b] = workers(2)
    await a!.board.set('n', 1)
    await expect(a!.board.update('n', () => { throw new Error('no') })).rejects.toThrow('no')
    await b!.board.set('n', 5)
    expect(await a!.board.get('n')).toBe(5)
  })
})

describe('locks over the channel', () => {
  test('a timeout of 0 does not wait: a free lock is taken, a held one refused at once (a try-lock)', async () => {
    const [a, b] = workers(2)
    await a!.lock('try').acquire({ timeout: 0 })
    await expect(b!.lock('try').acquire({ timeout: 0 })).rejects.toThrow(/^\[vitest-pool-mp\] Timed out after 0 ms waiting for lock "try"\. It is held by test "test 0" in process 2000/)
    await a!.lock('try').release()
    await b!.lock('try').acquire({ timeout: 0 })
  })

  test('runExclusive releases even when the callback throws, and resolves to its value', async () => {
    const [a, b] = workers(2)
    await expect(a!.lock().runExclusive(() => { throw new Error('boom') })).rejects.toThrow('boom')
    expect(await b!.lock().runExclusive(async () => 42)).toBe(42)
  })

  test('errors arrive with the prefix and name the holder\'s test and pid', async () => {
    const [a, b] = workers(2)
    await a!.lock('db').acquire()
    await expect(a!.lock('db').acquire()).rejects.toThrow(/^\[vitest-pool-mp\] Lock "db" is already held by this worker/)
    await expect(b!.lock('db').acquire({ timeout: 10 })).rejects.toThrow('It is held by test "test 0" in process 2000 (batch 0).')
  })

  test('a worker that ends releases its lock to the next in line', async () => {
    const [a, b] = workers(2)
    await a!.lock().acquire()
    const waiting = b!.lock().acquire()
    a!.close()
    await waiting
    await b!.lock().release()
  })
})

describe('waits whose test ended', () => {
  test('a wait still pending when its test ends is withdrawn; a finished one is left alone', async () => {
    const server = new StoreServer()
    const testEnds: (() => void)[] = []
    const connect = (pid: number, onCallerEnd: (callback: () => void) => void) =>
      createStoreClient(connectLoopback(server, { pid, label: `batch ${pid}` }), { caller: () => ({}), onCallerEnd })
    const holder = connect(1, () => {})
    const waiter = connect(2, callback => testEnds.push(callback))
    const other = connect(3, () => {})
    await holder.lock().acquire()
    const abandoned = waiter.lock().acquire()
    const next = other.lock().acquire()
    testEnds.forEach(end => end())
    await expect(abandoned).rejects.toThrow(/The test that was waiting ended first/)
    await holder.lock().release()
    await next
    await other.lock().release()
    await waiter.lock().acquire()
    testEnds.forEach(end => end())
    await expect(other.lock().acquire({ timeout: 20 })).rejects.toThrow(/held by process 2 \(batch 2\)/)
  })
})

describe('trails over the channel', () => {
  test('start is the default phase; a lock taken inside a trail does not deadlock', async () => {
    const [a, b] = workers(2)
    const first = await a!.trail('Db', async (isFirst) => {
      await a!.lock().runExclusive(() => {})
      return isFirst
    })
    expect(first).toBe(true)
    const last = await b!.lock().runExclusive(() => b!.trail('Db', 'finish', isLast => isLast))
    expect(last).toBe(true)
  })

  test('a bad phase or a missing callback is refused', async () => {
    const [a] = workers(1)
    await expect(a!.trail('Db', 'begin' as 'start', () => {})).rejects.toThrow('[vitest-pool-mp] mpTrail("Db", "begin"): the phase must be "start" or "finish".')
    await expect(a!.trail('Db', 'start', undefined as unknown as () => void)).rejects.toThrow('needs a callback')
  })

  test('names, keys, options and callbacks of the wrong type are refused, saying what was given', async () => {
    const [a] = workers(1)
    // A number would name the same lock as its string; an object, nothing another worker can repeat.
    expect(() => a!.lock(42 as unknown as string)).toThrow('[vitest-pool-mp] mpLock takes a string name, got a number (42).')
    expect(() => a!.lock({ a: 1 } as unknown as string)).toThrow('mpLock takes a string name, got an object.')
    await expect(a!.trail(123 as unknown as string, () => 1)).rejects.toThrow('[vitest-pool-mp] mpTrail takes a string name, got a number (123).')
    await expect(a!.board.get(5 as unknown as string)).rejects.toThrow('board.get takes a string key, got a number (5).')
    await expect(a!.lock('q').acquire({ timeout: 'abc' as unknown as number })).rejects.toThrow('[vitest-pool-mp] mpLock("q").acquire: timeout must be a number of milliseconds, 0 or more (or left out to wait as long as the test may), got a string (abc).')
    await expect(a!.lock().acquire({ timeout: -1 })).rejects.toThrow('mpLock().acquire: timeout must be a number of milliseconds, 0 or more (or left out to wait as long as the test may), got -1.')
    await expect(a!.lock('q').acquire(5 as unknown as object)).rejects.toThrow('mpLock("q").acquire takes an options object ({ timeout }), got a number (5).')
    await expect(a!.lock('q').runExclusive(5 as unknown as () => void)).rejects.toThrow('[vitest-pool-mp] mpLock("q").runExclusive takes a function to run, got a number (5).')
    await expect(a!.board.update('u', 5 as unknown as () => number)).rejects.toThrow('[vitest-pool-mp] board.update("u") takes a function to run, got a number (5).')
    expect(await a!.board.has('u')).toBe(false)
    // Nothing was taken by the refused calls; a message names a lock as the user did.
    await expect(a!.lock('q').release()).rejects.toThrow('[vitest-pool-mp] Cannot release lock "q": nobody holds it.')
    await a!.lock('q').acquire({ timeout: 0 })
    await a!.lock().runExclusive(() => 1)
  })

  test('an empty lock or trail name is refused, as a group\'s is; a timeout of Infinity waits as if none were given', async () => {
    const [a, b] = workers(2)
    expect(() => a!.lock('')).toThrow('[vitest-pool-mp] mpLock takes a non-empty name, got "". Leave the name out for the run-wide lock (mpLock()).')
    await expect(a!.trail('', () => 1)).rejects.toThrow(/^\[vitest-pool-mp\] mpTrail takes a non-empty name, got ""\.$/)
    await a!.board.set('', 'an empty key is a key')
    await a!.lock('inf').acquire()
    const waiting = b!.lock('inf').acquire({ timeout: Infinity })
    await a!.lock('inf').release()
    await expect(waiting).resolves.toBeUndefined()
  })
})

describe('locks over the channel', () => {
  test('the run-wide lock is a lock of its own: no name reaches it, not even its own "mp_lock"', async () => {
    const [a, b] = workers(2)
    await a!.lock().acquire()
    expect(a!.lock().name).toBe('mp_lock')
    await b!.lock('mp_lock').acquire({ timeout: 50 })
    await b!.lock('run').acquire({ timeout: 50 })
    await expect(b!.lock().acquire({ timeout: 20 })).rejects.toThrow(/^\[vitest-pool-mp\] Timed out after 20 ms waiting for the run-wide lock \(mpLock\(\)\)\. It is held by test "test 0" in process 2000/)
    await expect(a!.lock('named:x').acquire({ timeout: 50 })).resolves.toBeUndefined()
    await expect(b!.lock('x').acquire({ timeout: 50 })).resolves.toBeUndefined()
  })
})

describe('one worker\'s tests running at once (test.concurrent)', () => {
  test('update the same key in turn, as two workers would', async () => {
    const [a] = workers(1)
    const slowIncrement = async (n = 0) => {
      await new Promise(resolve => setTimeout(resolve, 20))
      return n + 1
    }
    await Promise.all([a!.board.update<number>('hits', slowIncrement), a!.board.update<number>('hits', slowIncrement), a!.board.set('other', 1)])
    expect(await a!.board.get('hits')).toBe(2)
  })

  test('a set waits for another test\'s update of the key, and lands after it', async () => {
    const [a] = workers(1)
    const updating = a!.board.update<string>('k', async () => {
      await new Promise(resolve => setTimeout(resolve, 20))
      return 'updated'
    })
    const setting = a!.board.set('k', 'set')
    await Promise.all([updating, setting])
    expect(await a!.board.get('k')).toBe('set')
  })

  test('enter the same trail in turn, as two workers would: one first start, one last finish', async () => {
    const [a] = workers(1)
    const flags: string[] = []
    const consumer = async (id: string) => {
      await a!.trail('Db', 'start', async (first) => {
        flags.push(`${id} start ${first}`)
        await new Promise(resolve => setTimeout(resolve, 20))
      })
      await a!.trail('Db', 'finish', (last) => { flags.push(`${id} finish ${last}`) })
    }
    await Promise.all([consumer('x'), consumer('y'), consumer('z')])
    expect(flags.filter(flag => flag.endsWith('start true'))).toHaveLength(1)
    expect(flags.filter(flag => flag.endsWith('finish true'))).toEqual([flags.at(-1)])
    expect(flags).toHaveLength(6)
  })

  test('a trail entered again inside its own callback is still refused, saying phases do not nest', async () => {
    const [a] = workers(1)
    await expect(a!.trail('Db', 'start', () => a!.trail('Db', 'finish', () => 1))).rejects.toThrow('mpTrail("Db", "finish") was called inside the callback of mpTrail("Db", ...), which would wait for itself. A trail\'s phases do not nest')
    await expect(a!.trail('Db', 'start', () => a!.trail('Other', () => 2))).resolves.toBe(2)
  })

  test('a write of the key from inside the update\'s own callback is still refused, saying so', async () => {
    const [a] = workers(1)
    await expect(a!.board.update('k', async () => {
      await a!.board.set('k', 1)
      return 2
    })).rejects.toThrow('board.set("k") was called inside the callback of board.update("k"), which would wait for itself')
    await expect(a!.board.update('k', () => a!.board.update('k', () => 1))).rejects.toThrow('board.update("k") was called inside the callback of board.update("k")')
    await a!.board.update('k', () => 3)
    expect(await a!.board.get('k')).toBe(3)
  })
})
