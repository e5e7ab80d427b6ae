// A test may remove the process's listeners (`process.removeAllListeners('message')`, or all of
// them). The child would no longer hear the main process, and its worker would wait for answers
// until main gave up on it (the stop handshake's minute). The listeners the child relies on are put
// back as soon as such a removal is over.
import { ownQueueMicrotask } from './own-builtins.js'

const EVENTS = ['message', 'disconnect', 'error'] as const

type Listener = (...args: unknown[]) => void
// Node's typings list process events per name; the child only adds and compares listeners here.
const processEvents = process as unknown as NodeJS.EventEmitter

/**
 * Keeps the process's current `message`, `disconnect` and `error` listeners (the child's own and
 * Tinypool's) in place until the returned function is called.
 */
export function keepProcessListeners(): () => void {
  const kept = new Map(EVENTS.map(event => [event, processEvents.listeners(event) as Listener[]]))
  let keeping = true
  const restore = (): void => {
    if (!keeping) {
      return
    }
    for (const [event, listeners] of kept) {
      const present = processEvents.listeners(event)
      listeners.filter(listener => !present.includes(listener)).forEach(listener => processEvents.on(event, listener))
    }
    if (!processEvents.listeners('removeListener').includes(onRemove)) {
      processEvents.on('removeListener', onRemove)
    }
  }
  // Put back once the removal is over: removeAllListeners() clears everything after telling us.
  function onRemove(event: string | symbol, listener: Listener): void {
    if (keeping && (listener === onRemove || kept.get(event as typeof EVENTS[number])?.includes(listener))) {
      ownQueueMicrotask(restore)
    }
  }
  processEvents.on('removeListener', onRemove)
  return () => {
    keeping = false
    processEvents.off('removeListener', onRemove)
  }
}
