import type { BatchFailure, ReportMergerOptions } from '../../src/report-merger.js'
import type { PlannedBatch } from '../../src/batches.js'
import type { RunnerTaskEventPack, RunnerTaskResult, RunnerTaskResultPack, RunnerTestFile, RuntimeRPC } from '../../src/vitest-types.js'
import { describe, expect, test } from 'vitest'
import { MP_TAG } from '../../src/protocol.js'
import { mergeSuiteResults, ReportMerger } from '../../src/report-merger.js'

type TaskError = NonNullable<RunnerTaskResult['errors']>[number]
type EventName = RunnerTaskEventPack[1]

/** The part of RuntimeRPC the merger reports through, recording every call in order. */
class RecordingTarget {
  readonly calls: (
    | { kind: 'queued', file: RunnerTestFile }
    | { kind: 'collected', files: RunnerTestFile[] }
    | { kind: 'update', packs: RunnerTaskResultPack[], events: RunnerTaskEventPack[] }
  )[] = []

  onQueued(file: RunnerTestFile): void {
    this.calls.push({ kind: 'queued', file })
  }

  async onCollected(files: RunnerTestFile[]): Promise<void> {
    this.calls.push({ kind: 'collected', files })
  }

  async onTaskUpdate(packs: RunnerTaskResultPack[], events: RunnerTaskEventPack[]): Promise<void> {
    this.calls.push({ kind: 'update', packs, events })
  }

  /** Every forwarded event as `id:event`, in order. */
  get events(): string[] {
    return this.calls.flatMap(call => call.kind === 'update' ? call.events.map(([id, name]) => `${id}:${name}`) : [])
  }

  /** The results sent for one task, in order. */
  results(id: string): RunnerTaskResult[] {
    return this.calls.flatMap(call => call.kind === 'update' ? call.packs.filter(pack => pack[0] === id).map(pack => pack[1]!) : [])
  }

  lastResult(id: string): RunnerTaskResult | undefined {
    return this.results(id).at(-1)
  }

  asRpc(): RuntimeRPC {
    return this as unknown as RuntimeRPC
  }
}

interface TaskSpec { id: string, tasks?: TaskSpec[] }

/** A collected file tree with just the fields the merger reads. */
function tree(moduleId: string, id: string, tasks: TaskSpec[]): RunnerTestFile {
  const build = (spec: TaskSpec): unknown => spec.tasks
    ? { id: spec.id, name: spec.id, type: 'suite', mode: 'run', meta: {}, tasks: spec.tasks.map(build) }
    : { id: spec.id, name: spec.id, type: 'test', mode: 'run', meta: {} }
  return { id, name: moduleId, type: 'suite', mode: 'run', meta: {}, filepath: moduleId, tasks: tasks.map(build) } as unknown as RunnerTestFile
}

function batch(id: number, files: { moduleId: string, owned: string[] | 'all' }[], suiteIds: string[]): PlannedBatch {
  return {
    id,
    strategy: 'free',
    group: null,
    files: files.map(({ moduleId, owned }) => ({ moduleId, owned, testIds: owned === 'all' ? undefined : [...owned] })),
    runnable: files.flatMap(({ owned }) => owned === 'all' ? [] : owned),
    suiteIds,
    hosts: [],
  }
}

/** What one batch's worker sends, the way Vitest's runner sends it. */
class Worker {
  constructor(private readonly rpc: RuntimeRPC, private readonly files: RunnerTestFile[]) {}

  async collect(): Promise<void> {
    // The worker's own copy of the tree: the merger must send its own, once.
    const copies = this.files.map(file => ({ ...file }))
    copies.forEach(copy => this.rpc.onQueued(copy))
    await this.rpc.onCollected(copies)
  }

  update(packs: RunnerTaskResultPack[], events: [string, EventName][]): Promise<void> {
    return this.rpc.onTaskUpdate(packs, events.map(([id, name]) => [id, name, undefined]))
  }

  startSuite(id: string, startTime = 100): Promise<void> {
    return this.update([[id, { state: 'run', startTime }, {}]], [[id, 'suite-prepare']])
  }

