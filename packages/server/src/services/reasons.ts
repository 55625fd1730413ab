// The error reasons the admin API's services and HTTP layer raise beyond core's catalog,
// registered so that listReasons() (and docs/errors.md) can cover them.
import { Code, registerReasons } from '@runiam/core'

export const SERVER_REASONS = {
  ALREADY_EXISTS: {
    code: Code.ALREADY_EXISTS,
    doc: 'A project id or a Cloud Run resource name is already taken.',
  },
  NO_ORGANIZATION: {
    code: Code.FAILED_PRECONDITION,
    doc: 'The server has no organization node yet (bootstrap did not run).',
  },
  STORE_FEED_LAGGING: {
    code: Code.UNAVAILABLE,
    doc: 'A replica on a shared PostgreSQL database that is not following the change feed (its follower connection is down, or it is behind): it refuses to decide, at the gateway and the admin API, until it has caught up. Retry; another replica can answer.',
  },
  URL_NOT_FOUND: {
    code: Code.NOT_FOUND,
    doc: 'No admin API method, and no file of the built console, has this path.',
  },
  METHOD_NOT_ALLOWED: {
    code: Code.UNIMPLEMENTED,
    doc: 'The path exists but not with this HTTP method (sent as HTTP 405).',
  },
  INVALID_JSON: {
    code: Code.INVALID_ARGUMENT,
    doc: 'The request body is not valid JSON, or nests deeper than 100 levels.',
  },
  BODY_TIMEOUT: {
    code: Code.DEADLINE_EXCEEDED,
    doc: 'The request body did not arrive within the body timeout (--body-timeout); the connection is closed, nothing is answered.',
  },
  PAYLOAD_TOO_LARGE: {
    code: Code.INVALID_ARGUMENT,
    doc: 'The request body is larger than 1 MiB.',
  },
} as const

registerReasons(SERVER_REASONS)
