// The error reasons of Cloud Run jobs and executions beyond core's catalog, registered so that
// listReasons() (and docs/errors.md) cover them.
import { Code, registerReasons } from '@runiam/core'

export const JOB_REASONS = {
  EXECUTION_ALREADY_COMPLETED: {
    code: Code.FAILED_PRECONDITION,
    doc: 'executions.cancel of an execution that has already succeeded, failed or been cancelled.',
  },
} as const

registerReasons(JOB_REASONS)
