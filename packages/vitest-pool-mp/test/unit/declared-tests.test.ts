import type { DeclaredTask } from '../../src/declared-tests.js'
import { describe, expect, test } from 'vitest'
import { declarationSignature, declaredNames, undeclaredInPlan } from '../../src/declared-tests.js'

const it = (id: string, name: string): DeclaredTask => ({ id, name, type: 'test' })
const suite = (id: string, name: string, tasks: DeclaredTask[]): DeclaredTask => ({ id, name, type: 'suite', tasks })
const file = (tasks: DeclaredTask[]): DeclaredTask => suite('F', '/p/a.test.ts', tasks)

describe('declared tests', () => {
  test('each test is named after its suites, the file left out, in declaration order', () => {
    const names = declaredNames(file([it('F_0', 'top'), suite('F_1', 'S', [it('F_1_0', 'a'), suite('F_1_1', 'T', [it('F_1_1_0', 'b')])])]))
    expect([...names]).toEqual([['F_0', 'top'], ['F_1_0', 'S > a'], ['F_1_1_0', 'S > T > b']])
  })

  test('the signature is the same for the same tests, and differs when a test is added, moved, renamed or put in a suite', () => {
    const base = declarationSignature(file([it('F_0', 'a'), it('F_1', 'b')]))
    expect(declarationSignature(file([it('X_0', 'a'), it('X_1', 'b')]))).toBe(base)
    for (const other of [
      file([it('F_0', 'extra'), it('F_1', 'a'), it('F_2', 'b')]),
      file([it('F_0', 'b'), it('F_1', 'a')]),
      file([it('F_0', 'a'), it('F_1', 'b2')]),
      file([it('F_0', 'a'), suite('F_1', 'S', [it('F_1_0', 'b')])]),
      // A newline in a name is not a second test.
      file([it('F_0', 'a\nb')]),
    ]) {
      expect(declarationSignature(other)).not.toBe(base)
    }
  })

  test('a worker\'s tests its collection did not see are those beyond what the plan has of each name', () => {
    const planned = new Map([['F_0', 'a'], ['F_1', 'dup'], ['F_2', 'b']])
    expect(undeclaredInPlan(['extra', 'a', 'dup', 'dup', 'b'], planned)).toEqual(['extra', 'dup'])
    expect(undeclaredInPlan(['a'], planned)).toEqual([])
    expect(undeclaredInPlan(['b', 'a', 'dup'], planned)).toEqual([])
  })
})
