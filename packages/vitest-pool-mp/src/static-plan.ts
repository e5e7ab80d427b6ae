import type { StaticFile } from './static-scan.js'
import type { Strategy } from './strategy.js'
import type { AnalyzedFile, GroupDeclaration } from './test-tree.js'
import type { TestProject, WorkerEnvironment } from './vitest-types.js'
import { parseAst } from 'vitest/node'
import { scanFile } from './static-scan.js'
import { isSerial } from './strategy.js'

/** A file that runs whole in one worker without being collected first. */
export interface WholeFilePlan {
  moduleId: string
  group: string | null
  strategy: Strategy
}

/**
 * Scans each file's source as Vite transforms it for the worker (the transform is cached, so the
 * worker's own import reuses it). A file Vite cannot transform gets no scan: it is collected.
 */
export async function scanFiles(
  project: TestProject,
  files: ReadonlyMap<string, WorkerEnvironment>,
  ungrouped: 'free' | 'file',
): Promise<Map<string, StaticFile | undefined>> {
  const scans = new Map<string, StaticFile | undefined>()
  await Promise.all([...files].map(async ([moduleId, environment]) => {
    // Vitest runs jsdom and happy-dom files against Vite's client environment, the rest against ssr.
    const viteEnvironment = environment.name === 'jsdom' || environment.name === 'happy-dom'
      ? project.vite.environments.client
      : project.vite.environments.ssr
    const code = await viteEnvironment?.transformRequest(moduleId).then(result => result?.code, () => undefined)
    scans.set(moduleId, code === undefined ? undefined : scanFile(code, source => parseAst(source) as never, ungrouped))
  }))
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
    if (!scan?.whole || (group != null && [...scans].some(([other, otherScan]) => other !== moduleId && otherScan?.strings.has(group)))) {
      continue
    }
    whole.push({ moduleId, ...scan.whole })
  }
  return whole
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
