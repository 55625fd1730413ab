// The error reasons of the console's OIDC sign-in endpoints (console-login.ts), registered in
// core's catalog so that listReasons() and docs/errors.md cover them. Imported by the server's index.
import { Code, registerReasons } from '@runiam/core'

export const CONSOLE_REASONS = {
  CONSOLE_LOGIN_INVALID: {
    code: Code.INVALID_ARGUMENT,
    doc: "Console OIDC sign-in: a code exchange naming an issuer with no console login, or without a code, a valid PKCE verifier or the console's callback as redirect URI.",
  },
  CONSOLE_LOGIN_REFUSED: {
    code: Code.PERMISSION_DENIED,
    doc: "Console OIDC sign-in: the issuer's token endpoint refused the code (its error is quoted) or answered no ID token.",
  },
  CONSOLE_LOGIN_UNAVAILABLE: {
    code: Code.UNAVAILABLE,
    doc: "Console OIDC sign-in: the issuer's discovery document or token endpoint cannot be reached.",
  },
  CONSOLE_LOGIN_RATE_LIMITED: {
    code: Code.RESOURCE_EXHAUSTED,
    doc: 'Console OIDC sign-in: more well-formed code exchanges from one client address than its budget (20 at once, then 2 per second), or too many waiting on issuers; Retry-After says when to try again.',
  },
} as const

registerReasons(CONSOLE_REASONS)
