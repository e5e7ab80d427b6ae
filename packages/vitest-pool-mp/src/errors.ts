/** Every message this package shows a user starts with this prefix. */
export const ERROR_PREFIX = '[vitest-pool-mp]'

/** An error caused by the user's suite or config: the message says what, where, and the fix. */
export class MpError extends Error {
  override name = 'MpError'
  // Private: Vitest prints an error's own fields after it, and this one is the pool's.
  readonly #files: readonly string[]

  constructor(message: string, options?: { cause?: unknown, files?: readonly string[] }) {
    super(`${ERROR_PREFIX} ${message}`, options)
    this.#files = options?.files ?? []
  }

  /** The test files the error is about, when it is about some. */
  get files(): readonly string[] {
    return this.#files
  }
}

/** An MpError without the pool's frames below its message, which is what the user acts on. */
export function withoutFrames(error: MpError): MpError {
  error.stack = `${error.name}: ${error.message}`
  return error
}
