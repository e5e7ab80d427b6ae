import { describe, expect, test } from 'vitest'
import { watchdogLimit } from '../../src/watchdog-limit.js'

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
