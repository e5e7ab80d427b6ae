// Where the example keeps its database and its event log. Free of Vitest imports: the global setup
// (main process) reads the log too, and must not load test-only modules.
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const ROOT = join(import.meta.dirname, '..', '.tmp')
export const DATABASE_DIR = join(ROOT, 'database')
const EVENTS = join(ROOT, 'events.log')

export function resetEvents(): void {
  mkdirSync(ROOT, { recursive: true })
  writeFileSync(EVENTS, '')
}

export function readEvents(): string[] {
  return readFileSync(EVENTS, 'utf-8').split('\n').filter(Boolean)
}

export function logEvent(event: string): void {
  appendFileSync(EVENTS, `${event}\n`)
}
