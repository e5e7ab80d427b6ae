// Copies the repository's docs/ into the package at build time, so that the docs its README names
// ship with it (an install has no repository to read them from). Links to examples/ work there too
// (copy-examples.mjs ships them beside docs/); links to the repository's other folders (bench/)
// would be broken: they become plain text naming the path.
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'

const from = new URL('../../../docs/', import.meta.url)
const to = new URL('../docs/', import.meta.url)
rmSync(to, { recursive: true, force: true })
cpSync(from, to, { recursive: true })
for (const name of readdirSync(to).filter(file => file.endsWith('.md'))) {
  const file = new URL(name, to)
  const text = readFileSync(file, 'utf-8')
    .replace(/\[([^\]]+)\]\(\.\.\/((?!examples\/)[^)]+)\)/g, (_, label, path) => label === path || `${label}README.md` === path
      ? `${label} (in the vitest-pool-mp repository)`
      : `${label} (in the vitest-pool-mp repository: ${path})`)
  writeFileSync(file, text)
}
