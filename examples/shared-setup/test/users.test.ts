import { describe, expect, test } from 'vitest-pool-mp/runtime'
import { insert, rows, useSharedDatabase } from './database'

describe.mpGroup('Users', 'serial', () => {
  useSharedDatabase()

  test('adds a user', async () => {
    await insert('user:ada')
    expect(await rows()).toContain('user:ada')
  })

  test('adds another', async () => {
    await insert('user:grace')
    expect(await rows()).toEqual(expect.arrayContaining(['user:ada', 'user:grace']))
  })
})
