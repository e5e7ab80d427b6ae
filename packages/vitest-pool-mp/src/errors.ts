/** Every message this package shows a user starts with this prefix. */
export const ERROR_PREFIX = '[vitest-pool-mp]'

/** An error caused by the user's suite or config: the message says what, where, and the fix. */
export class MpError extends Error {
  override name = 'MpError'

  constructor(message: string, options?: { cause?: unknown }) {
    super(`${ERROR_PREFIX} ${message}`, options)
  }
}

/** Joins several errors found in one pass into one, so the user sees them all at once. */
export function combineErrors(errors: MpError[]): MpError {
  if (errors.length === 1) {
    return errors[0]!
  }
  const body = errors.map(error => error.message).join('\n\n')
  return new MpError(`${errors.length} problems stop this run:\n\n${body}`)
}
