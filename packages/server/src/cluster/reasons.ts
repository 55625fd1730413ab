// The error reasons of `runiam serve --workers N` (node:cluster), registered so docs/errors.md
// can cover them.
import { Code, registerReasons } from '@runiam/core'

export const CLUSTER_REASONS = {
  WORKER_START_FAILED: {
    code: Code.UNAVAILABLE,
    doc: '`runiam serve --workers N`: a worker ended, or failed for a reason of its own, before it served.',
  },
} as const

registerReasons(CLUSTER_REASONS)
