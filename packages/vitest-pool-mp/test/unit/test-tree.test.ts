import type { GroupMark } from '../../src/group-mark.js'
import type { TreeFile, TreeTask } from '../../src/test-tree.js'
import { describe, expect, test } from 'vitest'
import { analyzeFile } from '../../src/test-tree.js'

type Mode = TreeTask['mode']

function t(id: string, name: string, options: { mode?: Mode, mark?: GroupMark, line?: number, timeout?: number } = {}): TreeTask {
  return {
    id,
    name,
    type: 'test',
    mode: options.mode ?? 'run',
    ...(options.mark && { meta: { mpGroup: options.mark } }),
    ...(options.line !== undefined && { location: { line: options.line, column: 1 } }),
    ...(options.timeout !== undefined && { timeout: options.timeout }),
  }
}

/** A suite; like Vitest, its mark is copied onto children that do not carry their own. */
function s(id: string, name: string, tasks: TreeTask[], options: { mode?: Mode, mark?: GroupMark, line?: number } = {}): TreeTask {
  const inherit = (task: TreeTask): TreeTask => {
    if (!options.mark || task.meta?.mpGroup) {
      return task
    }
    return { ...task, meta: { mpGroup: options.mark }, ...(task.tasks && { tasks: task.tasks.map(inherit) }) }
  }
  return {
    id,
    name,
    type: 'suite',
    mode: options.mode ?? 'run',
    ...(options.mark && { meta: { mpGroup: options.mark } }),
    ...(options.line !== undefined && { location: { line: options.line, column: 1 } }),
    tasks: tasks.map(inherit),
  }
}

function file(tasks: TreeTask[], extra: Partial<TreeFile> = {}): TreeFile {
  return { id: 'f', name: 'a.test.ts', type: 'suite', mode: 'run', filepath: '/p/a.test.ts', tasks, ...extra }
}