  finishSuite(id: string, result: RunnerTaskResult): Promise<void> {
    return this.update([[id, result, {}]], [[id, 'suite-finished']])
  }

  startTest(id: string): Promise<void> {
    return this.update([[id, { state: 'run', startTime: 100 }, {}]], [[id, 'test-prepare']])
  }

  finishTest(id: string, state: RunnerTaskResult['state'] = 'pass'): Promise<void> {
    return this.update([[id, { state, startTime: 100, duration: 5 }, {}]], [[id, 'test-finished']])
  }

  async runTest(id: string, state: RunnerTaskResult['state'] = 'pass'): Promise<void> {
    await this.startTest(id)
    await this.finishTest(id, state)
  }
}

const settle = () => new Promise<void>(resolve => setImmediate(resolve))

/** File /p/s.test.ts: F ─ S ─ `tests`, all in one serial batch, whose worker has run T1 (passed). */
async function serialScenarioAfterT1(tests: string[]) {
  const target = new RecordingTarget()
  const file = tree('/p/s.test.ts', 'F', [{ id: 'S', tasks: tests.map(id => ({ id })) }])
  const serial = batch(1, [{ moduleId: '/p/s.test.ts', owned: tests }], ['F', 'S'])
  const merger = new ReportMerger(target.asRpc(), new Map([['/p/s.test.ts', file]]), [serial])
  const worker = new Worker(merger.methodsFor(serial), [file])
  await worker.collect()
  await worker.startSuite('F')
  await worker.startSuite('S')
  await worker.runTest('T1')
  return { target, merger, serial, worker }
}

/**
 * File /p/a.test.ts:  F ─┬─ S ─┬─ T1
 *                        │     ├─ T2
 *                        │     └─ T4 (skipped: owned by the host, never run)
 *                        └─ T3
 * B1 hosts the file (T1, T4, every suite); B2 runs T2 (in F and S); B3 runs T3 (in F only).
 */
function freeScenario(options: ReportMergerOptions = {}) {
  const target = new RecordingTarget()
  const file = tree('/p/a.test.ts', 'F', [{ id: 'S', tasks: [{ id: 'T1' }, { id: 'T2' }, { id: 'T4' }] }, { id: 'T3' }])
  const b1 = batch(1, [{ moduleId: '/p/a.test.ts', owned: ['T1', 'T4'] }], ['F', 'S'])
  const b2 = batch(2, [{ moduleId: '/p/a.test.ts', owned: ['T2'] }], ['F', 'S'])
  const b3 = batch(3, [{ moduleId: '/p/a.test.ts', owned: ['T3'] }], ['F'])
  const merger = new ReportMerger(target.asRpc(), new Map([['/p/a.test.ts', file]]), [b1, b2, b3], options)
  const worker = (b: PlannedBatch) => new Worker(merger.methodsFor(b), [file])
  return { target, file, merger, b1, b2, b3, w1: worker(b1), w2: worker(b2), w3: worker(b3) }
}

const crash: BatchFailure = { state: 'fail', runningMessage: 'worker crashed while this test ran', pendingMessage: 'worker crashed before this test started', beforeTestsMessage: 'worker crashed before its first test started', betweenTestsMessage: 'worker crashed between two tests', afterTestsMessage: 'worker crashed after its tests ended', loadingMessage: 'worker crashed while it loaded this file' }
const cancelled: BatchFailure = { state: 'skip', runningMessage: 'cancelled while running', pendingMessage: 'the run was cancelled', beforeTestsMessage: 'the run was cancelled', betweenTestsMessage: 'the run was cancelled', afterTestsMessage: 'the run was cancelled', loadingMessage: 'the run was cancelled' }

