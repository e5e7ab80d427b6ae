import type { GroupMark } from '../group-mark.js'
import type { Strategy } from '../strategy.js'
import type { describe as vitestDescribe } from 'vitest'
import type {} from '../group-mark.js'

type SuiteFactory = () => void | Promise<void>
type VitestDescribe = typeof vitestDescribe

/** `describe.mpGroup({ group, strategy }, fn)`: the object form. */
export interface MpGroupSpec {
  /** The group's name; the suite is titled with it. */
  group: string
  /** How the group's tests run; the first strategy given to a group wins. @default 'free' */
  strategy?: Strategy
}

/** `describe.mpGroup`: a suite whose tests all belong to one group. */
export interface MpGroupDescribe {
  (group: string, factory: SuiteFactory): void
  (group: string, strategy: Strategy, factory: SuiteFactory): void
  (spec: MpGroupSpec, factory: SuiteFactory): void
}

/** Vitest's `describe` with `describe.mpGroup`. */
export type MpDescribe = VitestDescribe & { mpGroup: MpGroupDescribe }

// Declarations are numbered from 1 in each test file (the pool's setup file attaches `mpGroup`
// before every file it runs), so a file's collected tree, whose meta reporters show, is the same in
// every worker and every run.
let declarations = 0

/**
 * Test or suite options that put a test, or every test of a suite, into a group.
 *
 * @example
 * describe('Title', mpGroup('Db'), () => { ... })            // joins group Db
 * test('single', mpGroup('Db', 'isolated_serial'), () => { ... })
 */
export function mpGroup(group: string, strategy?: Strategy): { meta: { mpGroup: GroupMark } } {
  const mark: GroupMark = { name: String(group), decl: String(++declarations) }
  if (strategy !== undefined) {
    mark.strategy = strategy
  }
  return { meta: { mpGroup: mark } }
}

function createMpGroupDescribe(describe: VitestDescribe): MpGroupDescribe {
  return ((first: string | MpGroupSpec, second: Strategy | SuiteFactory, third?: SuiteFactory) => {
    const spec = typeof first === 'object' && first !== null
      ? first
      : { group: first, strategy: typeof second === 'function' ? undefined : second }
    const factory = typeof second === 'function' ? second : third
    if (typeof factory !== 'function') {
      throw new TypeError(`[vitest-pool-mp] describe.mpGroup("${spec.group}") needs a suite function as its last argument.`)
    }
    describe(spec.group, mpGroup(spec.group, spec.strategy), factory)
  }) as MpGroupDescribe
}

/** Adds `mpGroup` to Vitest's `describe`, once; returns it typed. Called before each test file. */
export function attachMpGroup(describe: VitestDescribe): MpDescribe {
  declarations = 0
  const target = describe as MpDescribe
  if (typeof target.mpGroup !== 'function') {
    Object.defineProperty(target, 'mpGroup', { value: createMpGroupDescribe(describe), configurable: true })
  }
  return target
}
