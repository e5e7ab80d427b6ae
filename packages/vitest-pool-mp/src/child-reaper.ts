/**
 * Every live child process of this main process. When the main process exits, for whatever
 * reason (Vitest handles SIGINT and SIGTERM by exiting), each one left is killed, so no child
 * outlives the run even when it is stuck in code that never yields and cannot hear its parent go.
 */
const liveChildren = new Set<number>()
let installed = false

export function trackChild(pid: number): void {
  liveChildren.add(pid)
  if (!installed) {
    installed = true
    process.on('exit', killAllChildren)
  }
}

export function untrackChild(pid: number): void {
  liveChildren.delete(pid)
}

export function killChild(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL')
  }
  catch {}
}

function killAllChildren(): void {
  liveChildren.forEach(killChild)
  liveChildren.clear()
}
