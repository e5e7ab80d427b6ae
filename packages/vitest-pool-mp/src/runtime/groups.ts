import type { GroupMark } from '../group-mark.js'
import type { Strategy } from '../strategy.js'
import type { TaskMeta, TestOptions, describe as vitestDescribe } from 'vitest'
import type {} from '../group-mark.js'
import { describeValue } from '../described-value.js'
import { CHILD_SERVICES_KEY } from '../protocol.js'
import { STRATEGIES } from '../strategy.js'

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

/** What `mpGroup()` returns: the test options given, with the group in their `meta`. */
export type MpGroupOptions<Options extends TestOptions = TestOptions> = Omit<Options, 'meta'> & { meta: TaskMeta & { mpGroup: GroupMark } }

/**
 * Test or suite options that put a test, or every test of a suite, into a group. Other test
 * options, `meta` included, go in the last argument: spreading them beside the result would let
 * one `meta` replace the other.
 *
 * @example
 * describe('Title', mpGroup('Db'), () => { ... })            // joins group Db
 * test('single', mpGroup('Db', 'isolated_serial'), () => { ... })
 * test('slow', mpGroup('Db', { timeout: 20_000, meta: { owner: 'me' } }), () => { ... })
 */
export function mpGroup<Options extends TestOptions = TestOptions>(group: string, strategy?: Strategy, options?: Options): MpGroupOptions<Options>
export function mpGroup<Options extends TestOptions = TestOptions>(group: string, options: Options): MpGroupOptions<Options>
export function mpGroup(group: string, strategyOrOptions?: Strategy | TestOptions, options?: TestOptions): MpGroupOptions {
  checkName('mpGroup', group)
  const isOptions = typeof strategyOrOptions === 'object' && strategyOrOptions !== null
  if (!isOptions) {
    checkStrategy('mpGroup', group, strategyOrOptions)
  }
  const strategy = isOptions ? undefined : strategyOrOptions
  const rest = (isOptions ? strategyOrOptions : options) ?? {}
  const mark: GroupMark = { name: group, decl: String(++declarations) }
  if (strategy !== undefined) {
    mark.strategy = strategy
  }
  return { ...rest, meta: { ...rest.meta, mpGroup: mark } }
}

function createMpGroupDescribe(describe: VitestDescribe): MpGroupDescribe {
  return ((first: string | MpGroupSpec, second: Strategy | SuiteFactory, third?: SuiteFactory) => {
    const spec = typeof first === 'object' && first !== null
      ? first
      : { group: first, strategy: typeof second === 'function' ? undefined : second }
    const factory = typeof second === 'function' ? second : third
    if (spec === first) {
      checkSpec(spec, second)
    }
    checkName('describe.mpGroup', spec.group)
    checkStrategy('describe.mpGroup', spec.group, spec.strategy)
    if (typeof factory !== 'function') {
      throw new TypeError(`[vitest-pool-mp] describe.mpGroup("${spec.group}") needs a suite function as its last argument.`)
    }
    describe(spec.group, mpGroup(spec.group, spec.strategy), factory)
  }) as MpGroupDescribe
}

// Groups are matched by name across files: `42` and `'42'` would be one group, and `undefined`
// the group of every declaration that lost its name. Thrown where the test file declares it, so
// the file fails with its line. In the mp pool a strategy string that is not a strategy is main's
// to report (groups.ts), with every other declaration error of the run, before any test runs;
// on another pool (a project whose CI runs `forks`) nothing else would catch the typo.
function checkName(call: string, group: unknown): asserts group is string {
  if (typeof group !== 'string' || group === '') {
    throw new TypeError(`[vitest-pool-mp] ${call} takes the group's name, a non-empty string, first (or { group, strategy } in describe.mpGroup); got ${describeValue(group)}.`)
  }
}

const SPEC_KEYS: readonly string[] = ['group', 'strategy'] satisfies (keyof MpGroupSpec)[]

// The object form in plain JavaScript (or cast): a misspelt key or a strategy given beside the
// object would otherwise leave the group `free`, and its tests would run apart without a word.
function checkSpec(spec: object, second: unknown): void {
  const unknownKeys = Object.keys(spec).filter(key => !SPEC_KEYS.includes(key))
  if (unknownKeys.length > 0) {
    throw new TypeError(`[vitest-pool-mp] describe.mpGroup({ group, strategy }, fn) has no ${unknownKeys.map(key => `"${key}"`).join(', ')} key; its object takes only "group" (the name) and "strategy".`)
  }
  if (typeof second !== 'function' && second !== undefined) {
    const group = JSON.stringify((spec as Partial<MpGroupSpec>).group ?? 'name')
    const strategy = typeof second === 'string' ? JSON.stringify(second) : '\'serial\''
    throw new TypeError(`[vitest-pool-mp] describe.mpGroup({ group, strategy }, fn) takes the suite function right after the object; got ${describeValue(second)} there. Give the strategy in the object: describe.mpGroup({ group: ${group}, strategy: ${strategy} }, fn).`)
  }
}

function checkStrategy(call: string, group: string, strategy: unknown): void {
  if (strategy !== undefined && typeof strategy !== 'string') {
    throw new TypeError(`[vitest-pool-mp] ${call}("${group}") takes a strategy name (${STRATEGIES.map(name => `'${name}'`).join(', ')}), or leave it out for 'free'; got ${describeValue(strategy)}.`)
  }
  if (typeof strategy === 'string' && !(STRATEGIES as readonly string[]).includes(strategy) && !inMpWorker()) {
    throw new TypeError(`[vitest-pool-mp] ${call}("${group}") has an unknown strategy "${strategy}". Use one of: ${STRATEGIES.join(', ')} (or leave it out for "free").`)
  }
}

function inMpWorker(): boolean {
  return (globalThis as Record<symbol, unknown>)[CHILD_SERVICES_KEY] !== undefined
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
