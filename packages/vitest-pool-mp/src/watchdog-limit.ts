/**
 * How long a worker may stay silent before the watchdog kills it: the longest timeout that can
 * legitimately pass without a word (Vitest's testTimeout and hookTimeout, and every per-test
 * timeout of the batch) plus the grace. `false` when any of them is 0 (no timeout) or the grace
 * is `false`: then nothing can say the worker hangs.
 */
export function watchdogLimit(timeouts: readonly (number | undefined)[], grace: number | false): number | false {
  const known = timeouts.filter((timeout): timeout is number => timeout !== undefined)
  if (grace === false || known.length === 0 || known.some(timeout => !timeout)) {
    return false
  }
  return Math.max(...known) + grace
}

/**
 * The limit once what a batch's worker reports (its hooks' own timeouts) is allowed too: the
 * longer of the two, `false` (no watchdog) when either is.
 */
export function raisedLimit(current: number | false, allowing: number | false): number | false {
  return current === false || allowing === false ? false : Math.max(current, allowing)
}
