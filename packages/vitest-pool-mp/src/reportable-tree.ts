import type { TreeFile, TreeTask } from './test-tree.js'
import type { RunnerTestFile } from './vitest-types.js'

type Task = RunnerTestFile['tasks'][number]

/**
 * A predicted tree (static-plan.ts) in the shape Vitest's runner gives a collected file, for a
 * file no worker loaded before the run was cancelled: Vitest then reports each of its tests as
 * skipped, as it does for a collected file's tests that never ran.
 */
export function reportableTree(file: RunnerTestFile, predicted: TreeFile, testTimeout: number): RunnerTestFile {
  const build = (task: TreeTask, parent: RunnerTestFile | Task, names: string[]): Task => {
    const common = {
      id: task.id,
      name: task.name,
      fullName: [file.name, ...names, task.name].join(' > '),
      fullTestName: [...names, task.name].join(' > '),
      mode: task.mode,
      file,
      suite: parent === file ? undefined : parent,
      meta: { ...task.meta },
      tags: [],
    }
    if (task.type === 'test') {
      // Every field Vitest's runner gives a collected test that its reporters read (Vitest 5's `benchmarks` too).
      return { ...common, type: 'test', timeout: testTimeout, annotations: [], artifacts: [], benchmarks: [], context: undefined } as unknown as Task
    }
    const suite = { ...common, type: 'suite', tasks: [] as Task[] } as unknown as Task & { tasks: Task[] }
    suite.tasks = (task.tasks ?? []).map(child => build(child, suite, [...names, task.name]))
    return suite
  }
  file.tasks = (predicted.tasks ?? []).map(task => build(task, file, []))
  return file
}
