/** Every message this package shows a user starts with this prefix. */
export const ERROR_PREFIX = '[vitest-pool-mp]'

/** An error caused by the user's suite or config: the message says what, where, and the fix. */
export class MpError extends Error {
  override name = 'MpError'
  /** The test files the error is about, when it is about some. */
  readonly files: readonly string[]

  constructor(message: string, options?: { cause?: unknown, files?: readonly string[] }) {
    super(`${ERROR_PREFIX} ${message}`, options)
    this.files = options?.files ?? []
  }
}

