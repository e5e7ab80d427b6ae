import type { Writable } from 'node:stream'
import type { Reporter } from 'vitest/node'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { expect, test } from 'vitest'
import { createVitest } from 'vitest/node'
import { childProcesses, childWorkers, FIXTURES, readRecords, waitFor } from './utils'

function began(dir: string): string[] {
  const file = join(dir, 'began.txt')
  return existsSync(file) ? readFileSync(file, 'utf-8').trim().split('\n') : []
}

/** This process's children running the pool's shell guardian (guardian.ts). */
function guardians(): number[] {
  return childProcesses('while read -r op pid')
}

function devNull(): Writable {
  const sink = new PassThrough()
  sink.resume()
  return sink
}

// Vitest's own pools run a file they have started to its end when Vitest is closed during a run.
// Four tests of 1.5 s, two workers: two have begun when close() is called. The pool used to kill
// them, and their tests passed for skipped. The two not begun are skipped where Vitest closes its
// Vite servers at once (Vitest 4: a new worker could not load its file), and run where Vitest first
// waits for the pool (Vitest 5); never failed.
test.each(['process', 'module'] as const)('vitest.close() during a run lets the running batches finish, and leaves no worker (isolation: %s)', async (isolation) => {
  const dir = mkdtempSync(join(tmpdir(), 'mp-close-'))
  const states = new Map<string, string>()
  let reason: string | undefined
  // Tests in a module that goes on get only a quiet state update when cancelled, as with Vitest's
  // own cancel: their final state is read from the modules at the run's end.
  const reporter: Reporter = {
    onTestRunEnd(modules, _errors, runReason) {
      reason = runReason
      for (const module of modules) {
        for (const testCase of module.children.allTests()) {
          states.set(testCase.name, testCase.result().state)
        }
      }
    },
  }
  process.env.MP_ISOLATION = isolation
  try {
    const vitest = await createVitest('test', { root: join(FIXTURES, 'close-mid-run'), watch: false, reporters: [reporter], env: { MP_RECORDS_DIR: dir } }, {}, { stdout: devNull(), stderr: devNull() })
    const run = vitest.runTestSpecifications(await vitest.globTestSpecifications())
    expect(await waitFor(() => began(dir).length >= 2, 60_000)).toBe(true)
    const running = began(dir)
    await vitest.close()
    // Before close() resolved, the tests that were running had ended.
    expect(readRecords(dir).map(record => record.name)).toEqual(expect.arrayContaining(running))
    await run
    expect(running.map(name => states.get(name))).toEqual(['passed', 'passed'])
    const others = ['a1', 'a2', 'b1', 'b2'].filter(name => !running.includes(name))
    expect(others.map(name => states.get(name))).toSatisfy((got: string[]) => got.every(state => state === 'skipped' || state === 'passed'))
    expect(reason).toBe('passed')
    expect(childWorkers()).toEqual([])
    // Nor its guardian: a program that closes Vitest and goes on is left no process of the pool's.
    expect(await waitFor(() => guardians().length === 0, 5_000)).toBe(true)
  }
  finally {
    delete process.env.MP_ISOLATION
    rmSync(dir, { recursive: true, force: true })
  }
})
