import type { LockOptions } from './store-client.js'
import { describeValue } from '../described-value.js'
import { MpError } from '../errors.js'

/**
 * Keys and names are strings: they name the same entry, lock or trail in every worker (`42` and
 * `'42'` would otherwise be one, and an object would name nothing another worker can repeat).
 */
export function checkName(call: string, what: 'key' | 'name', value: unknown): asserts value is string {
  if (typeof value !== 'string') {
    throw new MpError(`${call} takes a string ${what}, got ${describeValue(value)}.`)
  }
  // As a group's: an empty name is more likely a variable left unset than a choice.
  if (what === 'name' && value === '') {
    const runWide = call === 'mpLock' ? ' Leave the name out for the run-wide lock (mpLock()).' : ''
    throw new MpError(`${call} takes a non-empty name, got "".${runWide}`)
  }
}

/** A lock wait's options: `timeout` is a number of milliseconds, 0 or more (`Infinity` waits as if left out), or left out. */
export function checkLockOptions(call: string, options: unknown): asserts options is LockOptions | undefined {
  if (options === undefined) {
    return
  }
  if (typeof options !== 'object' || options === null) {
    throw new MpError(`${call} takes an options object ({ timeout }), got ${describeValue(options)}.`)
  }
  const { timeout } = options as { timeout?: unknown }
  if (timeout !== undefined && !(typeof timeout === 'number' && timeout >= 0)) {
    throw new MpError(`${call}: timeout must be a number of milliseconds, 0 or more (or left out to wait as long as the test may), got ${typeof timeout === 'number' ? timeout : describeValue(timeout)}.`)
  }
}

export function checkCallback(call: string, value: unknown): asserts value is (...args: never[]) => unknown {
  if (typeof value !== 'function') {
    throw new MpError(`${call} takes a function to run, got ${describeValue(value)}.`)
  }
}
