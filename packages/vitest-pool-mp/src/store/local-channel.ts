import type { StoreChannel } from '../child/store-channel.js'
import { setImmediate } from 'node:timers'
import { deserialize, serialize } from 'node:v8'
import { StoreServer } from './store-server.js'

/** A channel joined to `server` inside this process; `close` detaches it as a dying worker would. */
export interface LoopbackChannel extends StoreChannel {
  close: () => void
}

/**
 * Connects to a store served in this process. Messages are copied with the serializer the IPC
 * channel uses and delivered asynchronously, so values behave exactly as they do across processes.
 * They go by `node:timers`' setImmediate, which `vi.useFakeTimers()` leaves alone (it fakes the global).
 */
export function connectLoopback(server: StoreServer, worker: { pid: number, label: string }): LoopbackChannel {
  const clientListeners = new Set<(data: unknown) => void>()
  let serverListener: ((data: unknown) => void) | undefined
  let open = true
  const copy = (data: unknown): unknown => deserialize(serialize(data))
  const detach = server.attach({
    ...worker,
    send: (data) => {
      const copied = copy(data)
      setImmediate(() => open && clientListeners.forEach(listener => listener(copied)))
    },
    onMessage: (listener) => { serverListener = listener },
  })
  return {
    post: (data) => {
      const copied = copy(data)
      setImmediate(() => open && serverListener?.(copied))
    },
    on: (listener) => { clientListeners.add(listener) },
    off: (listener) => { clientListeners.delete(listener) },
    close: () => {
      open = false
      detach()
    },
  }
}

/** The store of a run outside the mp pool (pytest-mp without --mp): served inside this process. */
export function createLocalChannel(): StoreChannel {
  return connectLoopback(new StoreServer(), { pid: process.pid, label: 'this process' })
}
