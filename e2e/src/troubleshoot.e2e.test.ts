// Policy Troubleshooter end to end: real `runiam serve`, policies and groups set with the CLI, the
// troubleshooter's verdict against the gateway's real decision for a few dozen principal × service
// × path cases (nested groups, project-level grants, domain:, conditions on request.path and
// request.host; then again under a deny policy with conditions, groups and public:all),
// `runiam policy-troubleshoot iam`, and the gateway's refusals: each 401/403 carries
// its request id (header and page) and the access log line for that id names the failed check.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  idToken,
  invokeService,
  login,
  startServer,
  type CliResult,
  type ServerProcess,
  type User,
} from './harness.js'

const PROJECT = 'ts-proj'
const TEST_ISSUER = 'https://issuer.test'
let server: ServerProcess
let owner: User
let ownerToken: string
let testKey: CryptoKey
let otherKey: CryptoKey
let orgId: string
const urls: Record<string, string> = {}

async function ok(user: User, args: string[]): Promise<CliResult> {
  const r = await user.run(args)
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0)
  return r
}

async function deploy(name: string): Promise<void> {
  await ok(owner, ['run', 'deploy', name, '--no-allow-unauthenticated'])
  const d = await ok(owner, ['run', 'services', 'describe', name, '--format=json'])
  urls[name] = (JSON.parse(d.stdout) as { uri: string }).uri
}

const bind = (service: string, member: string, role: string, condition?: string) =>
  ok(owner, [
    'run',
    'services',
    'add-iam-policy-binding',
    service,
    `--member=${member}`,
    `--role=${role}`,
    ...(condition === undefined ? [] : [`--condition=${condition}`]),
  ])

const full = (service: string): string =>
  `//run.googleapis.com/projects/${PROJECT}/locations/us-central1/services/${service}`

/** The access-log line of a request id (the server's stderr). */
function accessLine(requestId: string): Record<string, unknown> | undefined {
  for (const line of server.logs().split('\n')) {
    if (!line.includes(`"requestId":"${requestId}"`)) continue
    const entry = JSON.parse(line) as Record<string, unknown>
    if (entry['event'] === 'request') return entry
  }
  return undefined
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'runiam-ts-'))
  const k1 = await generateKeyPair('RS256')
  const k2 = await generateKeyPair('RS256')
  testKey = k1.privateKey
  otherKey = k2.privateKey
  writeFileSync(
    join(dir, 'jwks.json'),
    JSON.stringify({ keys: [{ ...(await exportJWK(k1.publicKey)), kid: 'test', alg: 'RS256' }] }),
  )
  writeFileSync(
    join(dir, 'config.yaml'),
    `trustedIssuers:\n  - issuer: ${TEST_ISSUER}\n    jwksFile: ${join(dir, 'jwks.json')}\n    claim: email\n`,
  )
  server = await startServer(['--config', join(dir, 'config.yaml')])
  owner = await login(server, 'admin@example.com', PROJECT)
  await ok(owner, ['projects', 'create', PROJECT])
  const p = await ok(owner, ['projects', 'describe', PROJECT, '--format=json'])
  orgId = (JSON.parse(p.stdout) as { parent: { id: string } }).parent.id
  ownerToken = (await ok(owner, ['auth', 'print-access-token'])).stdout.trim()
  await deploy('alpha')
  await deploy('beta')
  // eng ⊃ platform ⊃ alice.
  for (const g of ['eng@example.com', 'platform@example.com']) {
    await ok(owner, [
      'identity',
      'groups',
      'create',
      g,
      `--organization=${orgId}`,
      '--with-initial-owner=empty',
    ])
  }
  await ok(owner, [
    'identity',
    'groups',
    'memberships',
    'add',
    '--group-email=eng@example.com',
    '--member-email=platform@example.com',
  ])
  await ok(owner, [
    'identity',
    'groups',
    'memberships',
    'add',
    '--group-email=platform@example.com',
    '--member-email=alice@example.com',
  ])
  await bind('alpha', 'group:eng@example.com', 'roles/run.invoker')
  await bind(
    'alpha',
    'user:bob@example.com',
    'roles/run.invoker',
    'expression=request.path.startsWith("/admin"),title=admin',
  )
  await bind(
    'beta',
    'domain:other.org',
    'roles/run.invoker',
    `expression=request.host.startsWith("beta-"),title=host`,
  )
  await ok(owner, [
    'projects',
    'add-iam-policy-binding',
    PROJECT,
    '--member=user:carol@example.com',
    '--role=roles/run.invoker',
  ])
}, 120_000)

