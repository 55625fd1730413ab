// Two `runiam serve` replicas on one PostgreSQL database with one --issuer-url: a token minted by
// either verifies on the other (gateway and admin API); `runiam admin rotate-keys` on A publishes
// a new key everywhere, both replicas sign with it after the activation delay and still accept
// tokens signed with the old key until it is dropped. Attacks: a token signed by a dropped key,
// by another deployment's key under runiam's kid, and with `iss` spelled differently.
import { generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK } from 'jose'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  idToken,
  invokeService,
  login,
  startServer,
  type ServerProcess,
  type User,
} from './harness.js'

const PG_ADMIN_URL =
  process.env['RUNIAM_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const DB = `runiam_keys_e2e_${process.pid}_${Date.now()}`
const ISS = 'http://iam.runiam.test'
const PROJECT = 'keys-e2e'
const ACTIVATION_S = 4

let available = false
let a: ServerProcess | undefined
let b: ServerProcess | undefined
let owner: User
let svcUrl = ''

async function admin<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}
const dbUrl = (): string => PG_ADMIN_URL.replace(/\/[^/]*$/, `/${DB}`)

interface StoredKey {
  kid: string
  privateJwk: JWK
  activateTime?: string
  dropTime?: string
}
const storedKeys = (): Promise<StoredKey[]> =>
  admin(dbUrl(), async (c) =>
    (await c.query<{ record: StoredKey }>('SELECT record FROM signing_keys')).rows.map(
      (r) => r.record,
    ),
  )

const kidOf = (token: string): string =>
  (JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()) as { kid: string })
    .kid

async function accessToken(server: ServerProcess, email: string): Promise<string> {
  const res = await fetch(`${server.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'urn:runiam:params:oauth:grant-type:dev-login',
      subject: email,
    }),
  })
  expect(res.status).toBe(200)
  return ((await res.json()) as { access_token: string }).access_token
}

/** GET the project through `server`'s admin API with `token`: the status. */
async function apiStatus(server: ServerProcess, token: string): Promise<number> {
  const res = await fetch(`${server.url}/v1/projects/${PROJECT}`, {
    headers: { authorization: `Bearer ${token}` },
  })
  await res.text()
  return res.status
}

/** Invokes the service through `server`'s gateway with `token`: the status. */
async function gatewayStatus(server: ServerProcess, token: string): Promise<number> {
  return (await invokeService(server, svcUrl, '/', { authorization: `Bearer ${token}` })).status
}

const jwksKids = async (server: ServerProcess): Promise<string[]> => {
  const res = await fetch(`${server.url}/oauth2/v3/certs`)
  return ((await res.json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid).sort()
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`gave up waiting: ${what}`)
}

/** An ID token for alice and the service, signed with `key` under `kid`, claiming `iss`. */
function forge(key: CryptoKey, kid: string, iss = ISS): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({ email: 'alice@example.com', email_verified: true })
    .setProtectedHeader({ alg: 'RS256', kid })
    .setIssuer(iss)
    .setAudience(svcUrl)
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(key)
}

const flags = (): string[] => [
  '--database',
  dbUrl(),
  '--issuer-url',
  ISS,
  '--key-activation-delay',
  String(ACTIVATION_S),
]

beforeAll(async () => {
  try {
    await admin(PG_ADMIN_URL, (c) => c.query(`CREATE DATABASE ${DB}`))
    available = true
  } catch (err) {
    if (process.env['RUNIAM_REQUIRE_PG'] === '1') throw err
    console.warn('\n!!! PostgreSQL unreachable: skipping replica-keys.e2e.test.ts\n')
    return
  }
  a = await startServer(flags())
  owner = await login(a, 'admin@example.com', PROJECT)
  expect((await owner.run(['projects', 'create', PROJECT])).code).toBe(0)
  const d = await owner.run(['run', 'deploy', 'svc', '--no-allow-unauthenticated'])
  expect(d.code, d.stderr).toBe(0)
  const desc = await owner.run(['run', 'services', 'describe', 'svc', '--format=json'])
  svcUrl = (JSON.parse(desc.stdout) as { uri: string }).uri
  const bind = await owner.run([
    'run',
    'services',
    'add-iam-policy-binding',
    'svc',
    '--member=user:alice@example.com',
    '--role=roles/run.invoker',
  ])
  expect(bind.code, bind.stderr).toBe(0)
  // B starts after the service and its policy exist (following A's later writes is the change
  // feed's job, not this test's).
  b = await startServer(flags())
}, 90_000)

afterAll(async () => {
  await a?.stop()
  await b?.stop()
  if (available)
    await admin(PG_ADMIN_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`))
})

