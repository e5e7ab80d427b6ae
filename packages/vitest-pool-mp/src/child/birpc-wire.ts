// birpc's wire format, which Vitest's runtime RPC speaks over the channel the pool gives it.

/** A call; without `i` it is an event, which gets no answer. */
export interface Call { t: 'q', m: string, a: unknown[], i?: string }

/** The answer to the call `i`: its result `r` or its error `e`. */
export interface Answer { t: 's', i: string, r?: unknown, e?: unknown }

export function isCall(message: unknown): message is Call {
  return typeof message === 'object' && message !== null && (message as Call).t === 'q' && typeof (message as Call).m === 'string' && Array.isArray((message as Call).a)
}

export function isAnswer(message: unknown): message is Answer {
  return typeof message === 'object' && message !== null && (message as Answer).t === 's' && typeof (message as Answer).i === 'string'
}
