import type { StoreMessage } from '../protocol.js'
import { MP_TAG } from '../protocol.js'

/** The child's end of the store channel, found through a global so every module copy shares it. */
export interface StoreChannel {
  post: (data: unknown) => void
  on: (listener: (data: unknown) => void) => void
  off: (listener: (data: unknown) => void) => void
}

const CHANNEL_KEY = Symbol.for('vitest-pool-mp.store-channel')
type WithChannel = typeof globalThis & { [CHANNEL_KEY]?: StoreChannel & { listeners: Set<(data: unknown) => void> } }

/** Installs the channel in a child process; messages travel over the IPC channel tagged as ours. */
export function installStoreChannel(send: (message: StoreMessage) => void): void {
  const listeners = new Set<(data: unknown) => void>()
  ;(globalThis as WithChannel)[CHANNEL_KEY] = {
    listeners,
    post: data => send({ [MP_TAG]: true, kind: 'store', data }),
    on: listener => listeners.add(listener),
    off: listener => listeners.delete(listener),
  }
}

export function deliverStoreMessage(data: unknown): void {
  ;(globalThis as WithChannel)[CHANNEL_KEY]?.listeners.forEach(listener => listener(data))
}

/** The channel to the main process's store, when this process is an mp child. */
export function getStoreChannel(): StoreChannel | undefined {
  return (globalThis as WithChannel)[CHANNEL_KEY]
}
