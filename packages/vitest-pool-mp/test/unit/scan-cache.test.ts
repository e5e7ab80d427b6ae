import type { StaticFile } from '../../src/static-scan.js'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { hashSource, ScanCache, scanCachePath } from '../../src/scan-cache.js'

const dirs: string[] = []
function cacheDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mp-scan-cache-'))
  dirs.push(dir)
  return scanCachePath(dir)
}
afterEach(() => dirs.splice(0).forEach(dir => rmSync(dir, { recursive: true, force: true })))

/** A cache folder holding one entry, for /a.test.ts under key k1; returns the folder and the entry's path. */
function oneEntry(salt: string): { dir: string, entry: string } {
  const dir = cacheDir()
  const cache = new ScanCache(dir, salt)
  cache.set('/a.test.ts', 'k1', scan)
  cache.save()
  const [name] = readdirSync(dir)
  return { dir, entry: join(dir, name!) }
}

const scan: StaticFile = {
  groups: new Map([['G', 'serial']]),
  given: new Map([['G', 'serial']]),
  whole: { group: 'G', strategy: 'serial' },
  strings: new Set(['G', 'serial', 't1']),
  tree: [{ type: 'suite', name: 'G', group: { name: 'G', strategy: 'serial' }, tasks: [{ type: 'test', name: 't1' }] }],
}

describe('ScanCache', () => {
  test('what one run stores, the next reads back as it was, by file and key', () => {
    const dir = cacheDir()
    const first = new ScanCache(dir, ScanCache.salt(['4.1.12', 'vitest-pool-mp']))
    expect(first.get('/a.test.ts', 'k1')).toBe('miss')
    first.set('/a.test.ts', 'k1', scan)
    first.set('/b.test.ts', 'k2', undefined)
    first.save()
    // One small entry per test file: a run reads only its own files' entries.
    expect(readdirSync(dir)).toHaveLength(2)

    const next = new ScanCache(dir, ScanCache.salt(['4.1.12', 'vitest-pool-mp']))
    expect(next.get('/a.test.ts', 'k1')).toEqual(scan)
    // A file the scan could not read is remembered as such.
    expect(next.get('/b.test.ts', 'k2')).toBeUndefined()
    // Another key (the source changed) is a miss.
    expect(next.get('/a.test.ts', 'k1-changed')).toBe('miss')
  })

  test('another salt (another Vitest, other plugins, another scan format) misses every entry', () => {
    const { dir } = oneEntry(ScanCache.salt(['4.1.12']))
    expect(new ScanCache(dir, ScanCache.salt(['4.1.12'])).get('/a.test.ts', 'k1')).toEqual(scan)
    expect(new ScanCache(dir, ScanCache.salt(['5.1.1'])).get('/a.test.ts', 'k1')).toBe('miss')
  })

  test('an unreadable entry is a miss; without a folder (cache: false) nothing is read or written', () => {
    const { dir, entry } = oneEntry('salt')
    writeFileSync(entry, '{ not json')
    expect(new ScanCache(dir, 'salt').get('/a.test.ts', 'k1')).toBe('miss')

    const disabled = new ScanCache(undefined, 'salt')
    expect(disabled.get('/a.test.ts', 'k1')).toBe('miss')
    disabled.set('/a.test.ts', 'k1', scan)
    expect(() => disabled.save()).not.toThrow()
  })

  test('an entry names its file, and is written only when that file was scanned', () => {
    const { dir, entry } = oneEntry('salt')
    expect(JSON.parse(readFileSync(entry, 'utf-8')).file).toBe('/a.test.ts')
    writeFileSync(entry, readFileSync(entry, 'utf-8').replace('"k1"', '"k1" '))
    const marked = readFileSync(entry, 'utf-8')
    new ScanCache(dir, 'salt').save()
    expect(readFileSync(entry, 'utf-8')).toBe(marked)
  })

  test('the source hash tells sources apart', () => {
    expect(hashSource('test("a")')).toBe(hashSource('test("a")'))
    expect(hashSource('test("a")')).not.toBe(hashSource('test("b")'))
  })
})
