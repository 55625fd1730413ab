// nodeFetch over plain http against real sockets: a node:http server for what the request carries,
// and a raw node:net server that answers exact bytes, for every way a response body can be framed
// and every way a connection can fail. Each answer must be what node:http would have given.
import { createServer as createHttpServer, type IncomingMessage } from 'node:http'
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { nodeFetch, requestHead } from './node-fetch.js'

const servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))))
})

async function listen(server: Server): Promise<string> {
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** A server that reads one request head and then does `answer` on the raw socket. */
function raw(answer: (socket: Socket) => void): Promise<string> {
  return listen(
    createServer((socket) => {
      let seen = ''
      socket.on('error', () => {})
      socket.on('data', (d: Buffer) => {
        seen += d.toString('latin1')
        if (seen.includes('\r\n\r\n')) {
          seen = ''
          answer(socket)
        }
      })
    }),
  )
}

describe('nodeFetch over http://', () => {
  it('sends the method, path, query, headers and UTF-8 body, and reads a content-length answer', async () => {
    let got: { req: IncomingMessage; body: string } | undefined
    const base = await listen(
      createHttpServer((req, res) => {
        let body = ''
        req.setEncoding('utf8')
        req.on('data', (c: string) => (body += c))
        req.on('end', () => {
          got = { req, body }
          res.writeHead(201, { 'content-type': 'application/json' }).end('{"ok":"é"}')
        })
      }),
    )
    const res = await nodeFetch(`${base}/v1/x:get?a=1&b=%20`, {
      method: 'POST',
      headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
      body: '{"name":"café"}',
    })
    expect(res.status).toBe(201)
    expect(await res.text()).toBe('{"ok":"é"}')
    expect(got?.req.method).toBe('POST')
    expect(got?.req.url).toBe('/v1/x:get?a=1&b=%20')
    expect(got?.req.headers['authorization']).toBe('Bearer t')
    expect(got?.req.headers['host']).toBe(base.slice('http://'.length))
    expect(got?.req.headers['content-length']).toBe(String(Buffer.byteLength('{"name":"café"}')))
    expect(got?.req.headers['connection']).toBe('close')
    expect(got?.body).toBe('{"name":"café"}')
  })

  it('reads a chunked answer, a multi-byte character split across chunks included', async () => {
    const base = await listen(
      createHttpServer((_req, res) => {
        res.writeHead(200)
        const e = Buffer.from('é')
        res.write(Buffer.concat([Buffer.from('{"a":"'), e.subarray(0, 1)]))
        setTimeout(() => res.end(Buffer.concat([e.subarray(1), Buffer.from('"}')])), 20)
      }),
    )
    const res = await nodeFetch(`${base}/`, { method: 'GET' })
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('{"a":"é"}')
  })

  it('reads an answer whose body runs to the end of the connection, in pieces', async () => {
    const base = await raw((s) => {
      s.write('HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n\r\nno')
      setTimeout(() => s.end('pe'), 20)
    })
    const res = await nodeFetch(`${base}/`, { method: 'GET' })
    expect(res.status).toBe(404)
    expect(await res.text()).toBe('nope')
  })

  it('answers as soon as a sized body is complete, even if the server keeps the connection', async () => {
    const base = await raw((s) => s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}'))
    const res = await nodeFetch(`${base}/`, { method: 'GET' })
    expect([res.status, await res.text()]).toEqual([200, '{}'])
  })

  it('takes 204 as having no body', async () => {
    const base = await raw((s) => s.write('HTTP/1.1 204 No Content\r\n\r\n'))
    const res = await nodeFetch(`${base}/`, { method: 'DELETE' })
    expect([res.status, await res.text()]).toEqual([204, ''])
  })

  it('sends Content-Length: 0 for a POST without a body, none for a GET', async () => {
    const heads: Array<string | undefined> = []
    const base = await listen(
      createHttpServer((req, res) => {
        heads.push(req.headers['content-length'])
        res.end('{}')
      }),
    )
    await nodeFetch(`${base}/`, { method: 'POST' })
    await nodeFetch(`${base}/`, { method: 'GET' })
    expect(heads).toEqual(['0', undefined])
  })

  it('fails as fetch does when nothing listens (ECONNREFUSED)', async () => {
    const base = await raw(() => {})
    await new Promise((r) => servers.pop()?.close(r))
    const err = await nodeFetch(`${base}/`, { method: 'GET' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TypeError)
    expect((err as Error).message).toBe('fetch failed')
    expect((err as { cause: { code: string } }).cause.code).toBe('ECONNREFUSED')
  })

  it('fails (ECONNRESET) when the server closes before answering', async () => {
    const base = await raw((s) => s.end())
    const err = await nodeFetch(`${base}/`, { method: 'GET' }).catch((e: unknown) => e)
    expect((err as Error).message).toBe('fetch failed')
    expect((err as { cause: { code: string } }).cause.code).toBe('ECONNRESET')
  })

  it('fails when the connection ends before a sized body is complete', async () => {
    const base = await raw((s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{"a'))
    const err = await nodeFetch(`${base}/`, { method: 'GET' }).catch((e: unknown) => e)
    expect((err as Error).message).toBe('aborted')
    expect((err as { code: string }).code).toBe('ECONNRESET')
  })

  it('fails when the answer is not HTTP', async () => {
    const base = await raw((s) => s.end('SSH-2.0-OpenSSH\r\n\r\n'))
    const err = await nodeFetch(`${base}/`, { method: 'GET' }).catch((e: unknown) => e)
    expect((err as Error).message).toBe('fetch failed')
    expect((err as { cause: { code: string } }).cause.code).toMatch(/^HPE_/)
  })

  it('fails when the answer head is over 16 KiB', async () => {
    const base = await raw((s) =>
      s.end(`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(20_000)}\r\nContent-Length: 0\r\n\r\n`),
    )
    const err = await nodeFetch(`${base}/`, { method: 'GET' }).catch((e: unknown) => e)
    expect((err as { cause: { code: string } }).cause.code).toBe('HPE_HEADER_OVERFLOW')
  })

  it('reads a small head followed by a large body in one read', async () => {
    const body = 'x'.repeat(60_000)
    const base = await raw((s) =>
      s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`),
    )
    const res = await nodeFetch(`${base}/`, { method: 'GET' })
    expect([res.status, (await res.text()).length]).toEqual([200, body.length])
  })

  it('refuses a header that could end the line, before connecting', async () => {
    let connected = false
    const base = await listen(createServer(() => (connected = true)))
    const err = await nodeFetch(`${base}/`, {
      method: 'GET',
      headers: { authorization: 'Bearer t\r\nX-Injected: 1' },
    }).catch((e: unknown) => e)
    expect((err as { code: string }).code).toBe('ERR_INVALID_CHAR')
    const bad = await nodeFetch(`${base}/`, {
      method: 'GET',
      headers: { 'x\r\ny': 'v' },
    }).catch((e: unknown) => e)
    expect((bad as { code: string }).code).toBe('ERR_INVALID_HTTP_TOKEN')
    await new Promise((r) => setTimeout(r, 20))
    expect(connected).toBe(false)
  })
})

describe('requestHead', () => {
  it('is the head node:http sends with agent: false', () => {
    expect(
      requestHead(
        new URL('http://[::1]:8080/a/b?c=d'),
        'GET',
        { authorization: 'Bearer t' },
        false,
      ),
    ).toBe(
      'GET /a/b?c=d HTTP/1.1\r\nauthorization: Bearer t\r\nHost: [::1]:8080\r\nConnection: close\r\n\r\n',
    )
  })
})