describe('replicas share one issuer and rotate keys together', () => {
  it('rotates: tokens cross replicas before, during and after; dropped keys and forgeries fail', async (ctx) => {
    if (!available || a === undefined || b === undefined) return ctx.skip()
    const A = a
    const B = b
    // One issuer: the discovery document names it on both; the JWKS is cached for half the delay.
    for (const s of [A, B]) {
      const disco = await fetch(`${s.url}/.well-known/openid-configuration`)
      expect(((await disco.json()) as { issuer: string }).issuer).toBe(ISS)
      const jwks = await fetch(`${s.url}/oauth2/v3/certs`)
      expect(jwks.headers.get('cache-control')).toBe(`public, max-age=${ACTIVATION_S / 2}`)
    }
    const [first] = await storedKeys()
    const oldKid = first?.kid ?? ''
    expect(await storedKeys()).toHaveLength(1)

    // A token minted by A verifies at B, and the other way round: gateway and API.
    const oldId = await idToken(A, 'alice@example.com', svcUrl)
    const oldAccess = await accessToken(A, 'admin@example.com')
    expect(kidOf(oldId)).toBe(oldKid)
    expect(await gatewayStatus(B, oldId)).toBe(200)
    expect(await apiStatus(B, oldAccess)).toBe(200)
    expect(await gatewayStatus(A, await idToken(B, 'alice@example.com', svcUrl))).toBe(200)
    expect(await apiStatus(A, await accessToken(B, 'admin@example.com'))).toBe(200)

    // Rotate on A.
    const rotated = await owner.run(['admin', 'rotate-keys', '--format=json'])
    expect(rotated.code, rotated.stderr).toBe(0)
    const answer = JSON.parse(rotated.stdout) as { key: { kid: string; activateTime: string } }
    const newKid = answer.key.kid
    const activateAt = Date.parse(answer.key.activateTime)
    expect(rotated.stderr).toContain(`Published signing key [${newKid}]`)
    expect(rotated.stderr).toContain(`Key [${oldKid}] signs until then`)
    // Published at once on A (its own commit), and on B before it can sign with it.
    expect(await jwksKids(A)).toEqual([oldKid, newKid].sort())
    const early = await idToken(A, 'alice@example.com', svcUrl)
    if (Date.now() < activateAt) expect(kidOf(early)).toBe(oldKid)
    await until('B publishes the new key', async () => (await jwksKids(B)).includes(newKid))

    // After the activation delay both replicas sign with the new key, and accept each other's.
    await new Promise((r) => setTimeout(r, Math.max(0, activateAt - Date.now()) + 200))
    const fromA = await idToken(A, 'alice@example.com', svcUrl)
    const fromB = await idToken(B, 'alice@example.com', svcUrl)
    expect([kidOf(fromA), kidOf(fromB)]).toEqual([newKid, newKid])
    expect(kidOf(await accessToken(B, 'admin@example.com'))).toBe(newKid)
    expect(await gatewayStatus(B, fromA)).toBe(200)
    expect(await gatewayStatus(A, fromB)).toBe(200)
    expect(await apiStatus(B, await accessToken(A, 'admin@example.com'))).toBe(200)
    // Tokens signed with the old key still verify everywhere until it is dropped.
    for (const s of [A, B]) {
      expect(await gatewayStatus(s, oldId)).toBe(200)
      expect(await apiStatus(s, oldAccess)).toBe(200)
    }

    // Forgeries with the real current key, but `iss` spelled differently: refused on both.
    const keys = await storedKeys()
    const current = keys.find((k) => k.kid === newKid) as StoredKey
    const currentKey = (await importJWK(current.privateJwk, 'RS256')) as CryptoKey
    expect(await gatewayStatus(B, await forge(currentKey, newKid))).toBe(200) // the control
    for (const iss of [`${ISS}/`, ISS.toUpperCase(), 'http://IAM.runiam.test']) {
      for (const s of [A, B])
        expect(await gatewayStatus(s, await forge(currentKey, newKid, iss))).toBe(401)
    }
    // Another deployment's key under runiam's real kid: refused.
    const foreign = (await generateKeyPair('RS256')).privateKey
    for (const s of [A, B]) expect(await gatewayStatus(s, await forge(foreign, newKid))).toBe(401)

    // The old key reaches its drop time (moved into the past in the database, as the clock
    // would): it leaves both JWKS, and neither a token it signed earlier (verified and cached
    // above) nor one made now with its leaked private key verifies anywhere.
    const old = keys.find((k) => k.kid === oldKid) as StoredKey
    const oldKey = (await importJWK(old.privateJwk, 'RS256')) as CryptoKey
    const leaked = await forge(oldKey, oldKid)
    expect(await gatewayStatus(B, leaked)).toBe(200) // still in force: the key verifies
    await admin(dbUrl(), (c) =>
      c.query(
        `UPDATE signing_keys SET record = jsonb_set(record::jsonb, '{dropTime}', to_jsonb($1::text))::json WHERE kid = $2`,
        [new Date(Date.now() - 1000).toISOString(), oldKid],
      ),
    )
    for (const s of [A, B]) {
      await until('the old key is dropped', async () => !(await jwksKids(s)).includes(oldKid))
      expect(await gatewayStatus(s, oldId)).toBe(401)
      expect(await gatewayStatus(s, leaked)).toBe(401)
      expect(await gatewayStatus(s, await forge(oldKey, oldKid))).toBe(401)
      expect(await apiStatus(s, oldAccess)).toBe(401)
    }
    // …and it is deleted from the database.
    await until('the old key is deleted', async () =>
      (await storedKeys()).every((k) => k.kid !== oldKid),
    )
  }, 90_000)
})
