import type { Strategy } from './strategy.js'
import type { AnalyzedFile } from './test-tree.js'
import { isIsolated, isSerial, STRATEGIES } from './strategy.js'

/** One file's share of a batch. */
export interface BatchFile {
  moduleId: string
  /** The ids the worker is told to run; `undefined` keeps the user's own filter for the file. */
  testIds: string[] | undefined
  /**
   * The tests whose results this batch reports; `'all'` for a batch that runs the file whole;
   * `'late'` for a file planned from its source alone, whose tests become known (and all this
   * batch's) when the worker collects it.
   */
  owned: string[] | 'all' | 'late'
  /** The file was planned from its source: this batch's worker checks its tree before any test starts. */
  verify?: boolean
}

/** The tests one fresh worker runs. */
export interface PlannedBatch {
  id: number
  strategy: Strategy
  /** The group's name; null for ungrouped tests. */
  group: string | null
  files: BatchFile[]
  /** The tests that will run, in order. */
  runnable: string[]
  /** The suites whose merged result this batch takes part in. */
  suiteIds: string[]
  /** The file this batch hosts: it also reports the file's skipped and todo tests and every suite. */
  hosts: string[]
}

export interface PlanOptions {
  ungrouped: 'free' | 'file'
  /** The user's own `testIds` filter per file, when a spec carries one. */
  userTestIds?: ReadonlyMap<string, readonly string[]>
  /** How long each test took last time, by test id: the longest batches start first. */
  durations?: ReadonlyMap<string, number>
  /** Files planned from their source (static-scan.ts): each one batch that runs the file whole. */
  wholeFiles?: readonly WholeFile[]
}

/** A file one worker runs whole, planned before anything collected it. */
export interface WholeFile {
  moduleId: string
  group: string | null
  strategy: Strategy
  /** What the ids of the file's tests start with, to find last run's durations. */
  idPrefix: string
}

/**
 * Rules:
 * 1. Runnable tests of a `free` or `isolated_free` group, and ungrouped tests, get a batch each
 *    (with `ungrouped: 'file'`, a file's ungrouped tests share one batch). Tests of one file and
 *    group with the same full name share one, in file order: Vitest numbers their snapshots
 *    (`name 1`, `name 2`) by their order in the file, and each worker would count from 1.
 * 2. A `serial` or `isolated_serial` group is one batch: its tests in file order, across files in run order.
 * 3. Batches are ordered isolated_serial, isolated_free, serial (and per-file batches), free;
 *    within that, longest first by the durations of the previous run (a test without one counts
 *    as the average of those known), then by where their first test stands in the run. The
 *    batches of one `isolated_free` group stay together (the group is ordered by its total), so
 *    they run in parallel and no other group's batch waits between them for the barrier.
 * 4. The first batch that touches a file hosts it: it also reports the file's non-runnable tests and
 *    takes part in every suite of the file, so each suite has a reporter and nothing goes unreported.
 * 5. A file with no runnable test (all skipped or filtered, or it failed to collect) gets one batch
 *    that runs it whole, the way Vitest's own pools would.
 */
