/** The longest delay Node's timers take: a longer one overflows and fires after 1 ms, with a warning. */
export const LONGEST_TIMER_MS = 2 ** 31 - 1

/**
 * A user-given delay as a timer can take it: at most about 24.8 days. Where the delay is a limit
 * the timer's callback checks again (the watchdog), the clamp only makes it look sooner.
 */
export function timerDelay(ms: number): number {
  return Math.min(ms, LONGEST_TIMER_MS)
}
