// Stopping the front door gracefully: no new connection is accepted, idle keep-alive connections
// close at once, each busy one as soon as its answer is written, and what is still open after the
// grace is cut: a request still arriving (a client that never finishes its upload must not hold
// the server up forever) and an upgraded connection (a WebSocket), which server.close() would
// otherwise wait for however long it lives.
import type { Server } from 'node:http'
import type { Duplex } from 'node:stream'

/** How long requests already in flight get to finish when the server stops. */
export const DRAIN_GRACE_MS = 10_000

/** Call when the server is created (it records upgraded connections); the result drains it. */
export function drainer(server: Server): (graceMs?: number) => Promise<void> {
  const upgraded = new Set<Duplex>()
  server.on('upgrade', (_req: unknown, socket: Duplex) => {
    upgraded.add(socket)
    socket.once('close', () => upgraded.delete(socket))
  })
  return (graceMs = DRAIN_GRACE_MS) =>
    new Promise<void>((resolve) => {
      // A connection turns idle when its answer is written: close it then, not at its keep-alive end.
      const idle = setInterval(() => server.closeIdleConnections(), 50)
      const cut = setTimeout(() => {
        server.closeAllConnections()
        for (const socket of upgraded) socket.destroy()
      }, graceMs)
      server.close(() => {
        clearInterval(idle)
        clearTimeout(cut)
        resolve()
      })
      server.closeIdleConnections()
    })
}
