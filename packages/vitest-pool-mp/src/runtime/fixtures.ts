import type { TestAPI } from 'vitest'
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
export const mpTest: MpTestAPI = lazy(() => test.extend<MpFixtures>({
  // Vitest reads the fixture's dependencies from the first parameter's destructuring: none here.
  // eslint-disable-next-line no-empty-pattern
  mpLock: async ({}, use) => { await use(mpLock()) },
  // eslint-disable-next-line no-empty-pattern
  mpMessageBoard: async ({}, use) => { await use(mpMessageBoard()) },
  // eslint-disable-next-line no-empty-pattern
  mpTrail: async ({}, use) => { await use(mpTrail) },
}))

/** Vitest's `test`, typed with the shared-state fixtures. */
export type MpTestAPI = TestAPI<MpFixtures>

/**
 * `test.extend` needs a test file being collected; built on first use, `mpTest` lets this module be
 * imported anywhere (a helper shared with a global setup, say) without failing at import.
 */
function lazy(create: () => MpTestAPI): MpTestAPI {
  let made: MpTestAPI | undefined
  const get = () => made ??= create()
  return new Proxy((() => {}) as unknown as MpTestAPI, {
    apply: (_target, thisArg, args) => Reflect.apply(get(), thisArg, args),
    get: (_target, property) => Reflect.get(get(), property),
    has: (_target, property) => Reflect.has(get(), property),
  })
}
