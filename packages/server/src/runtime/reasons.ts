// The error reasons of the local process runtime (services started from their container command),
// registered so docs/errors.md can cover them.
import { Code, registerReasons } from '@runiam/core'

export const RUNTIME_REASONS = {
  PROCESS_START_FAILED: {
    code: Code.UNAVAILABLE,
    doc: "A service's container command could not be started, exited before listening on PORT, or is waiting to be restarted after a crash (the gateway answers 503).",
  },
  PROCESS_START_TIMEOUT: {
    code: Code.UNAVAILABLE,
    doc: "A service's process did not accept connections on PORT before the start deadline (the gateway answers 503).",
  },
  LOCAL_PROCESSES_DISABLED: {
    code: Code.UNAVAILABLE,
    doc: "A service's container has a command but the server was started without --local-processes (the gateway answers 503).",
  },
} as const

registerReasons(RUNTIME_REASONS)
