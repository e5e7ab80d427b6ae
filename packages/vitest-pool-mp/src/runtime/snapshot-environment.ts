// The snapshot environment mp workers use (installed by the pool unless the config names its own).
// Vitest's snapshot state reads a file's .snap when the file starts and rewrites it whole when the
// file ends; with the tests of one file split over several workers, the last writer would drop
// what the others added. This environment remembers what its worker read and, on save, applies
// only this worker's own changes (added, changed, removed entries) to the file as it is on disk,
// under the run-wide store's lock for that file, so concurrent workers never lose an entry.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { VitestSnapshotEnvironment } from 'vitest/runtime'

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

  override async readSnapshotFile(filepath: string): Promise<string | null> {
    const content = await super.readSnapshotFile(filepath)
    if (!this.readAtStart.has(filepath)) {
      this.readAtStart.set(filepath, content)
    }
    return content
  }

  override async saveSnapshotFile(filepath: string, snapshot: string): Promise<void> {
    await this.merge(filepath, snapshot)
  }

  override async removeSnapshotFile(filepath: string): Promise<void> {
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
