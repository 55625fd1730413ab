// The invoke check's decision table, with real token signing/verification (jose) and the real
// authorizer over real policies.
import { describe, expect, it } from 'vitest'
import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair } from 'jose'
import { Code, IamError, type Policy } from '@runiam/core'
import { check, compilePolicy, principalSetFor } from '@runiam/core/authorizer'
import { createTokenVerifier } from '../identity/token-verifier.js'
import {
  audiencesFor,
  bearer,
  decideInvoke,
  type IdTokenVerifier,
  type InvokeTarget,
} from './invoke-check.js'

const ISS = 'http://127.0.0.1:8080'
const URL_ = 'http://hello-123456.us-central1.run.localhost:8080'
const NOW = Date.UTC(2026, 10, 28, 12)

async function setup(policy: Policy, invokerIamDisabled = false) {
  const { privateKey, publicKey } = await generateKeyPair('RS256')
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k', alg: 'RS256' }
  const verifier = createTokenVerifier({
    issuers: [
      { issuer: ISS, keys: createLocalJWKSet({ keys: [jwk] }), mapping: { kind: 'email' } },
    ],
    now: () => NOW,
  })
  const sign = (email: string, aud: string, opts: { iss?: string; exp?: number } = {}) =>
    new SignJWT({ email, email_verified: true })
      .setProtectedHeader({ alg: 'RS256', kid: 'k' })
      .setIssuer(opts.iss ?? ISS)
      .setAudience(aud)
      .setIssuedAt(NOW / 1000)
      .setExpirationTime(opts.exp ?? NOW / 1000 + 600)
      .sign(privateKey)
  const name = 'projects/p/locations/us-central1/services/hello'
  const compiled = [compilePolicy(name, policy)]
  const service: InvokeTarget = {
    name,
    invokerIamDisabled,
    audiences: audiencesFor([URL_], ['https://custom.example/aud']),
  }
  const run = (headers: { authorization?: string; serverless?: string }, path = '/') =>
    decideInvoke({
      service,
      credentials: {
        authorization: headers.authorization === undefined ? undefined : [headers.authorization],
        serverlessAuthorization:
          headers.serverless === undefined ? undefined : [headers.serverless],
      },
      attributes: { timeMs: NOW, host: new URL(URL_).hostname, path },
      verifier,
      authorize: (caller, attributes) =>
        check(
          {
            principals: principalSetFor(caller?.member),
            permission: 'run.routes.invoke',
            resource: name,
            attributes,
          },
          compiled,
        ),
    })
  return { sign, run }
}

const invokers = (
  members: string[],
  condition?: { title: string; expression: string },
): Policy => ({
  version: condition === undefined ? 1 : 3,
  bindings: [
    { role: 'roles/run.invoker', members, ...(condition === undefined ? {} : { condition }) },
  ],
})

