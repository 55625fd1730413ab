// Slow clients against a real `runiam serve --headers-timeout 1 --body-timeout 1`: a few hundred
// sockets that stall inside the request line or the headers, or send headers and then trickle a
// body to the admin API (authenticated or not) or to the token endpoint, must all be closed by the
// server, while a normal request still gets its answer. No timing is asserted beyond "closed
// within a generous bound": the point is that nothing waits for such a client forever.
import { connect, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type ServerProcess } from './harness.js'

const PROJECT = 'slow-proj'
/** Far above the 1-second timeouts, far below anything a test runner would call hung. */
const CLOSE_BOUND_MS = 20_000

let server: ServerProcess
let accessToken: string

interface Client {
  readonly kind: string
  readonly socket: Socket
  closed: boolean
  /** What the server sent before closing, if anything. */
  received: string
}

/** Opens a socket to the server and writes `head`; `trickle` is then sent a byte at a time. */
function open(kind: string, head: string, trickle = ''): Promise<Client & { trickle: string }> {
  const at = new URL(server.url)
  return new Promise((resolve, reject) => {
    const socket = connect({ host: at.hostname, port: Number(at.port) })
    const client = { kind, socket, closed: false, received: '', trickle }
    socket.on('data', (d: Buffer) => (client.received += d.toString('latin1')))
    socket.on('close', () => (client.closed = true))
    // The server cutting a writer off shows up as EPIPE/ECONNRESET: that is the expected end.
    socket.on('error', () => {})
    socket.once('connect', () => {
      socket.write(head)
      resolve(client)
    })
    socket.once('error', reject)
  })
}

async function waitUntil(done: () => boolean, boundMs: number): Promise<boolean> {
  const deadline = Date.now() + boundMs
  while (!done()) {
    if (Date.now() > deadline) return false
    await new Promise((r) => setTimeout(r, 100))
  }
  return true
}

beforeAll(async () => {
  server = await startServer(['--headers-timeout', '1', '--body-timeout', '1', '--no-access-log'])
  const res = await fetch(`${server.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'urn:runiam:params:oauth:grant-type:dev-login',
      subject: 'admin@example.com',
    }),
  })
  expect(res.status).toBe(200)
  accessToken = ((await res.json()) as { access_token: string }).access_token
  const created = await fetch(`${server.url}/v1/projects`, {
    method: 'POST',
    headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ projectId: PROJECT }),
  })
  expect(created.status, await created.text()).toBe(200)
}, 60_000)

afterAll(async () => {
  await server?.stop()
})

describe('slow clients', () => {
  it('closes stalled and trickling sockets while a normal request is served', async () => {
    const host = new URL(server.url).host
    const post = (path: string, type: string, auth: boolean) =>
      `POST ${path} HTTP/1.1\r\nHost: ${host}\r\ncontent-type: ${type}\r\ncontent-length: 100000\r\n` +
      `${auth ? `authorization: Bearer ${accessToken}\r\n` : ''}\r\n`
    const kinds: [string, number, () => [string, string?]][] = [
      ['partial request line', 100, () => ['GET /v1/proj']],
      ['partial headers', 100, () => [`GET /v1/projects HTTP/1.1\r\nHost: ${host}\r\nx-slow: `]],
      [
        'admin body, authenticated',
        50,
        () => [
          post(`/v1/projects/${PROJECT}:setIamPolicy`, 'application/json', true),
          `{"policy":{"bindings":[]}}`.padEnd(100000, ' '),
        ],
      ],
      [
        'admin body, no credentials',
        25,
        () => [
          post(`/v1/projects/${PROJECT}:setIamPolicy`, 'application/json', false),
          'x'.repeat(1000),
        ],
      ],
      [
        'token endpoint body',
        25,
        () => [
          post('/token', 'application/x-www-form-urlencoded', false),
          'grant_type=x&'.repeat(1000),
        ],
      ],
    ]
    const clients: (Client & { trickle: string })[] = []
    for (const [kind, count, make] of kinds) {
      for (let i = 0; i < count; i++) {
        const [head, trickle] = make()
        clients.push(await open(kind, head, trickle))
      }
    }
    // One byte every 200 ms on every trickling socket that is still open.
    let offset = 0
    const trickler = setInterval(() => {
      for (const c of clients) {
        if (c.closed || c.trickle === '' || c.socket.destroyed) continue
        c.socket.write(c.trickle.charAt(offset % c.trickle.length))
      }
      offset++
    }, 200)
    try {
      // A normal client meanwhile: answered, on a fresh connection.
      const normal = await fetch(`${server.url}/v1/projects/${PROJECT}`, {
        headers: { authorization: `Bearer ${accessToken}` },
      })
      expect(normal.status, await normal.text()).toBe(200)
      const allClosed = await waitUntil(() => clients.every((c) => c.closed), CLOSE_BOUND_MS)
      const open = clients.filter((c) => !c.closed)
      const byKind = [...new Set(open.map((c) => c.kind))].map(
        (k) => `${k}: ${open.filter((c) => c.kind === k).length}`,
      )
      expect(allClosed, `still open after ${CLOSE_BOUND_MS} ms: ${byKind.join(', ')}`).toBe(true)
      // The server is still fine afterwards.
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
    } finally {
      clearInterval(trickler)
      for (const c of clients) c.socket.destroy()
    }
  }, 60_000)
})
