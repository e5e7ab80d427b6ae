// The snapshot environment mp workers use (installed by the pool unless the config names its own).
// Vitest's snapshot state reads a file's .snap when the file starts and rewrites it whole when the
// file ends; with the tests of one file split over several workers, the last writer would drop
// what the others added. This environment remembers what its worker read and, on save, applies
// only this worker's own changes (added, changed, removed entries) to the file as it is on disk,
// under the run-wide store's lock for that file, so concurrent workers never lose an entry.
// Inline snapshots go to main, which writes them once the run's batches have all ended
// (inline-snapshot-writer.ts); files of toMatchFileSnapshot belong to one assertion each and are
// written as Vitest writes them.
import type { ChildServices } from '../protocol.js'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { VitestSnapshotEnvironment } from 'vitest/runtime'
import { CHILD_SERVICES_KEY } from '../protocol.js'

const ENTRY = /^exports\[`((?:[^`\\]|\\.)*)`\] = /gm
// Built on the first save: an Intl.Collator costs milliseconds of CPU in every worker that makes one.
let keyOrder: Intl.Collator | undefined

/** The entries of a .snap file by key, each the whole `exports[...] = ...;` text. */
function parseEntries(content: string | null): Map<string, string> {
  const entries = new Map<string, string>()
  if (!content) {
    return entries
  }
  const matches = [...content.matchAll(ENTRY)]
  matches.forEach((match, index) => {
    const end = index + 1 < matches.length ? matches[index + 1]!.index : content.length
    entries.set(match[1]!, content.slice(match.index, end).trim())
  })
  return entries
}

function headerOf(content: string | null): string | undefined {
  const first = content?.split('\n')[0]
  return first?.startsWith('//') ? first : undefined
}

function childServices(): ChildServices | undefined {
  return (globalThis as Record<symbol, ChildServices | undefined>)[CHILD_SERVICES_KEY]
}

class MergingSnapshotEnvironment extends VitestSnapshotEnvironment {
  private readonly readAtStart = new Map<string, string | null>()
  /** The .snap files of this worker's test files, the only files merged entry by entry, with their test files. */
  private readonly snapFiles = new Map<string, string>()
  /** Files of toMatchFileSnapshot: each is one assertion's, and Vitest's own handling is right. */
  private readonly rawFiles = new Set<string>()
  /** Per source file this worker writes inline snapshots into: the text it made its edits against. */
  private readonly sourceBases = new Map<string, string>()

  override async resolvePath(filepath: string): Promise<string> {
    const path = await super.resolvePath(filepath)
    this.snapFiles.set(path, filepath)
    // A new snapshot state (a new file, or with module isolation the next batch) reads it anew.
    this.readAtStart.delete(path)
    return path
  }

  override async resolveRawPath(testPath: string, rawPath: string): Promise<string> {
    const path = await super.resolveRawPath(testPath, rawPath)
    this.rawFiles.add(path)
    return path
  }

  override async readSnapshotFile(filepath: string): Promise<string | null> {
    const content = await super.readSnapshotFile(filepath)
    if (this.snapFiles.has(filepath)) {
      if (!this.readAtStart.has(filepath)) {
        this.readAtStart.set(filepath, content)
      }
    }
    else if (!this.rawFiles.has(filepath) && content !== null) {
      // Vitest reads a source file only to write inline snapshots into it, right before it does.
      this.sourceBases.set(filepath, content)
    }
    return content
  }

  override async saveSnapshotFile(filepath: string, snapshot: string): Promise<void> {
    if (this.snapFiles.has(filepath)) {
      return this.merge(filepath, snapshot)
    }
    const base = this.sourceBases.get(filepath)
    const child = childServices()
    if (this.rawFiles.has(filepath) || base === undefined || !child) {
      return super.saveSnapshotFile(filepath, snapshot)
    }
    child.inlineSnapshots(filepath, base, snapshot)
  }

  override async removeSnapshotFile(filepath: string): Promise<void> {
    if (!this.snapFiles.has(filepath)) {
      return super.removeSnapshotFile(filepath)
    }
    await this.merge(filepath, null)
  }

  private async merge(filepath: string, snapshot: string | null): Promise<void> {
    // Loaded on the first save only: most workers never write a snapshot.
    const { mpLock } = await import('./shared-state.js')
    return mpLock(`vitest-pool-mp:snapshot:${filepath}`).runExclusive(() => {
      const before = parseEntries(this.readAtStart.get(filepath) ?? null)
      const mine = parseEntries(snapshot)
      const current = existsSync(filepath) ? readFileSync(filepath, 'utf-8') : null
      const merged = parseEntries(current)
      for (const key of new Set([...before.keys(), ...mine.keys()])) {
        if (mine.get(key) === before.get(key)) {
          continue
        }
        if (mine.has(key)) {
          merged.set(key, mine.get(key)!)
        }
        else {
          merged.delete(key)
        }
      }
      if (merged.size === 0) {
        rmSync(filepath, { force: true })
        this.readAtStart.set(filepath, null)
        if (current !== null) {
          childServices()?.snapshotRemoved(this.snapFiles.get(filepath)!, filepath)
        }
        return
      }
      const body = [...merged.keys()].sort((keyOrder ??= new Intl.Collator('en', { numeric: true })).compare).map(key => merged.get(key)!).join('\n\n')
      const content = `${headerOf(snapshot) ?? headerOf(current) ?? this.getHeader()}\n\n${body}\n`
      mkdirSync(dirname(filepath), { recursive: true })
      // A rename, so a worker reading the file as its tests start never sees it half written.
      const temporary = `${filepath}.${process.pid}.tmp`
      writeFileSync(temporary, content, 'utf-8')
      renameSync(temporary, filepath)
      this.readAtStart.set(filepath, content)
    })
  }
}

export default new MergingSnapshotEnvironment()
