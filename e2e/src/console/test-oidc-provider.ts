// A small OpenID provider for the console's OIDC sign-in tests, on a real loopback socket: a
// discovery document, a JWKS, an authorization endpoint whose page offers "Sign in as …" and
// "Deny", and a token endpoint that checks the client id, the redirect URI and the PKCE verifier
// (S256) and redeems each code once. Tests can make it misbehave (a foreign nonce).
import { createHash, randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose'

export interface TestOidcProvider {
  readonly issuer: string
  readonly clientId: string
  /** Token endpoint requests received, refused or not. */
  readonly tokenRequests: () => number
  /** When set, ID tokens carry this nonce instead of the one the browser sent. */
  nonceOverride: string | undefined
  /** Signs an ID token with this provider's key (for tests that skip the browser). */
  sign(claims: Record<string, unknown>): Promise<string>
  close(): Promise<void>
}

interface Grant {
  readonly clientId: string
  readonly redirectUri: string
  readonly challenge: string
  readonly nonce: string
  readonly email: string
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

export async function startTestOidcProvider(
  options: { clientId?: string; emails?: readonly string[] } = {},
): Promise<TestOidcProvider> {
  const clientId = options.clientId ?? 'console-app'
  const emails = options.emails ?? ['alice@example.com']
  const pair = await generateKeyPair('RS256')
  const key: CryptoKey = pair.privateKey
  const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'test-idp', alg: 'RS256' }
  const codes = new Map<string, Grant>()
  let tokenRequests = 0
  let issuer = ''

  const provider: TestOidcProvider = {
    get issuer() {
      return issuer
    },
    clientId,
    tokenRequests: () => tokenRequests,
    nonceOverride: undefined,
    sign: (claims) => {
      const now = Math.floor(Date.now() / 1000)
      return new SignJWT({ email_verified: true, ...claims })
        .setProtectedHeader({ alg: 'RS256', kid: 'test-idp' })
        .setIssuer(typeof claims['iss'] === 'string' ? claims['iss'] : issuer)
        .setAudience(typeof claims['aud'] === 'string' ? claims['aud'] : clientId)
        .setSubject(`sub-${String(claims['email'])}`)
        .setIssuedAt(now - 5)
        .setExpirationTime(now + 600)
        .sign(key)
    },
    close: () => new Promise((r) => server.close(() => r())),
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', issuer)
    const json = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
      res.end(JSON.stringify(body))
    }
    const html = (status: number, body: string): void => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' })
      res.end(
        `<!doctype html><html><head><title>Test IdP</title></head><body>${body}</body></html>`,
      )
    }
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
      })
    }
    if (url.pathname === '/jwks') return json(200, { keys: [jwk] })
    if (url.pathname === '/authorize') {
      const q = url.searchParams
      const redirectUri = q.get('redirect_uri') ?? ''
      if (q.get('client_id') !== clientId) return html(400, '<p>Unknown client.</p>')
      if (!redirectUri.endsWith('/console/oidc-callback'))
        return html(400, '<p>Unregistered redirect URI.</p>')
      if (q.get('response_type') !== 'code' || q.get('code_challenge_method') !== 'S256')
        return html(400, '<p>Only the code flow with PKCE S256.</p>')
      const back = (params: Record<string, string>): string => {
        const to = new URL(redirectUri)
        for (const [k, v] of Object.entries({ ...params, state: q.get('state') ?? '' }))
          to.searchParams.set(k, v)
        return to.href
      }
      const links = emails.map((email) => {
        const code = randomBytes(16).toString('hex')
        codes.set(code, {
          clientId,
          redirectUri,
          challenge: q.get('code_challenge') ?? '',
          nonce: q.get('nonce') ?? '',
          email,
        })
        return `<a href="${esc(back({ code }))}">Sign in as ${esc(email)}</a>`
      })
      const deny = back({ error: 'access_denied', error_description: 'The user said no' })
      return html(200, `<h1>Test IdP</h1>${links.join('<br>')}<br><a href="${esc(deny)}">Deny</a>`)
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      tokenRequests++
      let text = ''
      req.on('data', (d: Buffer) => (text += d.toString()))
      req.on('end', () => {
        const form = new URLSearchParams(text)
        const code = form.get('code') ?? ''
        const grant = codes.get(code)
        codes.delete(code) // A code is good once, whatever happens next.
        const refuse = (description: string): void =>
          json(400, { error: 'invalid_grant', error_description: description })
        if (form.get('grant_type') !== 'authorization_code') return refuse('wrong grant type')
        if (grant === undefined) return refuse('unknown or used code')
        if (form.get('client_id') !== grant.clientId) return refuse('client id does not match')
        if (form.get('redirect_uri') !== grant.redirectUri)
          return refuse('redirect URI does not match')
        const verifier = form.get('code_verifier') ?? ''
        const challenge = createHash('sha256').update(verifier).digest('base64url')
        if (challenge !== grant.challenge) return refuse('PKCE verifier does not match')
        void provider
          .sign({ email: grant.email, nonce: provider.nonceOverride ?? grant.nonce })
          .then((idToken) =>
            json(200, {
              id_token: idToken,
              access_token: 'idp-access-token-not-for-runiam',
              refresh_token: 'idp-refresh-token-secret',
              token_type: 'Bearer',
              expires_in: 600,
            }),
          )
      })
      return
    }
    json(404, { error: 'not_found' })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return provider
}
