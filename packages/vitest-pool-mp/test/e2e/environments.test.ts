import { expect, test } from 'vitest'
import { runFixture } from './utils'

for (const isolation of ['process', 'module'] as const) {
  test(`a test environment loaded from a file (Vite's client kind) runs every batch in it, isolation '${isolation}'`, async () => {
    // The worker fetches the environment's module from main while it starts, before any request
    // is its own: that fetch used to find no one to answer it ("function \"fetch\" not found").
    // The fixture's config reads MP_ISOLATION when Vitest loads it, in this process.
    process.env.MP_ISOLATION = isolation
    const run = await runFixture('environment-custom').finally(() => delete process.env.MP_ISOLATION)
    expect(run.exitCode, run.stderr).toBe(0)
    expect(run.json?.numPassedTests).toBe(4)
    const pid = new Map(run.records.map(r => [r.name, r.pid]))
    expect(pid.get('serial 1')).toBe(pid.get('serial 2'))
    if (isolation === 'process') {
      expect(new Set(['serial 1', 'free 1', 'free 2'].map(name => pid.get(name))).size).toBe(3)
    }
  })
}

test('a serial group\'s files whose environment options are the same, from the config or repeated in a comment, run in one worker', async () => {
  const run = await runFixture('environments-repeated-options')
  expect(run.exitCode, run.stdout + run.stderr).toBe(0)
  expect(run.json?.numPassedTests).toBe(2)
  const pid = new Map(run.records.map(r => [r.name, r.pid]))
  expect(pid.get('config flag')).toBe(pid.get('comment flag'))
})
