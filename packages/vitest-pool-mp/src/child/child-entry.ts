// Runs inside a Tinypool child process: hosts one Vitest worker (one batch, or with module isolation
// batch after batch) until the main process stops it, then returns so Tinypool retires the process.
import type { AnswersUsedMessage, ChildServices, ChildTask, ChildTaskResult, HeartbeatMessage, HookTimeoutsMessage, InlineChecksMessage, InlineSnapshotsMessage, OwnedTestsMessage, ProgressMessage, ReadyMessage, SnapshotRemovedMessage, UnplannedTestsMessage } from '../protocol.js'
import type { MpDescribe } from '../runtime/groups.js'
import { CHILD_SERVICES_KEY, HEARTBEAT_MS, isMpMessage, MP_TAG } from '../protocol.js'
import { attachMpGroup } from '../runtime/groups.js'
import { isCall } from './birpc-wire.js'
import { FileScopedWorkerFixtures } from './file-scoped-worker-fixtures.js'
import { keepProcessListeners } from './kept-listeners.js'
import { ownClearInterval, ownNow, ownQueueMicrotask, ownSetImmediate, ownSetInterval } from './own-builtins.js'
import { OwnedReports } from './owned-reports.js'
import { RepeatAnswers } from './repeat-answers.js'
import { sendWithoutReply } from './reports-without-reply.js'
import { matchSkippedSnapshotsExactly } from './snapshot-skip-match.js'
import { keepV8CoverageSession } from './v8-coverage-session.js'
import { deliverStoreMessage, installStoreChannel } from './store-channel.js'

type Listener = (message: unknown) => void

if (!process.send) {
  throw new Error('[vitest-pool-mp] The child entry must run in a child process with an IPC channel.')
}

const processSend = process.send.bind(process)
const processExit = process.exit.bind(process)
const testBegan = new Map<string, number>()
let heartbeat: NodeJS.Timeout | undefined
// Vitest's `detectAsyncLeaks` lists a file's async resources as soon as its tests end. On its own
// pools the reports' round trip lets the event loop turn first, which runs the ticks a test left
// queued (a server's 'listening' tick): answered in a microtask, they would count as leaks.
let answerLater: (callback: () => void) => void = ownQueueMicrotask
installStoreChannel(message => processSend(message))

// Files planned from their source wait, once collected, for main to check their tree. Main names
// them just before the request that runs them; a warm worker's next request starts with none.
let toVerify = new Set<string>()
let verifyNext: Set<string> | undefined
let verdictArrived = false
const ownedReports = new OwnedReports()
const workerFixtures = new FileScopedWorkerFixtures()
let ownedNext: Pick<OwnedTestsMessage, 'tests' | 'planned' | 'names'> | undefined
let onVerdict: (() => void) | undefined
const services: ChildServices = {
  progress: (progress) => {
    if (progress.phase === 'begin') {
      testBegan.set(progress.testId, ownNow())
    }
    else {
      const began = testBegan.get(progress.testId)
      testBegan.delete(progress.testId)
      progress = began === undefined ? progress : { ...progress, duration: ownNow() - began }
    }
    try {
      processSend({ [MP_TAG]: true, kind: 'progress', ...progress } satisfies ProgressMessage)
    }
    catch {
      // Errors the channel cannot copy (the runner's own are plain, a custom one may not be): the
      // state still goes, and Vitest's report still carries them unless the worker dies first.
      processSend({ [MP_TAG]: true, kind: 'progress', ...progress, errors: undefined } satisfies ProgressMessage)
    }
  },
  verdict: (filepath) => {
    if (!toVerify.delete(filepath) || verdictArrived) {
      return undefined
    }
    return new Promise<void>((resolve) => {
      onVerdict = resolve
    })
  },
  attachMpGroup: describe => attachMpGroup(describe as MpDescribe),
  inlineSnapshots: (file, base, edited) => processSend({ [MP_TAG]: true, kind: 'inline-snapshots', file, base, edited } satisfies InlineSnapshotsMessage),
  snapshotRemoved: (testFile, snapFile) => processSend({ [MP_TAG]: true, kind: 'snapshot-removed', testFile, snapFile } satisfies SnapshotRemovedMessage),
  hookTimeouts: timeouts => processSend({ [MP_TAG]: true, kind: 'hook-timeouts', timeouts } satisfies HookTimeoutsMessage),
}
;(globalThis as Record<symbol, ChildServices>)[CHILD_SERVICES_KEY] = services
const sendInlineChecks: NonNullable<ChildServices['inlineChecks']> = checks => processSend({ [MP_TAG]: true, kind: 'inline-checks', checks } satisfies InlineChecksMessage)

// The main process is gone (killed, or closed without stopping us): nothing is left to report to.
process.on('disconnect', () => processExit(1))

// A parent that went away leaves the IPC channel closed; end instead of looping on send errors.
process.on('error', (error: NodeJS.ErrnoException) => {
  if (error?.code === 'ERR_IPC_CHANNEL_CLOSED' || error?.code === 'EPIPE') {
    processExit(1)
  }
})

