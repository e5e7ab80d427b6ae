import type { RunnerTestFile } from './vitest-types.js'
import { fileURLToPath } from 'node:url'

/** The pool's setup file, which mpPlugin() puts first in every mp project's `setupFiles`. */
export const SETUP_FILE = fileURLToPath(new URL('./runtime/setup.js', import.meta.url))

/**
 * The reports' collected files without the time their worker spent on the pool's setup file, when
 * that is the project's only one. Vitest's summary shows it as `setup`, where another pool shows
 * nothing for a project without setup files. With setup files of the user's own, their share
 * cannot be told apart from the pool's, and the time is left as Vitest measured it.
 */
export function withoutPoolSetupTime(setupFiles: readonly string[]): ((files: RunnerTestFile[]) => RunnerTestFile[]) | undefined {
  if (setupFiles.length !== 1 || setupFiles[0] !== SETUP_FILE) {
    return undefined
  }
  return (files) => {
    for (const file of files) {
      file.setupDuration = 0
      // Vitest 5 shows the setup files' module fetches as `transform`.
      if ('setupFetchDuration' in file) {
        file.setupFetchDuration = 0
      }
    }
    return files
  }
}
