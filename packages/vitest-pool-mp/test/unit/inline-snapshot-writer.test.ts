import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { InlineSnapshotWriter } from '../../src/inline-snapshot-writer.js'

const dirs: string[] = []
afterEach(() => {
  dirs.splice(0).forEach(dir => rmSync(dir, { recursive: true, force: true }))
})

function sourceFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'mp-inline-'))
  dirs.push(dir)
  const file = join(dir, 'a.test.ts')
  writeFileSync(file, text)
  return file
}

const base = ['test(1)', 'snap()', 'test(2)', 'snap()', ''].join('\n')

test('every worker\'s edits land in the file, written once they are flushed', () => {
  const file = sourceFile(base)
  const writer = new InlineSnapshotWriter(path => path)
  writer.add({ file, base, edited: base.replace('snap()', 'snap(`\n  1\n`)') })
  writer.add({ file, base, edited: ['test(1)', 'snap()', 'test(2)', 'snap(2)', ''].join('\n') })
  expect(readFileSync(file, 'utf-8')).toBe(base)
  expect(writer.flush()).toEqual([])
  expect(readFileSync(file, 'utf-8')).toBe(['test(1)', 'snap(`', '  1', '`)', 'test(2)', 'snap(2)', ''].join('\n'))
  expect(writer.flush()).toEqual([])
})

test('two edits of one line: the first is written, the second is an error naming the file', () => {
  const file = sourceFile(base)
  const writer = new InlineSnapshotWriter(() => 'a.test.ts')
  writer.add({ file, base, edited: base.replace('snap()', 'snap(1)') })
  writer.add({ file, base, edited: base.replace('snap()', 'snap(2)') })
  const errors = writer.flush()
  expect(errors.map(error => error.message)).toEqual([expect.stringMatching(/^\[vitest-pool-mp\] Could not write an inline snapshot into a\.test\.ts: .*run the tests again/)])
  expect(readFileSync(file, 'utf-8')).toBe(base.replace('snap()', 'snap(1)'))
})

test('a file that cannot be read is an error for its snapshots; later flushes still write', () => {
  const file = sourceFile(base)
  const writer = new InlineSnapshotWriter(path => path.endsWith('gone.test.ts') ? 'gone.test.ts' : path)
  writer.add({ file: join(file, '..', 'gone.test.ts'), base, edited: base.replace('snap()', 'snap(1)') })
  expect(writer.flush().map(error => error.message)).toEqual([expect.stringContaining('Could not write the inline snapshots of gone.test.ts')])
  writer.add({ file, base, edited: base.replace('snap()', 'snap(1)') })
  expect(writer.flush()).toEqual([])
  expect(readFileSync(file, 'utf-8')).toBe(base.replace('snap()', 'snap(1)'))
})

test('one assertion that tests of different workers reached with different values: an error, and nothing written into that file', () => {
  const file = sourceFile(base)
  const other = sourceFile(base)
  const writer = new InlineSnapshotWriter(path => (path === file ? 'a.test.ts' : 'b.test.ts'))
  writer.add({ file, base, edited: base.replace('snap()', 'snap(2)') })
  writer.add({ file: other, base, edited: base.replace('snap()', 'snap(3)') })
  writer.addChecks([
    { file, line: 2, column: 0, snapshot: '2', test: 'each 2' },
    { file: other, line: 2, column: 0, snapshot: '3', test: 'other' },
  ])
  writer.addChecks([
    { file, line: 2, column: 0, snapshot: '1', test: 'each 1' },
    { file, line: 4, column: 0, snapshot: '1', test: 'each 1' },
  ])
  expect(writer.flush().map(error => error.message)).toEqual([
    '[vitest-pool-mp] toMatchInlineSnapshot with different snapshots cannot be called at the same location: a.test.ts:2:1 ("each 1" received 1; "each 2" received 2). '
    + 'The tests ran in different workers, so neither failed; nothing was written into a.test.ts. Give each test its own snapshot (toMatchSnapshot, or an inline snapshot in each test).',
  ])
  expect(readFileSync(file, 'utf-8')).toBe(base)
  expect(readFileSync(other, 'utf-8')).toBe(base.replace('snap()', 'snap(3)'))
})

test('two workers\' equal edit of one line beside a third worker\'s edit of the line before: both written, no error', () => {
  const file = sourceFile(base)
  const writer = new InlineSnapshotWriter(path => path)
  const lineBefore = ['test(1)', 'snap(1)', 'test(2)', 'snap()', ''].join('\n')
  const each = ['test(1)', 'snap()', 'test(2)', 'snap(2)', ''].join('\n')
  const neighbour = ['test(1)', 'snap()', 'test(2)(1)', 'snap()', ''].join('\n')
  writer.add({ file, base, edited: neighbour })
  writer.add({ file, base, edited: each })
  writer.add({ file, base, edited: each })
  writer.add({ file, base, edited: lineBefore })
  expect(writer.flush()).toEqual([])
  expect(readFileSync(file, 'utf-8')).toBe(['test(1)', 'snap(1)', 'test(2)(1)', 'snap(2)', ''].join('\n'))
})
