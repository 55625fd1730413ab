// The console's OIDC endpoints on real sockets, against a real (tiny) issuer: what the login
// options offer, when discovery is trusted, and an outsider's bad requests to the code exchange,
// each refused in Google's envelope with the offending value named.
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createConsoleLogin, type ConsoleLoginIssuer } from './console-login.js'
import { EXCHANGE_BURST, EXCHANGES_IN_FLIGHT, ExchangeLimit } from './exchange-limit.js'

interface Issuer {
  readonly url: string
  /** What the issuer answers, by path; a request to anything else is a 404. */
  readonly routes: Map<string, { status: number; body: unknown }>
  readonly hits: string[]
  readonly server: Server
}

const servers: Server[] = []

async function listen(server: Server): Promise<string> {
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

async function startIssuer(): Promise<Issuer> {
  const routes = new Map<string, { status: number; body: unknown }>()
  const hits: string[] = []
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`)
    req.resume()
    const r = routes.get(req.url ?? '') ?? { status: 404, body: { error: 'not_found' } }
    res.writeHead(r.status, { 'content-type': 'application/json' }).end(JSON.stringify(r.body))
  })
  return { url: await listen(server), routes, hits, server }
}

/** `issuer` answering its own discovery document (authorization and token endpoints on it). */
function discoverable(issuer: Issuer): Issuer {
  issuer.routes.set('/.well-known/openid-configuration', {
    status: 200,
    body: {
      issuer: issuer.url,
      authorization_endpoint: `${issuer.url}/auth`,
      token_endpoint: `${issuer.url}/token`,
    },
  })
  return issuer
}

const read = (req: IncomingMessage, limit: number): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (b: Buffer) => {
      size += b.length
      if (size > limit) reject(new Error('too large'))
      else chunks.push(b)
    })
    req.on('end', () => resolve(Buffer.concat(chunks)))
  })

async function startConsole(
  issuers: readonly ConsoleLoginIssuer[],
  log: unknown[] = [],
  now?: () => number,
) {
  const handle = createConsoleLogin({
    issuers,
    read,
    log: (e) => log.push(e),
    ...(now === undefined ? {} : { now }),
  })
  const server = createServer((req, res) => {
    void handle(req, res, new URL(req.url ?? '/', 'http://x').pathname).then((handled) => {
      if (!handled) res.writeHead(299).end('files')
    })
  })
  return listen(server)
}

describe('console login endpoints', () => {
  let idp: Issuer
  let liar: Issuer
  let base: string
  const log: Record<string, unknown>[] = []

  beforeAll(async () => {
    idp = discoverable(await startIssuer())
    liar = await startIssuer()
    // A discovery document that speaks for another issuer is not believed.
    liar.routes.set('/.well-known/openid-configuration', {
      status: 200,
      body: {
        issuer: 'https://someone-else.example',
        authorization_endpoint: 'https://evil.example/auth',
        token_endpoint: 'https://evil.example/token',
      },
    })
    base = await startConsole(
      [
        { issuer: idp.url, consoleLogin: { clientId: 'app', displayName: 'IdP' } },
        { issuer: liar.url, consoleLogin: { clientId: 'app' } },
        { issuer: 'https://gateway-only.example' },
      ],
      log,
    )
  })
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))))
  })

  const exchange = (body: unknown, type = 'application/json') =>
    fetch(`${base}/console/oidc-token`, {
      method: 'POST',
      headers: { 'content-type': type },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    })
  const good = () => ({
    issuer: idp.url,
    code: 'the-code',
    codeVerifier: 'v'.repeat(43),
    redirectUri: 'http://127.0.0.1:1/console/oidc-callback',
  })
  const error = async (res: Response) =>
    ((await res.json()) as { error: { code: number; status: string; message: string } }).error

  it('offers only the issuers whose discovery document is their own, public settings only', async () => {
    const res = await fetch(`${base}/console/login-options.json`)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'")
    expect(await res.json()).toEqual({
      logins: [
        {
          issuer: idp.url,
          displayName: 'IdP',
          clientId: 'app',
          authorizationEndpoint: `${idp.url}/auth`,
        },
      ],
    })
    expect(log).toContainEqual(
      expect.objectContaining({ event: 'console_login_discovery_failed', issuer: liar.url }),
    )
  })

  it('leaves other console paths to the files, and refuses other methods with Allow', async () => {
    expect((await fetch(`${base}/console/`)).status).toBe(299)
    const get = await fetch(`${base}/console/oidc-token`)
    expect(get.status).toBe(405)
    expect(get.headers.get('allow')).toBe('POST')
    const post = await fetch(`${base}/console/login-options.json`, { method: 'POST', body: 'x' })
    expect(post.status).toBe(405)
    expect(post.headers.get('allow')).toBe('GET')
  })

  it('refuses bad exchanges in the envelope, naming what is wrong, without calling the issuer', async () => {
    const before = idp.hits.filter((h) => h.startsWith('POST')).length
    const cases: [Response, RegExp][] = [
      [await exchange('code=x', 'application/x-www-form-urlencoded'), /JSON body/],
      [await exchange('{not json'), /not a JSON object/],
      [await exchange('[1]'), /not a JSON object/],
      [
        await exchange({ ...good(), issuer: liar.url + '/x' }),
        /No console login is configured for issuer/,
      ],
      [
        await exchange({ ...good(), issuer: 'https://gateway-only.example' }),
        /gateway-only\.example/,
      ],
      [await exchange({ ...good(), code: '' }), /authorization code is missing/],
      [await exchange({ ...good(), codeVerifier: 'short' }), /43 to 128 unreserved/],
      [await exchange({ ...good(), codeVerifier: `${'v'.repeat(43)} ` }), /43 to 128 unreserved/],
      [
        await exchange({ ...good(), redirectUri: 'https://evil.example/steal' }),
        /redirect URI must be this console's \/console\/oidc-callback, got "https:\/\/evil\.example\/steal"/,
      ],
    ]
    for (const [res, message] of cases) {
      expect(res.status).toBe(400)
      const e = await error(res)
      expect(e.status).toBe('INVALID_ARGUMENT')
      expect(e.message).toMatch(message)
    }
    expect(idp.hits.filter((h) => h.startsWith('POST')).length).toBe(before)
  })

  it('quotes the issuer’s refusal, and refuses an answer without an ID token', async () => {
    idp.routes.set('/token', {
      status: 400,
      body: { error: 'invalid_grant', error_description: 'code\u0000 expired', refresh_token: 'r' },
    })
    let res = await exchange(good())
    expect(res.status).toBe(403)
    let e = await error(res)
    expect(e.message).toBe(
      `The issuer ${idp.url} refused the sign-in: invalid_grant: code expired.`,
    )
    idp.routes.set('/token', { status: 200, body: { access_token: 'a', token_type: 'Bearer' } })
    res = await exchange(good())
    expect(res.status).toBe(403)
    e = await error(res)
    expect(e.message).toContain('HTTP 200, no ID token')
    // An answer that is JSON but not an object (null, a list, a string) is no ID token either.
    for (const body of [null, [], 'id_token', 7]) {
      idp.routes.set('/token', { status: 200, body })
      res = await exchange(good())
      expect(res.status, JSON.stringify(body)).toBe(403)
      expect((await error(res)).message, JSON.stringify(body)).toContain('HTTP 200, no ID token')
    }
    idp.routes.set('/token', { status: 200, body: { id_token: 'x.y.z', refresh_token: 'secret' } })
    res = await exchange(good())
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ id_token: 'x.y.z' })
    expect(idp.hits).toContain('POST /token')
  })

  it('answers 503 when the token endpoint cuts its answer off, and ignores an oversized one', async () => {
    const cut = createServer((req, res) => {
      req.resume()
      if (req.url === '/big') {
        // An ID token, but in an answer far longer than any token endpoint's.
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ id_token: 'x.y.z', pad: 'p'.repeat(200_000) }))
        return
      }
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' })
      res.write('{"id_token":"x.')
      setImmediate(() => res.socket?.destroy())
    })
    const url = await listen(cut)
    const at = (tokenEndpoint: string) =>
      startConsole([
        {
          issuer: url,
          consoleLogin: { clientId: 'app', authorizationEndpoint: `${url}/auth`, tokenEndpoint },
        },
      ])
    const post = (base: string) =>
      fetch(`${base}/console/oidc-token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...good(), issuer: url }),
      })
    let res = await post(await at(`${url}/token`))
    expect(res.status).toBe(503)
    expect((await error(res)).message).toBe(`The token endpoint of ${url} did not answer.`)
    res = await post(await at(`${url}/big`))
    expect(res.status).toBe(403)
    expect((await error(res)).message).toContain('HTTP 200, no ID token')
  })

  it('names an issuer by its host by default, or by itself when it is not a URL', async () => {
    const endpoints = {
      authorizationEndpoint: 'https://a.example/auth',
      tokenEndpoint: 'https://a.example/token',
    }
    const other = await startConsole([
      {
        issuer: 'https://login.example:8443/tenant',
        consoleLogin: { clientId: 'app', ...endpoints },
      },
      { issuer: 'accounts.example', consoleLogin: { clientId: 'app', ...endpoints } },
    ])
    const res = (await (await fetch(`${other}/console/login-options.json`)).json()) as {
      logins: { displayName: string }[]
    }
    expect(res.logins.map((l) => l.displayName)).toEqual(['login.example:8443', 'accounts.example'])
  })

  it('answers 503 when the issuer cannot be reached', async () => {
    const closed = createServer()
    const url = await listen(closed)
    await new Promise((r) => closed.close(r))
    const offline = await startConsole([
      {
        issuer: url,
        consoleLogin: {
          clientId: 'app',
          authorizationEndpoint: `${url}/auth`,
          tokenEndpoint: `${url}/token`,
        },
      },
    ])
    // Explicit endpoints: offered without any discovery.
    const options = (await (await fetch(`${offline}/console/login-options.json`)).json()) as {
      logins: unknown[]
    }
    expect(options.logins).toHaveLength(1)
    const res = await fetch(`${offline}/console/oidc-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...good(), issuer: url }),
    })
    expect(res.status).toBe(503)
    const e = await error(res)
    expect(e.status).toBe('UNAVAILABLE')
    expect(e.message).toBe(`The token endpoint of ${url} did not answer.`)
  })
})

describe('the code exchange’s bounds (an outsider using the server as a relay)', () => {
  it('lets one address reach the issuer 20 times at once, then 2 per second; bad requests spend nothing', async () => {
    const idp = discoverable(await startIssuer())
    idp.routes.set('/token', { status: 400, body: { error: 'invalid_grant' } })
    let t = 1_000_000
    const log: Record<string, unknown>[] = []
    const base = await startConsole(
      [{ issuer: idp.url, consoleLogin: { clientId: 'app' } }],
      log,
      () => t,
    )
    const exchange = (body: Record<string, unknown> = {}) =>
      fetch(`${base}/console/oidc-token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          issuer: idp.url,
          code: 'stolen-or-made-up',
          codeVerifier: 'v'.repeat(43),
          redirectUri: 'http://127.0.0.1:1/console/oidc-callback',
          ...body,
        }),
      })
    const posts = () => idp.hits.filter((h) => h === 'POST /token').length
    const statuses: number[] = []
    for (let i = 0; i < 25; i++) statuses.push((await exchange()).status)
    expect(statuses.slice(0, 20).every((s) => s === 403)).toBe(true)
    expect(statuses.slice(20).every((s) => s === 429)).toBe(true)
    expect(posts()).toBe(20)
    const limited = await exchange()
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toBe('1')
    const e = ((await limited.json()) as { error: { status: string; message: string } }).error
    expect(e.status).toBe('RESOURCE_EXHAUSTED')
    expect(e.message).toMatch(/more than 20 sign-in code exchanges from one address/)
    expect(log).toContainEqual(expect.objectContaining({ event: 'console_login_rate_limited' }))
    // A malformed exchange is still told what is wrong (it never reaches the issuer).
    expect((await exchange({ codeVerifier: 'short' })).status).toBe(400)
    // A second later: two more.
    t += 1_000
    expect((await exchange()).status).toBe(403)
    expect((await exchange()).status).toBe(403)
    expect((await exchange()).status).toBe(429)
    expect(posts()).toBe(22)
  })
})

