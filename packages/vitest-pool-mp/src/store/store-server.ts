import type { ChildConnection } from '../child-host.js'
import type { StoreClientFunctions, StoreServerFunctions } from './store-rpc.js'
import { createBirpc } from 'birpc'
import { RunStore } from './run-store.js'

/**
 * Serves one run's store to its workers: one birpc endpoint per child connection, each acting as
 * that child's session. `attach` returns the detach function the child host calls when the child
 * ends, however it ends; detaching releases everything the child held.
 */
export class StoreServer {
  constructor(readonly store: RunStore = new RunStore()) {}

  attach = (child: ChildConnection): (() => void) => {
    const session = this.store.connect({ pid: child.pid, label: child.label })
    let open = true
    const functions: StoreServerFunctions = {
      acquire: (name, caller, timeoutMs) => session.acquire(name, caller, timeoutMs),
      release: name => session.release(name),
      get: key => session.get(key),
      has: key => session.has(key),
      keys: () => session.keys(),
      set: (key, value, caller) => session.set(key, value, caller),
      delete: (key, caller) => session.delete(key, caller),
      beginUpdate: (key, caller) => session.beginUpdate(key, caller),
      endUpdate: (key, commit) => session.endUpdate(key, commit),
      enterTrail: (name, phase, caller) => session.enterTrail(name, phase, caller),
      exitTrail: (name, phase, succeeded) => session.exitTrail(name, phase, succeeded),
      withdraw: ticket => session.withdraw(ticket),
    }
    const rpc = createBirpc<StoreClientFunctions, StoreServerFunctions>(functions, {
      post: (data) => {
        if (!open) {
          return
        }
        try {
          child.send(data)
        }
        // The child died between its call and this answer; detach follows.
        catch {}
      },
      on: listener => child.onMessage(data => open && listener(data)),
      timeout: -1,
    })
    return () => {
      if (open) {
        open = false
        session.close()
        rpc.$close()
      }
    }
  }
}
