import type { TestRecord } from '../fixtures/_shared/record'
import { describe, expect, test } from 'vitest'
import { maxOverlap, runFixture, statuses } from './utils'

/** The numbers recorded as `<prefix> <n>`, sorted. */
function written(records: readonly TestRecord[], prefix: string): number[] {
  return records
    .filter(r => r.name.startsWith(`${prefix} `))
    .map(r => Number(r.name.slice(prefix.length + 1)))
    .sort((a, b) => a - b)
}

function oneTo(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1)
}

describe('shared state across worker processes', () => {
  test('no lost update: under the lock, and with update alone', async () => {
    const run = await runFixture('shared-counter')
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(0)
    const workers = run.records.filter(r => r.name.startsWith('worker '))
    expect(new Set(workers.map(r => r.pid)).size).toBe(4)
    // The barrier holds every worker until all four run: the increments really contend.
    expect(maxOverlap(workers)).toBe(4)
    expect(written(run.records, 'locked')).toEqual(oneTo(80))
    expect(written(run.records, 'updated')).toEqual(oneTo(80))
  })

  test('trail flags agree with a replay of the consumer count; a lock inside a trail does not deadlock', async () => {
    const run = await runFixture('shared-trail')
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(0)
    const events = run.records.filter(r => /^(?:start|finish) /.test(r.name))
    expect(events).toHaveLength(6)
    // Callbacks of one trail never overlap, so their begin order is the order the store served them.
    for (let i = 1; i < events.length; i++) {
      expect(events[i - 1]!.end).toBeLessThanOrEqual(events[i]!.begin)
    }
    let consumers = 0
    for (const event of events) {
      const [phase, , flag] = event.name.split(' ')
      if (phase === 'start') {
        expect(flag, event.name).toBe(String(consumers === 0))
        consumers++
      }
      else {
        consumers--
        expect(flag, event.name).toBe(String(consumers === 0))
      }
    }
    expect(events.filter(e => e.name.endsWith('true'))).toHaveLength(2)
    expect(new Set(events.map(e => e.pid)).size).toBe(3)
  })

  test('a dead worker releases its lock and its trail count: the survivor finishes last', async () => {
    const run = await runFixture('shared-crash')
    const results = statuses(run.json)
    expect(results['Crash survivor']).toBe('passed')
    expect(results['Crash victim']).toBe('failed')
    const names = run.records.map(r => r.name)
    expect(names).toContain('victim dies')
    expect(names).toContain('finish survivor true')
    const victim = run.records.find(r => r.name === 'victim dies')!
    const finish = run.records.find(r => r.name === 'finish survivor true')!
    expect(victim.pid).not.toBe(finish.pid)
    expect(victim.end).toBeLessThan(finish.begin)
  })

  test('board values reach other workers as copies; refusals and timeouts name the key and the holder; fixtures work', async () => {
    const run = await runFixture('shared-board')
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(0)
    expect(Object.values(statuses(run.json))).toEqual(Array.from({ length: 7 }, () => 'passed'))
    const pid = (name: string) => run.records.find(r => r.name === name)!.pid
    expect(pid('writer')).not.toBe(pid('reader'))
    expect(pid('holder')).not.toBe(pid('waiter'))
    expect(pid('fixtures 1')).not.toBe(pid('fixtures 2'))
  })

  test('with test.concurrent, a lock\'s holder is named as one of the tests running at once, all of them named; updates of one key and entries of one trail take turns', async () => {
    const run = await runFixture('shared-concurrent')
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(0)
    expect(Object.values(statuses(run.json))).toEqual(Array.from({ length: 9 }, () => 'passed'))
    const trail = run.records.filter(r => r.name.startsWith('trail ')).sort((a, b) => a.begin - b.begin)
    expect(trail.map(r => r.name).sort()).toEqual(['trail finish false', 'trail finish false', 'trail finish true', 'trail start false', 'trail start false', 'trail start true'])
    expect(trail[0]!.name).toBe('trail start true')
    expect(trail.at(-1)!.name).toBe('trail finish true')
    trail.slice(1).forEach((r, i) => expect(r.begin).toBeGreaterThanOrEqual(trail[i]!.end))
    const pid = (name: string) => run.records.find(r => r.name === name)!.pid
    expect(pid('conc holder')).toBe(pid('conc bystander'))
    expect(pid('conc holder')).not.toBe(pid('conc waiter'))
  })
})
