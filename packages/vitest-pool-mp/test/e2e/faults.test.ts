import type { JsonTestResults } from 'vitest/node'
import type { FixtureRun } from './utils'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { stripVTControlCharacters } from 'node:util'
import { describe, expect, test } from 'vitest'
import { alive, childWorkers, FIXTURES, readPids, readRecords, runFixture, VITEST_CLI, waitFor } from './utils'

function results(json: JsonTestResults | undefined): Record<string, { status: string, message: string }> {
  const byName: Record<string, { status: string, message: string }> = {}
  for (const file of json?.testResults ?? []) {
    for (const test of file.assertionResults) {
      byName[test.title] = { status: test.status, message: (test.failureMessages ?? []).join('\n') }
    }
  }
  return byName
}

type Results = ReturnType<typeof results>

/**
 * A serial batch whose second test exits the process: the test before keeps its result, the one
 * that crashed names the group and exit code, the one after is reported with the reason, never missing.
 */
function expectSerialCrash(byName: Results, tests: [string, string, string], group: string, code: number): void {
  const [before, crashed, after] = tests
  expect(byName[before]!.status).toBe('passed')
  expect(byName[crashed]!.status).toBe('failed')
  expect(byName[crashed]!.message).toContain(`group "${group}" (serial)`)
  expect(byName[crashed]!.message).toContain(`exited with code ${code} while this test was running`)
  expect(byName[after]!.status).toBe('failed')
  expect(byName[after]!.message).toContain('Not run: the worker process')
  expect(byName[after]!.message).toContain(`exited with code ${code} before this test started`)
}

