import type { MpLock, MpMessageBoard, MpTrail } from '../store/store-client.js'
import { test } from 'vitest'
import { mpLock, mpMessageBoard, mpTrail } from './shared-state.js'

/** The fixtures `mpTest` adds to Vitest's test context. */
export interface MpFixtures {
  /** The run-wide lock, `mpLock()` (pytest-mp's `mp_lock` fixture). */
  mpLock: MpLock
  /** The run's shared dictionary, `mpMessageBoard()` (pytest-mp's `mp_message_board`). */
  mpMessageBoard: MpMessageBoard
  /** `mpTrail(name, phase?, callback)` (pytest-mp's `mp_trail`). */
  mpTrail: MpTrail
}

/**
 * Vitest's `test` with the shared-state fixtures, for those who prefer fixtures to imports.
 * Extend it further with `mpTest.extend({...})`.
 *
 * @example
 * import { mpTest } from 'vitest-pool-mp/runtime'
 * mpTest('counts', async ({ mpLock, mpMessageBoard }) => {
 *   await mpLock.runExclusive(async () => {
 *     await mpMessageBoard.set('n', ((await mpMessageBoard.get<number>('n')) ?? 0) + 1)
 *   })
 * })
 */
export const mpTest = test.extend<MpFixtures>({
  // Vitest reads the fixture's dependencies from the first parameter's destructuring: none here.
  // eslint-disable-next-line no-empty-pattern
  mpLock: async ({}, use) => { await use(mpLock()) },
  // eslint-disable-next-line no-empty-pattern
  mpMessageBoard: async ({}, use) => { await use(mpMessageBoard()) },
  // eslint-disable-next-line no-empty-pattern
  mpTrail: async ({}, use) => { await use(mpTrail) },
})
