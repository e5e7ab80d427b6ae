import type { Strategy } from './strategy.js'
import { DEFAULT_STRATEGY, isSerial, isStrategy } from './strategy.js'

/**
 * What a file's source says about how it will run, read without running it: the one group its
 * runnable tests are in (or none), and whether one worker can run the file whole.
 */
export interface StaticFile {
  /** The groups declared in the file with `describe.mpGroup`, each with the strategy given there. */
  groups: Map<string, Strategy>
  /** Of those, the groups the file gives a strategy to (the others join with none). */
  given: Map<string, Strategy>
  /** Set when the whole file is one batch: every runnable test in this group (null: ungrouped). */
  whole: { group: string | null, strategy: Strategy } | undefined
  /** Every string literal in the file: a group name passed to a helper shows up here. */
  strings: Set<string>
  /**
   * The file's whole task tree, when the source shows all of it: every test and suite a literal,
   * unmodified call in the module's top level or straight in a literal suite's body.
   */
  tree: StaticTask[] | undefined
}

/** A test or suite as the source declares it. */
export interface StaticTask {
  type: 'test' | 'suite'
  name: string
  /** Set on a `describe.mpGroup` suite. */
  group?: { name: string, strategy: Strategy | undefined }
  tasks?: StaticTask[]
}

/** The part of an ESTree node the scan reads. */
interface Node {
  type: string
  [key: string]: unknown
}

type Parse = (code: string) => Node

const TEST_MODIFIERS_UNCOUNTABLE = new Set(['each', 'for', 'skipIf', 'runIf'])
/** Code whose body may run any number of times: loops, and functions (a suite's callback aside). */
const REPEATING = new Set(['ForStatement', 'ForInStatement', 'ForOfStatement', 'WhileStatement', 'DoWhileStatement', 'ArrowFunctionExpression', 'FunctionExpression', 'FunctionDeclaration'])
const NOT_RUNNABLE = new Set(['skip', 'todo'])

/**
 * Reads a test file's transformed code (Vite's SSR output, or plain JavaScript) and predicts its
 * plan. When the source is beyond what it reads with certainty (a group declared by any means but
 * a literal `describe.mpGroup(...)`, a nested or misspelt group, `.only`), it predicts no plan
 * (`whole` and `tree` unset), so the file is collected in a worker first, as always; `undefined`
 * when the code does not parse.
 *
 * The prediction is a guess, not a promise: tests can come from helpers and imports the scan
 * cannot see. The worker that runs the file checks its collected tree against it before any test
 * starts (see ProjectRun), so a wrong guess costs a replan, never a wrong run.
 */