describe('ReportMerger', () => {
  test('the file\'s tree is sent once, the merger\'s own, before any update', async () => {
    const { target, file, w1, w2, w3 } = freeScenario()
    await w1.collect()
    await w1.startSuite('F')
    await w2.collect()
    await w3.collect()
    await w2.startSuite('F')
    expect(target.calls.map(call => call.kind)).toEqual(['queued', 'collected', 'update'])
    // Queued as a worker announces a file it is about to collect: without tasks yet.
    const queued = (target.calls[0] as { file: RunnerTestFile }).file
    expect(queued).toMatchObject({ id: file.id, filepath: file.filepath, mode: 'queued', tasks: [] })
    expect(queued.file).toBe(queued)
    expect((target.calls[1] as { files: RunnerTestFile[] }).files[0]).toBe(file)
  })

  test('a suite is prepared once, by whichever batch starts it first', async () => {
    const { target, w1, w2 } = freeScenario()
    await w2.collect()
    await w2.startSuite('F', 200)
    await w1.collect()
    await w1.startSuite('F', 100)
    expect(target.events).toEqual(['F:suite-prepare'])
    expect(target.results('F')).toEqual([{ state: 'run', startTime: 200 }])
  })

  test('a test\'s events are forwarded only from the batch that owns it', async () => {
    const { target, w1, w2 } = freeScenario()
    await w1.collect()
    await w2.collect()
    // B2's worker was told to run T2 only, so it reports T1 as skipped: that must not reach Vitest.
    await w2.finishTest('T1', 'skip')
    await w2.runTest('T2')
    await w1.runTest('T1', 'fail')
    await w1.finishTest('T2', 'skip')
    expect(target.events).toEqual(['T2:test-prepare', 'T2:test-finished', 'T1:test-prepare', 'T1:test-finished'])
    expect(target.results('T1').map(result => result.state)).toEqual(['run', 'fail'])
    expect(target.results('T2').map(result => result.state)).toEqual(['run', 'pass'])
  })

  test('once the run is cancelled, a test its worker ends without a result is skipped with a note', async () => {
    let cancelled = false
    const { target, w1, w2 } = freeScenario({ cancelled: () => cancelled })
    await w1.collect()
    await w2.collect()
    // Before the cancel, Vitest's runner's own report passes through as it is.
    await w2.update([['T2', undefined, {}]], [['T2', 'test-prepare'], ['T2', 'test-finished']])
    cancelled = true
    // Vitest's runner ends a test it did not start after a cancel without a result.
    await w1.update([['T1', undefined, {}]], [['T1', 'test-prepare'], ['T1', 'test-finished']])
    // A test still running (no test-finished yet) keeps its state.
    await w1.update([['T4', { state: 'run', startTime: 100 }, {}]], [['T4', 'test-prepare']])
    expect(target.results('T2')).toEqual([undefined])
    expect(target.results('T1')).toEqual([{ state: 'skip', note: 'Not run: the test run was cancelled.' }])
    expect(target.results('T4')).toEqual([{ state: 'run', startTime: 100 }])
  })

  test('the host forwards the non-runnable tests it owns', async () => {
    const { target, w1 } = freeScenario()
    await w1.collect()
    await w1.finishTest('T4', 'skip')
    expect(target.events).toEqual(['T4:test-finished'])
  })

  test('suite events of a batch that does not take part in the suite are dropped', async () => {
    const { target, w3 } = freeScenario()
    await w3.collect()
    await w3.startSuite('S')
    await w3.finishSuite('S', { state: 'skip' })
    expect(target.events).toEqual([])
  })

  test('a suite finishes once, after all its batches finished, with the merged state', async () => {
    const { target, w1, w2, w3 } = freeScenario()
    for (const worker of [w1, w2, w3]) {
      await worker.collect()
      await worker.startSuite('F')
    }
    await w1.startSuite('S', 100)
    await w2.startSuite('S', 150)
    await w1.runTest('T1')
    await w1.finishTest('T4', 'skip')
    await w2.runTest('T2')
    await w3.runTest('T3')
    await w1.finishSuite('S', { state: 'pass', startTime: 100, duration: 10 })
    await w1.finishSuite('F', { state: 'pass', startTime: 100, duration: 10 })
    expect(target.events.filter(event => event.endsWith('suite-finished'))).toEqual([])
    await w2.finishSuite('S', { state: 'fail', startTime: 150, duration: 20, errors: [{ name: 'Error', message: 'afterAll failed' } as TaskError] })
    expect(target.events.filter(event => event.endsWith('suite-finished'))).toEqual(['S:suite-finished'])
    expect(target.lastResult('S')).toMatchObject({ state: 'fail', startTime: 100, duration: 30, errors: [{ message: 'afterAll failed' }] })
    await w2.finishSuite('F', { state: 'pass', startTime: 150, duration: 20 })
    expect(target.events.filter(event => event.endsWith('suite-finished'))).toEqual(['S:suite-finished'])
    await w3.finishSuite('F', { state: 'pass', startTime: 120, duration: 100 })
    expect(target.events.filter(event => event.endsWith('suite-finished'))).toEqual(['S:suite-finished', 'F:suite-finished'])
    expect(target.lastResult('F')).toMatchObject({ state: 'pass', startTime: 100, duration: 130 })
    expect(target.events.filter(event => event.startsWith('F:'))).toEqual(['F:suite-prepare', 'F:suite-finished'])
  })

  test('a crashed batch fails its running test and its never-started tests, each with its message, and closes its suites', async () => {
    const { target, merger, serial, worker } = await serialScenarioAfterT1(['T1', 'T2', 'T3'])
    await worker.startTest('T2')
    await merger.batchEnded(serial, crash)

    expect(target.lastResult('T1')!.state).toBe('pass')
    expect(target.lastResult('T2')).toMatchObject({ state: 'fail', errors: [{ name: 'MpWorkerError', message: crash.runningMessage }] })
    expect(target.lastResult('T3')).toMatchObject({ state: 'fail', errors: [{ name: 'MpWorkerError', message: crash.pendingMessage }] })
    expect(target.lastResult('S')!.state).toBe('fail')
    expect(target.lastResult('F')!.state).toBe('fail')
    // The running test was already prepared; the never-started one is prepared for it. Suites close deepest first.
    expect(target.events.filter(event => event.startsWith('T2:'))).toEqual(['T2:test-prepare', 'T2:test-finished'])
    expect(target.events.filter(event => event.startsWith('T3:'))).toEqual(['T3:test-prepare', 'T3:test-finished'])
    expect(target.events.slice(-2)).toEqual(['S:suite-finished', 'F:suite-finished'])
  })

  test('a batch that crashed before it reported anything still gets the tree sent and every suite prepared and closed', async () => {
    const { target, merger, b2 } = freeScenario()
    await merger.batchEnded(b2, crash)
    expect(target.calls.map(call => call.kind)).toEqual(['queued', 'collected', 'update'])
    expect(target.events).toEqual(['F:suite-prepare', 'S:suite-prepare', 'T2:test-prepare', 'T2:test-finished'])
    // It never said it had collected its file: it died loading it (or starting).
    expect(target.lastResult('T2')).toMatchObject({ state: 'fail', errors: [{ message: crash.loadingMessage }] })
  })

  test('a batch that died after its earlier tests had ended, before the next began (a nested suite\'s beforeAll), says so', async () => {
    const { target, merger, serial } = await serialScenarioAfterT1(['T1', 'T2'])
    await merger.batchEnded(serial, crash)
    expect(target.lastResult('T1')!.state).toBe('pass')
    expect(target.lastResult('T2')).toMatchObject({ state: 'fail', errors: [{ message: crash.betweenTestsMessage }] })
  })

  test('a batch that collected its file and died before any of its tests began (in a beforeAll hook) says so', async () => {
    const { target, merger, b1, w1 } = freeScenario()
    await w1.collect()
    await w1.startSuite('F')
    await w1.startSuite('S')
    await merger.batchEnded(b1, crash)
    expect(target.lastResult('T1')).toMatchObject({ state: 'fail', errors: [{ message: crash.beforeTestsMessage }] })
  })

  test('a crashed batch\'s share of a suite waits for the other batches before the suite finishes', async () => {
    const { target, merger, b1, b2, b3, w1, w3 } = freeScenario()
    await w1.collect()
    await w1.startSuite('F')
    await w1.startSuite('S')
    await w1.runTest('T1')
    await w1.finishSuite('S', { state: 'pass', startTime: 100, duration: 1 })
    await w1.finishSuite('F', { state: 'pass', startTime: 100, duration: 1 })
    await merger.batchEnded(b1, undefined)
    await merger.batchEnded(b2, crash)
    expect(target.lastResult('S')!.state).toBe('fail')
    expect(target.events).not.toContain('F:suite-finished')
    await w3.collect()
    await w3.runTest('T3')
    await w3.finishSuite('F', { state: 'pass', startTime: 100, duration: 1 })
    await merger.batchEnded(b3, undefined)
    expect(target.events.filter(event => event === 'F:suite-finished')).toHaveLength(1)
    expect(target.lastResult('F')!.state).toBe('fail')
  })

  test('a cancelled batch marks its tests skipped quietly (test-cancel, as Vitest\'s runner does), saying why, and skips its suites', async () => {
    const { target, merger, b1, b2, b3 } = freeScenario()
    for (const b of [b1, b2, b3]) {
      await merger.batchEnded(b, cancelled)
    }
    for (const id of ['T1', 'T2', 'T3', 'T4']) {
      expect(target.lastResult(id)).toEqual({ state: 'skip', note: 'the run was cancelled' })
    }
    // A suite skipped as a whole is reported with its tests by Vitest itself: no test-finished
    // here, or reporters would see each test twice.
    expect(target.events.filter(event => event.endsWith(':test-finished'))).toEqual([])
    expect(target.lastResult('S')!.state).toBe('skip')
    expect(target.lastResult('F')!.state).toBe('skip')
    expect(target.calls.filter(call => call.kind === 'collected')).toHaveLength(1)
  })

  test('a batch whose worker failed to load the file fails its tests with the file\'s error, and the file ends after them', async () => {
    const { target, merger, b1, b2, b3, w1, w2, w3 } = freeScenario()
    for (const [b, w, test] of [[b1, w1, 'T1'], [b2, w2, 'T2']] as const) {
      await w.collect()
      await w.startSuite('F')
      await w.startSuite('S')
      await w.runTest(test)
      await w.finishSuite('S', { state: 'pass' })
      await w.finishSuite('F', { state: 'pass' })
      await merger.batchEnded(b, undefined)
    }
    await w3.collect()
    const boom: TaskError = { name: 'Error', message: 'boom at load' } as TaskError
    await w3.update([['F', { state: 'fail', errors: [boom] }, {}]], [['F', 'suite-failed-early']])
    // Reporters take a file's end as the end of its tests: the file waits for the batch's end.
    expect(target.events).not.toContain('F:suite-finished')
    const finished: BatchFailure = { ...crash, loadFailedMessage: 'the file failed to load in batch 3' }
    await merger.batchEnded(b3, finished)
    expect(target.lastResult('T3')).toMatchObject({ state: 'fail', errors: [{ message: 'the file failed to load in batch 3: boom at load (shown in full with the file).' }] })
    expect(target.events.slice(-3)).toEqual(['T3:test-prepare', 'T3:test-finished', 'F:suite-finished'])
    expect(target.lastResult('F')).toMatchObject({ state: 'fail', errors: [{ message: 'boom at load' }] })
  })

  test('a failed test whose worker died before Vitest reported it keeps the errors its end carried', async () => {
    const { target, merger, serial, worker } = await serialScenarioAfterT1(['T1', 'T2', 'T3'])
    await worker.startTest('T2')
    const error = { name: 'AssertionError', message: 'expected 2 to be 3' }
    merger.noteProgress({ [MP_TAG]: true, kind: 'progress', testId: 'T2', phase: 'end', state: 'fail', duration: 3, errors: [error] })
    merger.noteProgress({ [MP_TAG]: true, kind: 'progress', testId: 'T3', phase: 'begin' })
    await merger.batchEnded(serial, crash)
    expect(target.lastResult('T2')).toEqual({ state: 'fail', duration: 3, errors: [error] })
    expect(target.lastResult('T3')).toMatchObject({ state: 'fail', errors: [{ message: crash.runningMessage }] })
  })

  test('a batch that ended normally but left owned tests unreported reports them as skipped', async () => {
    const { target, merger, b1, w1 } = freeScenario()
    await w1.collect()
    await w1.runTest('T1')
    await merger.batchEnded(b1, undefined)
    expect(target.lastResult('T1')!.state).toBe('pass')
    expect(target.lastResult('T4')).toEqual({ state: 'skip' })
  })

  test('tests a batch finished are not reported again when it ends', async () => {
    const { target, merger, b3, w3 } = freeScenario()
    await w3.collect()
    await w3.runTest('T3', 'fail')
    await merger.batchEnded(b3, crash)
    expect(target.events.filter(event => event.startsWith('T3:'))).toEqual(['T3:test-prepare', 'T3:test-finished'])
    expect(target.lastResult('T3')!.state).toBe('fail')
    expect(target.lastResult('T3')!.errors).toBeUndefined()
  })

  test('whenFileDone resolves only after every batch touching the file ended', async () => {
    const { merger, b1, b2, b3 } = freeScenario()
    let done = false
    void merger.whenFileDone('/p/a.test.ts').then(() => { done = true })
    await merger.batchEnded(b2, undefined)
    await settle()
    expect(done).toBe(false)
    await merger.batchEnded(b1, undefined)
    await settle()
    expect(done).toBe(false)
    await merger.batchEnded(b3, undefined)
    await settle()
    expect(done).toBe(true)
  })

  // A file collected again, then held for other files, is kept open twice at once, the second
  // time after a batch of it ended: each hold must count until it is released.
  test('a file kept open twice stays open until both are released', async () => {
    const { merger, b1, b2, b3 } = freeScenario()
    let done = false
    void merger.whenFileDone('/p/a.test.ts').then(() => { done = true })
    await merger.batchEnded(b2, undefined)
    await merger.batchEnded(b3, undefined)
    const recollecting = merger.keepOpen('/p/a.test.ts')
    await merger.batchEnded(b1, undefined)
    const held = merger.keepOpen('/p/a.test.ts')
    recollecting()
    await settle()
    expect(done).toBe(false)
    held()
    await settle()
    expect(done).toBe(true)
  })

  test('a batch spanning two files counts for both files', async () => {
    const target = new RecordingTarget()
    const a = tree('/p/a.test.ts', 'FA', [{ id: 'A1' }, { id: 'A2' }])
    const b = tree('/p/b.test.ts', 'FB', [{ id: 'B1' }])
    const serial = batch(1, [{ moduleId: '/p/a.test.ts', owned: ['A1'] }, { moduleId: '/p/b.test.ts', owned: ['B1'] }], ['FA', 'FB'])
    const free = batch(2, [{ moduleId: '/p/a.test.ts', owned: ['A2'] }], ['FA'])
    const merger = new ReportMerger(target.asRpc(), new Map([['/p/a.test.ts', a], ['/p/b.test.ts', b]]), [serial, free])
    const finished: string[] = []
    void merger.whenFileDone('/p/a.test.ts').then(() => finished.push('a'))
    void merger.whenFileDone('/p/b.test.ts').then(() => finished.push('b'))
    await merger.batchEnded(serial, undefined)
    await settle()
    expect(finished).toEqual(['b'])
    await merger.batchEnded(free, undefined)
    await settle()
    expect(finished).toEqual(['b', 'a'])
    // Each file's tree was sent once, when the first report for it was made.
    expect(target.calls.filter(call => call.kind === 'collected').map(call => (call as { files: RunnerTestFile[] }).files[0]!.id)).toEqual(['FA', 'FB'])
  })

  test('whenFileDone of a file the merger does not know resolves at once', async () => {
    const { merger } = freeScenario()
    await expect(merger.whenFileDone('/p/unknown.test.ts')).resolves.toBeUndefined()
  })

  test('a whole-file batch passes everything through unchanged', async () => {
    const target = new RecordingTarget()
    const file = tree('/p/w.test.ts', 'F', [{ id: 'S', tasks: [{ id: 'T1' }] }])
    const whole = batch(1, [{ moduleId: '/p/w.test.ts', owned: 'all' }], ['F', 'S'])
    const merger = new ReportMerger(target.asRpc(), new Map([['/p/w.test.ts', file]]), [whole])
    const rpc = merger.methodsFor(whole)
    const copy = { ...file }
    rpc.onQueued(copy)
    await rpc.onCollected([copy])
    const packs: RunnerTaskResultPack[] = [['S', { state: 'run' }, {}], ['T1', { state: 'skip' }, {}], ['elsewhere', { state: 'pass' }, {}]]
    const events: RunnerTaskEventPack[] = [['S', 'suite-prepare', undefined], ['S', 'before-hook-start', undefined], ['T1', 'test-finished', undefined]]
    await rpc.onTaskUpdate(packs, events)
    await rpc.onTaskUpdate([['S', { state: 'pass' }, {}]], [['S', 'suite-finished', undefined]])
    expect(target.calls).toEqual([
      { kind: 'queued', file: copy },
      { kind: 'collected', files: [copy] },
      { kind: 'update', packs, events },
      { kind: 'update', packs: [['S', { state: 'pass' }, {}]], events: [['S', 'suite-finished', undefined]] },
    ])
    expect((target.calls[0] as { file: RunnerTestFile }).file).toBe(copy)
    await merger.batchEnded(whole, crash)
    expect(target.calls).toHaveLength(4)
    await expect(merger.whenFileDone('/p/w.test.ts')).resolves.toBeUndefined()
  })

  test('methods other than reporting are the target\'s own', () => {
    const target = new RecordingTarget()
    const own = () => 42
    const rpc = Object.assign(target, { getCountOfFailedTests: own }).asRpc()
    const file = tree('/p/a.test.ts', 'F', [{ id: 'T1' }])
    const b = batch(1, [{ moduleId: '/p/a.test.ts', owned: ['T1'] }], ['F'])
    const merger = new ReportMerger(rpc, new Map([['/p/a.test.ts', file]]), [b])
    // Spread copies own enumerable properties, so the instance's own function is kept.
    expect(merger.methodsFor(b).getCountOfFailedTests).toBe(own)
  })
})

