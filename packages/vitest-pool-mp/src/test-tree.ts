import type { GroupMark } from './group-mark.js'

/**
 * The part of Vitest's collected task tree (`RunnerTestFile`) that planning reads. Kept
 * structural so the planning core is pure and testable without Vitest.
 */
export interface TreeTask {
  id: string
  name: string
  type: 'test' | 'suite'
  mode: 'run' | 'skip' | 'only' | 'todo' | 'queued'
  meta?: { mpGroup?: GroupMark }
  location?: { line: number, column: number }
  timeout?: number
  tasks?: TreeTask[]
}

export interface TreeFile extends TreeTask {
  filepath: string
  result?: { state: string }
}

/** A file's tests and suites, flattened in file order. */
export interface AnalyzedFile {
  moduleId: string
  /** The file could not be collected (syntax error, import failure): it runs whole, in one worker. */
  collectFailed: boolean
  tests: AnalyzedTest[]
  /** Every suite id, the file's own id first. */
  suiteIds: string[]
}

export interface AnalyzedTest {
  id: string
  fullName: string
  /** False for skipped, todo and filtered-out tests: they need no worker of their own. */
  runnable: boolean
  group: string | null
  /** Suite ids from the file down to the test's parent. */
  ancestors: string[]
  timeout: number | undefined
}

/** One place that puts tests into a group. */
export interface GroupDeclaration {
  group: string
  strategy: string | undefined
  file: string
  line: number | undefined
  /** Set when this declaration sits inside another group's declaration. */
  nestedIn?: { group: string, line: number | undefined }
}

/** Walks a collected file into planning input and the group declarations it holds. */
export function analyzeFile(file: TreeFile): { file: AnalyzedFile, declarations: GroupDeclaration[] } {
  const tests: AnalyzedTest[] = []
  const suiteIds: string[] = [file.id]
  const declarations: GroupDeclaration[] = []

  // Vitest's runner runs nothing inside a skipped or todo suite, whatever modes it leaves there
  // (a `.only` suite keeps its tests' modes as declared).
  const visit = (task: TreeTask, ancestors: string[], names: string[], parent: { mark?: GroupMark, line?: number, skipped?: boolean }) => {
    const mark = task.meta?.mpGroup
    const line = task.location?.line
    const declaresHere = mark !== undefined && mark.decl !== parent.mark?.decl
    if (mark && declaresHere) {
      const nestedIn = parent.mark && parent.mark.name !== mark.name
        ? { group: parent.mark.name, line: parent.line }
        : undefined
      declarations.push({ group: mark.name, strategy: mark.strategy, file: file.filepath, line, ...(nestedIn && { nestedIn }) })
    }
    const here = declaresHere ? { mark, line } : parent
    if (task.type === 'test') {
      tests.push({
        id: task.id,
        fullName: [...names, task.name].join(' > '),
        runnable: !parent.skipped && (task.mode === 'run' || task.mode === 'queued'),
        group: mark?.name ?? null,
        ancestors,
        timeout: task.timeout,
      })
      return
    }
    suiteIds.push(task.id)
    const inside = { ...here, skipped: parent.skipped || task.mode === 'skip' || task.mode === 'todo' }
    for (const child of task.tasks ?? []) {
      visit(child, [...ancestors, task.id], [...names, task.name], inside)
    }
  }

  for (const child of file.tasks ?? []) {
    visit(child, [file.id], [], {})
  }

  return {
    file: {
      moduleId: file.filepath,
      collectFailed: file.result?.state === 'fail',
      tests,
      suiteIds,
    },
    declarations,
  }
}
