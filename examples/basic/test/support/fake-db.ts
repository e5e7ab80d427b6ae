// A stand-in for a real database: a JSON file on disk that every worker process can open.
// Like a real one, it is shared by all processes, so tests that write to it must not overlap
// with tests that read it.
import { readFileSync, writeFileSync } from 'node:fs'
import { inject } from 'vitest'

export interface User {
  id: number
  name: string
}

declare module 'vitest' {
  interface ProvidedContext {
    /** Where global-setup.ts put the database file. */
    dbFile: string
  }
}

export const SEED_USERS: User[] = [
  { id: 1, name: 'alice' },
  { id: 2, name: 'bob' },
]

export function seed(file: string): void {
  writeFileSync(file, JSON.stringify(SEED_USERS))
}

export function users(): User[] {
  return JSON.parse(readFileSync(inject('dbFile'), 'utf-8')) as User[]
}

export function save(all: User[]): void {
  writeFileSync(inject('dbFile'), JSON.stringify(all))
}
