// The error reasons of the server's identity, configuration and start-up paths, registered in
// core's catalog so that listReasons() and docs/errors.md cover them. Imported for its side effect
// by the server's index.
import { Code, registerReasons } from '@runiam/core'

export const IDENTITY_REASONS = {
  // Compat: core's unauthenticated() carries Google's ErrorInfo reason CREDENTIALS_MISSING, which
  // is what the envelope puts on the wire (the IamError's own reason is UNAUTHENTICATED).
  CREDENTIALS_MISSING: {
    code: Code.UNAUTHENTICATED,
    doc: 'Wire form of UNAUTHENTICATED: the request has no Authorization header.',
  },
  ACCESS_TOKEN_INVALID: {
    code: Code.UNAUTHENTICATED,
    doc: 'An Authorization header that is not "Bearer <token>", or a token that does not verify or has expired.',
  },
  ID_TOKEN_INVALID: {
    code: Code.UNAUTHENTICATED,
    doc: 'Gateway: an ID token whose signature, issuer, audience or expiry does not verify.',
  },
  INVALID_CONFIG: {
    code: Code.INVALID_ARGUMENT,
    doc: '`runiam serve`: a bad flag, environment variable or config file value.',
  },
  DATA_DIR_INSECURE: {
    code: Code.FAILED_PRECONDITION,
    doc: '`runiam serve`: the data folder or a secret file in it can be read by other users and cannot be made owner-only.',
  },
  LISTEN_FAILED: {
    code: Code.UNAVAILABLE,
    doc: '`runiam serve`: the server cannot listen on its host and port.',
  },
} as const

registerReasons(IDENTITY_REASONS)
