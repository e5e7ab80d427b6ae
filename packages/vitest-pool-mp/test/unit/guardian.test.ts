import type { ChildProcess } from 'node:child_process'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { afterEach, describe, expect, test } from 'vitest'
import { Guardian } from '../../src/guardian.js'

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

/**
 * Tells the guardian of three children and takes one back; once `settled` (its process is up, or
 * it fell back to another), ends its input. Returns how each child ended.
 */
async function guard(guardian: Guardian, settled: () => Promise<unknown>): Promise<{ killed: (string | null)[], removedAlive: boolean }> {
  const [kept, removed, other] = [sleeper(), sleeper(), sleeper()]
  guardian.tell({ add: kept.pid })
  guardian.tell({ add: removed.pid })
  guardian.tell({ add: other.pid })
  guardian.tell({ remove: removed.pid })
  // A pid that is a prefix or suffix of another must not take that one with it.
  guardian.tell({ remove: Number(String(kept.pid).slice(1)) })
  const exits = [once(kept, 'exit'), once(other, 'exit')]
  await settled()
  guardian.end()
  const killed = (await Promise.all(exits)).map(([, signal]) => signal as string | null)
  return { killed, removedAlive: isAlive(removed) }
}

describe('the guardian', () => {
  test.skipIf(process.platform === 'win32')('in a shell: when its input ends, it kills the children it was told of and still has', async () => {
    const guardian = new Guardian('/bin/sh')
    expect(guardian.process.spawnfile).toBe('/bin/sh')
    expect(await guard(guardian, () => once(guardian.process, 'spawn'))).toEqual({ killed: ['SIGKILL', 'SIGKILL'], removedAlive: true })
  })

  test('in Node (Windows): the same', async () => {
    const guardian = new Guardian(undefined)
    expect(await guard(guardian, () => once(guardian.process, 'spawn'))).toEqual({ killed: ['SIGKILL', 'SIGKILL'], removedAlive: true })
  })

  test('without the shell (an image that has none), it runs in Node and still knows every pid', async () => {
    const guardian = new Guardian('/no/such/sh')
    const shell = guardian.process
    // The pids are told before the shell is known to be missing: the Node guardian learns them again.
    // The guardian's own listener, first on the shell's 'error', has started the Node one by then.
    const result = await guard(guardian, () => once(shell, 'error'))
    expect(guardian.process.spawnfile).toBe(process.execPath)
    expect(result).toEqual({ killed: ['SIGKILL', 'SIGKILL'], removedAlive: true })
  })
})