export default async function runBatch(task: ChildTask): Promise<ChildTaskResult> {
  const { init, runBaseTests, setupEnvironment } = await import(task.vitestWorker) as typeof import('vitest/worker')
  const listeners = new Set<Listener>()
  const deliver = (answer: unknown) => listeners.forEach(listener => listener(answer))
  const repeatAnswers = new RepeatAnswers(deliver)
  const onMessage = (message: unknown) => {
    if (typeof message === 'object' && message !== null && '__tinypool_worker_message__' in message) {
      return
    }
    if (isMpMessage(message)) {
      if (message.kind === 'store') {
        deliverStoreMessage(message.data)
      }
      else if (message.kind === 'verify') {
        verifyNext = new Set(message.files)
      }
      else if (message.kind === 'owned') {
        ownedNext = message
      }
      else if (message.kind === 'verdict') {
        verdictArrived = true
        onVerdict?.()
        onVerdict = undefined
      }
      else if (message.kind === 'answers') {
        repeatAnswers.seed(message.answers)
      }
      return
    }
    if (isWorkerRequest(message)) {
      workerFixtures.request(message)
    }
    if (isRunRequest(message)) {
      toVerify = verifyNext ?? new Set()
      verifyNext = undefined
      verdictArrived = false
      ownedReports.begin(ownedNext)
      ownedNext = undefined
      ownClearInterval(heartbeat)
      heartbeat = ownSetInterval(() => processSend({ [MP_TAG]: true, kind: 'heartbeat' } satisfies HeartbeatMessage), HEARTBEAT_MS)
      heartbeat.unref()
    }
    repeatAnswers.incoming(message)
    listeners.forEach(listener => listener(message))
  }
  process.on('message', onMessage)
  const releaseListeners = keepProcessListeners()

  return new Promise<ChildTaskResult>((resolve) => {
    init({
      post: (sent) => {
        let message = sent
        if (isCall(sent)) {
          workerFixtures.report(sent)
          message = ownedReports.trim(sent)
          const unplanned = ownedReports.takeUnplanned()
          if (unplanned.length > 0) {
            processSend({ [MP_TAG]: true, kind: 'unplanned', tests: unplanned } satisfies UnplannedTestsMessage)
          }
        }
        if (isRequestEnd(message)) {
          ownClearInterval(heartbeat)
          const keys = repeatAnswers.takeSeedsUsed()
          if (keys.length > 0) {
            processSend({ [MP_TAG]: true, kind: 'answers-used', keys } satisfies AnswersUsedMessage)
          }
        }
        if (!sendWithoutReply(message, processSend, deliver, answerLater) && repeatAnswers.outgoing(message)) {
          processSend(message)
        }
      },
      on: listener => listeners.add(listener),
      off: listener => listeners.delete(listener),
      teardown: () => {
        releaseListeners()
        process.off('message', onMessage)
        listeners.clear()
        process.exit = processExit
        void outputWritten().then(() => resolve({ pid: process.pid }))
      },
      runTests: async (state, traces) => {
        answerLater = (state.config as { detectAsyncLeaks?: boolean }).detectAsyncLeaks ? callback => ownSetImmediate(callback) : ownQueueMicrotask
        // Read by the setup file as it starts each test file: when no snapshot is written its hook is not registered.
        const update = state.config.snapshotOptions.updateSnapshot
        services.inlineChecks = update === 'all' || update === 'new' ? sendInlineChecks : undefined
        await keepV8CoverageSession(state.config.coverage, task.vitestWorker)
        await matchSkippedSnapshotsExactly(task.vitestWorker)
        return runBaseTests('run', state, traces)
      },
      collectTests: async (state, traces) => {
        await keepV8CoverageSession(state.config.coverage, task.vitestWorker)
        return runBaseTests('collect', state, traces)
      },
      setup: setupEnvironment,
    })
    processSend({ [MP_TAG]: true, kind: 'ready', pid: process.pid } satisfies ReadyMessage)
  })
}

/**
 * Resolves once what the worker wrote to its stdout and stderr has left the process: Tinypool
 * retires it once the task returns, and its own wait for the output looks at `console._stdout`,
 * which Vitest's console replaces, so the end of a large write was lost.
 */
function outputWritten(): Promise<unknown> {
  return Promise.all([process.stdout, process.stderr].map(stream => stream.writableLength > 0
    ? new Promise(resolve => stream.write('', resolve))
    : undefined))
}

interface WorkerRequestShape { __vitest_worker_request__?: boolean, type?: string, context?: { pool?: string } }

function isWorkerRequest(message: unknown): message is WorkerRequestShape {
  return (message as WorkerRequestShape | null)?.__vitest_worker_request__ === true
}

function isRunRequest(message: unknown): boolean {
  return isWorkerRequest(message) && (message.type === 'run' || message.type === 'collect')
}

function isRequestEnd(message: unknown): boolean {
  return (message as { __vitest_worker_response__?: boolean, type?: string } | null)?.__vitest_worker_response__ === true
    && (message as { type: string }).type === 'testfileFinished'
}
