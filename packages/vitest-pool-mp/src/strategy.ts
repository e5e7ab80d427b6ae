/**
 * How a group's tests may run in parallel (pytest-mp's strategies).
 * - `free`: every test in its own fresh worker, in parallel with anything.
 * - `serial`: the whole group in one fresh worker, in file order.
 * - `isolated_free`: like `free`, but no other group's test runs meanwhile.
 * - `isolated_serial`: like `serial`, and alone in time.
 */
export type Strategy = 'free' | 'serial' | 'isolated_free' | 'isolated_serial'

/** The strategies in the order their groups run: isolated_serial first, free last. */
export const STRATEGIES: readonly Strategy[] = ['isolated_serial', 'isolated_free', 'serial', 'free']

export const DEFAULT_STRATEGY: Strategy = 'free'

export function isStrategy(value: unknown): value is Strategy {
  return typeof value === 'string' && (STRATEGIES as readonly string[]).includes(value)
}

export function isIsolated(strategy: Strategy): boolean {
  return strategy === 'isolated_free' || strategy === 'isolated_serial'
}

export function isSerial(strategy: Strategy): boolean {
  return strategy === 'serial' || strategy === 'isolated_serial'
}
