import type { StaticFile, StaticTask } from './static-scan.js'
import type { Strategy } from './strategy.js'
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

/** Bumped whenever scanFile reads sources differently: every entry written before is dropped. */
const SCAN_FORMAT = 1

/** Entries kept: the most recently scanned or used; files renamed or deleted long ago fall out. */
const MAX_ENTRIES = 10_000

/** A StaticFile as JSON holds it. */
interface StoredScan {
  groups: [string, Strategy][]
  whole: StaticFile['whole'] | null
  strings: string[]
  tree: StaticTask[] | null
}

interface StoredEntry {
  key: string
  /** `null`: the scan could not read the file with certainty (it is collected). */
  scan: StoredScan | null
}

interface StoredCache {
  salt: string
  files: Record<string, StoredEntry>
}

/** Where a project keeps what the scan read from its test files between runs. */
export function scanCachePath(cacheDir: string): string {
  return join(cacheDir, 'vitest-pool-mp', 'scans.json')
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
  private readonly entries: Map<string, StoredEntry>
  private changed = false

  /** `path` undefined: nothing is read or written (Vitest's `cache: false`). */
  constructor(private readonly path: string | undefined, private readonly salt: string) {
    this.entries = new Map(Object.entries(path === undefined ? {} : readStored(path, salt)))
  }

  /** The cached scan: a StaticFile, `undefined` for an unreadable file, or `'miss'`. */
  get(moduleId: string, key: string): StaticFile | undefined | 'miss' {
    const entry = this.entries.get(moduleId)
    if (entry?.key !== key) {
      return 'miss'
    }
    // Most recently used last, so that what falls out when the cache is full is what no run asked for.
    this.entries.delete(moduleId)
    this.entries.set(moduleId, entry)
    return entry.scan === null ? undefined : fromStored(entry.scan)
  }

  set(moduleId: string, key: string, scan: StaticFile | undefined): void {
    this.entries.delete(moduleId)
    this.entries.set(moduleId, { key, scan: scan === undefined ? null : toStored(scan) })
    this.changed = true
  }

  /** Writes the cache if this run scanned anything; a cache that cannot be written is skipped. */
  save(): void {
    if (this.path === undefined || !this.changed) {
      return
    }
    this.changed = false
    const kept = [...this.entries].slice(-MAX_ENTRIES)
    const stored: StoredCache = { salt: this.salt, files: Object.fromEntries(kept) }
    try {
      mkdirSync(dirname(this.path), { recursive: true })
      writeFileSync(this.path, JSON.stringify(stored))
    }
    catch {}
  }

  /** What the scan's result depends on besides the file's source. */
  static salt(parts: readonly string[]): string {
    return [SCAN_FORMAT, ...parts].join('\0')
  }
}

function readStored(path: string, salt: string): Record<string, StoredEntry> {
  try {
    const stored = JSON.parse(readFileSync(path, 'utf-8')) as Partial<StoredCache>
    return stored.salt === salt && typeof stored.files === 'object' && stored.files !== null ? stored.files : {}
  }
  catch {
    return {}
  }
}

function toStored(scan: StaticFile): StoredScan {
  return { groups: [...scan.groups], whole: scan.whole ?? null, strings: [...scan.strings], tree: scan.tree ?? null }
}

function fromStored(stored: StoredScan): StaticFile {
  return {
    groups: new Map(stored.groups),
    whole: stored.whole ?? undefined,
    strings: new Set(stored.strings),
    tree: stored.tree ?? undefined,
  }
}
