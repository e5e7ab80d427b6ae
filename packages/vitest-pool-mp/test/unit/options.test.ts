import { describe, expect, test } from 'vitest'
import { resolveOptions } from '../../src/options.js'

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
    [1.5, '1.5'],
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
