// A batch of one test in a file of 300 collects the whole file, and Vitest's worker reports the
// whole tree (about 80 kB there) and a skip result for each of the 299 tests the batch leaves to
// others: serialized in the worker and parsed in main for every batch, only for main to drop it.
// Main says which tests it takes from a batch; the rest stays in the worker.

import type { OwnedModes, UnplannedTest } from '../protocol.js'
import type { RunnerTaskEventPack, RunnerTaskResultPack, RunnerTestFile } from '../vitest-types.js'
import type { Call } from './birpc-wire.js'
import { declarationShape, forEachDeclaredTest } from '../declared-tests.js'
import { OWNED_MODES } from '../protocol.js'

type Task = RunnerTestFile['tasks'][number]

/** What main takes from a request: its tests, and what it planned in their files (OwnedTestsMessage). */
export interface OwnedTests {
  tests: readonly string[]
  planned?: Readonly<Record<string, string>>
  names?: Readonly<Record<string, string>>
}

/**
 * The reports of one request, cut to what main takes from it: `onCollected` without the file's
 * tasks (main has the file's tree already), `onTaskUpdate` without the results and events of the
 * file's tests that other batches own. Suites pass unchanged: main merges them by itself. Main no
 * longer sees the tree: a file that declares its tests in other places than main planned has them
 * all named to it, and the file carries the modes its own tests had in this worker (see OWNED_MODES).
 */
export class OwnedReports {
  private owned: OwnedTests | undefined
  private ownedIds: ReadonlySet<string> = new Set()
  private readonly others = new Set<string>()
  private unplanned: UnplannedTest[] = []

  /** A request starts: `owned` for a batch main takes only those tests from; `undefined` reports everything. */
  begin(owned: OwnedTests | undefined): void {
    this.owned = owned
    this.ownedIds = new Set(owned?.tests)
    this.others.clear()
    this.unplanned = []
  }

  /** Every test of a collected file that declares its tests in other places than main planned, once: main must hear of them. */
  takeUnplanned(): UnplannedTest[] {
    const unplanned = this.unplanned
    this.unplanned = []
    return unplanned
  }

  /**
   * The call to send for `call`: itself, or a copy without what main would drop. Vitest's own
   * objects are not changed, but for one: a test at an owned id that is not the test main planned
   * there is kept from running (noteTests).
   */
  trim(call: Call): Call {
    if (!this.owned) {
      return call
    }
    if (call.m === 'onCollected') {
      const files = call.a[0] as RunnerTestFile[]
      const trimmed = files.map((file) => {
        const declared: { test: RunnerTestFile | Task, name: string }[] = []
        forEachDeclaredTest<RunnerTestFile | Task>(file, (test, name) => declared.push({ test, name }))
        const planned = this.owned!.planned?.[file.filepath]
        const reshaped = planned !== undefined && declarationShape(declared.map(({ test }) => test.id)) !== planned
        if (reshaped) {
          this.unplanned.push(...declared.map(({ name }) => ({ file: file.filepath, name })))
        }
        return withoutTasks(file, this.noteTests(declared, reshaped))
      })
      return { ...call, a: [trimmed, ...call.a.slice(1)] }
    }
    if (call.m === 'onTaskUpdate' && this.others.size > 0) {
      const [packs, events, ...rest] = call.a as [RunnerTaskResultPack[], RunnerTaskEventPack[], ...unknown[]]
      return { ...call, a: [packs.filter(([id]) => !this.others.has(id)), events.filter(([id]) => !this.others.has(id)), ...rest] }
    }
    return call
  }

  /**
   * Notes the tests other batches own, and returns the modes of this batch's own. A test at an
   * owned id that is not the test main planned there is kept from running and left unreported, so
   * main fails the planned test as not declared in its place instead of passing it with another's
   * body: so is one with another name than main planned when the file declares tests in other
   * places than its collection saw (`reshaped`: a test declared or left out before it moved it),
   * or when the planned name is elsewhere in the file (tests declared in another order). A test
   * renamed where it stands runs, as the collection named it.
   */
  private noteTests(declared: readonly { test: RunnerTestFile | Task, name: string }[], reshaped: boolean): Record<string, Task['mode']> {
    const modes: Record<string, Task['mode']> = {}
    let names: Set<string> | undefined
    const declaresName = (name: string) => (names ??= new Set(declared.map(each => each.name))).has(name)
    for (const { test, name } of declared) {
      const planned = this.owned!.names?.[test.id]
      const misplaced = planned !== undefined && planned !== name && (reshaped || declaresName(planned))
      if (!this.ownedIds.has(test.id) || misplaced) {
        if (misplaced) {
          test.mode = 'skip'
        }
        this.others.add(test.id)
        continue
      }
      modes[test.id] = test.mode
    }
    return modes
  }
}

function withoutTasks(file: RunnerTestFile, modes: Record<string, Task['mode']>): RunnerTestFile {
  const copy: RunnerTestFile & OwnedModes = { ...file, tasks: [], [OWNED_MODES]: modes }
  copy.file = copy
  return copy
}
