import { describe, expect, test } from 'vitest-pool-mp/runtime'
import { insert, rows, useSharedDatabase } from './database'

describe.mpGroup('Orders', 'serial', () => {
  useSharedDatabase()

  test('places an order', async () => {
    await insert('order:1')
    expect(await rows()).toContain('order:1')
  })
})
