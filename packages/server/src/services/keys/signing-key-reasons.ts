// The error reasons of runiam's signing key rotation, registered in core's catalog so that
// listReasons() (and docs/errors.md) cover them.
import { Code, registerReasons } from '@runiam/core'

export const SIGNING_KEY_REASONS = {
  SIGNING_KEY_ROTATION_PENDING: {
    code: Code.FAILED_PRECONDITION,
    doc: 'signingKeys:rotate while the key of the previous rotation has not started signing yet.',
  },
} as const

registerReasons(SIGNING_KEY_REASONS)
