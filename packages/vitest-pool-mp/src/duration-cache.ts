import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

/** Where a project keeps the durations of its tests between runs. */
export function durationCachePath(cacheDir: string): string {
  return join(cacheDir, 'vitest-pool-mp', 'durations.json')
}

/**
 * Each test's duration in the last run that ran it, by test id (ids are stable from run to run:
 * they are hashes of the file and the test's position). The planner uses them to start the longest
 * batches first. A missing or unreadable cache is an empty one.
 */
export function readDurations(path: string): Map<string, number> {
  try {
    const entries = JSON.parse(readFileSync(path, 'utf-8')) as Record<string, unknown>
    return new Map(Object.entries(entries).filter((entry): entry is [string, number] => typeof entry[1] === 'number'))
  }
  catch {
    return new Map()
  }
}

/** Adds this run's durations to the cache; tests this run did not run keep their old ones. */
export function writeDurations(path: string, previous: ReadonlyMap<string, number>, measured: ReadonlyMap<string, number>): void {
  if (measured.size === 0) {
    return
  }
  const merged = Object.fromEntries(new Map([...previous, ...measured]))
  try {
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, JSON.stringify(merged))
  }
  catch {}
}
