import { describe, expect, test } from 'vitest'
import { raisedLimit, watchdogLimit } from '../../src/watchdog-limit.js'

describe('watchdogLimit', () => {
  test('is the longest timeout plus the grace', () => {
    expect(watchdogLimit([5_000, 10_000, 30_000], 2_000)).toBe(32_000)
  })

  test('ignores unknown per-test timeouts', () => {
    expect(watchdogLimit([5_000, undefined], 1_000)).toBe(6_000)
  })

  test('is off when any timeout is 0 (no timeout), or the grace is false', () => {
    expect(watchdogLimit([5_000, 0], 1_000)).toBe(false)
    expect(watchdogLimit([5_000], false)).toBe(false)
  })
})

describe('raisedLimit', () => {
  test('takes the longer limit: a worker\'s report never shortens what main allowed', () => {
    expect(raisedLimit(15_000, 70_000)).toBe(70_000)
    expect(raisedLimit(70_000, 15_000)).toBe(70_000)
  })

  test('is off when either is off (a hook with no timeout)', () => {
    expect(raisedLimit(15_000, false)).toBe(false)
    expect(raisedLimit(false, 70_000)).toBe(false)
  })
})
