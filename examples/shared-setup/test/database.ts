// A stand-in for a real database: a directory that setup wipes and re-creates (destructive, so it
// must run once, before any consumer uses it) and that teardown deletes (once, after the last).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import { mpLock, mpMessageBoard, mpTrail } from 'vitest-pool-mp/runtime'
import { DATABASE_DIR, logEvent } from './events'

const TABLE = join(DATABASE_DIR, 'rows.json')

/** How many groups consume the database; they all wait for each other once it is up. */
const CONSUMERS = 3

/**
 * Makes the calling suite a consumer of the shared database: the first consumer to arrive creates
 * it, the last to leave drops it (pytest-mp's trail). Consumers are processes that overlap in time;
 * one that arrived after the last had left would create it again. Here every consumer waits on the
 * board until all have arrived, so they surely overlap.
 */
export function useSharedDatabase(): void {
  beforeAll(async () => {
    await mpTrail('Database', 'start', async (first) => {
      if (first) {
        rmSync(DATABASE_DIR, { recursive: true, force: true })
        mkdirSync(DATABASE_DIR, { recursive: true })
        writeFileSync(TABLE, '[]')
        logEvent('create database')
      }
    })
    await allConsumersArrived()
  })

  afterAll(async () => {
    await mpTrail('Database', 'finish', async (last) => {
      if (last) {
        rmSync(DATABASE_DIR, { recursive: true, force: true })
        logEvent('drop database')
      }
    })
  })
}

async function allConsumersArrived(): Promise<void> {
  const board = mpMessageBoard()
  await board.update<number>('database consumers', (n = 0) => n + 1)
  const giveUp = Date.now() + 30_000
  while (((await board.get<number>('database consumers')) ?? 0) < CONSUMERS) {
    if (Date.now() > giveUp) {
      throw new Error(`Only some of the ${CONSUMERS} database consumers started: run with maxWorkers >= ${CONSUMERS}.`)
    }
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

/** Appends a row; the run-wide lock keeps two workers' read-modify-write cycles apart. */
export async function insert(row: string): Promise<void> {
  await mpLock().runExclusive(() => {
    const rows = JSON.parse(readFileSync(TABLE, 'utf-8')) as string[]
    writeFileSync(TABLE, JSON.stringify([...rows, row]))
  })
  logEvent(`insert ${row}`)
}

/** Reads the rows, under the same lock, so a half-written file is never seen. */
export function rows(): Promise<string[]> {
  return mpLock().runExclusive(() => existsSync(TABLE) ? JSON.parse(readFileSync(TABLE, 'utf-8')) as string[] : [])
}
