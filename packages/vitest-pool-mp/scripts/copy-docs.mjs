// Copies the repository's docs/ into the package at build time, so that the docs its README names
// ship with it (an install has no repository to read them from).
import { cpSync, rmSync } from 'node:fs'

const from = new URL('../../../docs/', import.meta.url)
const to = new URL('../docs/', import.meta.url)
rmSync(to, { recursive: true, force: true })
cpSync(from, to, { recursive: true })
