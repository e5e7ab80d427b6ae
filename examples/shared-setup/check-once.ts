// Global setup (main process): starts the run with an empty event log, and after the run fails it
// unless the shared database was created exactly once and dropped exactly once, after every test.
import { existsSync } from 'node:fs'
import { DATABASE_DIR, readEvents, resetEvents } from './test/events'

export function setup(): void {
  resetEvents()
}

export function teardown(): void {
  const events = readEvents()
  const setups = events.filter(event => event === 'create database').length
  const teardowns = events.filter(event => event === 'drop database').length
  if (setups !== 1 || teardowns !== 1 || events[0] !== 'create database' || events.at(-1) !== 'drop database') {
    throw new Error(`The shared database should be created once, first, and dropped once, last. Events:\n${events.join('\n')}`)
  }
  if (existsSync(DATABASE_DIR)) {
    throw new Error(`The database at ${DATABASE_DIR} outlived the run.`)
  }
  console.log(`shared-setup: database created once and dropped once, around ${events.length - 2} test events.`)
}
