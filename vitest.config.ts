import { defineConfig } from 'vitest/config'
// Vitest 4+ no longer reads vitest.workspace.ts: it is a plain module listing the projects, imported here.
import { projects } from './vitest.workspace.ts'

export default defineConfig({
  test: {
    projects,
  },
})
