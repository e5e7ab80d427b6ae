// A warm worker (isolation: 'module') loads the same setup file and test files batch after batch,
// and Vitest invalidates them before each load, so every batch asked main again, and waited for
// it, to resolve and fetch each of them: four round trips to a busy main process between one
// test and the next. Within one worker's life the answers cannot change (Vitest's own rule:
// "if a module is invalidated, the worker is recreated"), so the second ask is answered here.

import type { Answer, Call } from './birpc-wire.js'
import { isAnswer, isCall } from './birpc-wire.js'

/** Runtime calls whose answer depends on their arguments only, for the life of one worker. */
const REPEATABLE = new Set(['resolve', 'fetch', 'resolveSnapshotPath'])

/**
 * Sits between Vitest's worker and the IPC channel. `outgoing` returns false for a call it
 * answered itself (through `deliver`); `incoming` learns the answers main gives.
 */
export class RepeatAnswers {
  private readonly answers = new Map<string, unknown>()
  private readonly pending = new Map<string, string>()

  constructor(private readonly deliver: (message: Answer) => void) {}

  /** Whether the message must still go to main. */
  outgoing(message: unknown): boolean {
    if (!isCall(message) || message.i === undefined || !REPEATABLE.has(message.m)) {
      return true
    }
    const key = callKey(message)
    if (key === undefined) {
      return true
    }
    if (this.answers.has(key)) {
      const answer: Answer = { t: 's', i: message.i, r: structuredClone(this.answers.get(key)) }
      queueMicrotask(() => this.deliver(answer))
      return false
    }
    this.pending.set(message.i, key)
    return true
  }

  incoming(message: unknown): void {
    if (!isAnswer(message)) {
      return
    }
    const key = this.pending.get(message.i)
    if (key === undefined) {
      return
    }
    this.pending.delete(message.i)
    if (message.e === undefined) {
      // A copy: the worker gets the message itself, and the module runner keeps what it is given.
      this.answers.set(key, structuredClone(message.r))
    }
  }
}

function callKey(call: Call): string | undefined {
  try {
    return `${call.m}\0${JSON.stringify(call.a)}`
  }
  catch {
    return undefined
  }
}
