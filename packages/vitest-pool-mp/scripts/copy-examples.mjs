// Copies the repository's examples/ into the package at build time, so that the projects its docs
// point to ship with it: docs/ and examples/ are siblings in both places, so the docs' links to
// them work in an install too. A copy names the package by its published version instead of the
// workspace's, as a user's project would.
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { basename } from 'node:path'

const from = new URL('../../../examples/', import.meta.url)
const to = new URL('../examples/', import.meta.url)
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf-8'))

/** What a run of an example leaves (installs, caches, records), and dotfiles npm would not ship. */
function isSource(path) {
  const name = basename(path)
  return name !== 'node_modules' && !name.startsWith('.')
}

rmSync(to, { recursive: true, force: true })
for (const example of readdirSync(from, { withFileTypes: true }).filter(entry => entry.isDirectory())) {
  const target = new URL(`${example.name}/`, to)
  cpSync(new URL(`${example.name}/`, from), target, { recursive: true, filter: isSource })
  const manifest = new URL('package.json', target)
  writeFileSync(manifest, readFileSync(manifest, 'utf-8').replaceAll('"vitest-pool-mp": "workspace:*"', `"vitest-pool-mp": "^${version}"`))
  const readme = new URL('README.md', target)
  // The package's own README is two folders up in an install, where the repository has it under packages/.
  if (existsSync(readme)) {
    writeFileSync(readme, readFileSync(readme, 'utf-8').replaceAll('](../../packages/vitest-pool-mp)', '](../../README.md)'))
  }
}
