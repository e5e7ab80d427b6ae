import type {} from 'vitest'

/**
 * What `describe.mpGroup` / `mpGroup()` store in `task.meta.mpGroup`. Vitest copies a suite's
 * meta onto its nested suites and tests, so every test knows its group.
 */
export interface GroupMark {
  /** The group's name; groups are global by name within a project. */
  name: string
  /** The strategy as written; validated in the main process so all mistakes are reported together. */
  strategy?: string
  /** Identifies the declaration: a nested task with another `decl` re-declared a group. */
  decl: string
}

declare module 'vitest' {
  interface TaskMeta {
    mpGroup?: GroupMark
  }
}
