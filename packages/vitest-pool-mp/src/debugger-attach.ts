/** What says whether a debugger may attach to the workers. */
export interface DebuggerSigns {
  /** Vitest's `--inspect` / `--inspect-brk` (`config.inspector.enabled`). */
  inspector: boolean
  /** The workers' extra Node flags (`execArgv`). */
  execArgv: readonly string[]
  /** The workers' environment. */
  env: Readonly<Record<string, string | undefined>>
}

const INSPECT_FLAG = /(?:^|\s)--inspect(?:-brk|-wait)?(?:[=\s]|$)/

/**
 * Whether a debugger may pause the workers: Vitest's `--inspect` or `--inspect-brk`, an inspector
 * flag in their `execArgv` or `NODE_OPTIONS`, or VS Code's auto attach (its JavaScript Debug
 * Terminal sets `VSCODE_INSPECTOR_OPTIONS`). A worker stopped at a breakpoint, or waiting for a
 * debugger to attach, sends no heartbeat, which the watchdog would take for a busy loop.
 */
export function mayBeDebugged(signs: DebuggerSigns): boolean {
  return signs.inspector
    || signs.execArgv.some(flag => INSPECT_FLAG.test(flag))
    || INSPECT_FLAG.test(signs.env.NODE_OPTIONS ?? '')
    || !!signs.env.VSCODE_INSPECTOR_OPTIONS
}
