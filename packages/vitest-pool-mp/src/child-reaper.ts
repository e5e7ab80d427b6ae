import type { ChildProcess } from 'node:child_process'
import { spawn } from 'node:child_process'

/**
 * Every live child process of this main process, and the guarantee that none outlives it:
 * - when the main process exits for whatever reason it can still act on (Vitest handles SIGINT and
 *   SIGTERM by exiting), each child left is killed on the way out;
 * - when it is killed outright (SIGKILL), one small guardian process, started with the first child
 *   and told every child's pid, sees its input from the main process end and kills them. A child
 *   stuck in code that never yields cannot notice its parent is gone by itself. One guardian per
 *   main process (a shell) costs about a millisecond, where a watch in every child would cost a
 *   thread start in each.
 */
const liveChildren = new Set<number>()
let exitHookInstalled = false
let guardian: Guardian | undefined

/** A running guardian: its process, and how to tell it a child's pid came or went. */
export interface Guardian {
  process: ChildProcess
  tell: (message: { add?: number, remove?: number }) => void
}

// POSIX sh, builtins only: it starts in about a millisecond, where a Node guardian costs a Node start
// (tens of ms of CPU, while the workers boot). It reads "add PID"/"remove PID" lines from the main
// process; end of input means the main process is gone.
const SH_GUARDIAN = `
pids=' '
while read -r op pid; do
  case $op in
    add) pids="$pids$pid " ;;
    remove) case "$pids" in *" $pid "*) pids="\${pids%% $pid *} \${pids#* $pid }" ;; esac ;;
  esac
done
for pid in $pids; do kill -9 "$pid" 2>/dev/null; done
`

// Windows has no sh: the same guardian in Node, told over IPC.
const NODE_GUARDIAN = `
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
  if (!guardian || guardian.process.exitCode !== null) {
    guardian = startGuardian()
    liveChildren.forEach(pid => pid !== message.add && guardian!.tell({ add: pid }))
  }
  try {
    guardian.tell(message)
  }
  catch {}
}

/** Starts a guardian process (exported for its tests; the pool starts one through trackChild). */
export function startGuardian(): Guardian {
  // Not the user's environment (NODE_OPTIONS with a --require, a loader): the guardian runs nothing of theirs.
  const env = { PATH: process.env.PATH ?? '' }
  const child = process.platform === 'win32'
    ? spawn(process.execPath, ['-e', NODE_GUARDIAN], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'], env })
    : spawn('/bin/sh', ['-c', SH_GUARDIAN], { stdio: ['pipe', 'ignore', 'ignore'], env })
  const started: Guardian = {
    process: child,
    tell: child.stdin
      ? message => child.stdin!.write(message.add !== undefined ? `add ${message.add}\n` : `remove ${message.remove}\n`)
      : message => child.connected && child.send(message),
  }
  child.on('error', () => {
    if (guardian === started) {
      guardian = undefined
    }
  })
  // A guardian gone before us (killed by someone) must not take Vitest down with an EPIPE.
  child.stdin?.on('error', () => {})
  // The guardian must never keep Vitest alive.
  child.unref()
  ;(child.stdin as { unref?: () => void } | null)?.unref?.()
  ;(child.channel as { unref?: () => void } | undefined)?.unref?.()
  return started
}
