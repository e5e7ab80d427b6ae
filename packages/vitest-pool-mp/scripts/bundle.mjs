// Bundles src/ into dist/ (tsc writes only the declarations). Every process the pool starts loads
// the child entry, and every run loads the plugin: as separate files they were 15 and 46 ES modules,
// and Node's loader spends about half a millisecond on each module it loads (more on Node 20), so a
// worker paid 5–13 ms of CPU before its first request. Bundled, each entry is one file, plus one
// chunk for the code entries share, so that code keeps one instance per process (the runtime and
// the child entry share the store channel and the group counter).
import { fileURLToPath } from 'node:url'
import { build } from 'vite'

const root = fileURLToPath(new URL('..', import.meta.url))

/** The files other code names by path: package exports, Tinypool's child, setup and snapshot files. */
const ENTRIES = {
  'index': 'src/index.ts',
  'runtime/index': 'src/runtime/index.ts',
  'runtime/setup': 'src/runtime/setup.ts',
  'runtime/snapshot-environment': 'src/runtime/snapshot-environment.ts',
  'child/child-entry': 'src/child/child-entry.ts',
}

// The runtime's modules that import Vitest's test API. They run only inside a test file's worker,
// once Vitest is loaded there: in the shared chunk they would load a copy of `vitest` into the main
// process and into a child before its Vitest worker starts.
const TEST_FILE_SIDE = /[\\/]src[\\/]runtime[\\/](?!groups\.ts$)/

// The shared state's store and its wire, shared by main and the runtime (which runs a local store
// outside an mp child); the child entry only passes its messages on.
const STORE = /[\\/]src[\\/]store[\\/]/

await build({
  configFile: false,
  root,
  logLevel: 'warn',
  build: {
    ssr: true,
    outDir: 'dist',
    emptyOutDir: false,
    minify: false,
    sourcemap: true,
    target: 'node20',
    rolldownOptions: {
      input: Object.fromEntries(Object.entries(ENTRIES).map(([name, file]) => [name, `${root}${file}`])),
      output: {
        format: 'es',
        entryFileNames: '[name].js',
        // At dist/'s top level, where the code's own `new URL('./…', import.meta.url)` expects to be.
        chunkFileNames: '[name].js',
        codeSplitting: {
          groups: [
            { name: 'shared', minShareCount: 2, priority: 2, test: id => !TEST_FILE_SIDE.test(id) && !STORE.test(id) },
            { name: 'store', minShareCount: 2, priority: 1, test: STORE },
          ],
        },
      },
    },
  },
})
