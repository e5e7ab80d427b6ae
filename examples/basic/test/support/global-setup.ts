import type { TestProject } from 'vitest/node'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { seed } from './fake-db'

export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'example-basic-'))
  const file = join(dir, 'db.json')
  seed(file)
  project.provide('dbFile', file)
  return () => rmSync(dir, { recursive: true, force: true })
}
