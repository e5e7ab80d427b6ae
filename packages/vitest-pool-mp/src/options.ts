import type { z as Zod } from 'zod'
import { createRequire } from 'node:module'
import { MpError } from './errors.js'

/** Options of the mp pool, given to `mpPlugin(options)` or `mpPool(options)`. */
export interface MpPoolOptions {
  /**
   * How tests outside any group run.
   * - `'free'`: each in its own fresh worker, as pytest-mp does.
   * - `'file'`: each file's ungrouped tests together in one fresh worker, so a suite of plain
   *   unit tests starts no more processes than Vitest's `forks` pool.
   * @default 'free'
   */
  ungrouped?: 'free' | 'file'
  /**
   * Extra time, in milliseconds, the watchdog allows a worker that shows no progress beyond the
   * larger of `testTimeout` and `hookTimeout` (or a longer timeout a test or a before or around
   * hook of its batch sets) before it kills the worker as hung. `false` turns the watchdog off.
   * @default 10_000
   */
  watchdogGrace?: number | false
  /**
   * What a batch gets fresh.
   * - `'process'`: a new worker process per batch: everything is fresh (pytest-mp's fresh session).
   * - `'module'`: batches run one after another in one warm worker process per `maxWorkers` slot.
   *   Before each batch Vitest re-evaluates the test file and every module it transforms (your
   *   source), so module-level code, `beforeAll`/`afterAll` and fixtures run again; globals,
   *   `process.env`, dependencies loaded from node_modules and native addons are shared with the
   *   batches that ran before in that process. Much cheaper for many small free tests.
   * @default 'process'
   */
  isolation?: 'process' | 'module'
  /**
   * Whether a file whose source shows that one worker runs it whole (all its runnable tests in one
   * serial or isolated_serial group declared there, a single test, or `ungrouped: 'file'`) skips the collect pass; its
   * worker collects it and the pool checks the tree before any test starts. `false` collects every
   * file first, for groups declared only by helper code and shared between files.
   * @default true
   */
  staticPlan?: boolean
}

/** {@link MpPoolOptions} with every default filled in. */
export interface ResolvedMpPoolOptions {
  ungrouped: 'free' | 'file'
  watchdogGrace: number | false
  isolation: 'process' | 'module'
  staticPlan: boolean
}

const DEFAULTS: ResolvedMpPoolOptions = { ungrouped: 'free', watchdogGrace: 10_000, isolation: 'process', staticPlan: true }
/** The values of the enumerated options, for the quick check and the zod schema alike. */
const UNGROUPED = ['free', 'file'] as const satisfies readonly ResolvedMpPoolOptions['ungrouped'][]
const ISOLATION = ['process', 'module'] as const satisfies readonly ResolvedMpPoolOptions['isolation'][]

/**
 * What each option accepts. Valid options in a plain object are taken as they are: zod, which
 * costs about 40 ms of CPU to load, on the path of every run's start, is loaded only to word a
 * refusal (or to judge an object that is not plain). test/unit/options.test.ts checks that this
 * table and the zod schema agree.
 */
const ACCEPTS: { [K in keyof ResolvedMpPoolOptions]: (value: unknown) => boolean } = {
  ungrouped: value => (UNGROUPED as readonly unknown[]).includes(value),
  watchdogGrace: value => value === false || (Number.isFinite(value) && (value as number) >= 0),
  isolation: value => (ISOLATION as readonly unknown[]).includes(value),
  staticPlan: value => typeof value === 'boolean',
}

let optionsSchema: ReturnType<typeof createSchema> | undefined

function createSchema(z: typeof Zod) {
  return z.strictObject({
    ungrouped: z.enum(UNGROUPED).default(DEFAULTS.ungrouped),
    watchdogGrace: z.union([z.number().nonnegative(), z.literal(false)]).default(DEFAULTS.watchdogGrace),
    isolation: z.enum(ISOLATION).default(DEFAULTS.isolation),
    staticPlan: z.boolean().default(DEFAULTS.staticPlan),
  })
}

/** Validates options at the edge: an unknown key or a wrong value is refused with the path, the value and what is accepted. */
export function resolveOptions(input: unknown, where: string): ResolvedMpPoolOptions {
  if (input === undefined) {
    return { ...DEFAULTS }
  }
  return acceptPlainOptions(input) ?? checkWithZod(input, where)
}

/** The resolved options when `input` is a plain object of known keys with accepted values; otherwise `undefined`. */
export function acceptPlainOptions(input: unknown): ResolvedMpPoolOptions | undefined {
  if (typeof input !== 'object' || input === null || Object.getPrototypeOf(input) !== Object.prototype) {
    return undefined
  }
  const given = input as Record<string, unknown>
  const resolved: Record<string, unknown> = { ...DEFAULTS }
  for (const key of Object.keys(given)) {
    const accepts = Object.hasOwn(ACCEPTS, key) ? ACCEPTS[key as keyof ResolvedMpPoolOptions] : undefined
    const value = given[key]
    if (!accepts || (value !== undefined && !accepts(value))) {
      return undefined
    }
    if (value !== undefined) {
      resolved[key] = value
    }
  }
  return resolved as unknown as ResolvedMpPoolOptions
}

/** Judges `input` with the zod schema, and words every problem it finds. */
export function checkWithZod(input: unknown, where: string): ResolvedMpPoolOptions {
  optionsSchema ??= createSchema((createRequire(import.meta.url)('zod') as { z: typeof Zod }).z)
  const parsed = optionsSchema.safeParse(input ?? {})
  if (parsed.success) {
    return parsed.data
  }
  const problems = parsed.error.issues.map((issue) => {
    const path = issue.path.length ? issue.path.join('.') : '(options)'
    const value = issue.path.length ? valueAt(input, issue.path) : input
    return `  - ${path}: ${issue.message} (got ${describeValue(value)})`
  })
  throw new MpError(
    `Invalid options passed to ${where}:\n${problems.join('\n')}\n`
    + `Accepted: { ungrouped?: 'free' | 'file', watchdogGrace?: number (ms, >= 0) | false, isolation?: 'process' | 'module', staticPlan?: boolean }.`,
  )
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value: unknown = input
  for (const key of path) {
    if (value == null || typeof value !== 'object') {
      return undefined
    }
    value = (value as Record<PropertyKey, unknown>)[key]
  }
  return value
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value)
  }
  if (typeof value === 'function') {
    return 'a function'
  }
  // JSON has no NaN or Infinity: it would show them as null.
  if (typeof value === 'number' || typeof value === 'bigint') {
    return String(value)
  }
  try {
    return JSON.stringify(value) ?? String(value)
  }
  catch {
    return String(value)
  }
}
