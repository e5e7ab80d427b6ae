import { describe, expect, test } from 'vitest'
import { mayBeDebugged } from '../../src/debugger-attach'

const none = { inspector: false, execArgv: [], env: {} }

describe('mayBeDebugged', () => {
  test('Vitest\'s --inspect / --inspect-brk', () => {
    expect(mayBeDebugged(none)).toBe(false)
    expect(mayBeDebugged({ ...none, inspector: true })).toBe(true)
  })

  test('an inspector flag for the workers, in execArgv or NODE_OPTIONS', () => {
    for (const flag of ['--inspect', '--inspect=9230', '--inspect-brk', '--inspect-brk=0.0.0.0:9230', '--inspect-wait']) {
      expect(mayBeDebugged({ ...none, execArgv: ['--expose-gc', flag] }), flag).toBe(true)
      expect(mayBeDebugged({ ...none, env: { NODE_OPTIONS: `--max-old-space-size=512 ${flag}` } }), flag).toBe(true)
    }
    for (const other of ['--inspect-port=9230', '--expose-gc', '--no-inspect-extra']) {
      expect(mayBeDebugged({ ...none, execArgv: [other] }), other).toBe(false)
      expect(mayBeDebugged({ ...none, env: { NODE_OPTIONS: other } }), other).toBe(false)
    }
  })

  test('VS Code\'s auto attach (its JavaScript Debug Terminal)', () => {
    expect(mayBeDebugged({ ...none, env: { NODE_OPTIONS: '--require /x/ms-vscode.js-debug/src/bootloader.js', VSCODE_INSPECTOR_OPTIONS: ':::{"inspectorIpc":"/tmp/node-cdp.sock"}' } })).toBe(true)
    expect(mayBeDebugged({ ...none, env: { VSCODE_INSPECTOR_OPTIONS: '' } })).toBe(false)
  })
})
