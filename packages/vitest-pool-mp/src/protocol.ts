/**
 * Everything that crosses the process boundary between the main process and a child worker,
 * besides Vitest's own lifecycle requests and birpc traffic, which pass through unchanged.
 * Our messages carry MP_TAG so the two streams never mix on the one IPC channel.
 */
export const MP_TAG = '__vitest_pool_mp__'

/** Set in every child's environment so the runtime API knows it can reach the main process. */
export const CHILD_ENV_FLAG = 'VITEST_POOL_MP_CHILD'

/** The task Tinypool hands the child entry. */
export interface ChildTask {
  /** A description of the batch, for messages from the child. */
  label: string
}

/** What the child entry resolves with once Vitest's worker has stopped. */
export interface ChildTaskResult {
  pid: number
}

/** Child to main: the child is listening; `pid` identifies its process. */
export interface ReadyMessage {
  [MP_TAG]: true
  kind: 'ready'
  pid: number
}

/** Either way: one birpc message of the shared-state store. */
export interface StoreMessage {
  [MP_TAG]: true
  kind: 'store'
  data: unknown
}

export type MpMessage = ReadyMessage | StoreMessage

export function isMpMessage(message: unknown): message is MpMessage {
  return typeof message === 'object' && message !== null && (message as Record<string, unknown>)[MP_TAG] === true
}
