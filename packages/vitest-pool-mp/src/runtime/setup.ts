// Added to `setupFiles` by mpPlugin(): makes `describe.mpGroup` work for files that import `describe`
// from 'vitest', and, in an mp child, reports each test's begin and end to the pool at once, so a
// worker that dies or hangs never takes a finished test's result, or the name of the running test, with it.
import type { ProgressReporter } from '../protocol.js'
import { beforeEach, describe } from 'vitest'
import { PROGRESS_KEY } from '../protocol.js'
import { attachMpGroup } from './groups.js'

attachMpGroup(describe)

const progress = (globalThis as Record<symbol, ProgressReporter | undefined>)[PROGRESS_KEY]
if (progress) {
  beforeEach(({ task, onTestFinished }) => {
    progress({ testId: task.id, phase: 'begin' })
    onTestFinished(({ task: finished }) => {
      const state = finished.result?.state
      progress({
        testId: finished.id,
        phase: 'end',
        ...(state === 'pass' || state === 'fail' || state === 'skip' || state === 'todo' ? { state } : {}),
        ...(finished.result?.duration !== undefined && { duration: finished.result.duration }),
      })
    })
  })
}
