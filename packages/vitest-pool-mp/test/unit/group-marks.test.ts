import { describe as vitestDescribe, expect, test } from 'vitest'
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
})
