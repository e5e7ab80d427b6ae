import type { GroupMark } from './group-mark.js'
import type { ScanCache } from './scan-cache.js'
import type { StaticFile, StaticTask } from './static-scan.js'
import type { Strategy } from './strategy.js'
import type { AnalyzedFile, GroupDeclaration, TreeFile, TreeTask } from './test-tree.js'
import type { VitestNodeApi } from './running-vitest.js'
import type { TestProject, WorkerEnvironment } from './vitest-types.js'
import { scanFile } from './static-scan.js'
import { isIsolated, isSerial } from './strategy.js'

/** A file that runs whole in one worker without being collected first. */
export interface WholeFilePlan {
  moduleId: string
  group: string | null
  strategy: Strategy
  /** Whether the file gives its group the strategy, or joins it without one. */
  given: boolean
  /** The tree the source shows, when it shows all of it: reported if no worker loads the file. */
  tasks?: StaticTask[]
}

/** What the scan needs of a file besides its path. */
export interface ScannableFile {
  environment: WorkerEnvironment
  /** The hash of the file's source (scan-cache.ts); `undefined` when it could not be read. */
  sourceHash: string | undefined
}

/**
 * Scans each file's source as Vite transforms it for the worker (the transform is cached, so the
 * worker's own import reuses it). A file Vite cannot transform gets no scan: it is collected. A file
 * whose source the cache has seen is not transformed here at all.
 */
export async function scanFiles(
  project: TestProject,
  parseAst: VitestNodeApi['parseAst'],
  files: ReadonlyMap<string, ScannableFile>,
  ungrouped: 'free' | 'file',
  cache: ScanCache,
): Promise<Map<string, StaticFile | undefined>> {
  const scans = new Map<string, StaticFile | undefined>()
  await Promise.all([...files].map(async ([moduleId, { environment, sourceHash }]) => {
    const key = `${sourceHash}\0${environment.name}\0${ungrouped}`
    const cached = sourceHash === undefined ? 'miss' : cache.get(moduleId, key)
    if (cached !== 'miss') {
      scans.set(moduleId, cached)
      return
    }
    // Vitest runs jsdom and happy-dom files against Vite's client environment, the rest against ssr.
    const viteEnvironment = environment.name === 'jsdom' || environment.name === 'happy-dom'
      ? project.vite.environments.client
      : project.vite.environments.ssr
    const code = await viteEnvironment?.transformRequest(moduleId).then(result => result?.code, () => undefined)
    const scan = code === undefined ? undefined : scanFile(code, source => parseAst(source) as never, ungrouped)
    scans.set(moduleId, scan)
    if (code !== undefined && sourceHash !== undefined) {
      cache.set(moduleId, key, scan)
    }
  }))
  cache.save()
  return scans
}

/**
 * The files that may run whole without a collect pass: the scan says one batch runs all their
 * tests, and no other file's source names their group, not even as a string handed to a helper
 * (a group shared between files must be planned from every file's collected tree).
 */
export function chooseWholeFiles(scans: ReadonlyMap<string, StaticFile | undefined>): WholeFilePlan[] {
  const whole: WholeFilePlan[] = []
  for (const [moduleId, scan] of scans) {
    const group = scan?.whole?.group
    if (!scan?.whole || (group != null && namedElsewhere(scans, moduleId, group))) {
      continue
    }
    whole.push({ moduleId, ...scan.whole, given: group != null && scan.given.has(group), ...(scan.tree && { tasks: scan.tree }) })
  }
  return whole
}

/** A file planned from the tree its source shows, in batches like a collected file's. */
export interface PredictedFilePlan {
  moduleId: string
  tasks: StaticTask[]
}

/**
 * The files, of those not running whole, whose source shows their whole tree (see scanFile), so
 * they can be planned without a collect pass: at least one test, no isolated group (an isolated
 * batch must not wait for a check), and no group another file names.
 */
