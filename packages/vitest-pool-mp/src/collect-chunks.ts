/** A collector is a process start (about 0.2 s of CPU); collecting one more file costs a few ms. */
export const FILES_PER_COLLECTOR = 8

/**
 * Splits a run's files among the processes that collect them. Collecting runs no test and no
 * hook, only each file's module code (re-evaluated per file, as Vitest's `isolate` does), so one
 * process can collect many files one after another. Files go to at most `workers` processes, and
 * to no more than one per FILES_PER_COLLECTOR files, each process only files of one test
 * environment, spread evenly in the given order.
 */
export function collectChunks<T>(files: readonly T[], environmentKey: (file: T) => string, workers: number): T[][] {
  const byEnvironment = new Map<string, T[]>()
  for (const file of files) {
    const key = environmentKey(file)
    const list = byEnvironment.get(key) ?? []
    list.push(file)
    byEnvironment.set(key, list)
  }
  const chunks: T[][] = []
  for (const list of byEnvironment.values()) {
    const count = Math.max(1, Math.min(workers, Math.ceil(list.length / FILES_PER_COLLECTOR)))
    const size = Math.ceil(list.length / count)
    for (let start = 0; start < list.length; start += size) {
      chunks.push(list.slice(start, start + size))
    }
  }
  return chunks
}
