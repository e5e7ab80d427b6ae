import type { ChildProcess } from 'node:child_process'
import { spawn } from 'node:child_process'

/** A pid the main process tells the guardian of: a child that came, or one that went. */
export interface GuardianMessage {
  add?: number
  remove?: number
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

// Where there is no sh (Windows, an image without a shell): the same guardian in Node, over IPC.
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

const DEFAULT_SHELL = process.platform === 'win32' ? undefined : '/bin/sh'

/**
 * A small process that outlives the main process only to kill, with SIGKILL, every child it was
 * told of and still knows: what ends it is the end of its input from the main process, which
 * happens however the main process goes. A shell if there is one, else Node.
 */
export class Guardian {
  private readonly pids = new Set<number>()
  private child!: ChildProcess
  private send!: (message: GuardianMessage) => void
  private failed = false

  /** `shell`: the POSIX shell to run it in; `undefined` runs it in Node. */
  constructor(shell: string | undefined = DEFAULT_SHELL) {
    this.start(shell)
  }

  /** Whether it still runs: one that ended (killed from outside) must be replaced. */
  get alive(): boolean {
    return !this.failed && this.child.exitCode === null && this.child.signalCode === null
  }

  /** Its process (for tests). */
  get process(): ChildProcess {
    return this.child
  }

  tell(message: GuardianMessage): void {
    if (message.add !== undefined) {
      this.pids.add(message.add)
    }
    if (message.remove !== undefined) {
      this.pids.delete(message.remove)
    }
    try {
      this.send(message)
    }
    catch {}
  }

  /** Ends its input as the main process's end does (for tests): it kills what it still knows. */
  end(): void {
    if (this.child.stdin) {
      this.child.stdin.end()
    }
    else if (this.child.connected) {
      this.child.disconnect()
    }
  }

  private start(shell: string | undefined): void {
    // Not the user's environment (NODE_OPTIONS with a --require, a loader): the guardian runs nothing of theirs.
    const env = { PATH: process.env.PATH ?? '' }
    const child = shell === undefined
      ? spawn(process.execPath, ['-e', NODE_GUARDIAN], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'], env })
      : spawn(shell, ['-c', SH_GUARDIAN], { stdio: ['pipe', 'ignore', 'ignore'], env })
    this.child = child
    this.send = child.stdin
      ? message => child.stdin!.write(message.add !== undefined ? `add ${message.add}\n` : `remove ${message.remove}\n`)
      : message => child.connected && child.send(message)
    child.on('error', () => {
      if (this.child !== child) {
        return
      }
      if (shell === undefined) {
        this.failed = true
        return
      }
      // No shell here: the same guardian in Node, told again of every pid it knows.
      this.start(undefined)
      this.pids.forEach(pid => this.tell({ add: pid }))
    })
    // A guardian gone before us (killed by someone) must not take Vitest down with an EPIPE.
    child.stdin?.on('error', () => {})
    // The guardian must never keep Vitest alive.
    child.unref()
    ;(child.stdin as { unref?: () => void } | null)?.unref?.()
    ;(child.channel as { unref?: () => void } | undefined)?.unref?.()
  }
}
