import type { MpPoolOptions } from './options.js'
import type { PoolRunnerInitializer } from './vitest-types.js'
import { POOL_NAME } from './pool-name.js'
import { resolveOptions } from './options.js'
import { MpPoolWorker } from './pool-worker.js'

/**
 * The mp pool, as a custom pool for `test.pool`. Use it with {@link mpPlugin} in `plugins`,
 * which the pool needs to learn a run's files up front.
 *
 * @example
 * export default defineConfig({
 *   plugins: [mpPlugin()],
 *   test: { pool: mpPool({ ungrouped: 'file' }), maxWorkers: 4 },
 * })
 */
export function mpPool(options?: MpPoolOptions): PoolRunnerInitializer {
  const resolved = resolveOptions(options, 'mpPool()')
  return {
    name: POOL_NAME,
    createPoolWorker: poolOptions => new MpPoolWorker(poolOptions, resolved),
  }
}
