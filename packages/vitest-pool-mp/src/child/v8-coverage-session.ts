// With module isolation one process runs batch after batch, and Vitest starts and stops V8's
// precise coverage around each (as it does around each file when `isolate` is on). A module the
// next batch evaluates again has the same source, so V8 hands it the functions it compiled before,
// whose counters the stop dropped: the hits of every batch but the first were lost.
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'

interface CoverageModule {
  startCoverage?: (options: { isolate?: boolean }) => unknown
  stopCoverage?: (options: { isolate?: boolean }) => unknown
}

interface CoverageOptions {
  enabled?: boolean
  provider?: string
}

let kept: Promise<void> | undefined

/**
 * Has Vitest's V8 coverage provider keep one precise-coverage session for the life of this
 * process, the way Vitest runs it when `isolate` is off: started once, never stopped, and taken
 * after each batch (a take resets the counters, so each batch still reports its own hits).
 */
export function keepV8CoverageSession(options: CoverageOptions | undefined, vitestWorker: string): Promise<void> {
  if (!options?.enabled || options.provider !== 'v8') {
    return Promise.resolve()
  }
  kept ??= patch(vitestWorker)
  return kept
}

async function patch(vitestWorker: string): Promise<void> {
  let module: CoverageModule
  try {
    // The module instance Vitest imports: the package as the running Vitest resolves it.
    const path = createRequire(vitestWorker).resolve('@vitest/coverage-v8')
    module = (await import(pathToFileURL(path).href) as { default: CoverageModule }).default
  }
  catch {
    // Vitest reports a provider it cannot load itself.
    return
  }
  const { startCoverage, stopCoverage } = module
  if (startCoverage) {
    module.startCoverage = runtimeOptions => startCoverage.call(module, { ...runtimeOptions, isolate: false })
  }
  if (stopCoverage) {
    module.stopCoverage = runtimeOptions => stopCoverage.call(module, { ...runtimeOptions, isolate: false })
  }
}
