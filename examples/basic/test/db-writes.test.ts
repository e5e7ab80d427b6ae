import { describe, expect, test } from 'vitest-pool-mp/runtime'
import { save, SEED_USERS, users } from './support/fake-db'

// `isolated_serial`: one worker, in order, and nothing else runs meanwhile. No reader in
// db-reads.test.ts can see the database between these steps; the last one restores it.
describe.mpGroup('Database writes', 'isolated_serial', () => {
  test('adds a user', () => {
    save([...users(), { id: 3, name: 'carol' }])
    expect(users()).toHaveLength(3)
  })

  test('renames the user', () => {
    save(users().map(user => user.id === 3 ? { ...user, name: 'caroline' } : user))
    expect(users().find(user => user.id === 3)?.name).toBe('caroline')
  })

  test('removes the user again', () => {
    save(users().filter(user => user.id !== 3))
    expect(users()).toEqual(SEED_USERS)
  })
})
