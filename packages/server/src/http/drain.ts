// Stopping the front door gracefully: no new connection is accepted, idle keep-alive connections
// close at once, each busy one as soon as its answer is written, and one still busy after the
// grace is cut (a client that never finishes its upload must not hold the server up forever).
import type { Server } from 'node:http'

/** How long requests already in flight get to finish when the server stops. */
export const DRAIN_GRACE_MS = 10_000

export function drain(server: Server, graceMs = DRAIN_GRACE_MS): Promise<void> {
  return new Promise<void>((resolve) => {
    // A connection turns idle when its answer is written; close it then, not at its keep-alive end.
    const idle = setInterval(() => server.closeIdleConnections(), 50)
    const cut = setTimeout(() => server.closeAllConnections(), graceMs)
    server.close(() => {
      clearInterval(idle)
      clearTimeout(cut)
      resolve()
    })
    server.closeIdleConnections()
  })
}
