import type * as VitestNode from 'vitest/node'
import type { TestProject, Vitest } from './vitest-types.js'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

// The pool runs on the Vitest that runs the tests, as Vitest's own pools do. In a monorepo whose
// packages install different versions, the copy beside this package may be another one, and its
// code fails on the running Vitest's objects. Where the running one cannot tell where it is, this
// package's own copy is used.

/** What the pool takes from `vitest/node` at run time. */
export type VitestNodeApi = Pick<typeof VitestNode, 'createMethodsRPC' | 'generateFileHash' | 'parseAst'>

const loaded = new WeakMap<Vitest, Promise<VitestNodeApi>>()

/** The URL of a file of the running Vitest's `dist/`, if it has one by that name. */
function runningVitestFile(vitest: Vitest, name: string): string | undefined {
  const distPath = (vitest as { distPath?: unknown }).distPath
  const file = typeof distPath === 'string' ? join(distPath, name) : undefined
  return file !== undefined && existsSync(file) ? pathToFileURL(file).href : undefined
}

/** The URL of `vitest/worker` of the running Vitest (see ChildTask.vitestWorker). */
export function vitestWorkerUrl(vitest: TestProject['vitest']): string {
  return runningVitestFile(vitest, 'worker.js') ?? import.meta.resolve('vitest/worker')
}

/** `vitest/node` of the running Vitest, loaded once per Vitest instance. */
export function runningVitestNode(vitest: Vitest): Promise<VitestNodeApi> {
  let api = loaded.get(vitest)
  if (!api) {
    const entry = runningVitestFile(vitest, 'node.js')
    api = entry !== undefined ? import(entry) as Promise<VitestNodeApi> : import('vitest/node')
    loaded.set(vitest, api)
  }
  return api
}