describe('ExchangeLimit', () => {
  it('holds at most 32 exchanges waiting on issuers, over all addresses', () => {
    const limit = new ExchangeLimit(() => 0)
    const held = []
    for (let i = 0; i < EXCHANGES_IN_FLIGHT; i++) {
      const a = limit.admit(`10.0.0.${i}`)
      expect(a.ok).toBe(true)
      held.push(a)
    }
    const refused = limit.admit('10.0.1.1')
    expect(refused.ok).toBe(false)
    expect(refused.ok === false && refused.reason).toMatch(
      /32 sign-in code exchanges are already waiting/,
    )
    const first = held[0]
    if (first?.ok === true) {
      first.done()
      first.done() // twice: counted once
    }
    expect(limit.admit('10.0.1.1').ok).toBe(true)
    expect(limit.admit('10.0.1.2').ok).toBe(false)
  })

  it('refills an address’s budget at 2 per second up to 20, never beyond', () => {
    let t = 0
    const limit = new ExchangeLimit(() => t)
    const take = (n: number) => {
      let ok = 0
      for (let i = 0; i < n; i++) {
        const a = limit.admit('192.0.2.1')
        if (a.ok) {
          ok++
          a.done()
        }
      }
      return ok
    }
    expect(take(EXCHANGE_BURST + 5)).toBe(EXCHANGE_BURST)
    t += 2_500
    expect(take(10)).toBe(5)
    t += 3_600_000
    expect(take(100)).toBe(EXCHANGE_BURST)
    // Another address has its own budget.
    expect(limit.admit('192.0.2.2').ok).toBe(true)
  })
})
