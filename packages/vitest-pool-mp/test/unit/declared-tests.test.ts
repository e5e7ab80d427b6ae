import type { DeclaredTask } from '../../src/declared-tests.js'
import { describe, expect, test } from 'vitest'
import { declarationShape, declaredNames, undeclaredInPlan } from '../../src/declared-tests.js'

const it = (id: string, name: string): DeclaredTask => ({ id, name, type: 'test' })
const suite = (id: string, name: string, tasks: DeclaredTask[]): DeclaredTask => ({ id, name, type: 'suite', tasks })
const file = (tasks: DeclaredTask[]): DeclaredTask => suite('F', '/p/a.test.ts', tasks)
/** The shape main and a worker compute, from a file's tests in declaration order. */
const shapeOf = (tree: DeclaredTask): string => declarationShape([...declaredNames(tree).keys()])

describe('declared tests', () => {
  test('each test is named after its suites, the file left out, in declaration order', () => {
    const names = declaredNames(file([it('F_0', 'top'), suite('F_1', 'S', [it('F_1_0', 'a'), suite('F_1_1', 'T', [it('F_1_1_0', 'b')])])]))
    expect([...names]).toEqual([['F_0', 'top'], ['F_1_0', 'S > a'], ['F_1_1_0', 'S > T > b']])
  })

  test('the shape is the same for tests in the same places, whatever their names, and differs when a test is added, left out or put in a suite', () => {
    const base = shapeOf(file([it('F_0', 'a'), it('F_1', 'b')]))
    expect(shapeOf(file([it('F_0', 'a'), it('F_1', 'b')]))).toBe(base)
    // Renamed or reordered where they stand: the places are the same.
    expect(shapeOf(file([it('F_0', 'b'), it('F_1', 'a /tmp/x1')]))).toBe(base)
    for (const other of [
      file([it('F_0', 'extra'), it('F_1', 'a'), it('F_2', 'b')]),
      file([it('F_0', 'a')]),
      file([it('F_0', 'a'), suite('F_1', 'S', [it('F_1_0', 'b')])]),
    ]) {
      expect(shapeOf(other)).not.toBe(base)
    }
  })

  test('a worker\'s tests its collection did not see are those beyond what the plan has of each name', () => {
    const planned = new Map([['F_0', 'a'], ['F_1', 'dup'], ['F_2', 'b']])
    expect(undeclaredInPlan(['extra', 'a', 'dup', 'dup', 'b'], planned)).toEqual(['extra', 'dup'])
    expect(undeclaredInPlan(['a'], planned)).toEqual([])
    expect(undeclaredInPlan(['b', 'a', 'dup'], planned)).toEqual([])
  })
})
