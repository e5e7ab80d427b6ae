import type { RunnerTestFile } from 'vitest'
import type { Call } from '../../src/child/birpc-wire.js'
import { serialize } from 'node:v8'
import { describe, expect, test } from 'vitest'
import { OwnedReports } from '../../src/child/owned-reports.js'
import { declarationShape, declaredNames } from '../../src/declared-tests.js'

/** File F: suite S with tests T1..T300, and T0 at the top level; a worker's own (cyclic) objects. */
function collectedFile(): RunnerTestFile {
  const file = { id: 'F', name: 'a.test.ts', type: 'suite', mode: 'run', filepath: '/p/a.test.ts', meta: {}, tasks: [] } as unknown as RunnerTestFile
  file.file = file
  const suite = { id: 'S', name: 'S', type: 'suite', mode: 'run', file, suite: file, meta: {}, tasks: [] as unknown[] }
  for (let i = 1; i <= 300; i++) {
    suite.tasks.push({ id: `T${i}`, name: `t${i}`, type: 'test', mode: i === 7 ? 'run' : 'skip', file, suite, meta: {}, context: {} })
  }
  file.tasks.push(suite as never, { id: 'T0', name: 't0', type: 'test', mode: 'skip', file, suite: file, meta: {} } as never)
  return file
}

/** The shape main plans a file with. */
const shapeOf = (file: RunnerTestFile): string => declarationShape([...declaredNames(file).keys()])

const call = (m: string, ...a: unknown[]): Call => ({ t: 'q', m, a })
const update = (ids: string[]) => call('onTaskUpdate', ids.map(id => [id, { state: id === 'T7' ? 'pass' : 'skip' }, {}]), ids.map(id => [id, 'test-finished', undefined]))

describe('OwnedReports', () => {
  test('a batch main takes one test from sends its file without tasks, and that test\'s and the suites\' updates only', () => {
    const reports = new OwnedReports()
    reports.begin({ tests: ['T7'] })
    const file = collectedFile()
    const collected = reports.trim(call('onCollected', [file]))
    const sent = (collected.a[0] as RunnerTestFile[])[0]!
    expect(sent).toMatchObject({ id: 'F', filepath: '/p/a.test.ts', tasks: [] })
    expect(sent.file).toBe(sent)
    expect(serialize(collected).byteLength).toBeLessThan(serialize(call('onCollected', [file])).byteLength / 20)
    // The worker's own tree is untouched: Vitest's runner goes on with it.
    expect(file.tasks).toHaveLength(2)
    expect(file.file).toBe(file)

    const trimmed = reports.trim(update(['F', 'S', 'T0', 'T1', 'T7', 'T300']))
    expect((trimmed.a[0] as [string][]).map(([id]) => id)).toEqual(['F', 'S', 'T7'])
    expect((trimmed.a[1] as [string][]).map(([id]) => id)).toEqual(['F', 'S', 'T7'])
  })

  test('without an owned list (a late or whole-file batch, a collect request) every report goes as it is', () => {
    const reports = new OwnedReports()
    reports.begin(undefined)
    const collected = call('onCollected', [collectedFile()])
    expect(reports.trim(collected)).toBe(collected)
    const all = update(['F', 'T1', 'T7'])
    expect(reports.trim(all)).toBe(all)
  })

  test('a new request forgets the last one\'s tests', () => {
    const reports = new OwnedReports()
    reports.begin({ tests: ['T7'] })
    reports.trim(call('onCollected', [collectedFile()]))
    reports.begin({ tests: ['T1'] })
    // Nothing collected yet in this request: nothing is known to belong to others.
    const before = update(['T1', 'T7'])
    expect(reports.trim(before)).toBe(before)
    reports.trim(call('onCollected', [collectedFile()]))
    expect((reports.trim(update(['T1', 'T7'])).a[0] as [string][]).map(([id]) => id)).toEqual(['T1'])
  })

  test('a collected file that declares tests in other places than main planned has all its tests named once, with their suites', () => {
    const reports = new OwnedReports()
    const planned = collectedFile()
    ;(planned.tasks[0] as { tasks: unknown[] }).tasks.pop()
    reports.begin({ tests: ['T7'], planned: { '/p/a.test.ts': shapeOf(planned) } })
    reports.trim(call('onCollected', [collectedFile()]))
    const named = reports.takeUnplanned()
    expect(named).toHaveLength(301)
    expect(named).toContainEqual({ file: '/p/a.test.ts', name: 'S > t300' })
    expect(named).toContainEqual({ file: '/p/a.test.ts', name: 't0' })
    expect(reports.takeUnplanned()).toEqual([])
    // What main planned, or no shape for the file (main has no tree of it yet): nothing is named.
    for (const shapes of [{ '/p/a.test.ts': shapeOf(collectedFile()) }, {}] as Record<string, string>[]) {
      reports.begin({ tests: ['T7'], planned: shapes })
      reports.trim(call('onCollected', [collectedFile()]))
      expect(reports.takeUnplanned()).toEqual([])
    }
  })

  test('a test at an owned id that is not the one main planned there is kept from running, and its reports stay in the worker', () => {
    const shape = shapeOf(collectedFile())
    const fewer = collectedFile()
    ;(fewer.tasks[0] as { tasks: unknown[] }).tasks.pop()
    for (const [why, planned, names] of [
      ['the tests before it moved it', shapeOf(fewer), { T7: 'S > t6', T8: 'S > t8' }],
      ['the planned test is elsewhere in the file', shape, { T7: 'S > t6', T8: 'S > t8' }],
    ] as const) {
      const reports = new OwnedReports()
      reports.begin({ tests: ['T7', 'T8'], planned: { '/p/a.test.ts': planned }, names })
      const file = collectedFile()
      const collected = reports.trim(call('onCollected', [file]))
      const suite = file.tasks[0] as { tasks: { id: string, mode: string }[] }
      // T7 is not the test main planned there: Vitest's runner must skip it. T8 is: it runs as its mode says.
      expect(suite.tasks.find(test => test.id === 'T7')!.mode, why).toBe('skip')
      expect((collected.a[0] as RunnerTestFile[])[0]).toMatchObject({ mpOwnedModes: { T8: 'skip' } })
      expect((collected.a[0] as RunnerTestFile[])[0]).not.toHaveProperty('mpOwnedModes.T7')
      const trimmed = reports.trim(update(['F', 'S', 'T7', 'T8']))
      expect((trimmed.a[0] as [string][]).map(([id]) => id)).toEqual(['F', 'S', 'T8'])
    }
  })

  test('a test renamed where it stands (its name holds a temporary folder, say) runs as main planned it', () => {
    const reports = new OwnedReports()
    reports.begin({ tests: ['T7'], planned: { '/p/a.test.ts': shapeOf(collectedFile()) }, names: { T7: 'S > t7 in /tmp/a' } })
    const file = collectedFile()
    const collected = reports.trim(call('onCollected', [file]))
    expect((file.tasks[0] as { tasks: { id: string, mode: string }[] }).tasks.find(test => test.id === 'T7')!.mode).toBe('run')
    expect((collected.a[0] as RunnerTestFile[])[0]).toMatchObject({ mpOwnedModes: { T7: 'run' } })
    expect(reports.takeUnplanned()).toEqual([])
  })

  test('other calls pass unchanged', () => {
    const reports = new OwnedReports()
    reports.begin({ tests: ['T7'] })
    const other = call('snapshotSaved', { files: 1 })
    expect(reports.trim(other)).toBe(other)
  })
})
