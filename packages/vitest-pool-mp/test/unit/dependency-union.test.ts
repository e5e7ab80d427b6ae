import { describe, expect, test } from 'vitest'
import { unionOfDependencies } from '../../src/dependency-union.js'

describe('unionOfDependencies', () => {
  test('each report of a file carries every module its batches imported so far, in first-seen order', () => {
    const reported: [string, string[]][] = []
    const report = unionOfDependencies((filepath, dependencies) => reported.push([filepath, dependencies]))
    report('/p/c.test.ts', ['/p/c.test.ts', '/p/src/math.ts'])
    report('/p/d.test.ts', ['/p/d.test.ts'])
    report('/p/c.test.ts', ['/p/c.test.ts', '/p/src/other.ts'])
    expect(reported).toEqual([
      ['/p/c.test.ts', ['/p/c.test.ts', '/p/src/math.ts']],
      ['/p/d.test.ts', ['/p/d.test.ts']],
      ['/p/c.test.ts', ['/p/c.test.ts', '/p/src/math.ts', '/p/src/other.ts']],
    ])
  })
})
