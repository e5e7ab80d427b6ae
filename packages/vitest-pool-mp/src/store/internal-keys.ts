/**
 * Board keys the pool itself uses (the source an inline snapshot was written against). They are
 * shared like any other key, but a user's `keys()` does not list them.
 */
export const INTERNAL_BOARD_PREFIX = '\u0000vitest-pool-mp:'