describe('invoke check', () => {
  it('no token → 403; garbage → 401; wrong audience, issuer, expired → 401', async () => {
    const { sign, run } = await setup(invokers(['user:alice@example.com']))
    // `check` names the check that failed (the access log's field, docs/troubleshooting.md).
    expect(await run({})).toMatchObject({
      kind: 'reject',
      status: 403,
      reason: 'no-credentials',
      check: 'no-token',
    })
    expect(await run({ authorization: 'Bearer garbage' })).toMatchObject({
      status: 401,
      check: 'not-a-jwt',
    })
    expect(
      await run({ authorization: `Bearer ${await sign('alice@example.com', 'http://other')}` }),
    ).toMatchObject({ status: 401, check: 'wrong-audience' })
    expect(
      await run({
        authorization: `Bearer ${await sign('alice@example.com', URL_, { iss: 'http://evil' })}`,
      }),
    ).toMatchObject({ status: 401, check: 'untrusted-issuer' })
    expect(
      await run({
        authorization: `Bearer ${await sign('alice@example.com', URL_, { exp: NOW / 1000 - 60 })}`,
      }),
    ).toMatchObject({ status: 401, check: 'expired' })
    const tampered = `${(await sign('alice@example.com', URL_)).slice(0, -4)}AAAA`
    expect(await run({ authorization: `Bearer ${tampered}` })).toMatchObject({
      status: 401,
      check: 'bad-signature',
    })
  })

  it('valid token: 200 with the role (URL with or without slash, custom audience), 403 without', async () => {
    const { sign, run } = await setup(invokers(['user:alice@example.com']))
    for (const aud of [URL_, `${URL_}/`, 'https://custom.example/aud']) {
      expect(
        await run({ authorization: `Bearer ${await sign('alice@example.com', aud)}` }),
      ).toMatchObject({
        kind: 'forward',
        reason: 'allowed',
        caller: { member: 'user:alice@example.com' },
      })
    }
    expect(
      await run({ authorization: `Bearer ${await sign('bob@example.com', URL_)}` }),
    ).toMatchObject({ status: 403, reason: 'denied', check: 'no-invoke-permission' })
  })

  it('names a condition that failed to evaluate as the reason', async () => {
    const { sign, run } = await setup(
      invokers(['user:alice@example.com'], {
        title: 'broken',
        expression: 'request.path.startsWith(',
      }),
    )
    const r = await run({ authorization: `Bearer ${await sign('alice@example.com', URL_)}` })
    expect(r).toMatchObject({ status: 403, reason: 'denied', check: 'condition-error' })
    expect(r.kind === 'reject' ? r.detail : '').toContain('did not evaluate')
  })

  it('X-Serverless-Authorization takes precedence over Authorization', async () => {
    const { sign, run } = await setup(invokers(['user:alice@example.com']))
    const good = await sign('alice@example.com', URL_)
    const other = await sign('bob@example.com', URL_)
    expect(
      await run({ serverless: `Bearer ${good}`, authorization: 'Bearer app-token' }),
    ).toMatchObject({ kind: 'forward' })
    expect(
      await run({ serverless: `Bearer ${other}`, authorization: `Bearer ${good}` }),
    ).toMatchObject({ status: 403 })
  })

  it('allUsers admits no token; allAuthenticatedUsers needs a valid one; disabled check admits all', async () => {
    expect(await (await setup(invokers(['allUsers']))).run({})).toMatchObject({
      kind: 'forward',
      reason: 'public',
    })
    const authd = await setup(invokers(['allAuthenticatedUsers']))
    expect(await authd.run({})).toMatchObject({ status: 403 })
    expect(
      await authd.run({ authorization: `Bearer ${await authd.sign('x@y.com', URL_)}` }),
    ).toMatchObject({ kind: 'forward' })
    expect(await await setup(invokers([]), true).then((s) => s.run({}))).toMatchObject({
      kind: 'forward',
      reason: 'invoker-iam-disabled',
    })
  })

  it('evaluates request.path conditions', async () => {
    const { sign, run } = await setup(
      invokers(['user:alice@example.com'], {
        title: 'admin',
        expression: 'request.path.startsWith("/admin")',
      }),
    )
    const t = `Bearer ${await sign('alice@example.com', URL_)}`
    expect(await run({ authorization: t }, '/admin/x')).toMatchObject({ kind: 'forward' })
    expect(await run({ authorization: t }, '/other')).toMatchObject({ status: 403 })
  })

  it('a verifier that fails for another reason than the token (the store down) is an error, not a 401', async () => {
    const down = new IamError(Code.UNAVAILABLE, 'STORE_UNAVAILABLE', 'The database is unavailable.')
    const decide = (verifier: IdTokenVerifier) =>
      decideInvoke({
        service: {
          name: 'projects/p/locations/l/services/s',
          invokerIamDisabled: false,
          audiences: [],
        },
        credentials: { authorization: ['Bearer t'] },
        attributes: { timeMs: NOW, path: '/' },
        verifier,
        authorize: () => ({ allowed: false, grantedBy: [], conditionErrors: [] }) as never,
      })
    await expect(decide({ verify: () => Promise.reject(down) })).rejects.toBe(down)
    expect(() =>
      decide({
        verify: () => Promise.reject(down),
        remembered: () => {
          throw down
        },
      }),
    ).toThrow(down)
    // A refused token is still the caller's 401.
    const refused = new IamError(Code.UNAUTHENTICATED, 'ID_TOKEN_INVALID', 'no', {
      metadata: { check: 'account-not-in-force' },
    })
    await expect(decide({ verify: () => Promise.reject(refused) })).resolves.toMatchObject({
      kind: 'reject',
      status: 401,
      check: 'account-not-in-force',
    })
  })

  it('reads bearer tokens strictly', () => {
    expect(bearer('Bearer abc')).toBe('abc')
    expect(bearer('bearer  abc ')).toBe('abc')
    expect(bearer('Basic abc')).toBeUndefined()
    expect(bearer(undefined)).toBeUndefined()
  })

  it('reads each header value for itself when values repeat and alternate (the last-value shortcut)', () => {
    const values: [string, string | undefined][] = [
      ['Bearer abc', 'abc'],
      ['Bearer abc', 'abc'],
      ['Bearer abc def', undefined],
      ['Bearer abc def', undefined],
      ['Bearer xyz', 'xyz'],
      ['Bearer abc', 'abc'],
      ['Basic abc', undefined],
      ['Bearer abc', 'abc'],
    ]
    for (const [value, token] of values) expect(bearer(`${value} `.slice(0, -1)), value).toBe(token)
  })
})
