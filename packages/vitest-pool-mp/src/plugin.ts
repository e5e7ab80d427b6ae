import type { Plugin } from 'vite'
import type { MpPoolOptions } from './options.js'
import { fileURLToPath } from 'node:url'
import { RunCoordinator } from './coordinator.js'
import { POOL_NAME } from './pool-name.js'
import { resolveOptions } from './options.js'
import { mpPool } from './pool.js'
import { runningVitestNode } from './running-vitest.js'
import { SETUP_FILE } from './setup-file.js'
import type {} from 'vitest/config'

const DIST_DIR = fileURLToPath(new URL('.', import.meta.url))
/** The same directory as Vite writes paths (forward slashes), without the trailing one. */
const DIST_DIR_FOR_VITE = DIST_DIR.replaceAll('\\', '/').replace(/\/$/, '')
/** The pool runners mpPlugin() installed, and which plugin installed each. */
const installedBy = new WeakMap<object, Plugin>()

/**
 * The Vite plugin that makes `pool: 'mp'` and `vitest --pool=mp` work: for every project on the
 * mp pool it installs the pool, adds the setup file that gives Vitest's `describe` its
 * `describe.mpGroup`, and lets the pool see each run's files before any of them runs.
 *
 * @example
 * // vitest.config.ts
 * import { defineConfig } from 'vitest/config'
 * import { mpPlugin } from 'vitest-pool-mp'
 * export default defineConfig({ plugins: [mpPlugin()], test: { pool: 'mp', maxWorkers: 4 } })
 */
export function mpPlugin(options?: MpPoolOptions): Plugin {
  resolveOptions(options, 'mpPlugin()')
  const plugin: Plugin = {
    name: 'vitest-pool-mp',
    config(userConfig) {
      // Our runtime is plain ESM: workers import it natively, as they do any package in node_modules,
      // even where it is not in node_modules (a workspace link), instead of transforming it each time.
      // The setup file is the exception: Vitest re-runs it for every test file only through its own
      // module runner (a native import runs once per process), and its hooks are per test file. So it
      // is inlined, also where it is installed in node_modules, which Vitest externalizes by default:
      // a warm worker (isolation: 'module') would otherwise register its hooks for its first batch only.
      return {
        test: {
          server: {
            deps: {
              external: [new RegExp(`^${escapeRegExp(DIST_DIR)}(?!runtime/setup\\.js$)`)],
              // `inline: true` (everything inlined) cannot take a pattern beside it.
              ...(userConfig.test?.server?.deps?.inline !== true && { inline: [new RegExp(`^${escapeRegExp(SETUP_FILE)}$`)] }),
            },
          },
        },
      }
    },
    configResolved(config) {
      // A test environment of Vite's client kind (jsdom, happy-dom) loads the setup file through
      // Vite's file serving, which refuses files outside `server.fs.allow`: by default the
      // workspace around the root, and the package can be installed above it (a workspace's
      // hoisted node_modules, a `root` set to a subfolder). Vite allows its own client files the same way.
      const allow = config.server.fs.allow
      if (!allow.includes(DIST_DIR_FOR_VITE)) {
        allow.push(DIST_DIR_FOR_VITE)
      }
    },
    configureVitest({ project, vitest }) {
      RunCoordinator.install(vitest)
      // Loaded while Vitest sets up, so the first run does not wait for it; a failure shows there.
      runningVitestNode(vitest).catch(() => undefined)
      const config = project.config
      if (config.pool !== POOL_NAME) {
        return
      }
      // A project that extends the root's config runs the root's plugins first, then its own: the
      // last mpPlugin() sets the project's options. A runner the config names itself stays.
      const runner = config.poolRunner
      if (runner?.name !== POOL_NAME || (installedBy.get(runner) ?? plugin) !== plugin) {
        config.poolRunner = mpPool(options)
        installedBy.set(config.poolRunner, plugin)
      }
      if (!config.setupFiles.includes(SETUP_FILE)) {
        config.setupFiles = [SETUP_FILE, ...config.setupFiles]
      }
    },
  }
  return plugin
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
