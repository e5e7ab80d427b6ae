import type { StaticFile, StaticTask } from './static-scan.js'
import type { Strategy } from './strategy.js'
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** Bumped whenever scanFile reads sources differently: every entry written before is ignored. */
const SCAN_FORMAT = 6

/** A StaticFile as JSON holds it. */
interface StoredScan {
  groups: [string, Strategy][]
  given: [string, Strategy][]
  whole: StaticFile['whole'] | null
  strings: string[]
  tree: StaticTask[] | null
}

/** One file's entry, in a file of its own: a run reads the entries of its own test files only. */
interface StoredEntry {
  /** The test file (the entry's name is a hash of it). */
  file: string
  salt: string
  key: string
  /** `null`: the scan could not read the file with certainty (it is collected). */
  scan: StoredScan | null
}

/** Where a project keeps what the scan read from its test files between runs. */
export function scanCachePath(cacheDir: string): string {
  return join(cacheDir, 'vitest-pool-mp', 'scans')
}

/** A file's source, as the cache knows it. */
export function hashSource(code: string): string {
  return createHash('sha1').update(code).digest('base64')
}

/**
 * What the scan read from each test file in earlier runs, by the hash of the file's source. A run
 * whose files did not change reads them from here: the main process transforms and parses none of
 * them before the first batch starts (each worker's own import transforms its file, as in any
 * pool). An entry can only be stale if something other than the source changes what Vite makes of
 * it (the salt names Vitest's version and the Vite plugins); that costs what any wrong prediction
 * costs, a replan, never a wrong run: the worker's collected tree is checked before tests start.
 */
export class ScanCache {
  private readonly pending = new Map<string, StoredEntry>()

  /** `dir` undefined: nothing is read or written (Vitest's `cache: false`). */
  constructor(private readonly dir: string | undefined, private readonly salt: string) {}

  /** The cached scan: a StaticFile, `undefined` for an unreadable file, or `'miss'`. */
  get(moduleId: string, key: string): StaticFile | undefined | 'miss' {
    const entry = this.dir === undefined ? undefined : readEntry(this.entryPath(this.dir, moduleId))
    if (entry?.file !== moduleId || entry.salt !== this.salt || entry.key !== key) {
      return 'miss'
    }
    return entry.scan === null ? undefined : fromStored(entry.scan)
  }

  set(moduleId: string, key: string, scan: StaticFile | undefined): void {
    this.pending.set(moduleId, { file: moduleId, salt: this.salt, key, scan: scan === undefined ? null : toStored(scan) })
  }

  /** Writes what this run scanned; an entry that cannot be written is skipped. */
  save(): void {
    const dir = this.dir
    if (dir === undefined || this.pending.size === 0) {
      return
    }
    try {
      mkdirSync(dir, { recursive: true })
      for (const [moduleId, entry] of this.pending) {
        writeFileSync(this.entryPath(dir, moduleId), JSON.stringify(entry))
      }
    }
    catch {}
    this.pending.clear()
  }

  /** What the scan's result depends on besides the file's source. */
  static salt(parts: readonly string[]): string {
    return [SCAN_FORMAT, ...parts].join('\0')
  }

  private entryPath(dir: string, moduleId: string): string {
    return join(dir, `${createHash('sha1').update(moduleId).digest('hex')}.json`)
  }
}

function readEntry(path: string): StoredEntry | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf-8')) as StoredEntry
  }
  catch {
    return undefined
  }
}

function toStored(scan: StaticFile): StoredScan {
  return { groups: [...scan.groups], given: [...scan.given], whole: scan.whole ?? null, strings: [...scan.strings], tree: scan.tree ?? null }
}

function fromStored(stored: StoredScan): StaticFile {
  return {
    groups: new Map(stored.groups),
    given: new Map(stored.given),
    whole: stored.whole ?? undefined,
    strings: new Set(stored.strings),
    tree: stored.tree ?? undefined,
  }
}
