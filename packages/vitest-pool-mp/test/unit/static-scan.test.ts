import type { StaticFile, StaticTask } from '../../src/static-scan'
import { describe, expect, test } from 'vitest'
import { parseAst } from 'vitest/node'
import { choosePredictedFiles, chooseWholeFiles, matchesPrediction, matchesWholePlan, predictedTree } from '../../src/static-plan'
import { scanFile } from '../../src/static-scan'
import { analyzeFile } from '../../src/test-tree'

const scan = (code: string, ungrouped: 'free' | 'file' = 'free') => scanFile(code, source => parseAst(source) as never, ungrouped)

// What Vite's SSR transform makes of `import { describe, test } from 'vitest-pool-mp/runtime'`.
const ssr = (body: string) => `const __vite_ssr_import_0__ = await __vite_ssr_import__("/runtime.js", {"importedNames":["describe","test"]});\n${body}`

describe('scanFile', () => {
  test('a file that is one serial group runs whole, in SSR form and plain', () => {
    const body = `describe.mpGroup('G', 'serial', () => { test('a', () => {}); test('b', () => {}) })`
    expect(scan(ssr(body.replaceAll('describe.', '__vite_ssr_import_0__.describe.').replaceAll('test(', '(0,__vite_ssr_import_0__.test)(')))?.whole)
      .toEqual({ group: 'G', strategy: 'serial' })
    expect(scan(body)?.whole).toEqual({ group: 'G', strategy: 'serial' })
    expect(scan(`describe.mpGroup({ group: 'G', strategy: 'isolated_serial' }, () => { test('a', () => {}) })`)?.whole)
      .toEqual({ group: 'G', strategy: 'isolated_serial' })
  })

  test('one ungrouped or free test runs whole; two need a worker each', () => {
    expect(scan(`test('a', () => {})`)?.whole).toEqual({ group: null, strategy: 'free' })
    expect(scan(`test('a', () => {}); it('b', () => {})`)?.whole).toBeUndefined()
    expect(scan(`test('a', () => {}); it('b', () => {})`, 'file')?.whole).toEqual({ group: null, strategy: 'serial' })
    expect(scan(`describe.mpGroup('F', () => { test('a', () => {}) })`)?.whole).toEqual({ group: 'F', strategy: 'free' })
    expect(scan(`describe.mpGroup('F', 'free', () => { test('a', () => {}); test('b', () => {}) })`)?.whole).toBeUndefined()
  })

  test('skipped tests do not count; a table of tests counts as many', () => {
    expect(scan(`test('a', () => {}); test.skip('b', () => {}); describe.skip('s', () => { test('c', () => {}) })`)?.whole)
      .toEqual({ group: null, strategy: 'free' })
    expect(scan(`test.each([1, 2])('a %i', () => {})`)?.whole).toBeUndefined()
    expect(scan(`describe.mpGroup('G', 'serial', () => { test.each([1, 2])('a %i', () => {}) })`)?.whole)
      .toEqual({ group: 'G', strategy: 'serial' })
  })

  test('a test declared in a loop or a function may be many: the file is not one batch', () => {
    expect(scan(`for (let i = 0; i < 5; i++) { test('z' + i, () => {}) }`)?.whole).toBeUndefined()
    expect(scan(`[1, 2].forEach(i => test('t' + i, () => {}))`)?.whole).toBeUndefined()
    expect(scan(`function add() { test('a', () => {}) }; add(); add()`)?.whole).toBeUndefined()
    expect(scan(`describe.each([1, 2])('s %i', () => { test('a', () => {}) })`)?.whole).toBeUndefined()
    // A suite's callback runs once: its single test is still one batch.
    expect(scan(`describe('s', () => { test('a', () => {}) })`)?.whole).toEqual({ group: null, strategy: 'free' })
    expect(scan(`describe.mpGroup('G', () => { describe('s', function () { test('a', () => {}) }) })`)?.whole).toEqual({ group: 'G', strategy: 'free' })
  })

  test('tests in two groups, or in and out of a group, need planning from the tree', () => {
    expect(scan(`describe.mpGroup('G', 'serial', () => { test('a', () => {}) }); test('b', () => {})`)?.whole).toBeUndefined()
    const two = scan(`describe.mpGroup('G', 'serial', () => { test('a', () => {}) }); describe.mpGroup('H', 'serial', () => { test('b', () => {}) })`)
    expect(two?.whole).toBeUndefined()
    expect(two?.groups).toEqual(new Map([['G', 'serial'], ['H', 'serial']]))
  })

  test('the groups a file gives a strategy to are told from those it joins without one', () => {
    const file = scan(`describe.mpGroup('G', () => { test('a', () => {}) }); describe.mpGroup('H', 'isolated_serial', () => { test('b', () => {}) }); describe.mpGroup('G', () => { test('c', () => {}) })`)
    expect(file?.groups).toEqual(new Map([['G', 'free'], ['H', 'isolated_serial']]))
    expect(file?.given).toEqual(new Map([['H', 'isolated_serial']]))
  })

  test('what it cannot read with certainty is left to the collect pass', () => {
    const unplanned = [
      `test.only('a', () => {})`,
      `describe.mpGroup('G', 'serail', () => { test('a', () => {}) })`,
      `describe.mpGroup('G', 'serial', () => { describe.mpGroup('H', 'serial', () => { test('a', () => {}) }) })`,
      `describe('t', mpGroup('G'), () => { test('a', () => {}) })`,
      `describe.mpGroup(name, 'serial', () => { test('a', () => {}) })`,
      `describe.mpGroup('G', 'serial', () => {}); describe.mpGroup('G', 'free', () => {})`,
    ]
    for (const code of unplanned) {
      const file = scan(code)
      expect([file?.whole, file?.tree, file?.groups.size], code).toEqual([undefined, undefined, 0])
    }
    expect(scan(`this is not javascript`)).toBeUndefined()
  })

  test('a group declared with nothing to run keeps the file from running whole, as part of the plan of that group', () => {
    for (const code of [
      `describe.mpGroup('Db', 'serial', () => { test.skip('s', () => {}) }); test('a', () => {})`,
      `describe.mpGroup('Db', () => {}); test('a', () => {})`,
      `describe.skip('x', () => { describe.mpGroup('Db', 'serial', () => { test('s', () => {}) }) }); test('a', () => {})`,
      `describe.mpGroup('Db', 'serial', () => { test.todo('t') }); describe.mpGroup('G', 'serial', () => { test('a', () => {}) })`,
    ]) {
      expect(scan(code)?.whole, code).toBeUndefined()
    }
  })

  test('options the source does not show may hold a group: the file is collected first', () => {
    const hidden = [
      `test('a', db, () => {})`,
      `it('a', groups.db, () => {})`,
      `test('a', options(), () => {})`,
      `test('a', { ...db, timeout: 5 }, () => {})`,
      `test('a', { meta: dbMeta }, () => {})`,
      `test('a', { meta: { ...dbMeta } }, () => {})`,
      `test('a', { [key]: 1 }, () => {})`,
      `test('a', () => {}, db)`,
      `describe('s', db, () => { test('a', () => {}) })`,
      `describe.mpGroup('G', 'serial', () => { test('a', db, () => {}) })`,
    ]
    for (const code of hidden) {
      const file = scan(code, 'file')
      expect([file?.whole, file?.tree], code).toEqual([undefined, undefined])
    }
    const shown = [
      `test('a', { timeout: 5, retry: TIMES }, () => {})`,
      `test('a', { meta: { owner: OWNER } }, () => {})`,
      `test('a', () => {}, 5000)`,
      `test('a', handler)`,
    ]
    for (const code of shown) {
      expect(scan(code)?.whole, code).toEqual({ group: null, strategy: 'free' })
    }
  })

  test('a file it does not plan still tells the strategies its literal declarations give, first one first', () => {
    // Read for runs that leave the file out (a file filter, a shard, a watch rerun).
    const file = scan([
      `describe.mpGroup('G', 'serial', () => { test('a', () => {}) })`,
      `test('x', mpGroup('Other', 'free'), () => {})`,
      `test('y', mpGroup('Options', 'isolated_free', { timeout: 1 }), () => {})`,
      `test('z', mpGroup('Joined'), () => {})`,
      `describe.mpGroup({ group: 'Object', strategy: 'isolated_serial' }, () => {})`,
      `describe.mpGroup('G', 'free', () => {})`,
    ].join('\n'))
    expect(file?.whole).toBeUndefined()
    expect(file?.given).toEqual(new Map([['G', 'serial'], ['Other', 'free'], ['Options', 'isolated_free'], ['Object', 'isolated_serial']]))
    expect(file?.strings.has('Joined')).toBe(true)
  })

  test('collects the strings a file passes around, where a group name handed to a helper shows', () => {
    expect(scan(`defineGroup('Db'); const label = \`x\``)?.strings).toEqual(new Set(['Db', 'x']))
  })
})

