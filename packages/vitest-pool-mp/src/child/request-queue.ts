// Main may send a warm worker its next request while the current one still runs (ChildHost
// `canQueue`): Vitest's worker takes one request at a time, so the next one waits here and is
// handed over the moment the worker reports the current file finished, with no round trip to
// the main process in between.

interface WorkerRequest { __vitest_worker_request__: true, type: string }
interface WorkerResponse { __vitest_worker_response__: true, type: string }

/** Holds the request main sent ahead, with the files it has the worker verify, until the worker is free. */
export class RequestQueue {
  private busy = false
  private held: { request: WorkerRequest, verify: string[] | undefined } | undefined
  private verifyAhead: string[] | undefined

  constructor(
    private readonly deliver: (request: unknown) => void,
    private readonly verify: (files: string[]) => void,
  ) {}

  /** A message from main for Vitest's worker. Returns false when held here (a run while one runs). */
  incoming(message: unknown): boolean {
    if (!isRunRequest(message)) {
      return true
    }
    if (this.busy) {
      this.held = { request: message, verify: this.verifyAhead }
      this.verifyAhead = undefined
      return false
    }
    this.busy = true
    return true
  }

  /** Main's list of files to verify, sent just before its request. */
  incomingVerify(files: string[]): void {
    if (this.busy) {
      this.verifyAhead = files
    }
    else {
      this.verify(files)
    }
  }

  /** Main took the held request back (the run was cancelled). */
  drop(): void {
    this.held = undefined
    this.verifyAhead = undefined
  }

  /** A message from Vitest's worker to main, already sent: a finished file frees the worker. */
  outgoing(message: unknown): void {
    if (!isFileFinished(message)) {
      return
    }
    this.busy = false
    const held = this.held
    if (!held) {
      return
    }
    this.held = undefined
    if (held.verify) {
      this.verify(held.verify)
    }
    this.busy = true
    // After Vitest's worker is done with the message it is sending (it marks itself free once the send returns).
    queueMicrotask(() => this.deliver(held.request))
  }
}

function isRunRequest(message: unknown): message is WorkerRequest {
  const request = message as WorkerRequest | null
  return typeof request === 'object' && request !== null && request.__vitest_worker_request__ === true && (request.type === 'run' || request.type === 'collect')
}

function isFileFinished(message: unknown): boolean {
  const response = message as WorkerResponse | null
  return typeof response === 'object' && response !== null && response.__vitest_worker_response__ === true && response.type === 'testfileFinished'
}
