import type { StaticFile } from '../../src/static-scan.js'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { hashSource, ScanCache, scanCachePath } from '../../src/scan-cache.js'

const dirs: string[] = []
function cachePath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mp-scan-cache-'))
  dirs.push(dir)
  return scanCachePath(dir)
}
afterEach(() => dirs.splice(0).forEach(dir => rmSync(dir, { recursive: true, force: true })))

const scan: StaticFile = {
  groups: new Map([['G', 'serial']]),
  whole: { group: 'G', strategy: 'serial' },
  strings: new Set(['G', 'serial', 't1']),
  tree: [{ type: 'suite', name: 'G', group: { name: 'G', strategy: 'serial' }, tasks: [{ type: 'test', name: 't1' }] }],
}

describe('ScanCache', () => {
  test('what one run stores, the next reads back as it was, by file and key', () => {
    const path = cachePath()
    const first = new ScanCache(path, ScanCache.salt(['4.1.12', 'vitest-pool-mp']))
    expect(first.get('/a.test.ts', 'k1')).toBe('miss')
    first.set('/a.test.ts', 'k1', scan)
    first.set('/b.test.ts', 'k2', undefined)
    first.save()

    const next = new ScanCache(path, ScanCache.salt(['4.1.12', 'vitest-pool-mp']))
    expect(next.get('/a.test.ts', 'k1')).toEqual(scan)
    // A file the scan could not read is remembered as such.
    expect(next.get('/b.test.ts', 'k2')).toBeUndefined()
    // Another key (the source changed) is a miss.
    expect(next.get('/a.test.ts', 'k1-changed')).toBe('miss')
  })

  test('another salt (another Vitest, other plugins, another scan format) drops every entry', () => {
    const path = cachePath()
    const first = new ScanCache(path, ScanCache.salt(['4.1.12']))
    first.set('/a.test.ts', 'k1', scan)
    first.save()
    expect(new ScanCache(path, ScanCache.salt(['5.1.1'])).get('/a.test.ts', 'k1')).toBe('miss')
  })

  test('an unreadable cache file is an empty cache; without a path (cache: false) nothing is read or written', () => {
    const path = cachePath()
    const first = new ScanCache(path, 'salt')
    first.set('/a.test.ts', 'k1', scan)
    first.save()
    writeFileSync(path, '{ not json')
    expect(new ScanCache(path, 'salt').get('/a.test.ts', 'k1')).toBe('miss')

    const disabled = new ScanCache(undefined, 'salt')
    expect(disabled.get('/a.test.ts', 'k1')).toBe('miss')
    disabled.set('/a.test.ts', 'k1', scan)
    expect(() => disabled.save()).not.toThrow()
  })

  test('a run that scanned nothing new leaves the file as it was', () => {
    const path = cachePath()
    const first = new ScanCache(path, 'salt')
    first.set('/a.test.ts', 'k1', scan)
    first.save()
    const written = readFileSync(path, 'utf-8')
    writeFileSync(path, written.replace('"k1"', '"k1" '))
    new ScanCache(path, 'salt').save()
    expect(readFileSync(path, 'utf-8')).not.toBe(written)
  })

  test('the source hash tells sources apart', () => {
    expect(hashSource('test("a")')).toBe(hashSource('test("a")'))
    expect(hashSource('test("a")')).not.toBe(hashSource('test("b")'))
  })
})