afterAll(async () => {
  await server?.stop()
})

async function troubleshoot(
  body: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(`${server.url}/v3/iam:troubleshoot`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ownerToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return { status: r.status, json: (await r.json()) as Record<string, unknown> }
}

/** Every principal × service × path: the troubleshooter's verdict against the gateway's. */
async function compareWithGateway(): Promise<{ cases: number; allowed: number }> {
  const principals = [
    'alice@example.com',
    'bob@example.com',
    'carol@example.com',
    'dan@other.org',
    'eve@example.com',
  ]
  const paths = ['/', '/admin/x', '/public']
  let cases = 0
  let allowed = 0
  for (const service of ['alpha', 'beta']) {
    const url = urls[service] ?? ''
    const host = new URL(url).hostname
    for (const email of principals) {
      const token = await idToken(server, email, url)
      for (const path of paths) {
        const real = await invokeService(server, url, path, { authorization: `Bearer ${token}` })
        const t = await troubleshoot({
          accessTuple: {
            principal: email,
            fullResourceName: full(service),
            permission: 'run.routes.invoke',
            conditionContext: {
              request: { receiveTime: new Date().toISOString(), host, path },
            },
          },
        })
        expect(t.status, JSON.stringify(t.json)).toBe(200)
        expect([200, 403], `${email} ${service} ${path}`).toContain(real.status)
        expect(t.json['overallAccessState'], `${email} ${service} ${path}`).toBe(
          real.status === 200 ? 'CAN_ACCESS' : 'CANNOT_ACCESS',
        )
        if (real.status === 200) allowed++
        cases++
      }
    }
  }
  return { cases, allowed }
}

describe('troubleshooter vs the gateway', () => {
  it('agrees with the real gateway decision on every principal × service × path', async () => {
    const { cases, allowed } = await compareWithGateway()
    expect(cases).toBe(30)
    // Both verdicts occur (alice via groups, bob on /admin, carol via the project, dan via host).
    expect(allowed).toBeGreaterThanOrEqual(8)
    expect(allowed).toBeLessThan(30)
  })

  it('runiam policy-troubleshoot iam names the deciding binding', async () => {
    const r = await ok(owner, [
      'policy-troubleshoot',
      'iam',
      full('alpha'),
      '--principal-email=bob@example.com',
      '--permission=run.routes.invoke',
      '--resource-request-path=/admin/panel',
      '--request-host=alpha.example',
      '--request-time=2026-01-01T00:00:00Z',
    ])
    expect(r.stdout).toContain('overallAccessState: CAN_ACCESS')
    expect(r.stderr).toContain(`CAN_ACCESS — granted by roles/run.invoker on ${full('alpha')}`)
    expect(r.stderr).toContain('user:bob@example.com')
    const unknown = await ok(owner, [
      'policy-troubleshoot',
      'iam',
      full('alpha'),
      '--principal-email=bob@example.com',
      '--permission=run.routes.invoke',
    ])
    expect(unknown.stderr).toMatch(/^UNKNOWN_CONDITIONAL/)
    const bad = await owner.run([
      'policy-troubleshoot',
      'iam',
      '//run.googleapis.com/alpha',
      '--principal-email=bob@example.com',
      '--permission=run.routes.invoke',
    ])
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toContain('INVALID_ARGUMENT')
    expect(bad.stderr).toContain('//run.googleapis.com/alpha')
  })
})

function testToken(
  claims: { aud: string; exp?: number },
  key: CryptoKey = testKey,
): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({ email: 'alice@example.com', email_verified: true })
    .setProtectedHeader({ alg: 'RS256', kid: 'test' })
    .setIssuer(TEST_ISSUER)
    .setAudience(claims.aud)
    .setIssuedAt(now - 120)
    .setExpirationTime(claims.exp ?? now + 600)
    .sign(key)
}

