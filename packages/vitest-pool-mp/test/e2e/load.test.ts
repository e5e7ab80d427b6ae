import { readdirSync, readFileSync } from 'node:fs'
import { expect, test } from 'vitest'
import { runFixture } from './utils'

// 1,000 tests in one run (mixed strategies, mostly serial groups), each doing ten shared-state
// operations from concurrent workers: 10,000 operations in all.
test('load: every result of 1,000 tests is present and no update of 10,000 operations is lost', async () => {
  let values: string[] = []
  const run = await runFixture('load', {
    onRecordsDir: (dir) => {
      values = readdirSync(dir)
        .filter(file => file.startsWith('values-'))
        .flatMap(file => readFileSync(`${dir}/${file}`, 'utf-8').trim().split('\n'))
    },
  })
  expect(run.json?.numTotalTests).toBe(1000)
  expect(run.json?.numPassedTests).toBe(1000)
  expect(run.exitCode).toBe(0)
  const updated = values.filter(v => v.startsWith('updated ')).map(v => Number(v.slice(8))).sort((a, b) => a - b)
  const locked = values.filter(v => v.startsWith('locked ')).map(v => Number(v.slice(7))).sort((a, b) => a - b)
  expect(updated).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1))
  expect(locked).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1))
}, 300_000)
