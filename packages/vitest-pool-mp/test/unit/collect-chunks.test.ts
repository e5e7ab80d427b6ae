import { describe, expect, test } from 'vitest'
import { collectChunks } from '../../src/collect-chunks.js'

describe('collectChunks', () => {
  const env = (file: string) => file.startsWith('dom') ? 'jsdom' : 'node'

  test('spreads files evenly over at most `workers` processes, keeping their order', () => {
    expect(collectChunks(['a', 'b', 'c', 'd', 'e'], env, 2)).toEqual([['a', 'b', 'c'], ['d', 'e']])
  })

  test('never starts more processes than files', () => {
    expect(collectChunks(['a', 'b'], env, 8)).toEqual([['a'], ['b']])
  })

  test('one process only ever collects files of one environment', () => {
    const chunks = collectChunks(['a', 'dom1', 'b', 'dom2'], env, 1)
    expect(chunks).toEqual([['a', 'b'], ['dom1', 'dom2']])
  })

  test('every file is collected exactly once', () => {
    const files = Array.from({ length: 37 }, (_, i) => `f${i}`)
    expect(collectChunks(files, env, 4).flat().sort()).toEqual([...files].sort())
  })
})
