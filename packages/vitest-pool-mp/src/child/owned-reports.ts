// A batch of one test in a file of 300 collects the whole file, and Vitest's worker reports the
// whole tree (about 80 kB there) and a skip result for each of the 299 tests the batch leaves to
// others: serialized in the worker and parsed in main for every batch, only for main to drop it.
// Main says which tests it takes from a batch; the rest stays in the worker.

import type { OwnedModes, UnplannedTest } from '../protocol.js'
import type { RunnerTaskEventPack, RunnerTaskResultPack, RunnerTestFile } from '../vitest-types.js'
import type { Call } from './birpc-wire.js'
import { declarationSignature, forEachDeclaredTest } from '../declared-tests.js'
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
 * longer sees the tree: a file that declares other tests than main planned has them all named to
 * it, and the file carries the modes its own tests had in this worker (see OWNED_MODES).
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

  /** Every test of a collected file that declares other tests than main planned, once: main must hear of them. */
  takeUnplanned(): UnplannedTest[] {
    const unplanned = this.unplanned
    this.unplanned = []
    return unplanned
  }

  /**
   * The call to send for `call`: itself, or a copy without what main would drop. Vitest's own
   * objects are not changed, but for one: a test that sits at an owned test's id under another
   * name is kept from running.
   */
  trim(call: Call): Call {
    if (!this.owned) {
      return call
    }
    if (call.m === 'onCollected') {
      const files = call.a[0] as RunnerTestFile[]
      const trimmed = files.map((file) => {
        const modes = this.noteTests(file)
        const planned = this.owned!.planned?.[file.filepath]
        if (planned !== undefined && declarationSignature(file) !== planned) {
          forEachDeclaredTest<RunnerTestFile | Task>(file, (_test, name) => this.unplanned.push({ file: file.filepath, name }))
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

  /**
   * Notes the tests other batches own, and returns the modes of this batch's own. A test at an
   * owned id whose name is not the one main planned there is another test, in a copy of the file
   * that declares tests before it differently: it is skipped and left unreported, so main fails
   * the planned test as not declared instead of passing it with another test's body.
   */
  private noteTests(file: RunnerTestFile): Record<string, Task['mode']> {
    const modes: Record<string, Task['mode']> = {}
    forEachDeclaredTest<RunnerTestFile | Task>(file, (test, name) => {
      const planned = this.owned!.names?.[test.id]
      if (!this.ownedIds.has(test.id) || (planned !== undefined && planned !== name)) {
        if (this.ownedIds.has(test.id)) {
          test.mode = 'skip'
        }
        this.others.add(test.id)
        return
      }
      modes[test.id] = test.mode
    })
    return modes
  }
}

function withoutTasks(file: RunnerTestFile, modes: Record<string, Task['mode']>): RunnerTestFile {
  const copy: RunnerTestFile & OwnedModes = { ...file, tasks: [], [OWNED_MODES]: modes }
  copy.file = copy
  return copy
}