describe('mergeSuiteResults', () => {
  const error = (message: string, stack = `Error: ${message}`) => ({ name: 'Error', message, stack }) as TaskError

  test.each([
    [['pass', 'fail', 'skip'], 'fail'],
    [['skip', 'pass', 'todo'], 'pass'],
    [['todo', 'todo'], 'todo'],
    [['skip', 'skip'], 'skip'],
    [['pass'], 'pass'],
  ] as const)('states %j merge to %s', (states, expected) => {
    expect(mergeSuiteResults(states.map(state => ({ state }))).state).toBe(expected)
  })

  test('a suite is todo only when every part is todo; todo with skip is skip, as Vitest reports such a suite', () => {
    expect(mergeSuiteResults([{ state: 'todo' }, { state: 'skip' }]).state).toBe('skip')
  })

  test('missing results are ignored; none at all is skip', () => {
    expect(mergeSuiteResults([undefined, { state: 'pass' }]).state).toBe('pass')
    expect(mergeSuiteResults([undefined]).state).toBe('skip')
    expect(mergeSuiteResults([]).state).toBe('skip')
  })

  test('errors are gathered and duplicates dropped', () => {
    const merged = mergeSuiteResults([
      { state: 'fail', errors: [error('afterAll failed'), error('boom')] },
      { state: 'fail', errors: [error('afterAll failed')] },
      { state: 'fail', errors: [error('afterAll failed', 'Error: afterAll failed\n    at other')] },
    ])
    expect(merged.errors!.map(e => e.message)).toEqual(['afterAll failed', 'boom', 'afterAll failed'])
  })

  test('the same throw reported by two batches whose stacks differ only below the throw site is one error', () => {
    const thrownAt = 'Error: refused\n    at checkAllowOnly (runner.js:1036:29)\n    at traverseSuite (runner.js:930:15)'
    const merged = mergeSuiteResults([
      { state: 'fail', errors: [error('refused', `${thrownAt}\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)\n    at async collectTests (runner.js:2433:3)`)] },
      { state: 'fail', errors: [error('refused', `${thrownAt}\n    at async collectTests (runner.js:2433:3)\n    at async run (base.js:81:2)`)] },
      { state: 'fail', errors: [error('refused', 'Error: refused\n    at elsewhere (suite.test.ts:3:9)')] },
    ])
    expect(merged.errors!.map(e => e.stack!.split('\n')[1])).toEqual(['    at checkAllowOnly (runner.js:1036:29)', '    at elsewhere (suite.test.ts:3:9)'])
  })

  test('no errors: errors is undefined', () => {
    expect(mergeSuiteResults([{ state: 'pass' }, { state: 'pass', errors: [] }]).errors).toBeUndefined()
  })

  test('start is the earliest start; duration adds up the workers\' durations', () => {
    const merged = mergeSuiteResults([
      { state: 'pass', startTime: 200, duration: 50 },
      { state: 'pass', startTime: 100, duration: 30 },
      { state: 'pass', startTime: 150 },
      { state: 'skip' },
    ])
    expect(merged.startTime).toBe(100)
    expect(merged.duration).toBe(80)
  })

  test('without any start time no span is invented', () => {
    const merged = mergeSuiteResults([{ state: 'pass' }, { state: 'skip' }])
    expect(merged.startTime).toBeUndefined()
    expect(merged.duration).toBeUndefined()
  })

  test('other fields come from a result with the merged state', () => {
    const merged = mergeSuiteResults([
      { state: 'pass', hooks: { afterAll: 'pass' } },
      { state: 'fail', hooks: { afterAll: 'fail' } },
    ])
    expect(merged.hooks).toEqual({ afterAll: 'fail' })
  })
})

