import { expect, test } from 'vitest'
import { runFixture } from './utils'

test('isolation: \'module\' ends a warm worker once no batch is left for it, while the others still run', async () => {
  // long.test.ts runs until the other warm worker's process has ended (it fails on its timeout
  // otherwise); short.test.ts gives that worker its batches.
  const run = await runFixture('module-retire')
  expect(run.stderr).not.toContain('[vitest-pool-mp]')
  expect(run.json?.numPassedTests).toBe(4)
  expect(run.exitCode).toBe(0)
  const long = run.records.find(record => record.name === 'long')!
  const shorts = run.records.filter(record => record.name.startsWith('short'))
  expect(shorts).toHaveLength(3)
  expect(new Set(run.records.map(record => record.pid)).size).toBe(2)
  expect(shorts.some(record => record.pid !== long.pid)).toBe(true)
})
