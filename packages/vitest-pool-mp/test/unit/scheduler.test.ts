import type { PlannedBatch } from '../../src/batches.js'
import type { Strategy } from '../../src/strategy.js'
import { describe, expect, test } from 'vitest'
import { sameIsolatedGroup } from '../../src/batches.js'
import { BatchScheduler } from '../../src/scheduler.js'
import { isIsolated } from '../../src/strategy.js'

function batch(id: number, strategy: Strategy, group: string | null = null): PlannedBatch {
  return { id, strategy, group, files: [], runnable: [`t${id}`], suiteIds: [], hosts: [] }
}

/** Starts every batch the scheduler allows now; returns their ids. */
function startAll(scheduler: BatchScheduler): number[] {
  const started: number[] = []
  for (let next = scheduler.next(); next; next = scheduler.next()) {
    started.push(next.id)
  }
  return started
}

describe('BatchScheduler', () => {
  test('never runs more than the limit', () => {
    const scheduler = new BatchScheduler([1, 2, 3, 4, 5].map(id => batch(id, 'free')), 2)
    expect(startAll(scheduler)).toEqual([1, 2])
    expect(scheduler.runningCount).toBe(2)
    scheduler.finish(1)
    expect(startAll(scheduler)).toEqual([3])
    scheduler.finish(2)
    scheduler.finish(3)
    expect(startAll(scheduler)).toEqual([4, 5])
  })

  test('starts batches in plan order', () => {
    const plan = [batch(1, 'serial', 'S'), batch(2, 'free'), batch(3, 'free', 'F'), batch(4, 'free')]
    const scheduler = new BatchScheduler(plan, 10)
    expect(startAll(scheduler)).toEqual([1, 2, 3, 4])
  })

  test('an isolated batch waits until nothing runs', () => {
    // Plan order is the planner's job; here a free batch precedes an isolated one to show the wait.
    const scheduler = new BatchScheduler([batch(1, 'free'), batch(2, 'serial', 'S'), batch(3, 'isolated_serial', 'I'), batch(4, 'free')], 4)
    expect(startAll(scheduler)).toEqual([1, 2])
    scheduler.finish(1)
    expect(startAll(scheduler)).toEqual([])
    scheduler.finish(2)
    expect(startAll(scheduler)).toEqual([3])
  })

  test('nothing else starts while an isolated batch runs', () => {
    const scheduler = new BatchScheduler([batch(1, 'isolated_serial', 'I'), batch(2, 'serial', 'S'), batch(3, 'free')], 4)
    expect(startAll(scheduler)).toEqual([1])
    expect(scheduler.next()).toBeUndefined()
    scheduler.finish(1)
    expect(startAll(scheduler)).toEqual([2, 3])
  })

  test('two different isolated groups never overlap', () => {
    const scheduler = new BatchScheduler([batch(1, 'isolated_free', 'A'), batch(2, 'isolated_free', 'B')], 4)
    expect(startAll(scheduler)).toEqual([1])
    scheduler.finish(1)
    expect(startAll(scheduler)).toEqual([2])
  })

  test('batches of the same isolated_free group may overlap each other, up to the limit', () => {
    const scheduler = new BatchScheduler([
      batch(1, 'isolated_free', 'I'),
      batch(2, 'isolated_free', 'I'),
      batch(3, 'isolated_free', 'I'),
      batch(4, 'free'),
    ], 2)
    expect(startAll(scheduler)).toEqual([1, 2])
    scheduler.finish(1)
    expect(startAll(scheduler)).toEqual([3])
    scheduler.finish(2)
    expect(startAll(scheduler)).toEqual([])
    scheduler.finish(3)
    expect(startAll(scheduler)).toEqual([4])
  })

  test('a same-named group with another strategy is not the same isolated group', () => {
    const scheduler = new BatchScheduler([batch(1, 'isolated_serial', 'X'), batch(2, 'isolated_free', 'X')], 4)
    expect(startAll(scheduler)).toEqual([1])
  })

  test('cancel returns the never-started batches and stops all starts', () => {
    const plan = [batch(1, 'free'), batch(2, 'free'), batch(3, 'free'), batch(4, 'free')]
    const scheduler = new BatchScheduler(plan, 2)
    startAll(scheduler)
    expect(scheduler.cancel().map(b => b.id)).toEqual([3, 4])
    scheduler.finish(1)
    expect(scheduler.next()).toBeUndefined()
    expect(scheduler.cancel()).toEqual([])
  })

  test('held batches wait, later ones start past them; released ones start, withdrawn ones never do', () => {
    const scheduler = new BatchScheduler([1, 2, 3, 4, 5].map(id => batch(id, 'free')), 10)
    scheduler.hold([2, 3, 4])
    expect(startAll(scheduler)).toEqual([1, 5])
    expect(scheduler.isDone).toBe(false)
    scheduler.release([3])
    expect(startAll(scheduler)).toEqual([3])
    expect(scheduler.withdraw([2, 4]).map(b => b.id)).toEqual([2, 4])
    ;[1, 3, 5].forEach(id => scheduler.finish(id))
    expect(scheduler.isDone).toBe(true)
  })

  test('hasPending while a batch is left to start, held ones included, and again once batches are added', () => {
    const scheduler = new BatchScheduler([batch(1, 'free'), batch(2, 'free')], 10)
    scheduler.hold([2])
    expect(startAll(scheduler)).toEqual([1])
    expect(scheduler.hasPending).toBe(true)
    scheduler.release([2])
    startAll(scheduler)
    expect(scheduler.hasPending).toBe(false)
    scheduler.add([batch(3, 'free')])
    expect(scheduler.hasPending).toBe(true)
  })

  test('isDone once nothing is pending and nothing runs', () => {
    const scheduler = new BatchScheduler([batch(1, 'free'), batch(2, 'free')], 1)
    expect(scheduler.isDone).toBe(false)
    startAll(scheduler)
    scheduler.finish(1)
    expect(scheduler.isDone).toBe(false)
    startAll(scheduler)
    expect(scheduler.isDone).toBe(false)
    scheduler.finish(2)
    expect(scheduler.isDone).toBe(true)
  })

  test('after cancel, isDone waits for the running batches only', () => {
    const scheduler = new BatchScheduler([batch(1, 'free'), batch(2, 'free')], 1)
    startAll(scheduler)
    scheduler.cancel()
    expect(scheduler.isDone).toBe(false)
    scheduler.finish(1)
    expect(scheduler.isDone).toBe(true)
  })

  test('a batch the slot suits starts first among those of the head\'s strategy; otherwise the head', () => {
    const plan = [batch(1, 'serial'), batch(2, 'free'), batch(3, 'free'), batch(4, 'free')]
    const scheduler = new BatchScheduler(plan, 4)
    // Batch 2 would suit, but serial batches start before free ones.
    expect(scheduler.next([], b => b.id === 2)?.id).toBe(1)
    expect(scheduler.next([], b => b.id === 4)?.id).toBe(4)
    expect(scheduler.next([], () => false)?.id).toBe(2)
    expect(scheduler.next()?.id).toBe(3)
  })

  test('an isolated head is never passed over for a batch that suits', () => {
    const scheduler = new BatchScheduler([batch(1, 'isolated_serial', 'I'), batch(2, 'isolated_serial', 'J')], 2)
    expect(scheduler.next([], b => b.id === 2)?.id).toBe(1)
  })

  test('an empty plan is done at once', () => {
    const scheduler = new BatchScheduler([], 3)
    expect(scheduler.isDone).toBe(true)
    expect(scheduler.next()).toBeUndefined()
  })

  test('the plan passed in is not modified', () => {
    const plan = [batch(1, 'free'), batch(2, 'free')]
    const scheduler = new BatchScheduler(plan, 2)
    startAll(scheduler)
    scheduler.cancel()
    expect(plan.map(b => b.id)).toEqual([1, 2])
  })
})

