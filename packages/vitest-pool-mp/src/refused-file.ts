import type { RunnerTaskResult, RunnerTestFile, RuntimeRPC } from './vitest-types.js'

type TaskError = NonNullable<RunnerTaskResult['errors']>[number]

/**
 * Reports a file that will not run, the way Vitest reports a file that failed to collect:
 * failed with the given errors and those its collection met (a file that failed to load), or,
 * with none, skipped. Its tests are skipped either way, so that reporters count them. `queued`:
 * Vitest already knows the file.
 */
export async function reportFileNotRun(
  target: RuntimeRPC,
  tree: RunnerTestFile,
  errors: readonly Error[],
  queued = false,
): Promise<void> {
  if (!queued) {
    await target.onQueued(tree)
  }
  skipTasks(tree)
  const collectErrors = tree.result?.state === 'fail' ? tree.result.errors ?? [] : []
  if (errors.length || collectErrors.length) {
    const result: RunnerTaskResult = {
      state: 'fail',
      errors: [
        ...collectErrors,
        ...errors.map(error => ({ name: error.name, message: error.message, stack: `${error.name}: ${error.message}`, ...(error.cause !== undefined && { cause: error.cause as TaskError }) })),
      ],
    }
    tree.result = result
    // A failed file, not also a skipped one (its tests all filtered out, by `-t` say): reporters
    // count a file by its mode and by its state, and Vitest's runner leaves a failed file's mode.
    if (tree.mode === 'skip') {
      tree.mode = 'run'
    }
    await target.onCollected([tree])
    await target.onTaskUpdate([[tree.id, result, tree.meta]], [[tree.id, 'suite-failed-early', undefined]])
    return
  }
  tree.mode = 'skip'
  await target.onCollected([tree])
  await target.onTaskUpdate([[tree.id, { state: 'skip' }, tree.meta]], [[tree.id, 'suite-prepare', undefined], [tree.id, 'suite-finished', undefined]])
}

function skipTasks(suite: { tasks?: RunnerTestFile['tasks'] }): void {
  for (const task of suite.tasks ?? []) {
    task.mode = 'skip'
    skipTasks(task as { tasks?: RunnerTestFile['tasks'] })
  }
}
