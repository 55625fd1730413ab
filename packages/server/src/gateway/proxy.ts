// Forwards an admitted request to the service's upstream over HTTP/1.1, streaming bodies both
// ways (memory stays flat for any size), with hop-by-hop headers stripped, X-Forwarded-* set,
// the verified caller announced in headers the upstream can trust (clients cannot forge them: any
// incoming X-Runiam-* header is dropped), a deadline, and Google-style 502/503/504 pages.
import { Agent, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { badGatewayPage, timeoutPage, unavailablePage, type ErrorPage } from './pages.js'

/** Headers that describe one hop, never forwarded (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
])

export const CALLER_HEADER = 'x-runiam-caller'
export const CALLER_EMAIL_HEADER = 'x-runiam-caller-email'

export interface Caller {
  readonly member: string
  readonly email?: string
}

export interface ForwardOptions {
  readonly upstream: URL
  /** The verified caller; undefined when the service admits unauthenticated requests. */
  readonly caller?: Caller
  /** Deadline for the upstream's response headers, ms. */
  readonly timeoutMs: number
}

const agent = new Agent({ keepAlive: true, maxSockets: 256, keepAliveMsecs: 10_000 })

function sendPage(res: ServerResponse, page: ErrorPage): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  res.writeHead(page.status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(page.body),
  })
  res.end(page.body)
}

/** Builds the upstream request headers from the client's (lower-cased by node). */
export function upstreamHeaders(
  req: IncomingMessage,
  upstream: URL,
  caller: Caller | undefined,
  upgrade = false,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  const connectionListed = new Set(
    String(req.headers.connection ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  )
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue
    if (HOP_BY_HOP.has(name) || connectionListed.has(name) || name.startsWith('x-runiam-')) continue
    if (name === 'host' || name.startsWith('x-forwarded-')) continue
    out[name] = value
  }
  // Compat: Cloud Run hands the container X-Serverless-Authorization with its signature removed,
  // so the token's claims can be read but the token cannot be replayed.
  const serverless = req.headers['x-serverless-authorization']
  if (typeof serverless === 'string') {
    out['x-serverless-authorization'] = serverless.replace(
      /^(Bearer\s+[^.]+\.[^.]+)\.[^.\s]+/i,
      '$1.',
    )
  }
  const remote = req.socket.remoteAddress ?? ''
  const prior = req.headers['x-forwarded-for']
  out['x-forwarded-for'] = prior === undefined ? remote : `${String(prior)}, ${remote}`
  out['x-forwarded-proto'] = 'encrypted' in req.socket ? 'https' : 'http'
  out['x-forwarded-host'] = req.headers.host ?? ''
  out['host'] = upstream.host
  if (caller !== undefined) {
    out[CALLER_HEADER] = caller.member
    if (caller.email !== undefined) out[CALLER_EMAIL_HEADER] = caller.email
  }
  if (upgrade) {
    out['connection'] = 'Upgrade'
    out['upgrade'] = String(req.headers.upgrade ?? '')
  }
  return out
}

function errorPageFor(err: NodeJS.ErrnoException): ErrorPage {
  if (err.code === 'ECONNREFUSED' || err.code === 'ENOTFOUND' || err.code === 'EHOSTUNREACH') {
    return unavailablePage()
  }
  return badGatewayPage()
}

/** Streams req to the upstream and the response back. Resolves when the exchange ends. */
export function forward(
  req: IncomingMessage,
  res: ServerResponse,
  options: ForwardOptions,
): Promise<number> {
  return new Promise((resolve) => {
    const { upstream } = options
    const path = `${upstream.pathname.replace(/\/$/, '')}${req.url ?? '/'}`
    let settled = false
    const done = (status: number) => {
      if (!settled) {
        settled = true
        resolve(status)
      }
    }
    const up = httpRequest({
      agent,
      protocol: upstream.protocol,
      hostname: upstream.hostname,
      port: upstream.port === '' ? 80 : Number(upstream.port),
      method: req.method,
      path,
      headers: upstreamHeaders(req, upstream, options.caller),
    })
    const timer = setTimeout(() => {
      up.destroy(Object.assign(new Error('upstream timeout'), { code: 'ETIMEDOUT_RUNIAM' }))
    }, options.timeoutMs)
    up.on('response', (upRes) => {
      clearTimeout(timer)
      const headers: Record<string, string | string[]> = {}
      const listed = new Set(
        String(upRes.headers.connection ?? '')
          .split(',')
          .map((s) => s.trim().toLowerCase()),
      )
      for (const [name, value] of Object.entries(upRes.headers)) {
        if (value === undefined || HOP_BY_HOP.has(name) || listed.has(name)) continue
        headers[name] = value
      }
      res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, headers)
      upRes.pipe(res)
      upRes.on('end', () => done(upRes.statusCode ?? 502))
      upRes.on('error', () => {
        res.destroy()
        done(502)
      })
    })
    up.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      const page = err.code === 'ETIMEDOUT_RUNIAM' ? timeoutPage() : errorPageFor(err)
      sendPage(res, page)
      done(page.status)
    })
    // A client that goes away aborts the upstream exchange too.
    res.on('close', () => {
      if (!res.writableFinished) up.destroy()
      clearTimeout(timer)
      done(499)
    })
    req.pipe(up)
  })
}

/** Proxies a WebSocket (or any HTTP/1.1 Upgrade) handshake and then the raw bytes both ways. */
export function forwardUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  options: ForwardOptions,
): void {
  const { upstream } = options
  const up = httpRequest({
    protocol: upstream.protocol,
    hostname: upstream.hostname,
    port: upstream.port === '' ? 80 : Number(upstream.port),
    method: req.method,
    path: `${upstream.pathname.replace(/\/$/, '')}${req.url ?? '/'}`,
    headers: upstreamHeaders(req, upstream, options.caller, true),
  })
  const timer = setTimeout(() => up.destroy(new Error('upstream timeout')), options.timeoutMs)
  up.on('upgrade', (upRes, upSocket, upHead) => {
    clearTimeout(timer)
    const lines = [
      `HTTP/1.1 ${upRes.statusCode ?? 101} ${upRes.statusMessage ?? 'Switching Protocols'}`,
    ]
    for (let i = 0; i < upRes.rawHeaders.length; i += 2) {
      lines.push(`${upRes.rawHeaders[i]}: ${upRes.rawHeaders[i + 1]}`)
    }
    socket.write(`${lines.join('\r\n')}\r\n\r\n`)
    if (upHead.length > 0) socket.write(upHead)
    if (head.length > 0) upSocket.write(head)
    upSocket.pipe(socket).pipe(upSocket)
    const end = () => {
      upSocket.destroy()
      socket.destroy()
    }
    upSocket.on('error', end)
    socket.on('error', end)
    upSocket.on('close', end)
    socket.on('close', end)
  })
  up.on('response', (upRes) => {
    // The upstream refused the upgrade: relay its answer and close.
    clearTimeout(timer)
    const lines = [
      `HTTP/1.1 ${upRes.statusCode ?? 502} ${upRes.statusMessage ?? ''}`,
      'connection: close',
    ]
    socket.write(`${lines.join('\r\n')}\r\n\r\n`)
    upRes.pipe(socket)
  })
  up.on('error', (err: NodeJS.ErrnoException) => {
    clearTimeout(timer)
    const page = errorPageFor(err)
    socket.end(
      `HTTP/1.1 ${page.status} Error\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(page.body)}\r\nconnection: close\r\n\r\n${page.body}`,
    )
  })
  up.end()
}