describe('a worker that dies or hangs never loses a result', () => {
  test('crashes and hangs fail the test they hit, name the cause, and the run goes on', async () => {
    const run = await runFixture('faults-crash')
    const byName = results(run.json)

    expect(byName['dies by SIGKILL']!.status).toBe('failed')
    expect(byName['dies by SIGKILL']!.message).toMatch(/worker process \(pid \d+\) running group "Killed" \(free\) \[batch \d+\] was killed by SIGKILL while this test was running/)
    expect(byName.aborts!.status).toBe('failed')
    expect(byName.aborts!.message).toContain('was killed by SIGABRT while this test was running')

    expectSerialCrash(byName, ['first passes', 'second exits', 'third never runs'], 'SerialCrash', 3)

    expect(byName['busy loop']!.status).toBe('failed')
    expect(byName['busy loop']!.message).toMatch(/This test hung: the worker \(pid \d+\) running group "Hang" \(free\) \[batch \d+\] made no progress for \d+\.\d s/)

    // A beforeAll hook that never yields: no test had begun, and the tests say where the worker was.
    for (const name of ['after a hanging beforeAll', 'also after it']) {
      expect(byName[name]!.status).toBe('failed')
      expect(byName[name]!.message).toMatch(/Not run: after it loaded this file and before its first test started \(in a beforeAll hook, say\), the worker \(pid \d+\) running group "HookHang" \(serial\) \[batch \d+\] made no progress/)
    }

    // The same in a nested suite, after an earlier test of the batch ended: between two tests.
    expect(byName['before the nested hook']!.status).toBe('passed')
    expect(byName['after a nested hanging beforeAll']!.status).toBe('failed')
    expect(byName['after a nested hanging beforeAll']!.message).toMatch(/Not run: after its earlier tests had ended and before this one started \(in a suite's beforeAll or afterAll hook, say\), the worker \(pid \d+\) running group "NestedHookHang" \(serial\) \[batch \d+\] made no progress/)

    // The same in a file run whole without a collect pass (its tree learnt from the worker itself).
    expectSerialCrash(byName, ['whole first passes', 'whole second exits', 'whole third never runs'], 'WholeCrash', 5)
    // A test that passed before its worker died keeps its timing, as its worker would have reported it.
    const passedBeforeCrash = run.json!.testResults.flatMap(file => file.assertionResults).filter(test => ['first passes', 'whole first passes'].includes(test.title))
    expect(passedBeforeCrash.map(test => typeof test.duration)).toEqual(['number', 'number'])
    // A file run whole whose worker dies while loading it fails, named, with the exit code.
    const onLoad = run.json!.testResults.find(result => result.name.endsWith('exits-on-load.test.ts'))!
    expect(onLoad.status).toBe('failed')
    expect(onLoad.message).toMatch(/\[vitest-pool-mp\] The worker process \(pid \d+\) running an ungrouped test \(free\) \[batch \d+\] exited with code 4 while it loaded this file/)
    // The same for a file planned from its tree: the batch that would check the tree dies, the file
    // fails as a whole, as Vitest reports a file that cannot load, and its other batch never starts.
    const predicted = run.json!.testResults.find(result => result.name.endsWith('exits-on-load-predicted.test.ts'))!
    expect(predicted.status).toBe('failed')
    expect(predicted.message).toMatch(/\[vitest-pool-mp\] The worker process \(pid \d+\) running an ungrouped test \(free\) \[batch \d+\] exited with code 5 while it loaded this file/)
    expect(run.records.filter(r => r.name === 'module exits-on-load-predicted')).toHaveLength(1)

    expect(byName.survivor!.status).toBe('passed')
    expect(run.json!.numTotalTests).toBe(14)
    expect(run.exitCode).toBe(1)
    expect(run.pids.length).toBeGreaterThanOrEqual(7)
    expect(alive(run.pids)).toEqual([])
  })

  // A warm worker (isolation: 'module') dies in the afterAll hook that follows its batch's last test.
  test('a warm worker that dies after its tests ended: the file says so, the test keeps its result, the next batches run in another worker', async () => {
    const run = await runFixture('module-worker-dies-after')
    expect(run.exitCode).toBe(1)
    const files = new Map(run.json!.testResults.map(file => [file.name.split('/').pop(), file]))
    const dying = files.get('a-dies-after.test.ts')!
    expect(dying.status).toBe('failed')
    expect(dying.message).toMatch(/^\[vitest-pool-mp\] The worker process \(pid \d+\) running .* was killed by SIGKILL after its tests had ended \(in an afterAll hook, or while it tore down\)\.$/)
    const byName = results(run.json)
    for (const name of ['a ends, then its worker dies', 'b 1', 'b 2', 'b 3']) {
      expect(byName[name]!.status).toBe('passed')
      // Each ran exactly once: none lost, none run twice.
      expect(run.records.filter(record => record.name === name)).toHaveLength(1)
    }
    // What ran after the worker died ran in another process.
    const victim = run.records.find(record => record.name === 'a ends, then its worker dies')!
    const after = run.records.filter(record => record.name.startsWith('b ') && record.begin > victim.end)
    expect(after.every(record => record.pid !== victim.pid)).toBe(true)
    expect(await waitFor(() => childWorkers().length === 0, 10_000)).toBe(true)
  })

  for (const isolation of ['process', 'module'] as const) {
    test(`a worker that dies or hangs while collecting a file fails that file, named, and the others run (isolation '${isolation}')`, async () => {
      // Files whose tests are declared in a loop are collected before the plan. Their collector's
      // death used to leave them out of the plan's reports: the run ended with "No test files
      // found" (exit 1, nothing run) or, with warm workers, passed (exit 0) without them.
      // The fixture's config reads MP_ISOLATION when Vitest loads it, in this process.
      process.env.MP_ISOLATION = isolation
      const run = await runFixture('faults-collect-crash').finally(() => delete process.env.MP_ISOLATION)
      expect(run.exitCode).toBe(1)
      const files = new Map(run.json!.testResults.map(file => [file.name.split('/').pop(), file]))
      expect([...files.keys()].sort()).toEqual(['a-survivor.test.ts', 'b-killed.test.ts', 'c-hangs.test.ts'])
      expect(files.get('a-survivor.test.ts')!.assertionResults.map(test => test.status)).toEqual(['passed', 'passed'])
      expect(files.get('b-killed.test.ts')!.status).toBe('failed')
      expect(files.get('b-killed.test.ts')!.message).toMatch(/\[vitest-pool-mp\] The worker process \(pid \d+\) .* was killed by SIGKILL while it loaded this file\./)
      expect(files.get('c-hangs.test.ts')!.status).toBe('failed')
      expect(files.get('c-hangs.test.ts')!.message).toMatch(/\[vitest-pool-mp\] While it loaded this file, the worker \(pid \d+\) .* made no progress for \d+\.\d s/)
      expect(alive(run.pids)).toEqual([])
    })
  }

  for (const isolation of ['process', 'module'] as const) {
    test(`a worker that dies in a test's later attempt, or in a user's around hook after the body, is blamed on that test (isolation '${isolation}')`, async () => {
      // The test's end used to be announced from onTestFinished, before the user's around hooks'
      // teardown, and once per attempt, with main keeping the first end: such tests passed, or
      // said their error was lost "right after this test ended", and the next test took the blame.
      // The fixture's config reads MP_ISOLATION when Vitest loads it, in this process.
      process.env.MP_ISOLATION = isolation
      const run = await runFixture('faults-attempts').finally(() => delete process.env.MP_ISOLATION)
      const byName = results(run.json)
      for (const name of ['around 1', 'repeated', 'retried']) {
        expect(byName[name]!.status, name).toBe('failed')
        expect(byName[name]!.message, name).toMatch(/was killed by SIGKILL while this test was running/)
      }
      for (const name of ['around 2', 'after repeated']) {
        expect(byName[name]!.message, name).toMatch(/Not run: .* before this test started/)
      }
      expect(run.exitCode).toBe(1)
    })
  }

  test('a hook that awaits, or blocks, past the watchdog\'s limit, within a timeout of its own, is not taken for hung', async () => {
    // The watchdog counted a worker's silence; a slow async hook sends nothing, and was killed.
    // A running worker now sends a heartbeat while its event loop turns, and tells main of its
    // hooks' own timeouts, which a hook that blocks the loop (no heartbeat) may take.
    const run = await runFixture('faults-slow-hooks')
    expect(run.exitCode, run.stdout).toBe(0)
    expect(run.json?.numPassedTests).toBe(4)
  })

  test('a watchdog limit longer than a timer can hold (2 ** 31 ms) waits quietly, without a timer that overflows', async () => {
    const overflows: string[] = []
    const onWarning = (warning: Error) => warning.name === 'TimeoutOverflowWarning' && overflows.push(warning.message)
    process.on('warning', onWarning)
    process.env.MP_GRACE = String(2 ** 31)
    const run = await runFixture('faults-slow-hooks').finally(() => {
      delete process.env.MP_GRACE
      process.off('warning', onWarning)
    })
    expect(run.exitCode, run.stdout).toBe(0)
    expect(run.json?.numPassedTests).toBe(4)
    expect(overflows).toEqual([])
  })

  // A worker paused at a breakpoint (or waiting for a debugger) blocks like a busy loop: the
  // fixture's test blocks past the watchdog's limit, as a debugger would hold it. Resumed, the
  // test meets Vitest's own timeout, as on forks.
  const failureOf = (run: FixtureRun) => run.json?.testResults[0]?.assertionResults[0]?.failureMessages?.join('\n')
  test.each(['inspect', 'execArgv'])('when a debugger may attach (%s), the watchdog leaves a blocked worker alone', async (sign) => {
    process.env.MP_DEBUG_SIGN = sign
    const run = await runFixture('faults-debugger').finally(() => delete process.env.MP_DEBUG_SIGN)
    expect(run.stdout + run.stderr).toContain('Test timed out in 300ms')
    expect(run.stdout + run.stderr).not.toContain('[vitest-pool-mp]')
    expect(childWorkers()).toEqual([])
  })

  // With --inspect-brk each inspected worker waits for the debugger: a collector, which runs no
  // test, must not make the user attach and resume once more for nothing.
  test.each(['process', 'module'])('with --inspect, a collector leaves the inspector closed; each worker that runs tests opens it (isolation: %s)', async (isolation) => {
    process.env.MP_ISOLATION = isolation
    const run = await runFixture('debugger-collect').finally(() => delete process.env.MP_ISOLATION)
    expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0)
    const names = run.records.map(r => r.name).sort()
    expect(names).toEqual(['module inspected', 'module inspected', 'module plain', 'test 1 inspected', 'test 2 inspected'])
    const testPids = run.records.filter(r => r.name.startsWith('test ')).map(r => r.pid)
    const collector = run.records.find(r => r.name === 'module plain')!.pid
    expect(testPids.includes(collector)).toBe(isolation === 'module')
    expect(childWorkers()).toEqual([])
  })

  test('without a debugger the same worker is taken for hung', async () => {
    const run = await runFixture('faults-debugger')
    expect(failureOf(run)).toContain('[vitest-pool-mp] This test hung')
  })

  test('options are validated: a wrong one is refused with its path, value and what is accepted', async () => {
    const run = await runFixture('faults-bad-option')
    const output = run.stdout + run.stderr
    expect(output).toContain('[vitest-pool-mp] Invalid options passed to mpPlugin()')
    expect(output).toContain('ungrouped')
    expect(output).toContain('"files"')
    expect(output).toContain('watchdogGrace')
    expect(output).toContain('-5')
    expect(output).toContain('Accepted:')
    expect(run.json).toBeUndefined()
  })
})

describe('cancellation stops every worker; no child outlives the run', () => {
  test('--bail stops the run: the never-started tests are skipped, running ones end', async () => {
    const run = await runFixture('faults-cancel', { config: { bail: 1, env: { MP_FAIL_FIRST: '1' } } })
    const byName = results(run.json)
    expect(byName['fails first']!.status).toBe('failed')
    expect(run.exitCode).toBe(1)
    for (const name of ['sleeps', 'spins', 'waits too']) {
      expect(byName[name]?.status ?? 'missing').not.toBe('passed')
    }
    expect(await waitFor(() => alive(run.pids).length === 0, 10_000)).toBe(true)
  })

  for (const fixture of ['strategies', 'module-isolation']) {
    test(`watch mode (${fixture}): every run's workers end with the run, while Vitest stays open for the next`, async () => {
      let recordsDir = ''
      const run = await runFixture(fixture, { keepOpen: true, config: { watch: true }, onRecordsDir: (dir) => { recordsDir = dir } })
      const exitCode = process.exitCode
      try {
        expect(run.exitCode).toBe(0)
        expect(run.pids.length).toBeGreaterThan(0)
        expect(await waitFor(() => alive(run.pids).length === 0, 10_000)).toBe(true)
        // Also the workers booted ahead of the plan that ran nothing.
        expect(await waitFor(() => childWorkers().length === 0, 10_000)).toBe(true)
        const vitest = run.vitest!
        const before = new Set(vitest.state.getFiles().map(file => file.result?.startTime))
        await vitest.rerunTestSpecifications(await vitest.globTestSpecifications())
        expect(vitest.state.getFiles().every(file => !before.has(file.result?.startTime))).toBe(true)
        expect(vitest.state.getCountOfFailedTests()).toBe(0)
        const rerunPids = readPids(recordsDir, readRecords(recordsDir)).filter(pid => !run.pids.includes(pid))
        expect(rerunPids.length).toBeGreaterThan(0)
        expect(await waitFor(() => alive(rerunPids).length === 0, 10_000)).toBe(true)
        expect(await waitFor(() => childWorkers().length === 0, 10_000)).toBe(true)
      }
      finally {
        await run.vitest?.close()
        process.exitCode = exitCode
      }
    })
  }

  for (const signal of ['SIGINT', 'SIGTERM', 'SIGKILL'] as const) {
    test(`${signal} to Vitest: every worker ends, including one stuck in a busy loop`, async () => {
      const recordsDir = mkdtempSync(join(tmpdir(), 'mp-cancel-'))
      const vitest = spawn(process.execPath, [VITEST_CLI, 'run'], {
        cwd: join(FIXTURES, 'faults-cancel'),
        env: { ...process.env, MP_RECORDS_DIR: recordsDir, CI: 'true' },
        stdio: 'ignore',
      })
      const exited = new Promise<void>(resolve => vitest.once('exit', () => resolve()))
      try {
        // The three Slow tests run at once (maxWorkers 3): wait until each noted its pid.
        expect(await waitFor(() => readPids(recordsDir).length >= 3, 60_000)).toBe(true)
        const pids = readPids(recordsDir)
        expect(alive(pids)).toHaveLength(3)
        vitest.kill(signal)
        await exited
        expect(await waitFor(() => alive(pids).length === 0, 10_000)).toBe(true)
      }
      finally {
        vitest.kill('SIGKILL')
        rmSync(recordsDir, { recursive: true, force: true })
      }
    })
  }
})

// A file whose module code throws only in some workers: each test it kept from starting says so,
// with the file's error, and reporters see the file end after all its tests.
test.each(['process', 'module'] as const)('a file that fails to load in a later batch\'s worker fails that batch\'s tests with its error (isolation: %s)', async (isolation) => {
  const seen: string[] = []
  const order = {
    onTestCaseResult: (testCase: { name: string }) => void seen.push(testCase.name),
    onTestModuleEnd: () => void seen.push('module end'),
  }
  process.env.MP_ISOLATION = isolation
  const run = await runFixture('faults-load-some', { config: { reporters: ['default', order as never] } })
    .finally(() => delete process.env.MP_ISOLATION)
  const byName = results(run.json)
  const failed = Object.values(byName).filter(result => result.status === 'failed')
  expect(Object.values(byName).map(result => result.status).sort()).toEqual(['failed', 'failed', 'passed'])
  for (const result of failed) {
    expect(result.message).toMatch(/Not run: the file failed to load in the worker \(pid \d+\) running an ungrouped test \(free\) \[batch \d+\], which evaluates it again: loads-once: a test of this file already ran/)
  }
  expect(stripVTControlCharacters(run.stdout)).toContain('loads-once.test.ts (3 tests | 2 failed)')
  expect(seen).toHaveLength(4)
  expect(seen.at(-1)).toBe('module end')
})

// A worker that cannot start (its test environment throws while it loads) fails the file with the
// worker's own error as the cause, stack and all, as Vitest's pools show theirs.
test('a worker that fails to start fails its file with the worker\'s error as the cause', async () => {
  const run = await runFixture('faults-start-fails')
  const output = stripVTControlCharacters(`${run.stdout}\n${run.stderr}`)
  expect(run.exitCode, output).toBe(1)
  expect(output).toContain('[vitest-pool-mp] The worker for an ungrouped test (free) [batch 1] failed to start: broken-env: cannot set up')
  expect(output).toContain('Caused by: TypeError: broken-env: cannot set up')
})

// A collector that dies while it loads a file never gets to the files after it in its share:
// those used to be planned whole, unread, and then refused for groups another file declares.
test('a collector that dies while loading a file leaves only that file uncollected; the files after it run', async () => {
  const run = await runFixture('faults-collect-crash-shared')
  const byName = results(run.json)
  expect(run.exitCode).toBe(1)
  expect(Object.fromEntries(['b1', 'b2', 'c1', 'c2'].map(name => [name, byName[name]?.status]))).toEqual({ b1: 'passed', b2: 'passed', c1: 'passed', c2: 'passed' })
  const killed = run.json!.testResults.find(file => file.name.endsWith('2-kills.test.ts'))!
  expect(killed.status).toBe('failed')
  // Killed again by the file's own batch, which cannot know the file's groups: it says so.
  expect(killed.message).toMatch(/running a whole file its collector could not read \[batch \d+\] was killed by SIGKILL while it loaded this file/)
})

// A failed test's end carries its errors: a worker that dies before Vitest's own report of it
// goes out no longer takes the reason with it.
test.each(['process', 'module'] as const)('a failed test keeps its own error when its worker dies right after it (isolation: %s)', async (isolation) => {
  process.env.MP_ISOLATION = isolation
  const run = await runFixture('faults-lost-reason').finally(() => delete process.env.MP_ISOLATION)
  const byName = results(run.json)
  expect(byName['fails by assertion']!.status).toBe('failed')
  expect(byName['fails by assertion']!.message).toContain('expected 2 to be 3')
  expect(byName['fails by assertion']!.message).not.toContain('its error was lost')
  expect(byName['kills its worker']!.message).toMatch(/was killed by SIGKILL while this test was running/)
})

test.each(['process', 'module'] as const)('a file that declares other tests in the worker than where it was collected fails the tests not in their place, names the extra one, runs no test under another\'s name, and fails the run (isolation: %s)', async (isolation) => {
  process.env.MP_ISOLATION = isolation
  const run = await runFixture('faults-changing-file').finally(() => delete process.env.MP_ISOLATION)
  expect(run.exitCode).toBe(1)
  const files = Object.fromEntries(run.json!.testResults.map(file => [basename(file.name), file.status]))
  expect(files).toEqual({ 'changing.test.ts': 'failed', 'growing.test.ts': 'failed', 'renamed.test.ts': 'passed', 'shift-1-sets.test.ts': 'passed', 'shift-2-reads.test.ts': 'failed', 'steady.test.ts': 'passed' })
  const byName = results(run.json)
  const notInPlace = /finished without running this test: when that worker loaded the file, it did not declare this test where the plan's collection saw it \(another test, or none, was in its place\)\. A file whose tests run in several workers must declare the same tests/
  // changing.test.ts: its collector declared a test first that its workers do not; the test after
  // it then sits at the id the plan gave the first one, and runs under neither name.
  // shift-2-reads.test.ts: its group's worker declares a test first that its collector did not.
  const failed = Object.entries(byName).filter(([, result]) => result.status === 'failed').map(([name]) => name).sort()
  expect(failed).toEqual(['declared by every process', 'declared by the first process only', 'fails', 'passes'])
  failed.forEach(name => expect(byName[name]!.message).toMatch(notInPlace))
  // No test body ran under another test's name: of the shifted file, only its unplanned test's
  // body could run, and it ran in no batch either. A test renamed where it stands ran.
  expect(run.records.map(record => record.name).sort()).toEqual(['after the renamed', 'renamed', 'turns the feature on'])
  // An extra test was in no plan and ran nowhere: its file fails, naming it, once.
  const growing = run.json!.testResults.find(file => basename(file.name) === 'growing.test.ts')!
  expect(growing.assertionResults.map(test => `${test.fullName}: ${test.status}`).sort()).toEqual([
    'Later declared by every process, in Later: passed',
    'declared by every process, first: passed',
    'declared by every process, second: passed',
  ])
  const notRun = (name: string) => `[vitest-pool-mp] Not run: a worker loaded this file with tests its collection did not see, and no batch runs them: "${name}". A file whose tests run in several workers must declare the same tests`
  expect(growing.message).toContain(notRun('Later > declared by the processes after the first'))
  expect(growing.message.split(notRun('Later > declared by the processes after the first'))).toHaveLength(2)
  const shifted = run.json!.testResults.find(file => basename(file.name) === 'shift-2-reads.test.ts')!
  expect(shifted.message).toContain(notRun('Shift > declared once the feature is on'))
  expect(shifted.message).toContain('Declare such a test always, and skip it with test.skipIf() or test.runIf().')
}, 120_000)

// Tests that fake or remove what the worker's own reporting relies on: queueMicrotask faked and
// left so, structuredClone replaced in a serial group that goes on in another file, the
// process's 'message' listeners removed. Each stalled its worker, the first two for good.
test.each(['process', 'module'] as const)('a test that fakes or removes what the worker reports with does not stall it (isolation: %s)', async (isolation) => {
  process.env.MP_ISOLATION = isolation
  const run = await runFixture('faults-tampering').finally(() => delete process.env.MP_ISOLATION)
  expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0)
  expect(Object.values(results(run.json)).map(result => result.status)).toEqual(['passed', 'passed', 'passed', 'passed', 'passed'])
  const names = run.records.map(record => record.name)
  expect(names).toEqual(expect.arrayContaining(['fakes queueMicrotask', 'after the fake', 'replaces structuredClone', 'after the clone', 'removes listeners']))
  const byName = new Map(run.records.map(record => [record.name, record]))
  expect(byName.get('after the clone')!.pid).toBe(byName.get('replaces structuredClone')!.pid)
}, 120_000)

