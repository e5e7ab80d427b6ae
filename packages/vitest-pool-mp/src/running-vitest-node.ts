import type * as VitestNode from 'vitest/node'
import type { Vitest } from './vitest-types.js'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

/** What the pool takes from `vitest/node` at run time. */
export type VitestNodeApi = Pick<typeof VitestNode, 'createMethodsRPC' | 'generateFileHash' | 'parseAst'>

const loaded = new WeakMap<Vitest, Promise<VitestNodeApi>>()

/**
 * `vitest/node` of the Vitest that runs the tests, the one its workers run on (vitest-worker-url.ts).
 * In a monorepo whose packages install different versions, the copy beside this package may be
 * another one, and its functions fail on the running Vitest's objects. This package's own copy if
 * the running one cannot tell where it is.
 */
export function runningVitestNode(vitest: Vitest): Promise<VitestNodeApi> {
  let api = loaded.get(vitest)
  if (!api) {
    const distPath = (vitest as { distPath?: unknown }).distPath
    const entry = typeof distPath === 'string' ? join(distPath, 'node.js') : undefined
    api = entry !== undefined && existsSync(entry)
      ? import(pathToFileURL(entry).href) as Promise<VitestNodeApi>
      : import('vitest/node')
    loaded.set(vitest, api)
  }
  return api
}
