// A three-way merge by lines, for a test file whose inline snapshots several workers write: each
// worker's edits are relative to the source it loaded, and another worker may have written its own
// edits into the file since.

/** `base` lines [start, end) replaced by `lines`. */
interface Hunk {
  start: number
  end: number
  lines: string[]
}

/**
 * Applies the edits that turned `base` into `ours` to `theirs` (base with another writer's edits).
 * Returns undefined when an edit of ours touches lines the other writer changed.
 */
export function mergeLineEdits(base: string, ours: string, theirs: string): string | undefined {
  const { merged, refused } = mergeEditedVersions(base, [theirs, ours])
  return refused.length > 0 ? undefined : merged
}

/**
 * Applies to `base` the edits that turned it into each of `versions`: several writers' copies,
 * each edited on its own. Each version's edits are found against `base` alone, so edits of
 * different writers on neighbouring lines stay apart, and an edit two writers made alike counts
 * once. A version with an edit that overlaps another version's different edit is left out whole:
 * its index is in `refused`.
 */
export function mergeEditedVersions(base: string, versions: readonly string[]): { merged: string, refused: number[] } {
  const baseLines = base.split('\n')
  const kept: Hunk[] = []
  const refused: number[] = []
  versions.forEach((version, index) => {
    const mine = hunks(baseLines, version.split('\n'))
    if (mine.some(hunk => kept.some(other => overlap(other, hunk) && !sameHunk(other, hunk)))) {
      refused.push(index)
      return
    }
    kept.push(...mine.filter(hunk => !kept.some(other => sameHunk(other, hunk))))
  })
  return { merged: applyHunks(baseLines, kept), refused }
}

/** Whether two hunks touch the same lines of base, or insert at the same place. */
function overlap(a: Hunk, b: Hunk): boolean {
  return (a.start < b.end && b.start < a.end) || a.start === b.start
}

function applyHunks(baseLines: readonly string[], kept: Hunk[]): string {
  kept.sort((a, b) => a.start - b.start || a.end - b.end)
  const merged: string[] = []
  let at = 0
  for (const hunk of kept) {
    merged.push(...baseLines.slice(at, hunk.start), ...hunk.lines)
    at = hunk.end
  }
  merged.push(...baseLines.slice(at))
  return merged.join('\n')
}

function sameHunk(a: Hunk, b: Hunk): boolean {
  return a.start === b.start && a.end === b.end && a.lines.join('\n') === b.lines.join('\n')
}

/** The hunks that turn `a` into `b`: Myers' shortest edit script, grouped. */
function hunks(a: string[], b: string[]): Hunk[] {
  const n = a.length
  const m = b.length
  const max = n + m
  const offset = max + 1
  let v = new Int32Array(2 * max + 3)
  const trace: Int32Array[] = []
  let found = false
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice())
    const next = v.slice()
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1
      let y = x - k
      while (x < n && y < m && a[x] === b[y]) {
        x++
        y++
      }
      next[offset + k] = x
      if (x >= n && y >= m) {
        found = true
        break
      }
    }
    v = next
  }
  // Walk back from the end to the start, collecting which lines of a and b are kept.
  const same: [number, number][] = []
  let x = n
  let y = m
  for (let d = trace.length - 1; d > 0; d--) {
    const before = trace[d]!
    const k = x - y
    const prevK = k === -d || (k !== d && before[offset + k - 1]! < before[offset + k + 1]!) ? k + 1 : k - 1
    const prevX = before[offset + prevK]!
    const prevY = prevX - prevK
    while (x > prevX && y > prevY) {
      same.push([--x, --y])
    }
    x = prevX
    y = prevY
  }
  while (x > 0 && y > 0) {
    same.push([--x, --y])
  }
  same.reverse()
  const result: Hunk[] = []
  let ai = 0
  let bi = 0
  for (const [sa, sb] of [...same, [n, m] as [number, number]]) {
    if (sa > ai || sb > bi) {
      result.push({ start: ai, end: sa, lines: b.slice(bi, sb) })
    }
    ai = sa + 1
    bi = sb + 1
  }
  return result
}
