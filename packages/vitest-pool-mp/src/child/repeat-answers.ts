// A warm worker (isolation: 'module') loads the same setup file and test files batch after batch,
// and Vitest invalidates them before each load, so every batch asked main again, and waited for
// it, to resolve and fetch each of them: four round trips to a busy main process between one
// test and the next. Within one worker's life the answers cannot change (Vitest's own rule:
// "if a module is invalidated, the worker is recreated"), so the second ask is answered here.
// Main also sends, ahead of a request, what workers of the same files asked before (seed): a fresh
// worker then boots without a round trip for its setup file, its test file or their imports.

import type { Answer } from './birpc-wire.js'
import { REPEATABLE_CALLS, repeatableCallKey } from '../protocol.js'
import { isAnswer, isCall } from './birpc-wire.js'
import { ownQueueMicrotask, ownStructuredClone } from './own-builtins.js'

/**
 * Sits between Vitest's worker and the IPC channel. `outgoing` returns false for a call it
 * answered itself (through `deliver`); `incoming` learns the answers main gives.
 */
export class RepeatAnswers {
  private readonly answers = new Map<string, unknown>()
  private readonly pending = new Map<string, string>()
  private readonly seeded = new Set<string>()
  private readonly seedsUsed = new Set<string>()

  constructor(private readonly deliver: (message: Answer) => void) {}

  /** Whether the message must still go to main. */
  outgoing(message: unknown): boolean {
    if (!isCall(message) || message.i === undefined || !REPEATABLE_CALLS.has(message.m)) {
      return true
    }
    const key = repeatableCallKey(message.m, message.a)
    if (key === undefined) {
      return true
    }
    if (this.answers.has(key)) {
      if (this.seeded.delete(key)) {
        this.seedsUsed.add(key)
      }
      const answer: Answer = { t: 's', i: message.i, r: ownStructuredClone(this.answers.get(key)) }
      ownQueueMicrotask(() => this.deliver(answer))
      return false
    }
    this.pending.set(message.i, key)
    return true
  }

  /** Answers main sent ahead of any ask, each a copy of its own (fresh from the channel). */
  seed(answers: readonly (readonly [key: string, answer: unknown])[]): void {
    for (const [key, answer] of answers) {
      this.answers.set(key, answer)
      this.seeded.add(key)
    }
  }

  /** The seeded answers the worker used since the last call, each reported once. */
  takeSeedsUsed(): string[] {
    const used = [...this.seedsUsed]
    this.seedsUsed.clear()
    return used
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
      this.answers.set(key, ownStructuredClone(message.r))
    }
  }
}
