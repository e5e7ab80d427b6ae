// Inline snapshots are written into source files. With the tests of one file in several workers,
// each worker would rewrite the file while others still run tests of it, and those make their
// edits against the file as they read it then, at the places their own copy of the file had: in
// the wrong place once it has changed (and in watch mode each write reloads the file and reruns
// it). So the workers hand their edits to main, which writes them all once the run's batches
// have ended, every file once.
import type { InlineSnapshotsMessage } from './protocol.js'
import { readFileSync, writeFileSync } from 'node:fs'
import { MpError } from './errors.js'
import { mergeLineEdits } from './line-merge.js'

type Edit = Pick<InlineSnapshotsMessage, 'file' | 'base' | 'edited'>

export class InlineSnapshotWriter {
  private pending: Edit[] = []

  constructor(private readonly format: (file: string) => string) {}

  /** Whether any worker of the run has handed in inline snapshots. */
  received = false

  add(edit: Edit): void {
    this.received = true
    this.pending.push(edit)
  }

  /** Writes every edit received so far into its file; returns an error for each that could not be written. */
  flush(): MpError[] {
    const edits = this.pending
    this.pending = []
    const errors: MpError[] = []
    for (const file of new Set(edits.map(edit => edit.file))) {
      try {
        this.write(file, edits.filter(each => each.file === file), errors)
      }
      catch (error) {
        errors.push(new MpError(`Could not write the inline snapshots of ${this.format(file)}: ${error instanceof Error ? error.message : String(error)}`, { cause: error }))
      }
    }
    return errors
  }

  private write(file: string, edits: readonly Edit[], errors: MpError[]): void {
    const before = readFileSync(file, 'utf-8')
    let content = before
    for (const edit of edits) {
      const merged = mergeLineEdits(edit.base, edit.edited, content)
      if (merged === undefined) {
        errors.push(new MpError(
          `Could not write an inline snapshot into ${this.format(file)}: a test in another worker wrote a different one on the same line, which is written. `
          + 'If they are two snapshots on one line, run the tests again to write this one. If they are one snapshot that several tests reach '
          + '(a test.each, a shared helper), give each its own: Vitest refuses different snapshots at one place too.',
        ))
        continue
      }
      content = merged
    }
    // Written in place, as Vitest writes it (a rename would turn a linked file into a copy).
    if (content !== before) {
      writeFileSync(file, content, 'utf-8')
    }
  }
}
