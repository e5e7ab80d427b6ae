import type { ChildProcess } from 'node:child_process'
import { spawn } from 'node:child_process'

/**
 * Every live child process of this main process, and the guarantee that none outlives it:
 * - when the main process exits for whatever reason it can still act on (Vitest handles SIGINT and
 *   SIGTERM by exiting), each child left is killed on the way out;
 * - when it is killed outright (SIGKILL), one small guardian process, started with the first child
 *   and told every child's pid, sees its IPC channel close and kills them. A child stuck in code
 *   that never yields cannot notice its parent is gone by itself. One guardian per main process
 *   costs one Node start, where a watch in every child would cost one in each.
 */
const liveChildren = new Set<number>()
let exitHookInstalled = false
let guardian: ChildProcess | undefined

const GUARDIAN_SOURCE = `
const pids = new Set()
process.on('message', ({ add, remove }) => {
  if (add !== undefined) pids.add(add)
  if (remove !== undefined) pids.delete(remove)
})
process.on('disconnect', () => {
  for (const pid of pids) { try { process.kill(pid, 'SIGKILL') } catch {} }
  process.exit(0)
})
`

export function trackChild(pid: number): void {
  liveChildren.add(pid)
  if (!exitHookInstalled) {
    exitHookInstalled = true
    process.on('exit', killAllChildren)
  }
  tellGuardian({ add: pid })
}

export function untrackChild(pid: number): void {
  if (liveChildren.delete(pid)) {
    tellGuardian({ remove: pid })
  }
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

function tellGuardian(message: { add?: number, remove?: number }): void {
  if (!guardian || guardian.exitCode !== null || !guardian.connected) {
    guardian = spawn(process.execPath, ['-e', GUARDIAN_SOURCE], {
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      // Not the user's NODE_OPTIONS (a --require, a loader): the guardian runs nothing of theirs.
      env: { PATH: process.env.PATH ?? '' },
    })
    guardian.on('error', () => { guardian = undefined })
    // The guardian must never keep Vitest alive.
    guardian.unref()
    ;(guardian.channel as { unref?: () => void } | undefined)?.unref?.()
    liveChildren.forEach(pid => pid !== message.add && guardian!.send({ add: pid }))
  }
  try {
    guardian.send(message)
  }
  catch {}
}
