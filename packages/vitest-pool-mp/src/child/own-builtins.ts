// The globals the child's own work uses, taken when the child starts, before any test runs. A
// test may fake or replace them and leave them so (vi.useFakeTimers can fake timers, performance
// and queueMicrotask; a test may overwrite structuredClone): the child must still report, answer
// and send its heartbeat, or its worker would wait forever for answers that never come.
export const ownQueueMicrotask: typeof queueMicrotask = globalThis.queueMicrotask.bind(globalThis)
export const ownStructuredClone: typeof structuredClone = globalThis.structuredClone.bind(globalThis)
export const ownSetInterval: typeof setInterval = globalThis.setInterval
export const ownSetImmediate: typeof setImmediate = globalThis.setImmediate
export const ownClearInterval: typeof clearInterval = globalThis.clearInterval
export const ownNow: () => number = performance.now.bind(performance)
