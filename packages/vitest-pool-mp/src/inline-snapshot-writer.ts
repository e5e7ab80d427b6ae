// Inline snapshots are written into source files. With the tests of one file in several workers,
// each worker would rewrite the file while others still run tests of it, and those make their
// edits against the file as they read it then, at the places their own copy of the file had: in
// the wrong place once it has changed (and in watch mode each write reloads the file and reruns
// it). So the workers hand their edits to main, which writes them all once the run's batches
// have ended, every file once.
import type { InlineSnapshotCheck, InlineSnapshotsMessage } from './protocol.js'
import { readFileSync, writeFileSync } from 'node:fs'
import { MpError } from './errors.js'
import { mergeEditedVersions, mergeLineEdits } from './line-merge.js'

type Edit = Pick<InlineSnapshotsMessage, 'file' | 'base' | 'edited'>

export class InlineSnapshotWriter {
  private pending: Edit[] = []
  private checks: InlineSnapshotCheck[] = []

  constructor(private readonly format: (file: string) => string) {}

  /** Whether any worker of the run has handed in inline snapshots. */
  received = false

  add(edit: Edit): void {
    this.received = true
    this.pending.push(edit)
  }

  /** Inline snapshot assertions a worker ran while writing snapshots: two workers' tests may reach one with different values. */
  addChecks(checks: readonly InlineSnapshotCheck[]): void {
    this.checks.push(...checks)
  }

  /** Writes every edit received so far into its file; returns an error for each that could not be written. */
  flush(): MpError[] {
    const edits = this.pending
    this.pending = []
    const errors: MpError[] = []
    const refused = this.conflictingFiles(errors)
    for (const file of new Set(edits.map(edit => edit.file))) {
      if (refused.has(file)) {
        continue
      }
      try {
        this.write(file, edits.filter(each => each.file === file), errors)
      }
      catch (error) {
        errors.push(new MpError(`Could not write the inline snapshots of ${this.format(file)}: ${error instanceof Error ? error.message : String(error)}`, { cause: error }))
      }
    }
    return errors
  }

  /**
   * The files where tests of different workers reached one assertion with different values. In one
   * worker Vitest fails the second test (`toMatchInlineSnapshot with different snapshots cannot be
   * called at the same location`) and writes neither; here the tests have ended, so the run fails
   * with that error and nothing is written into the file.
   */
  private conflictingFiles(errors: MpError[]): Set<string> {
    const checks = this.checks
    this.checks = []
    const byPlace = new Map<string, InlineSnapshotCheck[]>()
    for (const check of checks) {
      const place = `${check.file}:${check.line}:${check.column}`
      const same = byPlace.get(place) ?? []
      same.push(check)
      byPlace.set(place, same)
    }
    const refused = new Set<string>()
    for (const same of byPlace.values()) {
      const values = new Map(same.map(check => [check.snapshot, check.test]))
      if (values.size < 2) {
        continue
      }
      const { file, line, column } = same[0]!
      refused.add(file)
      // By the tests' names: the same message whichever worker ended first.
      const received = [...values].sort(([, a], [, b]) => a.localeCompare(b, 'en', { numeric: true })).map(([snapshot, test]) => `"${test}" received ${oneLine(snapshot)}`).join('; ')
      errors.push(new MpError(
        `toMatchInlineSnapshot with different snapshots cannot be called at the same location: ${this.format(file)}:${line}:${column + 1} (${received}). `
        + `The tests ran in different workers, so neither failed; nothing was written into ${this.format(file)}. `
        + 'Give each test its own snapshot (toMatchSnapshot, or an inline snapshot in each test).',
      ))
    }
    return refused
  }

  private write(file: string, edits: readonly Edit[], errors: MpError[]): void {
    const before = readFileSync(file, 'utf-8')
    let content = before
    // Workers that loaded the same source: their edits are merged against it together (one against
    // another's result would see their neighbouring edits as one block, and refuse an equal one).
    for (const base of new Set(edits.map(edit => edit.base))) {
      const { merged, refused } = mergeEditedVersions(base, edits.filter(edit => edit.base === base).map(edit => edit.edited))
      refused.forEach(() => errors.push(this.clash(file)))
      const written = base === content ? merged : mergeLineEdits(base, merged, content)
      if (written === undefined) {
        errors.push(this.clash(file))
        continue
      }
      content = written
    }
    // Written in place, as Vitest writes it (a rename would turn a linked file into a copy).
    if (content !== before) {
      writeFileSync(file, content, 'utf-8')
    }
  }

  private clash(file: string): MpError {
    return new MpError(
      `Could not write an inline snapshot into ${this.format(file)}: a test in another worker wrote a different one on the same line, which is written. `
      + 'If they are two snapshots on one line, run the tests again to write this one. If they are one snapshot that several tests reach '
      + '(a test.each, a shared helper), give each its own: Vitest refuses different snapshots at one place too.',
    )
  }
}

function oneLine(snapshot: string): string {
  const text = snapshot.replace(/\s*\n\s*/g, ' ').trim()
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}