export function choosePredictedFiles(scans: ReadonlyMap<string, StaticFile | undefined>, whole: readonly WholeFilePlan[]): PredictedFilePlan[] {
  const predicted: PredictedFilePlan[] = []
  for (const [moduleId, scan] of scans) {
    if (!scan?.tree || whole.some(plan => plan.moduleId === moduleId) || !hasTest(scan.tree)
      || [...scan.groups].some(([group, strategy]) => isIsolated(strategy) || namedElsewhere(scans, moduleId, group))) {
      continue
    }
    predicted.push({ moduleId, tasks: scan.tree })
  }
  return predicted
}

function namedElsewhere(scans: ReadonlyMap<string, StaticFile | undefined>, moduleId: string, group: string): boolean {
  return [...scans].some(([other, otherScan]) => other !== moduleId && otherScan?.strings.has(group))
}

function hasTest(tasks: readonly StaticTask[]): boolean {
  return tasks.some(task => task.type === 'test' || hasTest(task.tasks ?? []))
}

/** The groups a predicted file declares. */
export function predictedGroups(tasks: readonly StaticTask[]): string[] {
  return tasks.flatMap(task => [...task.group ? [task.group.name] : [], ...predictedGroups(task.tasks ?? [])])
}

/**
 * The tree Vitest will collect for a predicted file: ids as Vitest numbers tasks (the file's id,
 * then each task's index in its parent), group marks copied down as Vitest copies suite meta.
 */
export function predictedTree(file: TreeFile, tasks: readonly StaticTask[]): TreeFile {
  let declarations = 0
  const build = (task: StaticTask, id: string, inherited: GroupMark | undefined): TreeTask => {
    const mark: GroupMark | undefined = task.group
      ? { name: task.group.name, decl: `static:${++declarations}`, ...(task.group.strategy !== undefined && { strategy: task.group.strategy }) }
      : inherited
    return {
      id,
      name: task.name,
      type: task.type,
      mode: 'run',
      meta: mark ? { mpGroup: mark } : {},
      ...(task.type === 'suite' && { tasks: (task.tasks ?? []).map((child, index) => build(child, `${id}_${index}`, mark)) }),
    }
  }
  return { ...file, tasks: tasks.map((task, index) => build(task, `${file.id}_${index}`, undefined)) }
}

/**
 * Whether a collected file is the predicted one: the same tests, suites and group declarations.
 * `collected` comes from a worker that ran only some tests: Vitest marks the rest skipped, so
 * modes are not compared (a predicted file has no skipped task).
 */
export function matchesPrediction(
  predicted: { file: AnalyzedFile, declarations: readonly GroupDeclaration[] },
  collected: { file: AnalyzedFile, declarations: readonly GroupDeclaration[] },
): boolean {
  const tests = (file: AnalyzedFile) => JSON.stringify(file.tests.map(test => [test.id, test.fullName, test.group, test.ancestors]))
  const declarations = (list: readonly GroupDeclaration[]) => JSON.stringify(list.map(declaration => [declaration.group, declaration.strategy, declaration.nestedIn?.group]))
  return !collected.file.collectFailed
    && tests(predicted.file) === tests(collected.file)
    && JSON.stringify(predicted.file.suiteIds) === JSON.stringify(collected.file.suiteIds)
    && declarations(predicted.declarations) === declarations(collected.declarations)
}

/**
 * Whether a file's collected tree runs as its whole-file plan said: every group declared in it is
 * the plan's group with the plan's strategy, every runnable test is in that group, and a `free`
 * plan has at most one runnable test. A file that failed to collect matches: its worker reports
 * the failure as Vitest's own pools would.
 */
export function matchesWholePlan(file: AnalyzedFile, declarations: readonly GroupDeclaration[], plan: WholeFilePlan): boolean {
  if (file.collectFailed) {
    return true
  }
  const runnable = file.tests.filter(test => test.runnable)
  return declarations.every(declaration => declaration.group === plan.group && !declaration.nestedIn
    && (declaration.strategy === undefined || declaration.strategy === plan.strategy))
  && runnable.every(test => test.group === plan.group)
  && (isSerial(plan.strategy) || runnable.length <= 1)
}
