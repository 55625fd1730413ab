// Attacks through a trusted external issuer, end to end: real `runiam serve` processes (no --dev:
// the bootstrap service account owns the organization) configured with a test issuer whose key
// this test holds, and real HTTP to the invoker gateway and the admin API. An issuer trusted for
// people must not be able to speak for service accounts (the bootstrap account above all), for
// addresses it has not verified, for an ASCII address through a look-alike Unicode one, or with
// tokens issued in the future or living longer than the issuer's maximum (docs/security.md).
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  invokeService,
  keyFileUser,
  startServer,
  type ServerProcess,
  type User,
} from './harness.js'

const PROJECT = 'ti-proj'
const IDP = 'https://idp.test'
const SA_IDP = 'https://sa-idp.test'
const API_AUDIENCE = 'https://api.runiam.test'
const BOOTSTRAP = 'runiam-bootstrap@runiam-system.iam.gserviceaccount.com'
const ROBOT = `robot-sa@${PROJECT}.iam.gserviceaccount.com`

let signingKey: CryptoKey
let configDir: string

interface Claims {
  readonly email: string
  readonly aud: string
  readonly iss?: string
  /** The email_verified claim; 'absent' leaves it out. Default true. */
  readonly verified?: unknown
  /** Seconds relative to now. Defaults: iat −60, exp +600. */
  readonly iat?: number
  readonly exp?: number
}

/** An ID token from the test issuer, signed with its real key: only the claims are hostile. */
function token(c: Claims): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({
    email: c.email,
    ...(c.verified === 'absent' ? {} : { email_verified: c.verified ?? true }),
  })
    .setProtectedHeader({ alg: 'RS256', kid: 'idp' })
    .setIssuer(c.iss ?? IDP)
    .setAudience(c.aud)
    .setSubject('idp-subject-1')
    .setIssuedAt(now + (c.iat ?? -60))
    .setExpirationTime(now + (c.exp ?? 600))
    .sign(signingKey)
}

/** GET the project through the admin API with `bearer`: the HTTP status. */
async function getProject(server: ServerProcess, bearer: string): Promise<number> {
  const res = await fetch(`${server.url}/v1/projects/${PROJECT}`, {
    headers: { authorization: `Bearer ${bearer}` },
  })
  await res.arrayBuffer()
  return res.status
}

async function ok(user: User, args: string[]): Promise<string> {
  const r = await user.run(args)
  expect(r.code, r.stderr).toBe(0)
  return r.stdout
}

function writeConfig(name: string, issuers: string): string {
  const path = join(configDir, name)
  writeFileSync(path, `trustedIssuers:\n${issuers}`)
  return path
}

beforeAll(async () => {
  configDir = mkdtempSync(join(tmpdir(), 'runiam-ti-'))
  const pair = await generateKeyPair('RS256')
  signingKey = pair.privateKey
  writeFileSync(
    join(configDir, 'jwks.json'),
    JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'idp', alg: 'RS256' }] }),
  )
})