describe('analyzeFile', () => {
  test('flattens tests in file order with full names', () => {
    const { file: analyzed } = analyzeFile(file([
      t('t1', 'first'),
      s('s1', 'Outer', [
        t('t2', 'second'),
        s('s2', 'Inner', [t('t3', 'third')]),
        t('t4', 'fourth'),
      ]),
      t('t5', 'fifth'),
    ]))
    expect(analyzed.tests.map(test => test.id)).toEqual(['t1', 't2', 't3', 't4', 't5'])
    expect(analyzed.tests.map(test => test.fullName)).toEqual([
      'first',
      'Outer > second',
      'Outer > Inner > third',
      'Outer > fourth',
      'fifth',
    ])
    expect(analyzed.moduleId).toBe('/p/a.test.ts')
  })

  test('ancestors run from the file down to the parent suite', () => {
    const { file: analyzed } = analyzeFile(file([
      t('t1', 'top'),
      s('s1', 'Outer', [s('s2', 'Inner', [t('t2', 'deep')])]),
    ]))
    expect(analyzed.tests[0]!.ancestors).toEqual(['f'])
    expect(analyzed.tests[1]!.ancestors).toEqual(['f', 's1', 's2'])
  })

  test('suite ids list the file first, then every suite in file order, including empty and skipped ones', () => {
    const { file: analyzed } = analyzeFile(file([
      s('s1', 'A', [s('s2', 'B', [])]),
      s('s3', 'C', [t('t1', 'x', { mode: 'skip' })], { mode: 'skip' }),
    ]))
    expect(analyzed.suiteIds).toEqual(['f', 's1', 's2', 's3'])
  })

  test('run and queued tests are runnable; skip and todo are not', () => {
    const { file: analyzed } = analyzeFile(file([
      t('run', 'run'),
      t('queued', 'queued', { mode: 'queued' }),
      t('skip', 'skip', { mode: 'skip' }),
      t('todo', 'todo', { mode: 'todo' }),
    ]))
    expect(Object.fromEntries(analyzed.tests.map(test => [test.id, test.runnable]))).toEqual({
      run: true,
      queued: true,
      skip: false,
      todo: false,
    })
  })

  test('nothing inside a skipped or todo suite is runnable, whatever mode a `.only` left there', () => {
    const { file: analyzed } = analyzeFile(file([
      s('skipped', 'skipped', [t('only', 'only', { mode: 'only' }), s('onlySuite', 'only suite', [t('inOnly', 'in only')], { mode: 'only' })], { mode: 'skip' }),
      s('todo', 'todo', [t('inTodo', 'in todo')], { mode: 'todo' }),
      s('ran', 'ran', [t('inRan', 'in ran')]),
    ]))
    expect(Object.fromEntries(analyzed.tests.map(test => [test.id, test.runnable]))).toEqual({
      only: false,
      inOnly: false,
      inTodo: false,
      inRan: true,
    })
  })

  test('a test takes its group from its meta; tests without a mark are ungrouped', () => {
    const db: GroupMark = { name: 'Db', strategy: 'serial', decl: 'd1' }
    const { file: analyzed } = analyzeFile(file([
      s('s1', 'Db', [t('t1', 'a'), t('t2', 'b')], { mark: db, line: 2 }),
      t('t3', 'plain'),
    ]))
    expect(analyzed.tests.map(test => test.group)).toEqual(['Db', 'Db', null])
  })

  test('the timeout of each test is kept', () => {
    const { file: analyzed } = analyzeFile(file([t('t1', 'a', { timeout: 1234 }), t('t2', 'b')]))
    expect(analyzed.tests.map(test => test.timeout)).toEqual([1234, undefined])
  })

  test('a declaration is recorded only where the mark\'s decl changes, with its line and strategy', () => {
    const db: GroupMark = { name: 'Db', strategy: 'serial', decl: 'd1' }
    const joined: GroupMark = { name: 'Db', decl: 'd2' }
    const { declarations } = analyzeFile(file([
      s('s1', 'Db', [t('t1', 'a', { line: 3 }), s('s2', 'more', [t('t2', 'b', { line: 5 })], { line: 4 })], { mark: db, line: 2 }),
      t('t3', 'joins', { mark: joined, line: 9 }),
      t('t4', 'plain', { line: 10 }),
    ]))
    expect(declarations).toEqual([
      { group: 'Db', strategy: 'serial', file: '/p/a.test.ts', line: 2 },
      { group: 'Db', strategy: undefined, file: '/p/a.test.ts', line: 9 },
    ])
  })

  test('a declaration without a location has no line', () => {
    const { declarations } = analyzeFile(file([t('t1', 'a', { mark: { name: 'G', decl: 'd1' } })]))
    expect(declarations).toEqual([{ group: 'G', strategy: undefined, file: '/p/a.test.ts', line: undefined }])
  })

  test('a group declared inside another group records the outer group and its line', () => {
    const outer: GroupMark = { name: 'Outer', strategy: 'serial', decl: 'd1' }
    const inner: GroupMark = { name: 'Inner', strategy: 'free', decl: 'd2' }
    const { declarations, file: analyzed } = analyzeFile(file([
      s('s1', 'Outer', [
        t('t1', 'a', { line: 3 }),
        s('s2', 'Inner', [t('t2', 'b', { line: 6 })], { mark: inner, line: 5 }),
      ], { mark: outer, line: 2 }),
    ]))
    expect(declarations).toEqual([
      { group: 'Outer', strategy: 'serial', file: '/p/a.test.ts', line: 2 },
      { group: 'Inner', strategy: 'free', file: '/p/a.test.ts', line: 5, nestedIn: { group: 'Outer', line: 2 } },
    ])
    expect(analyzed.tests.map(test => test.group)).toEqual(['Outer', 'Inner'])
  })

  test('a test marked with another group inside a group suite is nested too', () => {
    const outer: GroupMark = { name: 'Outer', decl: 'd1' }
    const { declarations } = analyzeFile(file([
      s('s1', 'Outer', [t('t1', 'a', { line: 3, mark: { name: 'Other', decl: 'd2' } })], { mark: outer, line: 2 }),
    ]))
    expect(declarations[1]).toEqual({ group: 'Other', strategy: undefined, file: '/p/a.test.ts', line: 3, nestedIn: { group: 'Outer', line: 2 } })
  })

  test('a group re-declared inside itself is a plain declaration, not a nesting', () => {
    const outer: GroupMark = { name: 'Db', strategy: 'serial', decl: 'd1' }
    const again: GroupMark = { name: 'Db', decl: 'd2' }
    const { declarations } = analyzeFile(file([
      s('s1', 'Db', [s('s2', 'again', [t('t1', 'a')], { mark: again, line: 4 })], { mark: outer, line: 2 }),
    ]))
    expect(declarations).toEqual([
      { group: 'Db', strategy: 'serial', file: '/p/a.test.ts', line: 2 },
      { group: 'Db', strategy: undefined, file: '/p/a.test.ts', line: 4 },
    ])
  })

  test('nesting is detected through an unmarked suite in between', () => {
    const outer: GroupMark = { name: 'Outer', decl: 'd1' }
    const inner: GroupMark = { name: 'Inner', decl: 'd2' }
    // Here the middle suite carries no mark at all (not even an inherited one).
    const tree = file([{
      id: 's1',
      name: 'Outer',
      type: 'suite',
      mode: 'run',
      meta: { mpGroup: outer },
      location: { line: 1, column: 1 },
      tasks: [{
        id: 's2',
        name: 'middle',
        type: 'suite',
        mode: 'run',
        tasks: [t('t1', 'a', { mark: inner, line: 3 })],
      }],
    }])
    const { declarations } = analyzeFile(tree)
    expect(declarations[1]!.nestedIn).toEqual({ group: 'Outer', line: 1 })
  })

  test('a failed collection is reported as collectFailed', () => {
    expect(analyzeFile(file([], { result: { state: 'fail' } })).file.collectFailed).toBe(true)
    expect(analyzeFile(file([t('t1', 'a')], { result: { state: 'pass' } })).file.collectFailed).toBe(false)
    expect(analyzeFile(file([t('t1', 'a')])).file.collectFailed).toBe(false)
  })

  test('an empty file has only its own suite id and no tests', () => {
    const { file: analyzed, declarations } = analyzeFile(file([]))
    expect(analyzed.tests).toEqual([])
    expect(analyzed.suiteIds).toEqual(['f'])
    expect(declarations).toEqual([])
  })
})
