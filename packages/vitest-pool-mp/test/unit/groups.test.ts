import type { GroupDeclaration } from '../../src/test-tree.js'
import { describe, expect, test } from 'vitest'
import { resolveGroups } from '../../src/groups.js'

function decl(group: string, strategy: string | undefined, file = '/p/a.test.ts', line?: number, nestedIn?: GroupDeclaration['nestedIn']): GroupDeclaration {
  return { group, strategy, file, line, ...(nestedIn && { nestedIn }) }
}

describe('resolveGroups', () => {
  test('the first strategy given to a group wins', () => {
    const { strategies, errors } = resolveGroups([
      decl('Db', undefined, '/p/a.test.ts', 1),
      decl('Db', 'serial', '/p/a.test.ts', 5),
      decl('Db', 'serial', '/p/b.test.ts', 3),
    ])
    expect(errors).toEqual([])
    expect(strategies.get('Db')).toBe('serial')
  })

  test('a later declaration without a strategy joins the group', () => {
    const { strategies, errors } = resolveGroups([
      decl('Db', 'isolated_serial', '/p/a.test.ts', 1),
      decl('Db', undefined, '/p/b.test.ts', 7),
    ])
    expect(errors).toEqual([])
    expect(strategies.get('Db')).toBe('isolated_serial')
  })

  test('a group no declaration gives a strategy to is free', () => {
    const { strategies, errors } = resolveGroups([decl('Loose', undefined), decl('Loose', undefined, '/p/b.test.ts')])
    expect(errors).toEqual([])
    expect(strategies.get('Loose')).toBe('free')
  })

  test('each group keeps its own strategy', () => {
    const { strategies } = resolveGroups([
      decl('A', 'serial'),
      decl('B', 'isolated_free'),
      decl('C', 'free'),
    ])
    expect(Object.fromEntries(strategies)).toEqual({ A: 'serial', B: 'isolated_free', C: 'free' })
  })

  test('conflicting strategies in one file: error names the group, both strategies, every line and the valid choices', () => {
    const { errors } = resolveGroups([
      decl('Db', 'serial', '/p/a.test.ts', 3),
      decl('Db', 'free', '/p/a.test.ts', 12),
    ])
    expect(errors).toHaveLength(1)
    const message = errors[0]!.message
    expect(message.startsWith('[vitest-pool-mp] ')).toBe(true)
    expect(message).toContain('"Db"')
    expect(message).toContain('"serial" at /p/a.test.ts:3')
    expect(message).toContain('"free" at /p/a.test.ts:12')
    expect(message).toContain('isolated_serial, isolated_free, serial, free')
  })

  test('conflicting strategies across two files: every file:line is named, formatted with formatFile', () => {
    const { errors, strategies } = resolveGroups([
      decl('Db', 'serial', '/p/a.test.ts', 3),
      decl('Db', undefined, '/p/b.test.ts', 4),
      decl('Db', 'isolated_free', '/p/c.test.ts', 9),
    ], file => file.replace('/p/', ''))
    expect(errors).toHaveLength(1)
    const message = errors[0]!.message
    expect(message).toMatch(/^\[vitest-pool-mp\] /)
    expect(message).toContain('"Db"')
    expect(message).toContain('"serial" at a.test.ts:3')
    expect(message).toContain('"isolated_free" at c.test.ts:9')
    expect(message).toContain('isolated_serial, isolated_free, serial, free')
    expect(message).not.toContain('/p/')
    // The first strategy still wins, so planning (were it to go on) is deterministic.
    expect(strategies.get('Db')).toBe('serial')
  })

  test('the same strategy given twice is no conflict', () => {
    const { errors } = resolveGroups([decl('Db', 'serial', '/p/a.test.ts', 1), decl('Db', 'serial', '/p/b.test.ts', 1)])
    expect(errors).toEqual([])
  })

  test('a misspelt strategy is an error naming the group, the value, the place and the valid choices', () => {
    const { errors, strategies } = resolveGroups([decl('Db', 'seriall', '/p/a.test.ts', 8)])
    expect(errors).toHaveLength(1)
    const message = errors[0]!.message
    expect(message).toMatch(/^\[vitest-pool-mp\] /)
    expect(message).toContain('"Db"')
    expect(message).toContain('"seriall"')
    expect(message).toContain('/p/a.test.ts:8')
    expect(message).toContain('isolated_serial, isolated_free, serial, free')
    expect(strategies.get('Db')).toBe('free')
  })

  test('a misspelt strategy does not count as a conflicting one', () => {
    const { errors, strategies } = resolveGroups([decl('Db', 'serial', '/p/a.test.ts', 1), decl('Db', 'Serial', '/p/a.test.ts', 9)])
    expect(errors).toHaveLength(1)
    expect(errors[0]!.message).toContain('unknown strategy "Serial"')
    expect(strategies.get('Db')).toBe('serial')
  })

  test('a declaration without a line is placed by its file alone', () => {
    const { errors } = resolveGroups([decl('Db', 'nope', '/p/a.test.ts', undefined)])
    expect(errors[0]!.message).toContain('at /p/a.test.ts.')
  })

  test('a nested group is an error naming the inner group, the outer group and both lines', () => {
    const { errors } = resolveGroups([
      decl('Outer', 'serial', '/p/a.test.ts', 2),
      decl('Inner', 'free', '/p/a.test.ts', 5, { group: 'Outer', line: 2 }),
    ])
    expect(errors).toHaveLength(1)
    const message = errors[0]!.message
    expect(message).toMatch(/^\[vitest-pool-mp\] /)
    expect(message).toContain('Group "Inner" at /p/a.test.ts:5')
    expect(message).toContain('inside group "Outer" (/p/a.test.ts:2)')
  })

  test('a group nested in itself is fine', () => {
    // analyzeFile leaves `nestedIn` out when the outer group has the same name.
    const { errors, strategies } = resolveGroups([
      decl('Db', 'serial', '/p/a.test.ts', 2),
      decl('Db', undefined, '/p/a.test.ts', 5),
    ])
    expect(errors).toEqual([])
    expect(strategies.get('Db')).toBe('serial')
  })

  test('all errors of a run are found together', () => {
    const { errors } = resolveGroups([
      decl('A', 'serial', '/p/a.test.ts', 1),
      decl('A', 'free', '/p/b.test.ts', 1),
      decl('B', 'bogus', '/p/a.test.ts', 10),
      decl('C', 'free', '/p/c.test.ts', 4, { group: 'D', line: 2 }),
      decl('D', 'serial', '/p/c.test.ts', 2),
      decl('E', 'serial', '/p/d.test.ts', 1),
    ])
    expect(errors).toHaveLength(3)
    expect(errors.map(error => error.message)).toEqual([
      expect.stringContaining('Group "A" is given 2 different strategies'),
      expect.stringContaining('Group "B" has an unknown strategy "bogus"'),
      expect.stringContaining('Group "C" at /p/c.test.ts:4 is declared inside group "D"'),
    ])
    errors.forEach(error => expect(error.name).toBe('MpError'))
  })

  test('no declarations: no groups, no errors', () => {
    const { strategies, errors } = resolveGroups([])
    expect(strategies.size).toBe(0)
    expect(errors).toEqual([])
  })
})