describe('scanFile: the whole tree', () => {
  test('reads literal tests and suites, groups and nesting, in SSR form and plain, past other statements', () => {
    // Vite's SSR output, as the transform writes it, keeps statements apart with semicolons.
    const body = `const x = 1;
beforeEach(() => {});
describe('s', () => {
  test('a', () => {});
  describe.mpGroup('G', 'serial', () => { it('b', async () => {}) });
});
test('c', function () { test2() });`
    const tree = [
      { type: 'suite', name: 's', tasks: [
        { type: 'test', name: 'a' },
        { type: 'suite', name: 'G', group: { name: 'G', strategy: 'serial' }, tasks: [{ type: 'test', name: 'b' }] },
      ] },
      { type: 'test', name: 'c' },
    ]
    expect(scan(body)?.tree).toEqual(tree)
    const inSsr = ssr(body.replaceAll('describe', '__vite_ssr_import_0__.describe').replaceAll(/\b(test|it)\(/g, '(0,__vite_ssr_import_0__.$1)('))
    expect(scan(inSsr)?.tree).toEqual(tree)
  })

  test('no tree where tests are declared otherwise: modifiers, tables, options, computed names, loops, helpers', () => {
    for (const code of [
      `test.skip('a', () => {})`,
      `test.each([1])('a %i', () => {})`,
      `test('a', { timeout: 1 }, () => {})`,
      `test(name, () => {})`,
      `for (const n of [1, 2]) test('a' + n, () => {})`,
      `function define() { test('a', () => {}) }\ndefine()`,
      `describe('s', () => { if (x) test('a', () => {}) })`,
      `describe('s', () => { testCases() })`,
      `const myTest = test.extend({})\nmyTest('a', () => {})`,
    ]) {
      expect(scan(code)?.tree, code).toBeUndefined()
    }
  })
})

describe('predicted files', () => {
  const tasksWith = (strategy: 'serial' | 'free'): StaticTask[] => [
    { type: 'suite', name: 's', tasks: [{ type: 'test', name: 'a' }, { type: 'suite', name: 'G', group: { name: 'G', strategy }, tasks: [{ type: 'test', name: 'b' }] }] },
    { type: 'test', name: 'c' },
  ]
  const tasks = tasksWith('serial')
  const file = { id: 'F', name: 'a.test.ts', type: 'suite' as const, mode: 'run' as const, filepath: '/a.test.ts', tasks: [] }

  test('numbers tasks as Vitest does and marks group members as Vitest copies suite meta', () => {
    const { file: analyzed, declarations } = analyzeFile(predictedTree(file, tasks))
    expect(analyzed.tests.map(t => [t.id, t.fullName, t.group, t.ancestors])).toEqual([
      ['F_0_0', 's > a', null, ['F', 'F_0']],
      ['F_0_1_0', 's > G > b', 'G', ['F', 'F_0', 'F_0_1']],
      ['F_1', 'c', null, ['F']],
    ])
    expect(analyzed.suiteIds).toEqual(['F', 'F_0', 'F_0_1'])
    expect(declarations.map(d => [d.group, d.strategy])).toEqual([['G', 'serial']])
  })

  test('a collected tree matches whatever its modes; another test, name or group does not', () => {
    const predicted = analyzeFile(predictedTree(file, tasks))
    const collected = predictedTree(file, tasks)
    collected.tasks![1]!.mode = 'skip'
    expect(matchesPrediction(predicted, analyzeFile(collected))).toBe(true)
    const extra = predictedTree(file, [...tasks, { type: 'test', name: 'd' }])
    expect(matchesPrediction(predicted, analyzeFile(extra))).toBe(false)
    const renamed = predictedTree(file, [...tasks.slice(0, 1), { type: 'test', name: 'c2' }])
    expect(matchesPrediction(predicted, analyzeFile(renamed))).toBe(false)
    const regrouped = predictedTree(file, tasksWith('free'))
    expect(matchesPrediction(predicted, analyzeFile(regrouped))).toBe(false)
    expect(matchesPrediction(predicted, { ...analyzeFile(collected), file: { ...analyzeFile(collected).file, collectFailed: true } })).toBe(false)
  })

  test('chosen: files with a tree and a test, not whole, with no isolated group and none another file names', () => {
    const scanned = (code: string) => scan(code)
    const scans = new Map<string, StaticFile | undefined>([
      ['/free', scanned(`test('a', () => {}); test('b', () => {})`)],
      ['/whole', scanned(`test('a', () => {})`)],
      ['/isolated', scanned(`describe.mpGroup('I', 'isolated_free', () => { test('a', () => {}); test('b', () => {}) })`)],
      ['/shared', scanned(`describe.mpGroup('S', () => { test('a', () => {}); test('b', () => {}) })`)],
      ['/names-shared', scanned(`helper('S')`)],
      ['/empty', scanned(`const x = 1`)],
    ])
    expect(choosePredictedFiles(scans, chooseWholeFiles(scans)).map(plan => plan.moduleId)).toEqual(['/free'])
  })
})

describe('chooseWholeFiles', () => {
  const file = (whole: StaticFile['whole'], strings: string[] = [], groups: [string, 'serial'][] = []): StaticFile =>
    ({ whole, strings: new Set(strings), groups: new Map(groups), given: new Map(groups), tree: undefined })

  test('a whole file whose group another file names is collected instead', () => {
    const scans = new Map<string, StaticFile | undefined>([
      ['/a', file({ group: 'G', strategy: 'serial' }, ['G'], [['G', 'serial']])],
      ['/b', file(undefined, ['G'])],
      ['/c', file({ group: 'H', strategy: 'serial' }, ['H'], [['H', 'serial']])],
      ['/d', file({ group: null, strategy: 'free' })],
      ['/e', undefined],
    ])
    expect(chooseWholeFiles(scans).map(plan => plan.moduleId)).toEqual(['/c', '/d'])
  })
})

describe('matchesWholePlan', () => {
  const plan = { moduleId: '/a', group: 'G', strategy: 'serial' as const, given: true }
  const tests = (...groups: (string | null)[]) => groups.map((group, i) => ({ id: `t${i}`, fullName: `t${i}`, runnable: true, group, ancestors: [], timeout: undefined }))
  const analyzed = (groups: (string | null)[]) => ({ moduleId: '/a', collectFailed: false, tests: tests(...groups), suiteIds: ['f'] })
  const declared = (group: string, strategy?: string) => ({ group, strategy, file: '/a', line: 1 })

  test('the tree agrees with the plan', () => {
    expect(matchesWholePlan(analyzed(['G', 'G']), [declared('G', 'serial')], plan)).toBe(true)
    expect(matchesWholePlan({ ...analyzed([]), collectFailed: true }, [], plan)).toBe(true)
  })

  test('a test outside the group, another group or strategy, or a second free test does not', () => {
    expect(matchesWholePlan(analyzed(['G', null]), [declared('G', 'serial')], plan)).toBe(false)
    expect(matchesWholePlan(analyzed(['G', 'H']), [declared('G', 'serial'), declared('H')], plan)).toBe(false)
    expect(matchesWholePlan(analyzed(['G']), [declared('G', 'free')], plan)).toBe(false)
    expect(matchesWholePlan(analyzed([null, null]), [], { moduleId: '/a', group: null, strategy: 'free', given: false })).toBe(false)
  })
})