export function scanFile(code: string, parse: Parse, ungrouped: 'free' | 'file'): StaticFile | undefined {
  let ast: Node
  try {
    ast = parse(code)
  }
  catch {
    return undefined
  }
  const groups = new Map<string, Strategy>()
  const given = new Map<string, Strategy>()
  const strings = new Set<string>()
  let declarations = 0
  // Every call that can declare a test or a suite, wherever it is: the tree must hold them all.
  let testCalls = 0
  let unreadable = false
  // Runnable tests by group (null: ungrouped); `Infinity` once a count cannot be known.
  const runnable = new Map<string | null, number>()
  const count = (group: string | null, by: number) => runnable.set(group, (runnable.get(group) ?? 0) + by)

  // A suite's callback runs once, where the suite is declared: its body is as repeated as the suite.
  const visitSuiteArguments = (args: unknown, group: string | null, skipped: boolean, repeated: boolean): void =>
    (args as Node[]).forEach(arg => isFunction(arg) ? visit(arg.body, group, skipped, repeated) : visit(arg, group, skipped, repeated))

  // `repeated`: the code may run any number of times (a loop's body, a function other than a
  // suite's callback), so a test declared in it counts as many.
  const visit = (node: unknown, group: string | null, skipped: boolean, repeated = false): void => {
    if (unreadable || !isNode(node)) {
      if (Array.isArray(node)) {
        node.forEach(child => visit(child, group, skipped, repeated))
      }
      return
    }
    if (REPEATING.has(node.type)) {
      repeated = true
    }
    addStrings(node, strings)
    if (node.type === 'CallExpression') {
      const chain = calleeChain(node.callee as Node)
      const [name, ...modifiers] = chain ?? []
      if (name !== undefined && (isTestName(name) || name === 'describe' || name === 'suite')) {
        testCalls++
        if (!(name === 'describe' && modifiers[0] === 'mpGroup') && hidesOptions(node.arguments as Node[])) {
          unreadable = true
          return
        }
      }
      if (name === 'describe' && modifiers[0] === 'mpGroup' && modifiers.length === 1) {
        declarations++
        const declared = readGroup(node.arguments as Node[])
        if (!declared || group !== null) {
          unreadable = true
          return
        }
        const known = groups.get(declared.name)
        if (known !== undefined && declared.given && known !== declared.strategy) {
          unreadable = true
          return
        }
        if (known === undefined || declared.given) {
          groups.set(declared.name, declared.strategy)
        }
        if (declared.given && !given.has(declared.name)) {
          given.set(declared.name, declared.strategy)
        }
        visitSuiteArguments(node.arguments, declared.name, skipped, repeated)
        return
      }
      if (name !== undefined && isTestName(name) && !modifiers.includes('extend')) {
        if (modifiers.includes('only')) {
          unreadable = true
          return
        }
        const uncountable = modifiers.some(modifier => TEST_MODIFIERS_UNCOUNTABLE.has(modifier))
          || node.callee !== undefined && (node.callee as Node).type === 'TaggedTemplateExpression'
        if (!skipped && !modifiers.some(modifier => NOT_RUNNABLE.has(modifier))) {
          count(group, uncountable || repeated ? Infinity : 1)
        }
        return
      }
      if ((name === 'describe' || name === 'suite') && modifiers.includes('only')) {
        unreadable = true
        return
      }
      if ((name === 'describe' || name === 'suite') && modifiers.some(modifier => NOT_RUNNABLE.has(modifier))) {
        visitSuiteArguments(node.arguments, group, true, repeated)
        return
      }
      if ((name === 'describe' || name === 'suite') && !modifiers.some(modifier => TEST_MODIFIERS_UNCOUNTABLE.has(modifier))) {
        visitSuiteArguments(node.arguments, group, skipped, repeated)
        return
      }
    }
    for (const [key, value] of Object.entries(node)) {
      if (key !== 'type' && typeof value === 'object' && value !== null) {
        visit(value, group, skipped, repeated)
      }
    }
  }
  visit(ast, null, false)

  // Any other mention of mpGroup (the options form, a helper, a re-export) declares groups the
  // scan does not read: the file is not planned from its source. What its literal declarations
  // give is still read, for runs that leave the file out (see ProjectRun.strategiesOutsideTheRun).
  if (unreadable || (code.match(/mpGroup/g)?.length ?? 0) !== declarations) {
    return { ...readLiterals(ast), groups: new Map(), whole: undefined, tree: undefined }
  }
  const tree = readTree(ast)
  return {
    groups,
    given,
    whole: wholePlan(groups, runnable, ungrouped),
    strings,
    tree: tree && countTasks(tree) === testCalls ? tree : undefined,
  }
}

/**
 * The tasks the module's top level declares, suites read into: only `test`/`it` and
 * `describe`/`suite` calls without modifiers, and literal `describe.mpGroup` calls, each with a
 * literal name and a function. `undefined` when any statement there declares tasks otherwise.
 */
function readTree(ast: Node): StaticTask[] | undefined {
  const readBody = (statements: Node[]): StaticTask[] | undefined => {
    const tasks: StaticTask[] = []
    for (const statement of statements) {
      const call = statement.type === 'ExpressionStatement' ? statement.expression as Node : undefined
      if (call?.type !== 'CallExpression') {
        continue
      }
      const chain = calleeChain(call.callee as Node)
      const args = call.arguments as Node[]
      const [name, ...modifiers] = chain ?? []
      if (name === undefined || !(isTestName(name) || name === 'describe' || name === 'suite')) {
        continue
      }
      const fn = args[args.length - 1]
      const title = literal(args[0])
      if (modifiers.length === 0 && (name === 'test' || name === 'it') && args.length === 2 && typeof title === 'string' && isFunction(fn)) {
        tasks.push({ type: 'test', name: title })
        continue
      }
      const group = name === 'describe' && modifiers.length === 1 && modifiers[0] === 'mpGroup' ? readGroup(args) : undefined
      const isSuite = modifiers.length === 0 && (name === 'describe' || name === 'suite') && args.length === 2 && typeof title === 'string'
      if ((group || isSuite) && isFunction(fn) && (fn.body as Node).type === 'BlockStatement') {
        const children = readBody((fn.body as Node).body as Node[])
        if (!children) {
          return undefined
        }
        tasks.push(group
          ? { type: 'suite', name: group.name, group: { name: group.name, strategy: group.given ? group.strategy : undefined }, tasks: children }
          : { type: 'suite', name: title as string, tasks: children })
        continue
      }
      return undefined
    }
    return tasks
  }
  return ast.type === 'Program' ? readBody(ast.body as Node[]) : undefined
}

