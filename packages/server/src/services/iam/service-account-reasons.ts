// The error reasons of service accounts, their keys and the tokens minted for them, registered in
// core's catalog so that listReasons() (and docs/errors.md) cover them.
import { Code, registerReasons } from '@runiam/core'

export const SERVICE_ACCOUNT_REASONS = {
  SERVICE_ACCOUNT_DISABLED: {
    code: Code.FAILED_PRECONDITION,
    doc: 'generateIdToken / generateAccessToken for a disabled service account (or through a disabled delegate).',
  },
  SERVICE_ACCOUNT_KEY_LIMIT: {
    code: Code.FAILED_PRECONDITION,
    doc: "keys.create on a service account that already has 10 keys (Google's limit): delete one first.",
  },
} as const

registerReasons(SERVICE_ACCOUNT_REASONS)