describe('a skipped test in a suite whose other tests run in another batch', () => {
  // F ─┬─ T1 (B1, which hosts the file and owns T4)
  //    └─ S ─┬─ T2 (B2)
  //          └─ T4 (skipped)
  // B1's filter skips S, so its worker never reports T4; B1 reports it as it stands when it ends.
  function scenario() {
    const target = new RecordingTarget()
    const file = tree('/p/n.test.ts', 'F', [{ id: 'T1' }, { id: 'S', tasks: [{ id: 'T2' }, { id: 'T4' }] }])
    ;((file.tasks[1] as { tasks: { mode: string }[] }).tasks[1]!).mode = 'skip'
    const b1 = { ...batch(1, [{ moduleId: '/p/n.test.ts', owned: ['T1', 'T4'] }], ['F', 'S']), runnable: ['T1'] }
    const b2 = batch(2, [{ moduleId: '/p/n.test.ts', owned: ['T2'] }], ['F', 'S'])
    const merger = new ReportMerger(target.asRpc(), new Map([['/p/n.test.ts', file]]), [b1, b2])
    const w1 = new Worker(merger.methodsFor(b1), [file])
    const w2 = new Worker(merger.methodsFor(b2), [file])
    return {
      target,
      hostRuns: async () => {
        await w1.collect()
        await w1.startSuite('F')
        await w1.runTest('T1')
        await w1.update([['S', { state: 'skip' }, {}]], [['S', 'suite-finished']])
        await w1.finishSuite('F', { state: 'pass' })
      },
      hostEnds: () => merger.batchEnded(b1, undefined),
      otherRuns: async () => {
        await w2.startSuite('F')
        await w2.startSuite('S')
        await w2.runTest('T2')
        await w2.finishSuite('S', { state: 'pass' })
        await w2.finishSuite('F', { state: 'pass' })
        await merger.batchEnded(b2, undefined)
      },
      /** T4 reported once, between its suite's start and end. */
      expectT4InsideS: async () => {
        await settle()
        const events = target.events
        expect(events.filter(event => event.startsWith('T4:'))).toEqual(['T4:test-prepare', 'T4:test-finished'])
        expect(events.indexOf('T4:test-prepare')).toBeGreaterThan(events.indexOf('S:suite-prepare'))
        expect(events.indexOf('T4:test-finished')).toBeLessThan(events.indexOf('S:suite-finished'))
        expect(events.indexOf('S:suite-finished')).toBeLessThan(events.indexOf('F:suite-finished'))
      },
    }
  }

  test('is reported inside its suite when the host ends after the suite and the file did', async () => {
    const { hostRuns, hostEnds, otherRuns, expectT4InsideS } = scenario()
    await hostRuns()
    await otherRuns()
    await hostEnds()
    await expectT4InsideS()
  })

  test('waits for its suite to start when the host ends before any batch started it', async () => {
    const { hostRuns, hostEnds, otherRuns, expectT4InsideS } = scenario()
    await hostRuns()
    await hostEnds()
    await otherRuns()
    await expectT4InsideS()
  })
})
