import { describe as vitestDescribe } from 'vitest'
import { attachMpGroup } from './groups.js'

export { expect, it, test } from 'vitest'
export { mpGroup } from './groups.js'
export type { MpDescribe, MpGroupDescribe, MpGroupOptions, MpGroupSpec } from './groups.js'
export type { Strategy } from '../strategy.js'

/**
 * Vitest's `describe`, typed with `describe.mpGroup(name, strategy?, fn)`.
 *
 * @example
 * import { describe, test } from 'vitest-pool-mp/runtime'
 * describe.mpGroup('Db', 'isolated_serial', () => { test('migrates', ...) })
 */
export const describe = attachMpGroup(vitestDescribe)

export { mpLock, mpMessageBoard, mpTrail } from './shared-state.js'
export type { LockOptions, MpLock, MpMessageBoard, MpTrail, TrailCallback, TrailPhase } from './shared-state.js'
export { mpTest } from './fixtures.js'
export type { MpFixtures, MpTestAPI } from './fixtures.js'
