import { describe, expect, test } from 'vitest-pool-mp/runtime'
import { SEED_USERS, users } from './support/fake-db'

// `isolated_free`: each test in its own worker, in parallel with each other, but never while
// a test outside this group runs. So these readers never see the writers' half-done changes.
describe.mpGroup('Database reads', 'isolated_free', () => {
  test('lists the seeded users', () => {
    expect(users()).toEqual(SEED_USERS)
  })

  test('finds alice', () => {
    expect(users().find(user => user.name === 'alice')?.id).toBe(1)
  })
})
