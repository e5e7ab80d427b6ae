// Inline snapshots are written into source files. With the tests of one file in several workers,
// each worker would rewrite the file while others still run tests of it; in watch mode every such
// write reloads the file and reruns it, and the workers after the first would take their
// positions from a file that no longer matches the one they edit. So the workers hand their
// edits to main, which writes each file once its tests have all ended, as one process per file
// does on Vitest's own pools.
import type { InlineSnapshotsMessage } from './protocol.js'
import { readFileSync, writeFileSync } from 'node:fs'
import { MpError } from './errors.js'
import { mergeLineEdits } from './line-merge.js'

type Edit = Pick<InlineSnapshotsMessage, 'file' | 'base' | 'edited'>

export class InlineSnapshotWriter {
  private pending: Edit[] = []
  private writing: Promise<MpError[]> = Promise.resolve([])

  constructor(private readonly format: (file: string) => string) {}

  add(edit: Edit): void {
    this.pending.push(edit)
  }

  /** Writes every edit received so far into its file; resolves with the edits that could not be merged. */
  flush(): Promise<MpError[]> {
    this.writing = this.writing.then(() => this.writePending())
    return this.writing
  }

  private writePending(): MpError[] {
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
          `Could not write an inline snapshot into ${this.format(file)}: another test's snapshot, written by another worker, is on the same line. `
          + 'The other snapshots are written; run the tests again to write this one.',
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
