// The built package's module graph, as Node loads it: what each entry costs a process to load, and
// what it must never load. Reads dist/, which `npm test` builds first.
import { existsSync, readFileSync } from 'node:fs'
import { dirname, relative, resolve } from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'

const DIST = resolve(import.meta.dirname, '../../dist')
const STATIC_IMPORT = /^(?:import|export)\s[^"';]*?from\s*["']([^"']+)["'];?$|^import\s*["']([^"']+)["'];?$/gm

interface Graph {
  /** The package's own files the entry loads, relative to dist/. */
  files: string[]
  /** The bare specifiers (packages, Node builtins) those files import. */
  packages: Set<string>
}

/** Follows the static imports from one file of dist/ (dynamic imports load later, on demand). */
function staticGraph(entry: string): Graph {
  const files: string[] = []
  const packages = new Set<string>()
  const visit = (file: string) => {
    if (files.includes(relative(DIST, file))) {
      return
    }
    files.push(relative(DIST, file))
    for (const match of readFileSync(file, 'utf-8').matchAll(STATIC_IMPORT)) {
      const specifier = match[1] ?? match[2]!
      if (specifier.startsWith('.')) {
        visit(resolve(dirname(file), specifier))
      }
      else {
        packages.add(specifier)
      }
    }
  }
  visit(resolve(DIST, entry))
  return { files, packages }
}

const vitestPackages = (graph: Graph) => [...graph.packages].filter(name => /^(?:vitest|@vitest\/)/.test(name))

describe('the built package', () => {
  beforeAll(() => {
    if (!existsSync(resolve(DIST, 'index.js'))) {
      throw new Error('[vitest-pool-mp] dist/ is missing: build the package first (npm test does).')
    }
  })

  test('a worker process loads the child entry as two files, and no copy of Vitest before its Vitest worker starts', () => {
    const graph = staticGraph('child/child-entry.js')
    // The running Vitest's worker is imported by path once a request names it; a `vitest` found
    // beside this package may be another version (a monorepo's package with its own Vitest).
    expect(vitestPackages(graph)).toEqual([])
    expect(graph.files).toEqual(['child/child-entry.js', 'shared.js'])
    expect([...graph.packages].filter(name => !name.startsWith('node:'))).toEqual([])
  })

  test('the plugin loads no copy of Vitest into the main process', () => {
    const graph = staticGraph('index.js')
    expect(vitestPackages(graph)).toEqual([])
    expect(graph.files.length).toBeLessThanOrEqual(3)
  })

  test('the setup file, which Vitest evaluates again for every test file, imports only vitest', () => {
    const graph = staticGraph('runtime/setup.js')
    expect(graph.files).toEqual(['runtime/setup.js'])
    expect([...graph.packages]).toEqual(['vitest'])
  })

  test('the runtime shares its group counter and store channel with the child entry: one instance of each', () => {
    expect(staticGraph('runtime/index.js').files).toContain('shared.js')
    expect(readFileSync(resolve(DIST, 'shared.js'), 'utf-8')).toMatch(/function attachMpGroup/)
    expect(readFileSync(resolve(DIST, 'shared.js'), 'utf-8')).toMatch(/function installStoreChannel/)
  })
})
