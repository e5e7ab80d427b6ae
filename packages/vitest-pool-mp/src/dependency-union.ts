/** Vitest 5's report of the modules a test file imported (`experimental.recordDependencies`). */
export type DependencyReport = (filepath: string, dependencies: string[]) => unknown

/**
 * Vitest 5 records which modules each test file imported, for `--changed` and `--sinceLastRun`,
 * and keeps the last list a worker reports for the file. Every batch of a file reports the modules
 * its own tests imported: what goes on is the union of the file's reports so far.
 */
export function unionOfDependencies(report: DependencyReport): DependencyReport {
  const byFile = new Map<string, Set<string>>()
  return (filepath, dependencies) => {
    const union = byFile.get(filepath) ?? new Set<string>()
    byFile.set(filepath, union)
    dependencies.forEach(dependency => union.add(dependency))
    return report(filepath, [...union])
  }
}
