// Every response of a server built with RequestIdResponse carries its request's id exactly once,
// whichever way it is written (headers as an object, a flat or nested array, none, set ahead
// with setHeader, or implied by end()), the other headers intact and the caller's headers not
// mutated; the gateway's relay of an upstream's answer too.
import { createServer, request, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { forward } from '../gateway/proxy.js'
import { RequestIdResponse } from './request-id-response.js'

const servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))))
})

async function listen(
  handler: (req: IncomingMessage, res: RequestIdResponse) => void,
): Promise<URL> {
  const server = createServer({ ServerResponse: RequestIdResponse }, handler)
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
}

/** GET path: the status, the raw header lines (name, value, …) and the body. */
function get(base: URL, path: string) {
  return new Promise<{ status: number; raw: string[]; body: string }>((resolve, reject) => {
    const req = request(new URL(path, base), (res) => {
      let body = ''
      res.on('data', (d: Buffer) => (body += d.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, raw: res.rawHeaders, body }))
    })
    // A handler that threw leaves the request unanswered: fail with the path, not a test timeout.
    req.setTimeout(5000, () => req.destroy(new Error(`${path}: no answer`)))
    req.on('error', reject).end()
  })
}

/** The values of header `name` (any case) in raw header lines. */
const values = (raw: readonly string[], name: string): string[] =>
  raw.flatMap((v, i) => (i % 2 === 1 && raw[i - 1]?.toLowerCase() === name ? [v] : []))

describe('RequestIdResponse', () => {
  const SHARED_ARRAY = Object.freeze(['x-shared', 'array']) as unknown as string[]
  const SHARED_OBJECT = Object.freeze({ 'x-shared': 'object' })

  it('adds x-request-id once to every way of writing the head, mutating nothing', async () => {
    let n = 0
    const url = await listen((req, res) => {
      res.requestId = `id-${++n}`
      switch (req.url) {
        case '/object':
          return res.writeHead(201, { 'x-a': '1' }).end('o')
        case '/shared-object':
          return res.writeHead(200, SHARED_OBJECT).end()
        case '/flat':
          return res.writeHead(202, ['x-a', '1', 'Set-Cookie', 'a=1', 'set-cookie', 'b=2']).end()
        case '/shared-array':
          return res.writeHead(200, SHARED_ARRAY).end()
        case '/nested':
          return res.writeHead(203, [['x-a', '1']] as unknown as string[]).end()
        case '/reason':
          return res.writeHead(404, 'Gone Fishing', { 'x-a': '1' }).end()
        case '/none':
          return res.writeHead(204).end()
        case '/ahead':
          res.setHeader('x-a', '1')
          return res.writeHead(200, ['x-b', '2']).end()
        case '/implicit':
          res.statusCode = 418
          res.setHeader('content-type', 'text/plain')
          return res.end('tea')
        default:
          return res.end('default')
      }
    })
    const cases: [string, number, Record<string, string[]>][] = [
      ['/object', 201, { 'x-a': ['1'] }],
      ['/shared-object', 200, { 'x-shared': ['object'] }],
      ['/flat', 202, { 'x-a': ['1'], 'set-cookie': ['a=1', 'b=2'] }],
      ['/shared-array', 200, { 'x-shared': ['array'] }],
      ['/nested', 203, { 'x-a': ['1'] }],
      ['/reason', 404, { 'x-a': ['1'] }],
      ['/none', 204, {}],
      ['/ahead', 200, { 'x-a': ['1'], 'x-b': ['2'] }],
      ['/implicit', 418, { 'content-type': ['text/plain'] }],
      ['/default', 200, {}],
    ]
    for (const [path, status, headers] of cases) {
      const r = await get(url, path)
      expect(r.status, path).toBe(status)
      expect(values(r.raw, 'x-request-id'), path).toEqual([`id-${n}`])
      for (const [name, want] of Object.entries(headers)) {
        expect(values(r.raw, name), `${path} ${name}`).toEqual(want)
      }
    }
    expect(SHARED_ARRAY).toEqual(['x-shared', 'array'])
    expect(SHARED_OBJECT).toEqual({ 'x-shared': 'object' })
  })

  it('adds nothing while no id is set', async () => {
    const url = await listen((_req, res) => res.writeHead(200, ['x-a', '1']).end())
    expect(values((await get(url, '/')).raw, 'x-request-id')).toEqual([])
  })

  it("is on the gateway's relayed answer, beside the upstream's own headers", async () => {
    const upstream = await listen((_req, res) => {
      res.writeHead(200, ['X-App', 'kept', 'Connection', 'keep-alive'])
      res.end('made')
    })
    const gateway = await listen((req, res) => {
      res.requestId = 'relayed-1'
      void forward(req, res, { upstream, target: '/', timeoutMs: 5000 })
    })
    const r = await get(gateway, '/')
    expect(r.body).toBe('made')
    expect(values(r.raw, 'x-request-id')).toEqual(['relayed-1'])
    expect(values(r.raw, 'x-app')).toEqual(['kept'])
  })
})
