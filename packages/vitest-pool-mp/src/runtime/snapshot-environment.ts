// The snapshot environment mp workers use (installed by the pool unless the config names its own).
// Vitest's snapshot state reads a file's .snap when the file starts and rewrites it whole when the
// file ends; with the tests of one file split over several workers, the last writer would drop
// what the others added. This environment remembers what its worker read and, on save, applies
// only this worker's own changes (added, changed, removed entries) to the file as it is on disk,
// under the run-wide store's lock for that file, so concurrent workers never lose an entry.
// Inline snapshots are written into the source files the same way, by lines (line-merge.ts);
// files of toMatchFileSnapshot belong to one assertion each and are written as Vitest writes them.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { VitestSnapshotEnvironment } from 'vitest/runtime'
import { INTERNAL_BOARD_PREFIX } from '../store/internal-keys.js'
import { mergeLineEdits } from './line-merge.js'

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

class MergingSnapshotEnvironment extends VitestSnapshotEnvironment {
  private readonly readAtStart = new Map<string, string | null>()
  /** The .snap files of this worker's test files: the only files merged entry by entry. */
  private readonly snapFiles = new Set<string>()
  /** Files of toMatchFileSnapshot: each is one assertion's, and Vitest's own handling is right. */
  private readonly rawFiles = new Set<string>()
  /** Per source file whose inline snapshots this worker writes: the source its positions refer to. */
  private readonly sourceBases = new Map<string, string>()

  override async resolvePath(filepath: string): Promise<string> {
    const path = await super.resolvePath(filepath)
    this.snapFiles.add(path)
    return path
  }

  override async resolveRawPath(testPath: string, rawPath: string): Promise<string> {
    const path = await super.resolveRawPath(testPath, rawPath)
    this.rawFiles.add(path)
    return path
  }

  override async readSnapshotFile(filepath: string): Promise<string | null> {
    if (!this.snapFiles.has(filepath) && !this.rawFiles.has(filepath)) {
      return this.sourceBase(filepath)
    }
    const content = await super.readSnapshotFile(filepath)
    if (!this.readAtStart.has(filepath)) {
      this.readAtStart.set(filepath, content)
    }
    return content
  }

  override async saveSnapshotFile(filepath: string, snapshot: string): Promise<void> {
    if (this.rawFiles.has(filepath)) {
      return super.saveSnapshotFile(filepath, snapshot)
    }
    if (!this.snapFiles.has(filepath)) {
      return this.saveSource(filepath, snapshot)
    }
    await this.merge(filepath, snapshot)
  }

  override async removeSnapshotFile(filepath: string): Promise<void> {
    if (!this.snapFiles.has(filepath)) {
      return super.removeSnapshotFile(filepath)
    }
    await this.merge(filepath, null)
  }

  /**
   * The source an inline snapshot's position refers to: the file as this run's first writer of
   * inline snapshots into it found it, kept on the run's board, or else as it is now.
   */
  private async sourceBase(filepath: string): Promise<string | null> {
    const { mpLock, mpMessageBoard } = await import('./shared-state.js')
    return mpLock(`vitest-pool-mp:snapshot:${filepath}`).runExclusive(async () => {
      const base = await mpMessageBoard().get<string>(`${INTERNAL_BOARD_PREFIX}source:${filepath}`)
        ?? (existsSync(filepath) ? readFileSync(filepath, 'utf-8') : null)
      if (base !== null) {
        this.sourceBases.set(filepath, base)
      }
      return base
    })
  }

  /** Writes this worker's inline snapshots into the file, keeping what other workers wrote there. */
  private async saveSource(filepath: string, edited: string): Promise<void> {
    const { mpLock, mpMessageBoard } = await import('./shared-state.js')
    return mpLock(`vitest-pool-mp:snapshot:${filepath}`).runExclusive(async () => {
      const board = mpMessageBoard()
      const key = `${INTERNAL_BOARD_PREFIX}source:${filepath}`
      const current = readFileSync(filepath, 'utf-8')
      const base = this.sourceBases.get(filepath) ?? current
      if (!await board.has(key)) {
        await board.set(key, base)
      }
      const merged = mergeLineEdits(base, edited, current)
      if (merged === undefined) {
        throw new Error(
          `[vitest-pool-mp] Could not write this worker's inline snapshots into ${filepath}: another worker of the run changed the same lines. `
          + 'The other worker\'s snapshots are written; run the tests again to write these.',
        )
      }
      writeFileSync(filepath, merged, 'utf-8')
    })
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
        return
      }
      const body = [...merged.keys()].sort((keyOrder ??= new Intl.Collator('en', { numeric: true })).compare).map(key => merged.get(key)!).join('\n\n')
      const content = `${headerOf(snapshot) ?? headerOf(current) ?? this.getHeader()}\n\n${body}\n`
      mkdirSync(dirname(filepath), { recursive: true })
      writeFileSync(filepath, content, 'utf-8')
      this.readAtStart.set(filepath, content)
    })
  }
}

export default new MergingSnapshotEnvironment()
