// The error reasons of service accounts, their keys and the tokens minted for them, registered in
// core's catalog so that listReasons() (and docs/errors.md) cover them.
import { Code, registerReasons } from '@runiam/core'

export const SERVICE_ACCOUNT_REASONS = {
  SERVICE_ACCOUNT_DISABLED: {
    code: Code.FAILED_PRECONDITION,
    doc: 'generateIdToken / generateAccessToken for a disabled service account (or through a disabled delegate).',
  },
} as const

registerReasons(SERVICE_ACCOUNT_REASONS)
