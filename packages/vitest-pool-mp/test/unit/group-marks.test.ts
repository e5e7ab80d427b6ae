import { describe as vitestDescribe, expect, test } from 'vitest'
import { CHILD_SERVICES_KEY } from '../../src/protocol.js'
import { attachMpGroup, mpGroup } from '../../src/runtime/groups.js'

test('declarations are numbered from 1 in each file, with no process id, so the meta is the same in every run', () => {
  // The pool's setup file attaches mpGroup before each test file.
  attachMpGroup(vitestDescribe)
  expect([mpGroup('A').meta.mpGroup.decl, mpGroup('B', 'serial').meta.mpGroup.decl]).toEqual(['1', '2'])
  attachMpGroup(vitestDescribe)
  expect(mpGroup('C')).toEqual({ meta: { mpGroup: { name: 'C', decl: '1' } } })
})

vitestDescribe('mpGroup', () => {
  test('keeps the strategy as written, for main to check', () => {
    expect(mpGroup('D', 'isolated_free').meta.mpGroup.strategy).toBe('isolated_free')
  })

  test('in an mp worker leaves an unknown strategy to main, which reports every mistake of the run at once; on another pool refuses it where it is declared', () => {
    const describe = attachMpGroup(vitestDescribe)
    expect(() => mpGroup('Db', 'seriall' as 'serial')).toThrow('[vitest-pool-mp] mpGroup("Db") has an unknown strategy "seriall". Use one of: isolated_serial, isolated_free, serial, free (or leave it out for "free").')
    expect(() => describe.mpGroup('Db', 'Serial' as 'serial', () => {})).toThrow('[vitest-pool-mp] describe.mpGroup("Db") has an unknown strategy "Serial".')
    const globals = globalThis as Record<symbol, unknown>
    globals[CHILD_SERVICES_KEY] = {}
    try {
      expect(mpGroup('Db', 'seriall' as 'serial').meta.mpGroup.strategy).toBe('seriall')
    }
    finally {
      delete globals[CHILD_SERVICES_KEY]
    }
  })

  test('refuses a name that is not a non-empty string, and a strategy that is not a string, where they are declared', () => {
    const describe = attachMpGroup(vitestDescribe)
    expect(() => mpGroup(42 as unknown as string)).toThrow('[vitest-pool-mp] mpGroup takes the group\'s name, a non-empty string, first (or { group, strategy } in describe.mpGroup); got a number (42).')
    expect(() => mpGroup('')).toThrow('got an empty string.')
    expect(() => mpGroup(undefined as unknown as string)).toThrow('got undefined.')
    expect(() => mpGroup('N', true as unknown as 'serial')).toThrow('[vitest-pool-mp] mpGroup("N") takes a strategy name (\'isolated_serial\', \'isolated_free\', \'serial\', \'free\'), or leave it out for \'free\'; got a boolean (true).')
    expect(() => mpGroup('N', null as unknown as 'serial')).toThrow('got null.')
    expect(() => describe.mpGroup({} as unknown as { group: string }, () => {})).toThrow('describe.mpGroup takes the group\'s name, a non-empty string, first (or { group, strategy } in describe.mpGroup); got undefined.')
    expect(() => describe.mpGroup({ name: 'x' } as unknown as { group: string }, () => {})).toThrow('[vitest-pool-mp] describe.mpGroup({ group, strategy }, fn) has no "name" key; its object takes only "group" (the name) and "strategy".')
    expect(() => describe.mpGroup({ group: 'x' } as unknown as string, 'serial', () => {})).toThrow('Give the strategy in the object: describe.mpGroup({ group: "x", strategy: "serial" }, fn).')
    expect(() => describe.mpGroup({ group: 'x', strategy: 5 as unknown as 'serial' }, () => {})).toThrow('describe.mpGroup("x") takes a strategy name')
    // Options in the strategy's place are still options.
    expect(mpGroup('N', { retry: 1 }).meta.mpGroup.strategy).toBeUndefined()
  })
})

vitestDescribe('mpGroup with other test options', () => {
  test('keeps them, and merges their meta with the group\'s instead of one replacing the other', () => {
    attachMpGroup(vitestDescribe)
    expect(mpGroup('E', 'serial', { timeout: 5_000, meta: { owner: 'me' } as Record<string, unknown> })).toEqual({
      timeout: 5_000,
      meta: { owner: 'me', mpGroup: { name: 'E', strategy: 'serial', decl: '1' } },
    })
  })

  test('take the strategy\'s place when the group is joined without one', () => {
    attachMpGroup(vitestDescribe)
    expect(mpGroup('F', { retry: 2 })).toEqual({ retry: 2, meta: { mpGroup: { name: 'F', decl: '1' } } })
  })

  test('cannot take the group from the result', () => {
    attachMpGroup(vitestDescribe)
    const options = mpGroup('G', 'free', { meta: { mpGroup: { name: 'other', decl: '9' } } })
    expect(options.meta.mpGroup).toEqual({ name: 'G', strategy: 'free', decl: '1' })
  })
})
