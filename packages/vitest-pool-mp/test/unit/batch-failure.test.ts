import { describe, expect, test } from 'vitest'
import { batchFailure, CANCELLED } from '../../src/batch-failure.js'

const where = 'group "Db" (serial) [batch 3]'

describe('batchFailure', () => {
  test('a signal names the signal, the process and the batch', () => {
    const failure = batchFailure({ kind: 'crashed', pid: 42, exitCode: null, signal: 'SIGKILL' }, where)
    expect(failure.state).toBe('fail')
    expect(failure.runningMessage).toBe('[vitest-pool-mp] The worker process (pid 42) running group "Db" (serial) [batch 3] was killed by SIGKILL while this test was running.')
    expect(failure.pendingMessage).toBe('[vitest-pool-mp] Not run: the worker process (pid 42) running group "Db" (serial) [batch 3] was killed by SIGKILL before this test started.')
    expect(failure.afterTestsMessage).toBe('[vitest-pool-mp] The worker process (pid 42) running group "Db" (serial) [batch 3] was killed by SIGKILL after its tests had ended (in an afterAll hook, or while it tore down).')
    expect(failure.loadingMessage).toBe('[vitest-pool-mp] The worker process (pid 42) running group "Db" (serial) [batch 3] was killed by SIGKILL while it loaded this file.')
  })

  test('SIGABRT, how Node ends on a full heap, says what it may mean', () => {
    const failure = batchFailure({ kind: 'crashed', pid: 42, exitCode: null, signal: 'SIGABRT' }, where)
    expect(failure.runningMessage).toBe('[vitest-pool-mp] The worker process (pid 42) running group "Db" (serial) [batch 3] was killed by SIGABRT while this test was running. Node aborts so on a fatal error, such as running out of heap memory: the worker\'s output above says which.')
    expect(failure.pendingMessage).not.toContain('heap')
  })

  test('a worker that ended on its own without running a planned test says the file declared other tests there', () => {
    const failure = batchFailure({ kind: 'finished', pid: 42 }, where)
    expect(failure.pendingMessage).toMatch(/^\[vitest-pool-mp\] Not run: the worker \(pid 42\) running group "Db" \(serial\) \[batch 3\] finished without running this test: when that worker loaded the file, it did not declare this test where the plan's collection saw it \(another test, or none, was in its place\)\. /)
    expect(failure.pendingMessage).toContain('must declare the same tests, in the same order, each time it is loaded')
  })

  test('an exit names the code', () => {
    expect(batchFailure({ kind: 'crashed', pid: 42, exitCode: 3, signal: null }, where).runningMessage).toContain('exited with code 3')
  })

  test('a hang says so, and for how long', () => {
    const failure = batchFailure({ kind: 'hung', pid: 7, silentForMs: 12_345 }, where)
    expect(failure.runningMessage).toContain('This test hung')
    expect(failure.runningMessage).toContain('12.3 s')
    expect(failure.afterTestsMessage).toMatch(/^\[vitest-pool-mp\] After its tests had ended, the worker \(pid 7\) .* made no progress for 12\.3 s/)
    // A hang while the file loads is no test's: a busy loop at the module's top level.
    expect(failure.loadingMessage).toMatch(/^\[vitest-pool-mp\] While it loaded this file, the worker \(pid 7\) .* made no progress for 12\.3 s/)
    expect(failure.loadingMessage).not.toContain('This test hung')
  })

  test('a start failure carries the worker\'s own error', () => {
    const failure = batchFailure({ kind: 'start-failed', pid: 7, error: { message: 'Cannot find environment "jsdomm"' } }, where)
    expect(failure.runningMessage).toContain('failed to start: Cannot find environment "jsdomm"')
  })

  test('a start failure keeps the worker\'s error, stack and all, as the cause reporters show under the message', () => {
    const error = new TypeError('x is undefined')
    const failure = batchFailure({ kind: 'start-failed', pid: 7, error: { name: error.name, message: error.message, stack: error.stack } }, where)
    expect(failure.cause).toEqual({ name: 'TypeError', message: 'x is undefined', stack: error.stack })
    // Without a stack there is nothing to show beyond the message.
    expect(batchFailure({ kind: 'start-failed', pid: 7, error: { message: 'no stack' } }, where).cause).toBeUndefined()
  })

  test('a cancelled batch skips what it owned', () => {
    expect(batchFailure({ kind: 'cancelled', pid: undefined }, where)).toBe(CANCELLED)
    expect(CANCELLED.state).toBe('skip')
  })
})
