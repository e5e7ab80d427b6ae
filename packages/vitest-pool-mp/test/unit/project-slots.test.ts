import { describe, expect, test } from 'vitest'
import { ProjectSlots } from '../../src/project-slots.js'
import { SlotPool } from '../../src/slot-pool.js'

const settle = () => new Promise<void>(resolve => setImmediate(resolve))

describe('ProjectSlots', () => {
  test('a project takes no more than its cap, while another takes the rest of the shared slots', () => {
    const shared = new SlotPool(3)
    const capped = new ProjectSlots(shared, 1)
    const other = new ProjectSlots(shared, 3)
    expect(capped.size).toBe(1)
    expect(other.size).toBe(3)
    expect(capped.tryTake()).toBe(1)
    expect(capped.tryTake()).toBeUndefined()
    expect(other.tryTake()).toBe(2)
    expect(other.tryTake()).toBe(3)
    expect(other.tryTake()).toBeUndefined()
  })

  test('a cap above the shared slots is the shared size', () => {
    expect(new ProjectSlots(new SlotPool(2), 4).size).toBe(2)
  })

  test('take waits for the project\'s own release when it is at its cap, though shared slots are free', async () => {
    const shared = new SlotPool(3)
    const capped = new ProjectSlots(shared, 1)
    const first = await capped.take()
    let second: number | undefined
    void capped.take().then((slot) => {
      second = slot
    })
    await settle()
    expect(second).toBeUndefined()
    expect(shared.available).toBe(2)
    capped.release(first)
    await settle()
    expect(second).toBe(1)
  })

  test('a slot put back frees the cap too', () => {
    const shared = new SlotPool(2)
    const capped = new ProjectSlots(shared, 1)
    const slot = capped.tryTake()!
    capped.putBack(slot)
    expect(capped.tryTake()).toBe(slot)
  })
})
