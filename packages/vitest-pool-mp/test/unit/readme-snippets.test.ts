// The package ships its own README (an install has no repository around it); its code must be the
// repository README's, which the packed-install test runs as written.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { expect, test } from 'vitest'

function codeBlocks(file: string): string[] {
  return [...readFileSync(file, 'utf-8').matchAll(/```ts\n([\s\S]*?)```/g)].map(match => match[1]!)
}

test('the package README\'s code blocks are the repository README\'s', () => {
  const packageBlocks = codeBlocks(resolve(import.meta.dirname, '../../README.md'))
  const repositoryBlocks = codeBlocks(resolve(import.meta.dirname, '../../../../README.md'))
  expect(packageBlocks.length).toBeGreaterThan(0)
  expect(packageBlocks).toEqual(repositoryBlocks)
})
