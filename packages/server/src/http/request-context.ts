// What the front door knows about one request, handed to whichever surface serves it and read
// back for the request's one access-log line: no per-request WeakMaps, no second route match.
import type { Caller } from '../services/caller.js'

export interface RequestContext {
  /** Unique per process; also sent as the x-request-id response header. */
  readonly requestId: string
  /** The metrics and access-log label: a Google method id, or the surface that served it. */
  route: string
  /** Who made the request, once a surface has authenticated it. */
  caller?: Caller
  /** Fields a surface adds to the access-log line (the gateway's decision and reason). */
  readonly log: Record<string, unknown>
}
