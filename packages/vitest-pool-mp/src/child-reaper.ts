import type { GuardianMessage } from './guardian.js'
import { Guardian } from './guardian.js'

/**
 * Every live child process of this main process, and the guarantee that none outlives it:
 * - when the main process exits for whatever reason it can still act on (Vitest handles SIGINT and
 *   SIGTERM by exiting), each child left is killed on the way out;
 * - when it is killed outright (SIGKILL), one small guardian process, started with the first child
 *   and told every child's pid, sees its input from the main process end and kills them. A child
 *   stuck in code that never yields cannot notice its parent is gone by itself. One guardian per
 *   main process (a shell, see guardian.ts) costs about a millisecond, where a watch in every
 *   child would cost a thread start in each.
 */
const liveChildren = new Set<number>()
let exitHookInstalled = false
let guardian: Guardian | undefined

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

/**
 * Ends the guardian once no child is left (Vitest closed): a program that closes Vitest and goes
 * on is left no process of ours. The next child starts a new one.
 */
export function releaseGuardianIfIdle(): void {
  if (liveChildren.size === 0 && guardian?.alive) {
    guardian.end()
    guardian = undefined
  }
}

function killAllChildren(): void {
  liveChildren.forEach(killChild)
  liveChildren.clear()
}

function tellGuardian(message: GuardianMessage): void {
  if (!guardian?.alive) {
    guardian = new Guardian()
    liveChildren.forEach(pid => pid !== message.add && guardian!.tell({ add: pid }))
  }
  guardian.tell(message)
}
