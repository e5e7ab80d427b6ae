// A batch of one test in a file of 300 collects the whole file, and Vitest's worker reports the
// whole tree (about 80 kB there) and a skip result for each of the 299 tests the batch leaves to
// others: serialized in the worker and parsed in main for every batch, only for main to drop it.
// Main says which tests it takes from a batch; the rest stays in the worker.

import type { OwnedModes, UnplannedTest } from '../protocol.js'
import type { RunnerTaskEventPack, RunnerTaskResultPack, RunnerTestFile } from '../vitest-types.js'
import type { Call } from './birpc-wire.js'
import { OWNED_MODES } from '../protocol.js'

type Task = RunnerTestFile['tasks'][number]

/**
 * The reports of one request, cut to what main takes from it: `onCollected` without the file's
 * tasks (main has the file's tree already), `onTaskUpdate` without the results and events of the
 * file's tests that other batches own. Suites pass unchanged: main merges them by itself. Main no
 * longer sees the tree: a file with more tests than main planned has them all named to it, and the
 * file carries the modes its own tests had in this worker (see OWNED_MODES).
 */
export class OwnedReports {
  private owned: ReadonlySet<string> | undefined
  private planned: Readonly<Record<string, number>> | undefined
  private readonly others = new Set<string>()
  private unplanned: UnplannedTest[] = []

  /**
   * A request starts: `owned` for a batch main takes only those tests from, `planned` how many
   * tests main planned in each of its files; `undefined` reports everything.
   */
  begin(owned: { tests: readonly string[], planned?: Readonly<Record<string, number>> } | undefined): void {
    this.owned = owned && new Set(owned.tests)
    this.planned = owned?.planned
    this.others.clear()
    this.unplanned = []
  }

  /** Every test of a collected file that declares more than main planned, once: main must hear of them. */
  takeUnplanned(): UnplannedTest[] {
    const unplanned = this.unplanned
    this.unplanned = []
    return unplanned
  }

  /** The call to send for `call`: itself, or a copy without what main would drop. Vitest's own objects are not changed. */
  trim(call: Call): Call {
    if (!this.owned) {
      return call
    }
    if (call.m === 'onCollected') {
      const files = call.a[0] as RunnerTestFile[]
      const trimmed = files.map((file) => {
        const tests: UnplannedTest[] = []
        const modes: Record<string, Task['mode']> = {}
        this.noteOthers(file, tests, [], modes)
        const planned = this.planned?.[file.filepath]
        if (planned !== undefined && tests.length > planned) {
          this.unplanned.push(...tests)
        }
        return withoutTasks(file, modes)
      })
      return { ...call, a: [trimmed, ...call.a.slice(1)] }
    }
    if (call.m === 'onTaskUpdate' && this.others.size > 0) {
      const [packs, events, ...rest] = call.a as [RunnerTaskResultPack[], RunnerTaskEventPack[], ...unknown[]]
      return { ...call, a: [packs.filter(([id]) => !this.others.has(id)), events.filter(([id]) => !this.others.has(id)), ...rest] }
    }
    return call
  }

  /** Notes the tests other batches own and the modes of this batch's own, and adds every test of the file to `tests`. */
  private noteOthers(task: RunnerTestFile | Task, tests: UnplannedTest[], suites: readonly string[], modes: Record<string, Task['mode']>): void {
    if (task.type === 'suite') {
      const path = task.file === task ? suites : [...suites, task.name]
      task.tasks.forEach(child => this.noteOthers(child, tests, path, modes))
      return
    }
    if (this.owned!.has(task.id)) {
      modes[task.id] = task.mode
    }
    else {
      this.others.add(task.id)
    }
    tests.push({ file: task.file.filepath, id: task.id, name: [...suites, task.name].join(' > ') })
  }
}

function withoutTasks(file: RunnerTestFile, modes: Record<string, Task['mode']>): RunnerTestFile {
  const copy: RunnerTestFile & OwnedModes = { ...file, tasks: [], [OWNED_MODES]: modes }
  copy.file = copy
  return copy
}
