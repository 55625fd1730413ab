// A port for a test to hand to a process that binds it later (a server restarted on the same
// address, an nginx whose address is the issuer URL before it starts).
//
// A port the kernel gives for `listen(0)` is from the ephemeral range, the same range every
// outgoing connection's source port comes from: between asking and binding, the suite's other
// tests (PostgreSQL clients, fetches, servers on port 0) could take it, and CI saw
// `EADDRINUSE 127.0.0.1:42527` that way. Below that range the kernel never hands a port out by
// itself, so only another explicit bind could take one, and the pick is random among thousands.
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'

/** The lowest port the kernel picks for port 0 and outgoing connections (Linux; else IANA's). */
function ephemeralLow(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)
    const n = Number(low)
    return Number.isInteger(n) && n > 2048 ? n : 32768
  } catch {
    return 49152
  }
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer()
    s.once('error', () => resolve(false))
    s.listen({ port, host: '127.0.0.1', exclusive: true }, () => s.close(() => resolve(true)))
  })
}

/** A port on 127.0.0.1 that nothing listens on, outside the kernel's ephemeral range. */
export async function unusedPort(): Promise<number> {
  const high = ephemeralLow() - 1
  const low = Math.max(1024, high - 12_000)
  for (let i = 0; i < 200; i++) {
    const port = low + Math.floor(Math.random() * (high - low + 1))
    if (await bindable(port)) return port
  }
  throw new Error(`no free port between ${low} and ${high}`)
}
