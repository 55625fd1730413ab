// `runiam serve --workers 2` under a hostile environment, black-box: stopped in the middle of a
// request, a worker frozen (SIGSTOP) while a write waits for it, the primary killed outright,
// --workers values that are not a worker count.
import { connect, type Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { startServer, type ServerProcess } from './harness.js'

/** A raw keep-alive connection: what the server answers is read as it comes. */
async function open(server: ServerProcess): Promise<{ socket: Socket; received: () => string }> {
  const at = new URL(server.url)
  const socket = connect(Number(at.port), at.hostname)
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  let data = ''
  socket.on('data', (d: Buffer) => (data += d.toString()))
  socket.on('error', () => {})
  return { socket, received: () => data }
}

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (ok()) return
    await sleep(50)
  }
  throw new Error(`never: ${what}`)
}

describe('runiam serve --workers 2, attacked', () => {
  it('SIGTERM to the primary answers a request still arriving, then exits 0', async () => {
    const server = await startServer(['--workers', '2'])
    try {
      const c = await open(server)
      // The connection is a worker's once it answered on it.
      c.socket.write('GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n')
      await until('healthz answered', () => c.received().includes('\r\n\r\n'))
      const body = new URLSearchParams({
        grant_type: 'urn:runiam:params:oauth:grant-type:dev-login',
        subject: 'alice@example.com',
        audience: server.url,
      }).toString()
      c.socket.write(
        `POST /token HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
      )
      const before = c.received().length
      const stopped = server.stop()
      await sleep(500)
      c.socket.write(body.slice(10))
      await until(
        'answer or close',
        () => c.received().length > before || c.socket.destroyed || c.socket.readableEnded,
      )
      expect(c.received().slice(before)).toMatch(/^HTTP\/1\.1 \d{3} /)
      expect(await stopped).toBe(0)
    } finally {
      await server.stop()
    }
  }, 60_000)
})
