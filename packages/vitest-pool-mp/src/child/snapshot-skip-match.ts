// A worker runs only its batch's tests of a file and skips the others; Vitest counts a skipped
// test's snapshots as checked, so that only entries no test takes are left obsolete. Vitest 4
// (@vitest/snapshot 4) takes them by a loose match: every entry whose key is longer than the
// skipped test's name and ends in a number, whatever the name it starts with. With most of a
// file's tests skipped in each batch, no entry was ever obsolete, and `-u` removed none. Vitest 5
// takes the skipped test's own entries only (`<name> <n>`, `<name> > <hint> <n>`); this gives
// Vitest 4's snapshot state that rule, in the pool's workers only.
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'

interface SnapshotStateLike {
  _uncheckedKeys?: unknown
}

type MarkChecked = (this: SnapshotStateLike, testName: string) => void

let patched: Promise<void> | undefined

/** Makes Vitest 4's snapshot state count a skipped test's own snapshot entries as checked, and no others. */
export function matchSkippedSnapshotsExactly(vitestWorker: string): Promise<void> {
  patched ??= patch(vitestWorker)
  return patched
}

async function patch(vitestWorker: string): Promise<void> {
  let prototype: { markSnapshotsAsCheckedForTest?: MarkChecked } | undefined
  try {
    const require = createRequire(vitestWorker)
    if (!String((require('vitest/package.json') as { version?: string }).version).startsWith('4.')) {
      return
    }
    // The module instance Vitest imports: the package as the running Vitest resolves it.
    const path = require.resolve('@vitest/snapshot')
    prototype = (await import(pathToFileURL(path).href) as { SnapshotState?: { prototype: typeof prototype } }).SnapshotState?.prototype
  }
  catch {
    return
  }
  const loose = prototype?.markSnapshotsAsCheckedForTest
  if (!prototype || typeof loose !== 'function') {
    return
  }
  prototype.markSnapshotsAsCheckedForTest = function (this: SnapshotStateLike, testName: string): void {
    const unchecked = this._uncheckedKeys
    if (!(unchecked instanceof Set)) {
      return loose.call(this, testName)
    }
    for (const key of unchecked) {
      const rest = typeof key === 'string' && key.startsWith(testName) ? key.slice(testName.length) : undefined
      if (rest !== undefined && (/^ \d+$/.test(rest) || rest.startsWith(' > '))) {
        unchecked.delete(key)
      }
    }
  }
}
