import { describe, expect, test } from 'vitest'
import { SlotPool } from '../../src/slot-pool.js'

/** Lets pending promise callbacks run. */
const settle = () => new Promise<void>(resolve => setImmediate(resolve))

describe('SlotPool', () => {
  test('slots are numbered 1..n and handed out lowest first', () => {
    const pool = new SlotPool(3)
    expect(pool.size).toBe(3)
    expect(pool.available).toBe(3)
    expect([pool.tryTake(), pool.tryTake(), pool.tryTake()]).toEqual([1, 2, 3])
    expect(pool.tryTake()).toBeUndefined()
    expect(pool.available).toBe(0)
  })

  test('a released slot is free again, and the lowest free slot goes first', () => {
    const pool = new SlotPool(3)
    pool.tryTake()
    pool.tryTake()
    pool.tryTake()
    pool.release(3)
    pool.release(1)
    expect(pool.available).toBe(2)
    expect(pool.tryTake()).toBe(1)
    expect(pool.tryTake()).toBe(3)
  })

  test('take resolves at once while a slot is free', async () => {
    const pool = new SlotPool(1)
    await expect(pool.take()).resolves.toBe(1)
  })

  test('waiters are served first come first served', async () => {
    const pool = new SlotPool(2)
    pool.tryTake()
    pool.tryTake()
    const served: string[] = []
    const first = pool.take().then(slot => served.push(`first:${slot}`))
    const second = pool.take().then(slot => served.push(`second:${slot}`))
    const third = pool.take().then(slot => served.push(`third:${slot}`))
    await settle()
    expect(served).toEqual([])
    pool.release(2)
    await first
    pool.release(1)
    await second
    expect(served).toEqual(['first:2', 'second:1'])
    pool.release(2)
    await third
    expect(served).toEqual(['first:2', 'second:1', 'third:2'])
    expect(pool.available).toBe(0)
  })

  test('release wakes release listeners when nobody waits for the slot', () => {
    const pool = new SlotPool(1)
    const slot = pool.tryTake()!
    let woken = 0
    pool.onRelease(() => woken++)
    pool.release(slot)
    expect(woken).toBe(1)
  })

  test('a slot released to a waiter goes to the waiter, not to the listeners', async () => {
    const pool = new SlotPool(1)
    const slot = pool.tryTake()!
    let woken = 0
    pool.onRelease(() => woken++)
    const waiting = pool.take()
    pool.release(slot)
    await expect(waiting).resolves.toBe(slot)
    expect(woken).toBe(0)
    expect(pool.available).toBe(0)
  })

  test('putBack returns an unused slot without waking listeners', () => {
    const pool = new SlotPool(2)
    const slot = pool.tryTake()!
    let woken = 0
    pool.onRelease(() => woken++)
    pool.putBack(slot)
    expect(woken).toBe(0)
    expect(pool.available).toBe(2)
    expect(pool.tryTake()).toBe(1)
  })

  test('putBack hands the slot to a waiter first', async () => {
    const pool = new SlotPool(1)
    const slot = pool.tryTake()!
    const waiting = pool.take()
    pool.putBack(slot)
    await expect(waiting).resolves.toBe(slot)
    expect(pool.available).toBe(0)
  })

  test('a listener removed with the returned function is not called again', () => {
    const pool = new SlotPool(1)
    let woken = 0
    const stop = pool.onRelease(() => woken++)
    pool.release(pool.tryTake()!)
    stop()
    pool.release(pool.tryTake()!)
    expect(woken).toBe(1)
  })
})
