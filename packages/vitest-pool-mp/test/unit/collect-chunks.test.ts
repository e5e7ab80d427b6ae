import { describe, expect, test } from 'vitest'
import { collectChunks, FILES_PER_COLLECTOR } from '../../src/collect-chunks.js'

describe('collectChunks', () => {
  const env = (file: string) => file.startsWith('dom') ? 'jsdom' : 'node'

  const files = (count: number) => Array.from({ length: count }, (_, i) => `f${String(i).padStart(2, '0')}`)

  test('spreads files evenly over at most `workers` processes, keeping their order', () => {
    const chunks = collectChunks(files(40), env, 2)
    expect(chunks.map(chunk => chunk.length)).toEqual([20, 20])
    expect(chunks.flat()).toEqual(files(40))
  })

  test('starts one process per FILES_PER_COLLECTOR files at most: a process start costs more than collecting', () => {
    expect(collectChunks(files(FILES_PER_COLLECTOR), env, 8)).toHaveLength(1)
    expect(collectChunks(files(FILES_PER_COLLECTOR + 1), env, 8)).toHaveLength(2)
    expect(collectChunks(['a'], env, 8)).toEqual([['a']])
  })

  test('one process only ever collects files of one environment', () => {
    const chunks = collectChunks(['a', 'dom1', 'b', 'dom2'], env, 4)
    expect(chunks).toEqual([['a', 'b'], ['dom1', 'dom2']])
  })

  test('every file is collected exactly once', () => {
    const files = Array.from({ length: 37 }, (_, i) => `f${i}`)
    expect(collectChunks(files, env, 4).flat().sort()).toEqual([...files].sort())
  })
})
