import { describe, expect, test } from 'vitest'
import { acceptPlainOptions, checkWithZod, resolveOptions } from '../../src/options.js'

function messageOf(input: unknown): string {
  try {
    resolveOptions(input, 'mpPlugin()')
  }
  catch (error) {
    return (error as Error).message
  }
  throw new Error('expected resolveOptions to throw')
}

describe('resolveOptions', () => {
  test('no options: every default', () => {
    expect(resolveOptions(undefined, 'mpPlugin()')).toEqual({ ungrouped: 'free', watchdogGrace: 10_000, isolation: 'process', staticPlan: true })
    expect(resolveOptions({}, 'mpPlugin()')).toEqual({ ungrouped: 'free', watchdogGrace: 10_000, isolation: 'process', staticPlan: true })
  })

  test('given values are kept', () => {
    expect(resolveOptions({ ungrouped: 'file', watchdogGrace: false }, 'mpPlugin()')).toEqual({ ungrouped: 'file', watchdogGrace: false, isolation: 'process', staticPlan: true })
    expect(resolveOptions({ watchdogGrace: 0 }, 'mpPlugin()')).toEqual({ ungrouped: 'free', watchdogGrace: 0, isolation: 'process', staticPlan: true })
  })

  test('an unknown key is refused with a message naming the key', () => {
    const message = messageOf({ ungroupd: 'file' })
    expect(message).toMatch(/^\[vitest-pool-mp\] /)
    expect(message).toContain('ungroupd')
    expect(message).toContain('mpPlugin()')
  })

  test('a wrong enum value names the path, the value and what is accepted', () => {
    const message = messageOf({ ungrouped: 'files' })
    expect(message).toMatch(/^\[vitest-pool-mp\] /)
    expect(message).toContain('ungrouped:')
    expect(message).toContain('"files"')
    expect(message).toContain('\'free\' | \'file\'')
  })

  test.each([
    [-1, '-1'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
    [true, 'true'],
    ['10', '"10"'],
  ])('watchdogGrace %j is refused, naming the path, the value and what is accepted', (value, shown) => {
    const message = messageOf({ watchdogGrace: value })
    expect(message).toMatch(/^\[vitest-pool-mp\] /)
    expect(message).toContain('watchdogGrace:')
    expect(message).toContain(`(got ${shown})`)
    expect(message).toContain('watchdogGrace?: number (ms, >= 0) | false')
  })

  test('options that are not an object are refused', () => {
    const message = messageOf('file')
    expect(message).toMatch(/^\[vitest-pool-mp\] /)
    expect(message).toContain('(options)')
    expect(message).toContain('(got "file")')
  })

  test('every problem is listed at once', () => {
    const message = messageOf({ ungrouped: 'x', watchdogGrace: -5, extra: 1 })
    expect(message).toContain('ungrouped:')
    expect(message).toContain('watchdogGrace:')
    expect(message).toContain('extra')
  })

  test('a function value is described as a function', () => {
    expect(messageOf({ ungrouped: () => 'free' })).toContain('(got a function)')
  })
})

describe('valid options are taken without loading zod', () => {
  const valid: Record<string, unknown[]> = {
    ungrouped: ['free', 'file'],
    watchdogGrace: [0, -0, 1, 1500.5, 10_000, false],
    isolation: ['process', 'module'],
    staticPlan: [true, false],
  }
  const others = ['free', 'module', 'files', -1, 1.5, Number.NaN, Infinity, 2 ** 53, true, null, undefined, '10', [], {}]
  const unknownKeys = ['extra', 'toString', '__proto__']
  // A seeded generator, so a disagreement is reproducible.
  let seed = 7
  const next = (below: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31
    // The high bits: an LCG's low bits repeat with a short period.
    return Math.floor(seed / 2 ** 31 * below)
  }
  const pick = <T>(list: readonly T[]): T => list[next(list.length)]!
  /** Each known key absent, valid or anything; now and then an unknown key. */
  function randomInput(): Record<string, unknown> {
    const input: Record<string, unknown> = {}
    const set = (key: string, value: unknown) => Object.defineProperty(input, key, { value, enumerable: true, configurable: true, writable: true })
    for (const [key, accepted] of Object.entries(valid)) {
      const roll = next(6)
      if (roll >= 2) {
        set(key, roll === 5 ? pick(others) : pick(accepted))
      }
    }
    if (next(10) === 0) {
      set(pick(unknownKeys), pick(others))
    }
    return input
  }

  function zodVerdict(input: unknown): unknown {
    try {
      return checkWithZod(input, 'mpPlugin()')
    }
    catch {
      return 'refused'
    }
  }

  test('on 3,000 random inputs the plain check and zod agree, and zod accepts no plain object the check refuses', () => {
    let refused = 0
    for (let i = 0; i < 3000; i++) {
      const input = randomInput()
      const plain = acceptPlainOptions(input)
      const zod = zodVerdict(input)
      if (plain === undefined) {
        refused++
        expect(zod, JSON.stringify(input)).toBe('refused')
      }
      else {
        expect(zod, JSON.stringify(input)).toEqual(plain)
        expect(Object.is((zod as { watchdogGrace: unknown }).watchdogGrace, plain.watchdogGrace)).toBe(true)
      }
    }
    // Both kinds were tried often.
    expect(refused).toBeGreaterThan(500)
    expect(refused).toBeLessThan(2500)
  })

  test('what is not a plain object goes to zod', () => {
    expect(acceptPlainOptions('file')).toBeUndefined()
    expect(acceptPlainOptions(null)).toBeUndefined()
    expect(acceptPlainOptions([])).toBeUndefined()
    expect(acceptPlainOptions(new (class Options { isolation = 'module' })())).toBeUndefined()
    expect(resolveOptions(new (class Options { isolation = 'module' })(), 'mpPlugin()').isolation).toBe('module')
  })
})
