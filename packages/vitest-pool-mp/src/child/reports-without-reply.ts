// Each wait for a void report is a round trip to a main process busy with other workers: four of
// them per batch, between one test's end and the next one's begin in a warm worker, and in every
// fresh process. The channel keeps the reports in order, and main handles them in that order.

import type { Answer } from './birpc-wire.js'
import { REPORTS_WITHOUT_REPLY } from '../protocol.js'
import { isCall } from './birpc-wire.js'
import { ownQueueMicrotask } from './own-builtins.js'

/**
 * Sends one of Vitest's void reports as a birpc event and answers the worker at once (through
 * `deliver`, in a microtask, or when `answerLater` calls back). Returns false for any other
 * message, which the caller sends as it is.
 */
export function sendWithoutReply(
  message: unknown,
  send: (message: unknown) => void,
  deliver: (answer: Answer) => void,
  answerLater: (callback: () => void) => void = ownQueueMicrotask,
): boolean {
  if (!isCall(message) || message.i === undefined || !REPORTS_WITHOUT_REPLY.has(message.m)) {
    return false
  }
  const { i, ...event } = message
  send(event)
  answerLater(() => deliver({ t: 's', i }))
  return true
}
