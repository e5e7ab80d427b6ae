import { serialize } from 'node:v8'
import { describeValue } from '../described-value.js'
import { MpError } from '../errors.js'
import { MAX_VALUE_BYTES } from './store-rpc.js'

/**
 * Checks, in the worker that writes it, that a board value can travel: it must survive structured
 * clone (the channel's serialization), and stay under MAX_VALUE_BYTES. A refused value never reaches
 * the channel, so other tests and workers are not disturbed by it.
 */
export function checkBoardValue(call: string, key: string, value: unknown): void {
  let bytes: number
  try {
    bytes = serialize(value).byteLength
  }
  catch (error) {
    const reason = firstLine(error instanceof Error ? error.message : String(error))
    throw new MpError(
      `${call}("${key}") refused the value (${describeValue(value)}): it cannot be copied to other workers by structured clone (${reason}). `
      + 'Store plain data (objects, arrays, strings, numbers, Map, Set, Date, typed arrays), not functions, class behaviour, sockets or handles.',
    )
  }
  if (bytes > MAX_VALUE_BYTES) {
    throw new MpError(
      `${call}("${key}") refused the value: it is ${formatMiB(bytes)} serialized, over the board's limit of ${formatMiB(MAX_VALUE_BYTES)}. `
      + 'Share a path to a file instead, and put large data there.',
    )
  }
}

function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? ''
  return line.length > 120 ? `${line.slice(0, 117)}...` : line
}

function formatMiB(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`
}
