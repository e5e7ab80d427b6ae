import { describe, expect, test } from 'vitest'
import { mergeEditedVersions, mergeLineEdits } from '../../src/line-merge.js'

const lines = (...text: string[]) => text.join('\n')

describe('mergeLineEdits', () => {
  const base = lines('a', 'snap1()', 'b', 'snap2()', 'c')

  test('edits at different lines both land, whatever the other moved', () => {
    const theirs = lines('a', 'snap1(`', '  1', '`)', 'b', 'snap2()', 'c')
    const ours = lines('a', 'snap1()', 'b', 'snap2(`', '  2', '`)', 'c')
    expect(mergeLineEdits(base, ours, theirs)).toBe(lines('a', 'snap1(`', '  1', '`)', 'b', 'snap2(`', '  2', '`)', 'c'))
  })

  test('with nothing written by others, ours is the result; with nothing of ours, theirs is', () => {
    const edited = lines('a', 'snap1(1)', 'b', 'snap2()', 'c')
    expect(mergeLineEdits(base, edited, base)).toBe(edited)
    expect(mergeLineEdits(base, base, edited)).toBe(edited)
  })

  test('insertions and deletions around the other edits', () => {
    const theirs = lines('header', 'a', 'snap1()', 'b', 'snap2()', 'c')
    const ours = lines('a', 'snap1()', 'snap2(2)', 'c', 'footer')
    expect(mergeLineEdits(base, ours, theirs)).toBe(lines('header', 'a', 'snap1()', 'snap2(2)', 'c', 'footer'))
  })

  test('the same edit made by both is kept once', () => {
    const edited = lines('a', 'snap1(1)', 'b', 'snap2()', 'c')
    expect(mergeLineEdits(base, edited, edited)).toBe(edited)
  })

  test('different edits of the same line are a conflict', () => {
    expect(mergeLineEdits(base, lines('a', 'snap1(1)', 'b', 'snap2()', 'c'), lines('a', 'snap1(2)', 'b', 'snap2()', 'c'))).toBeUndefined()
  })

  test('a longer file with edits far apart', () => {
    const long = Array.from({ length: 2000 }, (_, i) => `line ${i}`)
    const ours = [...long]
    ours[1900] = 'ours'
    const theirs = [...long]
    theirs.splice(10, 1, 'theirs 1', 'theirs 2', 'theirs 3')
    const expected = [...theirs]
    expected[1902] = 'ours'
    expect(mergeLineEdits(long.join('\n'), ours.join('\n'), theirs.join('\n'))).toBe(expected.join('\n'))
  })

  test('any two texts: applying the edits from one to the other gives the other (seeded random cases)', () => {
    let seed = 7
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed % n
    }
    const text = () => Array.from({ length: random(12) }, () => 'abcd'[random(4)]).join('\n')
    for (let i = 0; i < 500; i++) {
      const a = text()
      const b = text()
      expect(mergeLineEdits(a, b, a)).toBe(b)
      expect(mergeLineEdits(a, a, b)).toBe(b)
    }
  })
})

describe('mergeEditedVersions', () => {
  // Two tests of a test.each write the same snapshot on one line, a test on the line before writes
  // its own: merged one after another, the neighbours' edits read as one block, and the second equal
  // edit was refused.
  const base = lines('test(\'other\', () => { expect(1).toMatchInlineSnapshot() })', 'test.each([\'a\', \'b\'])(\'%s\', s => { expect(typeof s).toMatchInlineSnapshot() })', '')
  const other = lines('test(\'other\', () => { expect(1).toMatchInlineSnapshot(`1`) })', 'test.each([\'a\', \'b\'])(\'%s\', s => { expect(typeof s).toMatchInlineSnapshot() })', '')
  const each = lines('test(\'other\', () => { expect(1).toMatchInlineSnapshot() })', 'test.each([\'a\', \'b\'])(\'%s\', s => { expect(typeof s).toMatchInlineSnapshot(`"string"`) })', '')
  const both = lines('test(\'other\', () => { expect(1).toMatchInlineSnapshot(`1`) })', 'test.each([\'a\', \'b\'])(\'%s\', s => { expect(typeof s).toMatchInlineSnapshot(`"string"`) })', '')

  test.each([[other, each, each], [each, other, each], [each, each, other]])('equal edits count once beside a neighbour\'s, in any order (%#)', (...versions) => {
    expect(mergeEditedVersions(base, versions)).toEqual({ merged: both, refused: [] })
  })

  test('a different edit of a line another version edited is refused whole, by its index', () => {
    const elsewise = each.replace('"string"', '"number"')
    expect(mergeEditedVersions(base, [each, other, elsewise])).toEqual({ merged: both, refused: [2] })
  })

  test('edits that add lines, of different writers, land each in its place', () => {
    const text = lines('a', 'snap1()', 'snap2()', 'c')
    const first = lines('a', 'snap1(`', '  {', '  }', '`)', 'snap2()', 'c')
    const second = lines('a', 'snap1()', 'snap2(`', '  }', '`)', 'c')
    expect(mergeEditedVersions(text, [first, second]).merged).toBe(lines('a', 'snap1(`', '  {', '  }', '`)', 'snap2(`', '  }', '`)', 'c'))
    expect(mergeEditedVersions(text, [second, first]).merged).toBe(lines('a', 'snap1(`', '  {', '  }', '`)', 'snap2(`', '  }', '`)', 'c'))
  })
})
