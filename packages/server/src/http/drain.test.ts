// Stopping the front door: a request still arriving is answered, an idle keep-alive connection and
// an upgraded one (a WebSocket) do not hold the stop up.
import { createServer, type Server } from 'node:http'
import { connect, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { drainer } from './drain.js'

const servers: Server[] = []
afterEach(() => {
  for (const s of servers.splice(0)) s.closeAllConnections()
})

async function serving(): Promise<{ server: Server; drain: (graceMs?: number) => Promise<void> }> {
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (d: Buffer) => (body += d.toString()))
    req.on('end', () => res.end(`got ${body}`))
  })
  server.on('upgrade', (_req, socket) => {
    socket.write('HTTP/1.1 101 Switching Protocols\r\nupgrade: x\r\nconnection: upgrade\r\n\r\n')
  })
  const drain = drainer(server)
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, drain }
}

async function client(
  server: Server,
  first: string,
): Promise<{ socket: Socket; data: () => string }> {
  const { port } = server.address() as { port: number }
  const socket = connect(port, '127.0.0.1')
  let data = ''
  socket.on('data', (d: Buffer) => (data += d.toString()))
  socket.on('error', () => {})
  socket.write(first)
  return { socket, data: () => data }
}

const until = async (ok: () => boolean): Promise<void> => {
  while (!ok()) await new Promise((r) => setTimeout(r, 10))
}

describe('drainer', () => {
  it('answers a request still arriving, closes an idle keep-alive connection, then resolves', async () => {
    const { server, drain } = await serving()
    const idle = await client(server, 'GET / HTTP/1.1\r\nhost: x\r\n\r\n')
    await until(() => idle.data().includes('got'))
    let arrived = false
    server.once('request', () => (arrived = true))
    const busy = await client(server, 'POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 4\r\n\r\nab')
    await until(() => arrived)
    let drained = false
    const stopping = drain(60_000).then(() => (drained = true))
    await until(() => idle.socket.readableEnded || idle.socket.destroyed)
    expect(drained).toBe(false)
    busy.socket.write('cd')
    await stopping
    expect(busy.data()).toMatch(/^HTTP\/1\.1 200 [\s\S]*got abcd$/)
  })

  it('cuts an upgraded connection after the grace instead of waiting for it', async () => {
    const { server, drain } = await serving()
    const ws = await client(
      server,
      'GET / HTTP/1.1\r\nhost: x\r\nupgrade: x\r\nconnection: upgrade\r\n\r\n',
    )
    await until(() => ws.data().includes('101'))
    await drain(100)
    await until(() => ws.socket.readableEnded || ws.socket.destroyed)
  })
})