/**
 * Whether a test or suite call passes options whose content the source does not show (a variable,
 * a call, a spread): `test(name, db, fn)` with `db = mpGroup('Db')` from another module puts the
 * test in a group no file names. Shown: a number (a timeout), and an object literal without
 * spreads or computed keys whose `meta`, if any, is one too.
 */
function hidesOptions(args: readonly Node[]): boolean {
  // The options sit between the title and the function, or after the function.
  const options = args.slice(1).filter((arg, index, rest): boolean => !isFunction(arg) && (index < rest.length - 1 || isFunction(rest[index - 1])))
  return options.some(option => !(option.type === 'Literal' && typeof option.value === 'number') && !isPlainObject(option, true))
}

function isPlainObject(node: Node, checkMeta: boolean): boolean {
  return node.type === 'ObjectExpression' && (node.properties as Node[]).every(property =>
    property.type === 'Property' && !property.computed
    && (!checkMeta || keyName(property.key as Node) !== 'meta' || isPlainObject(property.value as Node, false)))
}

function countTasks(tasks: readonly StaticTask[]): number {
  return tasks.reduce((sum, task) => sum + 1 + countTasks(task.tasks ?? []), 0)
}

function isFunction(node: Node | undefined): node is Node {
  return node?.type === 'ArrowFunctionExpression' || node?.type === 'FunctionExpression'
}

function wholePlan(
  groups: ReadonlyMap<string, Strategy>,
  runnable: ReadonlyMap<string | null, number>,
  ungrouped: 'free' | 'file',
): StaticFile['whole'] {
  const withTests = [...runnable].filter(([, n]) => n > 0)
  if (withTests.length !== 1) {
    return undefined
  }
  const [group, n] = withTests[0]!
  // A group declared with nothing to run (skipped, todo, empty) still joins the run's plan of it:
  // the file is planned from its tree, where its declaration is seen with the others.
  if ([...groups.keys()].some(declared => declared !== group)) {
    return undefined
  }
  if (group === null) {
    if (ungrouped === 'file') {
      return { group: null, strategy: 'serial' }
    }
    return n === 1 ? { group: null, strategy: 'free' } : undefined
  }
  const strategy = groups.get(group) ?? DEFAULT_STRATEGY
  return isSerial(strategy) || n === 1 ? { group, strategy } : undefined
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && typeof (value as Node).type === 'string'
}

/**
 * Every string literal of the code, and the strategies its literal declarations give, first one
 * first: `describe.mpGroup(name, strategy, fn)`, its object form, and `mpGroup(name, strategy, ...)`.
 */
function readLiterals(ast: Node): Pick<StaticFile, 'given' | 'strings'> {
  const given = new Map<string, Strategy>()
  const strings = new Set<string>()
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(walk)
      return
    }
    if (!isNode(node)) {
      return
    }
    addStrings(node, strings)
    if (node.type === 'CallExpression') {
      const chain = calleeChain(node.callee as Node)
      const args = node.arguments as Node[]
      const declared = chain?.length === 2 && chain[0] === 'describe' && chain[1] === 'mpGroup'
        ? readGroup(args)
        : chain?.length === 1 && chain[0] === 'mpGroup' ? readOptionGroup(args) : undefined
      if (declared?.given && !given.has(declared.name)) {
        given.set(declared.name, declared.strategy)
      }
    }
    for (const [key, value] of Object.entries(node)) {
      if (key !== 'type' && typeof value === 'object' && value !== null) {
        walk(value)
      }
    }
  }
  walk(ast)
  return { given, strings }
}