export function planBatches(
  files: readonly AnalyzedFile[],
  strategies: ReadonlyMap<string, Strategy>,
  options: PlanOptions,
): PlannedBatch[] {
  interface Draft { strategy: Strategy, group: string | null, tests: { moduleId: string, id: string, ancestors: string[] }[], whole?: WholeFile }
  const drafts: Draft[] = []
  const shared = new Map<string, Draft>()

  for (const file of files) {
    if (file.collectFailed) {
      continue
    }
    const runnable = file.tests.filter(test => test.runnable)
    const seen = new Set<string>()
    const namesake = new Set(runnable.map(test => test.fullName).filter(name => seen.has(name) || !seen.add(name)))
    for (const test of runnable) {
      const strategy: Strategy = test.group === null ? 'free' : strategies.get(test.group) ?? 'free'
      const sharedKey = test.group !== null && isSerial(strategy)
        ? `group:${test.group}`
        : test.group === null && options.ungrouped === 'file'
          ? `file:${file.moduleId}`
          : namesake.has(test.fullName)
            ? `name:${file.moduleId}\0${test.group}\0${test.fullName}`
            : undefined
      const entry = { moduleId: file.moduleId, id: test.id, ancestors: test.ancestors }
      if (sharedKey === undefined) {
        drafts.push({ strategy, group: test.group, tests: [entry] })
        continue
      }
      let draft = shared.get(sharedKey)
      if (!draft) {
        draft = { strategy: sharedKey.startsWith('file:') ? 'serial' : strategy, group: test.group, tests: [] }
        shared.set(sharedKey, draft)
        drafts.push(draft)
      }
      draft.tests.push(entry)
    }
  }

  for (const whole of options.wholeFiles ?? []) {
    drafts.push({ strategy: whole.strategy, group: whole.group, tests: [], whole })
  }

  const phase = (draft: Draft) => STRATEGIES.indexOf(draft.strategy)
  const known = [...(options.durations?.values() ?? [])]
  const average = known.length ? known.reduce((sum, duration) => sum + duration, 0) / known.length : 0
  const expectedWhole = (whole: WholeFile) => {
    const last = [...(options.durations ?? [])].filter(([id]) => id.startsWith(whole.idPrefix))
    return last.length ? last.reduce((sum, [, duration]) => sum + duration, 0) : average
  }
  const expected = (draft: Draft) => draft.whole
    ? expectedWhole(draft.whole)
    : draft.tests.reduce((sum, test) => sum + (options.durations?.get(test.id) ?? average), 0)
  const items = drafts.map((draft, index) => ({ draft, index, expected: expected(draft) }))
  type Item = typeof items[number]
  // An isolated_free group is ordered as one block: by its total, then by its first batch.
  const blocks = new Map<string, { expected: number, first: Item }>()
  for (const item of items) {
    if (item.draft.strategy === 'isolated_free' && item.draft.group !== null) {
      const block = blocks.get(item.draft.group) ?? { expected: 0, first: item }
      block.expected += item.expected
      blocks.set(item.draft.group, block)
    }
  }
  const blockOf = (item: Item) => (item.draft.group === null ? undefined : blocks.get(item.draft.group)) ?? { expected: item.expected, first: item }
  // Where a batch's first test stands in the run: files in path order (a file planned whole among
  // the collected ones), then tests in file order.
  const path = (item: Item) => item.draft.whole?.moduleId ?? item.draft.tests[0]?.moduleId ?? ''
  const byPosition = (a: Item, b: Item) => (path(a) < path(b) ? -1 : path(a) > path(b) ? 1 : 0) || a.index - b.index
  const ordered = items
    .sort((a, b) => phase(a.draft) - phase(b.draft)
      || blockOf(b).expected - blockOf(a).expected || byPosition(blockOf(a).first, blockOf(b).first)
      || b.expected - a.expected || byPosition(a, b))
    .map(({ draft }) => draft)

  const batches: PlannedBatch[] = ordered.map((draft, index) => {
    if (draft.whole) {
      return {
        id: index + 1,
        strategy: draft.strategy,
        group: draft.group,
        files: [{ moduleId: draft.whole.moduleId, testIds: undefined, owned: 'late' }],
        runnable: [],
        suiteIds: [],
        hosts: [draft.whole.moduleId],
      }
    }
    const byFile = new Map<string, string[]>()
    const suites = new Set<string>()
    for (const test of draft.tests) {
      const ids = byFile.get(test.moduleId) ?? []
      ids.push(test.id)
      byFile.set(test.moduleId, ids)
      test.ancestors.forEach(id => suites.add(id))
    }
    return {
      id: index + 1,
      strategy: draft.strategy,
      group: draft.group,
      files: [...byFile].map(([moduleId, ids]) => ({ moduleId, testIds: [...ids], owned: [...ids] })),
      runnable: draft.tests.map(test => test.id),
      suiteIds: [...suites],
      hosts: [],
    }
  })

  for (const file of files) {
    const host = file.collectFailed ? undefined : batches.find(batch => batch.files.some(entry => entry.moduleId === file.moduleId))
    if (!host) {
      batches.push({
        id: batches.length + 1,
        strategy: 'free',
        group: null,
        files: [{ moduleId: file.moduleId, testIds: undefined, owned: 'all' }],
        runnable: [],
        suiteIds: [...file.suiteIds],
        hosts: [file.moduleId],
      })
      continue
    }
    const entry = host.files.find(candidate => candidate.moduleId === file.moduleId)!
    const userIds = options.userTestIds?.get(file.moduleId)
    for (const test of file.tests) {
      if (test.runnable) {
        continue
      }
      ;(entry.owned as string[]).push(test.id)
      // A test the user's own id filter left out must stay out: listing it would make it run.
      if (!userIds || userIds.includes(test.id)) {
        entry.testIds!.push(test.id)
      }
    }
    host.suiteIds = [...new Set([...host.suiteIds, ...file.suiteIds])]
    host.hosts.push(file.moduleId)
  }

  return batches
}

/** The tests a batch reports, by id; none known yet for a file it runs whole or learns late. */
export function ownedTestIds(batch: PlannedBatch): string[] {
  return batch.files.flatMap(entry => Array.isArray(entry.owned) ? entry.owned : [])
}

/** A short description of a batch for messages: which group or test, and how it runs. */
export function describeBatch(batch: PlannedBatch): string {
  if (batch.group !== null) {
    return `group "${batch.group}" (${batch.strategy})`
  }
  if (batch.runnable.length === 0 && batch.files.every(entry => entry.owned !== 'late')) {
    return 'a whole-file batch'
  }
  return batch.strategy === 'serial' ? 'the file\'s ungrouped tests (ungrouped: \'file\')' : 'an ungrouped test (free)'
}

/** Whether two batches belong to the same isolated group, so they may overlap. */
export function sameIsolatedGroup(a: PlannedBatch, b: PlannedBatch): boolean {
  return isIsolated(a.strategy) && a.group !== null && a.group === b.group && a.strategy === b.strategy
}
