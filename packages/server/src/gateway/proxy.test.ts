// The forwarding mechanics over real sockets: bodies stream both ways with flat memory, headers
// are rewritten as documented, WebSocket upgrades pass, and a dead or slow upstream gets a page.
import {
  createServer,
  request,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http'
import { createServer as createTcpServer, type AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket, WebSocketServer } from 'ws'
import { CALLER_EMAIL_HEADER, CALLER_HEADER, forward, forwardUpgrade } from './proxy.js'

const servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))))
})

async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ server: Server; url: URL }> {
  const server = createServer(handler)
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { server, url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`) }
}

async function gateway(upstream: URL, timeoutMs = 5000) {
  const g = await listen((req, res) => {
    void forward(req, res, {
      upstream,
      target: req.url ?? '/',
      caller: { member: 'user:alice@example.com', email: 'alice@example.com' },
      serverlessAuthorization: 'Bearer aaa.bbb.',
      timeoutMs,
    })
  })
  g.server.on('upgrade', (req, socket, head) => {
    forwardUpgrade(req, socket, head, {
      upstream,
      target: req.url ?? '/',
      caller: { member: 'user:alice@example.com' },
      timeoutMs,
    })
  })
  return g.url
}

function send(
  url: URL,
  opts: { method?: string; headers?: Record<string, string>; body?: Readable } = {},
) {
  return new Promise<{ status: number; headers: IncomingMessage['headers']; res: IncomingMessage }>(
    (resolve, reject) => {
      const req = request(
        url,
        { method: opts.method ?? 'GET', headers: opts.headers ?? {} },
        (res) => resolve({ status: res.statusCode ?? 0, headers: res.headers, res }),
      )
      req.on('error', reject)
      if (opts.body !== undefined) opts.body.pipe(req)
      else req.end()
    },
  )
}

const text = async (res: IncomingMessage): Promise<string> => {
  let s = ''
  for await (const c of res) s += (c as Buffer).toString()
  return s
}

describe('proxy', () => {
  it('rewrites headers: hop-by-hop dropped, forged caller headers dropped, X-Forwarded-* and caller set', async () => {
    const up = await listen((req, res) => res.end(JSON.stringify(req.headers)))
    const gw = await gateway(up.url)
    const r = await send(new URL('/a?b=1', gw), {
      headers: {
        'x-runiam-caller': 'user:forged@example.com',
        connection: 'keep-alive, x-drop-me',
        'x-drop-me': '1',
        'x-keep': 'yes',
        authorization: 'Bearer app',
        // The gateway passes on only the token its check verified (here: Bearer aaa.bbb.).
        'x-serverless-authorization': 'Bearer zzz.yyy.signed',
        x_serverless_authorization: 'Bearer zzz.yyy.signed',
        x_runiam_caller: 'user:forged@example.com',
        'x-runiam_caller-email': 'forged@example.com',
      },
    })
    const seen = JSON.parse(await text(r.res)) as Record<string, string>
    expect(seen[CALLER_HEADER]).toBe('user:alice@example.com')
    expect(seen[CALLER_EMAIL_HEADER]).toBe('alice@example.com')
    expect(seen['x-drop-me']).toBeUndefined()
    expect(seen['x-keep']).toBe('yes')
    expect(seen['authorization']).toBe('Bearer app')
    expect(seen['x-serverless-authorization']).toBe('Bearer aaa.bbb.')
    expect(JSON.stringify(seen)).not.toContain('forged')
    expect(JSON.stringify(seen)).not.toContain('signed')
    expect(seen['x-forwarded-for']).toBe('127.0.0.1')
    expect(seen['x-forwarded-proto']).toBe('http')
    expect(seen['x-forwarded-host']).toBe(gw.host)
    expect(seen['host']).toBe(up.url.host)
  })

  it("relays the upstream's answer: every Set-Cookie, its hop-by-hop headers dropped, interim 1xx not relayed", async () => {
    const up = await listen((_req, res) => {
      res.writeEarlyHints({ link: '</a.css>; rel=preload' })
      res.writeHead(201, [
        'Set-Cookie',
        'a=1',
        'set-cookie',
        'b=2',
        'Connection',
        'keep-alive, X-Upstream-Hop',
        'X-Upstream-Hop',
        'secret',
        'Keep-Alive',
        'timeout=5',
        'X-App',
        'kept',
      ])
      res.end('made')
    })
    let resolved: Promise<number> | undefined
    const gw = await listen((req, res) => {
      resolved = forward(req, res, { upstream: up.url, target: '/', timeoutMs: 5000 })
    })
    const r = await send(new URL('/', gw.url))
    expect(r.status).toBe(201)
    expect(await text(r.res)).toBe('made')
    expect(r.headers['set-cookie']).toEqual(['a=1', 'b=2'])
    expect(r.headers['x-app']).toBe('kept')
    expect(r.headers['x-upstream-hop']).toBeUndefined()
    expect(await resolved).toBe(201)
  })

  it('a client that goes away mid-answer cancels the upstream exchange (499)', async () => {
    let upstreamClosed!: () => void
    const closed = new Promise<void>((r) => (upstreamClosed = r))
    const up = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.write('first part')
      res.on('close', upstreamClosed) // never ends on its own
    })
    let resolved: Promise<number> | undefined
    const gw = await listen((req, res) => {
      resolved = forward(req, res, { upstream: up.url, target: '/', timeoutMs: 5000 })
    })
    const r = await send(new URL('/', gw.url))
    await new Promise((ok) => r.res.once('data', ok))
    r.res.destroy()
    await closed
    expect(await resolved).toBe(499)
  })

  it('streams a 1 GiB upload and a 1 GiB download with flat memory', async () => {
    const GiB = 1024 ** 3
    const chunk = Buffer.alloc(1024 * 1024, 7)
    const up = await listen((req, res) => {
      if (req.method === 'POST') {
        let n = 0
        req.on('data', (c: Buffer) => (n += c.length))
        req.on('end', () => res.end(String(n)))
        return
      }
      res.writeHead(200, { 'content-length': String(GiB) })
      let sent = 0
      const pump = () => {
        while (sent < GiB) {
          sent += chunk.length
          if (!res.write(chunk)) return void res.once('drain', pump)
        }
        res.end()
      }
      pump()
    })
    const gw = await gateway(up.url, 120_000)
    const before = process.memoryUsage().rss
    let peak = before
    const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50)
    let left = GiB / chunk.length
    const body = new Readable({
      read() {
        this.push(left-- > 0 ? chunk : null)
      },
    })
    const upRes = await send(new URL('/upload', gw), {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/octet-stream' },
    })
    expect(await text(upRes.res)).toBe(String(GiB))
    const down = await send(new URL('/download', gw))
    let got = 0
    for await (const c of down.res) got += (c as Buffer).length
    clearInterval(sample)
    expect(got).toBe(GiB)
    // Both directions moved 2 GiB through this process; buffering any of it would show here.
    expect(peak - before).toBeLessThan(256 * 1024 * 1024)
  }, 180_000)

  it('proxies WebSocket upgrades both ways, with the caller header', async () => {
    const up = await listen((_req, res) => res.end())
    const wss = new WebSocketServer({ server: up.server })
    let seenCaller: string | undefined
    wss.on('connection', (ws, req) => {
      seenCaller = req.headers[CALLER_HEADER] as string
      ws.on('message', (m) => ws.send(`echo:${m.toString()}`))
    })
    const gw = await gateway(up.url)
    const ws = new WebSocket(`ws://${gw.host}/socket`)
    const reply = await new Promise<string>((resolve, reject) => {
      ws.on('open', () => ws.send('hi'))
      ws.on('message', (m) => resolve(m.toString()))
      ws.on('error', reject)
    })
    ws.close()
    wss.close()
    expect(reply).toBe('echo:hi')
    expect(seenCaller).toBe('user:alice@example.com')
  })

  it('answers 503 when the upstream is down, 504 when it is too slow', async () => {
    const dead = await listen(() => {})
    const deadUrl = dead.url
    await new Promise((r) => dead.server.close(r))
    servers.splice(servers.indexOf(dead.server), 1)
    const gw1 = await gateway(deadUrl)
    const r1 = await send(gw1)
    expect(r1.status).toBe(503)
    expect(await text(r1.res)).toContain('Service Unavailable')
    const slow = await listen((_req, res) => setTimeout(() => res.end('late'), 2000))
    const gw2 = await gateway(slow.url, 200)
    const r2 = await send(gw2)
    expect(r2.status).toBe(504)
    expect(await text(r2.res)).toContain('Gateway Timeout')
  })

  it('opens a WebSocket handshake to an https upstream over TLS (a ClientHello, not plain HTTP)', async () => {
    // A bare TCP listener records the first bytes; it cannot finish TLS, so the gateway answers
    // 502. Before, node:http refused the https: protocol and the client's socket was dropped.
    let first: Buffer | undefined
    const tls = createTcpServer((sock) => {
      sock.once('data', (d: Buffer) => {
        first = d
        sock.destroy()
      })
    })
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r))
    const port = (tls.address() as AddressInfo).port
    try {
      const gw = await gateway(new URL(`https://127.0.0.1:${port}`))
      const answer = await new Promise<string>((resolve, reject) => {
        const req = request(new URL('/ws', gw), {
          headers: { connection: 'Upgrade', upgrade: 'websocket' },
        })
        req.on('response', (res) => resolve(String(res.statusCode)))
        req.on('upgrade', () => resolve('101'))
        req.on('error', reject)
        req.end()
      })
      expect(answer).toBe('502')
      expect(first?.[0]).toBe(0x16) // TLS handshake record
    } finally {
      await new Promise((r) => tls.close(r))
    }
  })
})
