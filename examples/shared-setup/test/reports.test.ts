import { describe, expect, test } from 'vitest-pool-mp/runtime'
import { insert, rows, useSharedDatabase } from './database'

describe.mpGroup('Reports', 'serial', () => {
  useSharedDatabase()

  test('the database is there, and keeps what others wrote', async () => {
    await insert('report:daily')
    expect(await rows()).toContain('report:daily')
  })
})