describe('gateway refusals: request id and reason', () => {
  it('every 401/403 carries its request id, and the access line for it names the check', async () => {
    const url = urls['alpha'] ?? ''
    const now = Math.floor(Date.now() / 1000)
    const cases: [Record<string, string>, number, string][] = [
      [{}, 403, 'no-token'],
      [{ authorization: 'Bearer garbage' }, 401, 'not-a-jwt'],
      [
        { authorization: `Bearer ${await testToken({ aud: url, exp: now - 3600 })}` },
        401,
        'expired',
      ],
      [
        { authorization: `Bearer ${await testToken({ aud: 'http://else.example' })}` },
        401,
        'wrong-audience',
      ],
      [
        { authorization: `Bearer ${await testToken({ aud: url }, otherKey)}` },
        401,
        'bad-signature',
      ],
      [
        { authorization: `Bearer ${await idToken(server, 'eve@example.com', url)}` },
        403,
        'no-invoke-permission',
      ],
    ]
    for (const [headers, status, check] of cases) {
      const r = await invokeService(server, url, '/x', headers)
      expect(r.status, check).toBe(status)
      const id = r.headers['x-request-id']
      expect(typeof id, check).toBe('string')
      expect(r.body).toContain(`Request ID: ${String(id)}`)
      // The line is written when the response ends; give the log a moment.
      let line = accessLine(String(id))
      for (let i = 0; i < 20 && line === undefined; i++) {
        await new Promise((res) => setTimeout(res, 50))
        line = accessLine(String(id))
      }
      expect(line, check).toMatchObject({ status, check, decision: 'reject' })
      expect(String(line?.['detail'])).not.toContain('eyJ') // never the token
    }
  })
})

// Last: a deny policy changes the gateway's decisions for the rest of the run.
describe('troubleshooter vs the gateway with a deny policy', () => {
  it('agrees with the real gateway decision once a deny rule refuses some invocations', async () => {
    await ok(owner, [
      'organizations',
      'add-iam-policy-binding',
      orgId,
      '--member=user:admin@example.com',
      '--role=roles/iam.denyAdmin',
    ])
    const file = join(mkdtempSync(join(tmpdir(), 'runiam-ts-deny-')), 'deny.json')
    writeFileSync(
      file,
      JSON.stringify({
        rules: [
          {
            denyRule: {
              deniedPrincipals: ['principalSet://goog/group/platform@example.com'],
              deniedPermissions: ['run.googleapis.com/routes.invoke'],
              denialCondition: { expression: 'request.path.startsWith("/admin")' },
            },
          },
          {
            denyRule: {
              deniedPrincipals: ['principalSet://goog/public:all'],
              exceptionPrincipals: ['principal://goog/subject/dan@other.org'],
              deniedPermissions: ['run.googleapis.com/routes.*'],
              denialCondition: { expression: 'request.path == "/public"' },
            },
          },
        ],
      }),
    )
    await ok(owner, [
      'iam',
      'policies',
      'create',
      'lock-admin',
      '--kind=denypolicies',
      `--attachment-point=cloudresourcemanager.googleapis.com/projects/${PROJECT}`,
      `--policy-file=${file}`,
    ])
    const { cases, allowed } = await compareWithGateway()
    expect(cases).toBe(30)
    expect(allowed).toBeGreaterThanOrEqual(4)
    // The CLI names the deny rule that refuses alice (platform ⊂ eng) on /admin.
    const r = await ok(owner, [
      'policy-troubleshoot',
      'iam',
      full('alpha'),
      '--principal-email=alice@example.com',
      '--permission=run.routes.invoke',
      '--resource-request-path=/admin/x',
      '--request-host=alpha.example',
      '--request-time=2026-01-01T00:00:00Z',
    ])
    expect(r.stderr).toMatch(/^CANNOT_ACCESS — granted by roles\/run.invoker/)
    expect(r.stderr).toContain('denied by rule 0 of policies/')
    expect(r.stderr).toContain('/denypolicies/lock-admin')
  })
})
