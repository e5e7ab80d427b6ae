import type { TestProject } from './vitest-types.js'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

/**
 * The URL of `vitest/worker` of the Vitest that runs this process, as Vitest's own pools take
 * their workers from it (see ChildTask.vitestWorker); this package's own one if it cannot tell.
 */
export function vitestWorkerUrl(vitest: TestProject['vitest']): string {
  const distPath = (vitest as { distPath?: unknown }).distPath
  const worker = typeof distPath === 'string' ? join(distPath, 'worker.js') : undefined
  return worker !== undefined && existsSync(worker) ? pathToFileURL(worker).href : import.meta.resolve('vitest/worker')
}
