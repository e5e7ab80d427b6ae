import type { ChildProcess } from 'node:child_process'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { afterEach, describe, expect, test } from 'vitest'
import { startGuardian } from '../../src/child-reaper.js'

const sleepers: ChildProcess[] = []

function sleeper(): ChildProcess {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' })
  sleepers.push(child)
  return child
}

function isAlive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null
}

afterEach(() => {
  sleepers.splice(0).forEach(child => child.kill('SIGKILL'))
})

describe('the guardian', () => {
  test.skipIf(process.platform === 'win32')('when its main process goes, it kills the children it was told of and still has', async () => {
    const [kept, removed, other] = [sleeper(), sleeper(), sleeper()]
    const guardian = startGuardian()
    guardian.tell({ add: kept.pid })
    guardian.tell({ add: removed.pid })
    guardian.tell({ add: other.pid })
    guardian.tell({ remove: removed.pid })
    // A pid that is a prefix or suffix of another must not take that one with it.
    guardian.tell({ remove: Number(String(kept.pid).slice(1)) })
    const exits = [once(kept, 'exit'), once(other, 'exit')]
    // What the main process's death looks like to the guardian: its input ends.
    guardian.process.stdin!.end()
    await once(guardian.process, 'exit')
    const signals = (await Promise.all(exits)).map(([, signal]) => signal)
    expect(signals).toEqual(['SIGKILL', 'SIGKILL'])
    expect(isAlive(removed)).toBe(true)
  })
})
