/** A promise with its resolve function, for Node 20 (no Promise.withResolvers). */
export interface Deferred<T> {
  promise: Promise<T>
  resolve: (value: T) => void
}

export function createDeferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => { resolve = r })
  return { promise, resolve }
}