describe('BatchScheduler simulation: a plan run to completion, batches finishing in various orders', () => {
  type FinishOrder = (running: number[], step: number) => number

  const orders: Record<string, FinishOrder> = {
    'oldest first': running => running[0]!,
    'newest first': running => running[running.length - 1]!,
    'alternating': (running, step) => running[step % 2 === 0 ? 0 : running.length - 1]!,
    'pseudo-random': (running, step) => running[(step * 7919 + 13) % running.length]!,
  }

  /** A plan in the planner's phase order, mixing every strategy and two isolated_free groups. */
  const plan: PlannedBatch[] = [
    batch(1, 'isolated_serial', 'IS1'),
    batch(2, 'isolated_serial', 'IS2'),
    batch(3, 'isolated_free', 'IF1'),
    batch(4, 'isolated_free', 'IF1'),
    batch(5, 'isolated_free', 'IF1'),
    batch(6, 'isolated_free', 'IF2'),
    batch(7, 'isolated_free', 'IF2'),
    batch(8, 'serial', 'S1'),
    batch(9, 'serial', null),
    batch(10, 'free'),
    batch(11, 'free', 'F'),
    batch(12, 'free'),
    batch(13, 'free', 'F'),
  ]

  /** Drives the scheduler like ProjectRun does, checking the invariants at every step. */
  function simulate(batches: PlannedBatch[], limit: number, finishOrder: FinishOrder) {
    const scheduler = new BatchScheduler(batches, limit)
    const running: PlannedBatch[] = []
    const started: number[] = []
    let maxRunning = 0
    let sawOverlapInIsolatedGroup = false
    for (let step = 0; !scheduler.isDone; step++) {
      for (let next = scheduler.next(); next; next = scheduler.next()) {
        running.push(next)
        started.push(next.id)
        expect(running.length).toBeLessThanOrEqual(limit)
        expect(scheduler.runningCount).toBe(running.length)
        const isolated = running.find(other => isIsolated(other.strategy))
        if (isolated) {
          for (const other of running) {
            expect(other === isolated || sameIsolatedGroup(isolated, other), `batch ${other.id} runs alongside isolated batch ${isolated.id}`).toBe(true)
          }
          sawOverlapInIsolatedGroup ||= running.length > 1
        }
      }
      maxRunning = Math.max(maxRunning, running.length)
      // Never stuck: with nothing running, a pending batch must be able to start.
      expect(running.length, 'scheduler is stuck with nothing running').toBeGreaterThan(0)
      const id = finishOrder(running.map(b => b.id), step)
      running.splice(running.findIndex(b => b.id === id), 1)
      scheduler.finish(id)
      expect(step).toBeLessThan(1000)
    }
    return { started, maxRunning, sawOverlapInIsolatedGroup }
  }

  for (const limit of [1, 2, 3, 8]) {
    for (const [name, order] of Object.entries(orders)) {
      test(`limit ${limit}, ${name}: every batch starts once in plan order, isolation and limit hold throughout`, () => {
        const { started, maxRunning, sawOverlapInIsolatedGroup } = simulate(plan, limit, order)
        expect(started).toEqual(plan.map(b => b.id))
        expect(maxRunning).toBeLessThanOrEqual(limit)
        if (limit > 1) {
          // The isolated_free groups' own batches do overlap, and the free tail fills the slots.
          expect(sawOverlapInIsolatedGroup).toBe(true)
          expect(maxRunning).toBe(Math.min(limit, 6))
        }
      })
    }
  }

  test('a limit of one runs everything strictly one after another', () => {
    const { maxRunning } = simulate(plan, 1, orders['oldest first']!)
    expect(maxRunning).toBe(1)
  })
})
