// Vitest names a task by its position in the file (an index under its suite), so a file that
// declares one test more or fewer in a worker than where it was collected shifts the ids of the
// tests after it. Main and a worker compare what sits at each id by name: the same walk on both
// sides, so both spell a name the same way.

/** The part of a collected task this walk reads: the same in main's tree and a worker's. */
export interface DeclaredTask {
  id: string
  name: string
  type: string
  tasks?: readonly DeclaredTask[]
}

/** Calls `visit` for every test of `file`, in declaration order, with its name after its suites' (`Suite > test`). */
export function forEachDeclaredTest<T extends DeclaredTask>(file: T, visit: (test: T, name: string) => void): void {
  const walk = (task: T, suites: readonly string[]) => {
    if (task.type !== 'suite') {
      visit(task, [...suites, task.name].join(' > '))
      return
    }
    const path = task === file ? suites : [...suites, task.name]
    task.tasks?.forEach(child => walk(child as T, path))
  }
  walk(file, [])
}

/** Every test of `file` by id, with its name after its suites'. */
export function declaredNames(file: DeclaredTask): Map<string, string> {
  const names = new Map<string, string>()
  forEachDeclaredTest(file, (test, name) => names.set(test.id, name))
  return names
}

/**
 * A short fingerprint of where a file declares its tests, from their ids in declaration order
 * (ids are places: an index under each suite), names aside: equal on both sides when a worker's
 * copy of the file declares as many tests in the same places as its collection saw, so a batch
 * need not carry the file's whole tree to find out. A test whose name changes from one load to
 * the next (one that holds a temporary folder's path, say) keeps its place.
 */
export function declarationShape(ids: readonly string[]): string {
  // FNV-1a over the ids, each ended by a character no id holds.
  let hash = 0x811C9DC5
  const text = `${ids.join('\n')}\n`
  for (let i = 0; i < text.length; i++) {
    hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193)
  }
  return `${ids.length}:${(hash >>> 0).toString(16)}`
}

/**
 * The names a worker's copy of a file declares that its collection did not see (`declared` in
 * order; a name declared more often than the collection saw it counts its extra declarations).
 */
export function undeclaredInPlan(declared: readonly string[], planned: ReadonlyMap<string, string>): string[] {
  const left = new Map<string, number>()
  planned.forEach(name => left.set(name, (left.get(name) ?? 0) + 1))
  return declared.filter((name) => {
    const count = left.get(name) ?? 0
    left.set(name, count - 1)
    return count <= 0
  })
}