describe('an issuer trusted for people (default settings)', () => {
  let server: ServerProcess
  let owner: User
  let serviceUrl: string

  beforeAll(async () => {
    // Only settings every version of the config understands, so this block runs unchanged
    // against older builds (that is how the attacks below were shown to work before the fix).
    const config = writeConfig(
      'people.yaml',
      `  - issuer: ${IDP}\n    jwksFile: ${join(configDir, 'jwks.json')}\n    claim: email\n    apiAudiences: [${API_AUDIENCE}]\n`,
    )
    server = await startServer(['--config', config], { dev: false })
    owner = await keyFileUser(server, server.bootstrapKeyFile, PROJECT)
    expect(owner.email).toBe(BOOTSTRAP)
    await ok(owner, ['projects', 'create', PROJECT])
    await ok(owner, ['iam', 'service-accounts', 'create', 'robot-sa'])
    await ok(owner, ['run', 'deploy', 'svc', '--no-allow-unauthenticated'])
    const described = await ok(owner, ['run', 'services', 'describe', 'svc', '--format=json'])
    serviceUrl = (JSON.parse(described) as { uri: string }).uri
    for (const member of [
      `serviceAccount:${ROBOT}`,
      'user:alice@example.com',
      'user:kevin@example.com',
    ]) {
      await ok(owner, [
        'projects',
        'add-iam-policy-binding',
        PROJECT,
        `--member=${member}`,
        '--role=roles/viewer',
      ])
      await ok(owner, [
        'run',
        'services',
        'add-iam-policy-binding',
        'svc',
        `--member=${member}`,
        '--role=roles/run.invoker',
      ])
    }
  }, 90_000)

  afterAll(async () => {
    await server?.stop()
  })

  const invoke = async (bearer: string): Promise<number> =>
    (await invokeService(server, serviceUrl, '/', { authorization: `Bearer ${bearer}` })).status

  /** The same token claims, addressed to the gateway and to the admin API. */
  async function bothSurfaces(claims: Omit<Claims, 'aud'>): Promise<[number, number]> {
    return [
      await invoke(await token({ ...claims, aud: serviceUrl })),
      await getProject(server, await token({ ...claims, aud: API_AUDIENCE })),
    ]
  }

  it('control: a verified person with the roles is let in at the gateway and the admin API', async () => {
    expect(await bothSurfaces({ email: 'alice@example.com' })).toEqual([200, 200])
    expect(await bothSurfaces({ email: 'kevin@example.com' })).toEqual([200, 200])
  })

  it('refuses service account emails: the bootstrap account, one with roles, any spelling', async () => {
    for (const email of [BOOTSTRAP, ROBOT, ROBOT.toUpperCase()]) {
      expect(await bothSurfaces({ email }), email).toEqual([401, 401])
    }
  })

  it('refuses an email whose email_verified is absent, the string "true", or false', async () => {
    for (const verified of ['absent', 'true', false]) {
      expect(
        await bothSurfaces({ email: 'alice@example.com', verified }),
        String(verified),
      ).toEqual([401, 401])
    }
  })

  it('a Kelvin sign (U+212A) address does not act as the ASCII k address', async () => {
    expect(await bothSurfaces({ email: '\u212Aevin@example.com' })).toEqual([401, 401])
  })

  it('refuses tokens issued in the future and tokens living longer than 24 hours', async () => {
    const email = 'alice@example.com'
    expect(await bothSurfaces({ email, iat: 3600, exp: 7200 })).toEqual([401, 401])
    expect(await bothSurfaces({ email, iat: -60, exp: 25 * 3600 })).toEqual([401, 401])
  })
})

describe('per-issuer settings: allowServiceAccounts and maxTokenLifetimeSeconds', () => {
  let server: ServerProcess
  let owner: User

  beforeAll(async () => {
    const jwks = join(configDir, 'jwks.json')
    const config = writeConfig(
      'settings.yaml',
      [
        `  - issuer: ${IDP}`,
        `    jwksFile: ${jwks}`,
        '    claim: email',
        `    apiAudiences: [${API_AUDIENCE}]`,
        '    maxTokenLifetimeSeconds: 3600',
        `  - issuer: ${SA_IDP}`,
        `    jwksFile: ${jwks}`,
        '    claim: email',
        `    apiAudiences: [${API_AUDIENCE}]`,
        '    allowServiceAccounts: true',
        '',
      ].join('\n'),
    )
    server = await startServer(['--config', config], { dev: false })
    owner = await keyFileUser(server, server.bootstrapKeyFile, PROJECT)
    await ok(owner, ['projects', 'create', PROJECT])
    await ok(owner, [
      'projects',
      'add-iam-policy-binding',
      PROJECT,
      '--member=user:alice@example.com',
      '--role=roles/viewer',
    ])
  }, 90_000)

  afterAll(async () => {
    await server?.stop()
  })

  it('only the issuer with allowServiceAccounts may speak for a service account', async () => {
    const claims = { email: BOOTSTRAP, aud: API_AUDIENCE }
    expect(await getProject(server, await token({ ...claims, iss: SA_IDP }))).toBe(200)
    expect(await getProject(server, await token({ ...claims, iss: IDP }))).toBe(401)
  })

  it('maxTokenLifetimeSeconds caps the lifetime below the 24-hour default', async () => {
    const claims = { email: 'alice@example.com', aud: API_AUDIENCE }
    expect(await getProject(server, await token({ ...claims, exp: 1800 }))).toBe(200)
    expect(await getProject(server, await token({ ...claims, exp: 2 * 3600 }))).toBe(401)
    // The other issuer keeps the default (24 h).
    expect(await getProject(server, await token({ ...claims, iss: SA_IDP, exp: 2 * 3600 }))).toBe(
      200,
    )
  })
})