/** Adds a string literal's value, or a template literal's fixed parts, to `strings`. */
function addStrings(node: Node, strings: Set<string>): void {
  if (node.type === 'Literal' && typeof node.value === 'string') {
    strings.add(node.value)
  }
  else if (node.type === 'TemplateLiteral') {
    (node.quasis as Node[]).forEach(quasi => strings.add((quasi.value as { cooked?: string }).cooked ?? ''))
  }
}

/** `mpGroup(name, strategy?, options?)` with literal arguments. */
function readOptionGroup(args: Node[]): { name: string, strategy: Strategy, given: boolean } | undefined {
  const name = literal(args[0])
  const strategy = literal(args[1])
  if (typeof name !== 'string' || (strategy !== undefined && !isStrategy(strategy))) {
    return undefined
  }
  return { name, strategy: strategy ?? DEFAULT_STRATEGY, given: strategy !== undefined }
}

/** Vitest's own notion of a test function's name (`test`, `it`, `testX`, `myTest`). */
function isTestName(name: string): boolean {
  return name === 'it' || name === 'test' || name.startsWith('test') || name.endsWith('Test')
}

/**
 * The called name and its modifiers: `describe.mpGroup` → ['describe', 'mpGroup'];
 * `(0, __vite_ssr_import_0__.test).skip` → ['test', 'skip']; `test.each([...])` (the call the
 * table returns) → ['test', 'each'].
 */
function calleeChain(callee: Node | undefined): string[] | undefined {
  if (!callee) {
    return undefined
  }
  switch (callee.type) {
    case 'Identifier':
      return isImportBinding(callee.name as string) ? [] : [callee.name as string]
    case 'SequenceExpression': {
      const expressions = callee.expressions as Node[]
      return calleeChain(expressions[expressions.length - 1])
    }
    case 'CallExpression':
      return calleeChain(callee.callee as Node)
    case 'TaggedTemplateExpression':
      return calleeChain(callee.tag as Node)
    case 'MemberExpression': {
      const property = callee.property as Node
      if (callee.computed || property.type !== 'Identifier') {
        return undefined
      }
      const object = calleeChain(callee.object as Node)
      return object === undefined ? undefined : [...object, property.name as string]
    }
    default:
      return undefined
  }
}

/** The namespace objects Vite's SSR transform and Vitest's hoisting give imports. */
function isImportBinding(name: string): boolean {
  return /^__(?:vite_ssr_import|vi_import)_\d+__$/.test(name)
}

function readGroup(args: Node[]): { name: string, strategy: Strategy, given: boolean } | undefined {
  const [first, second] = args
  let name: unknown
  let strategy: unknown
  if (first?.type === 'ObjectExpression') {
    for (const property of first.properties as Node[]) {
      const key = property.type === 'Property' && !property.computed ? keyName(property.key as Node) : undefined
      if (key === undefined) {
        return undefined
      }
      const value = literal(property.value as Node)
      if (key === 'group') {
        name = value
      }
      else if (key === 'strategy') {
        strategy = value
      }
      else {
        return undefined
      }
    }
  }
  else {
    name = literal(first)
    if (args.length === 3) {
      strategy = literal(second)
    }
    else if (args.length !== 2) {
      return undefined
    }
  }
  if (typeof name !== 'string' || (strategy !== undefined && !isStrategy(strategy))) {
    return undefined
  }
  return { name, strategy: strategy ?? DEFAULT_STRATEGY, given: strategy !== undefined }
}

function keyName(key: Node): string | undefined {
  return key.type === 'Identifier' ? key.name as string : typeof key.value === 'string' ? key.value : undefined
}

/** A string literal's value, or a template literal's without expressions; `undefined` otherwise. */
function literal(node: Node | undefined): unknown {
  if (node?.type === 'Literal') {
    return typeof node.value === 'string' ? node.value : undefined
  }
  if (node?.type === 'TemplateLiteral' && (node.expressions as Node[]).length === 0) {
    return ((node.quasis as Node[])[0]?.value as { cooked?: string } | undefined)?.cooked
  }
  return undefined
}
