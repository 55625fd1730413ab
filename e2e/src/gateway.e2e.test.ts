// The invoker gateway end to end: real `runiam serve`, real HTTP to the service host, tokens from
// runiam's own issuer (dev login) and from a trusted test issuer whose key the test holds (for
// expired, foreign-audience, alg:none and wrong-key forgeries), policies set with the CLI.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SignJWT, UnsecuredJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  idToken as mintIdToken,
  invokeService,
  keyFileUser,
  login,
  startServer,
  type Reply,
  type ServerProcess,
  type User,
} from './harness.js'

const PROJECT = 'gw-proj'
const TEST_ISSUER = 'https://issuer.test'
let server: ServerProcess
let owner: User
let testKey: CryptoKey
let otherKey: CryptoKey
const urls: Record<string, string> = {}

/** A request to one of this test's services, by name. */
const invoke = (
  service: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<Reply> => invokeService(server, urls[service] ?? '', path, headers)

const idToken = (email: string, audience: string): Promise<string> =>
  mintIdToken(server, email, audience)

function testToken(
  claims: { email: string; aud: string; exp?: number; iss?: string },
  key: CryptoKey = testKey,
): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({ email: claims.email, email_verified: true })
    .setProtectedHeader({ alg: 'RS256', kid: 'test' })
    .setIssuer(claims.iss ?? TEST_ISSUER)
    .setAudience(claims.aud)
    .setIssuedAt(now - 120)
    .setExpirationTime(claims.exp ?? now + 600)
    .sign(key)
}

async function deploy(name: string, extra: string[] = []): Promise<void> {
  const r = await owner.run(['run', 'deploy', name, '--no-allow-unauthenticated', ...extra])
  expect(r.code, r.stderr).toBe(0)
  const d = await owner.run(['run', 'services', 'describe', name, '--format=json'])
  urls[name] = (JSON.parse(d.stdout) as { uri: string }).uri
}

const bind = async (service: string, member: string, role: string, condition?: string) => {
  const args = [
    'run',
    'services',
    'add-iam-policy-binding',
    service,
    `--member=${member}`,
    `--role=${role}`,
  ]
  if (condition !== undefined) args.push(`--condition=${condition}`)
  const r = await owner.run(args)
  expect(r.code, r.stderr).toBe(0)
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'runiam-gw-'))
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
  expect((await owner.run(['projects', 'create', PROJECT])).code).toBe(0)
  await deploy('svc')
  await bind('svc', 'user:alice@example.com', 'roles/run.invoker')
  await bind('svc', 'user:sinv@example.com', 'roles/run.servicesInvoker')
}, 60_000)

afterAll(async () => {
  await server?.stop()
})

describe('invoker gateway', () => {
  it('refuses: no token 403, garbage 401, and every forged or misaddressed token 401', async () => {
    const aud = urls['svc'] ?? ''
    const noToken = await invoke('svc', '/hello')
    expect(noToken.status).toBe(403)
    expect(noToken.body).toContain(
      'Your client does not have permission to get URL <code>/hello</code> from this server.',
    )
    expect((await invoke('svc', '/', { authorization: 'Bearer garbage' })).status).toBe(401)
    const now = Math.floor(Date.now() / 1000)
    const forgeries = [
      await testToken({ email: 'alice@example.com', aud, exp: now - 3600 }), // expired
      await testToken({ email: 'alice@example.com', aud: 'http://someone-else.example' }), // wrong audience
      await testToken({ email: 'alice@example.com', aud, iss: 'https://untrusted.example' }), // wrong issuer
      new UnsecuredJWT({ email: 'alice@example.com' })
        .setIssuer(TEST_ISSUER)
        .setAudience(aud)
        .setIssuedAt()
        .setExpirationTime('10m')
        .encode(), // alg none
      await testToken({ email: 'alice@example.com', aud }, otherKey), // wrong key
    ]
    for (const t of forgeries) {
      const r = await invoke('svc', '/', { authorization: `Bearer ${t}` })
      expect(r.status).toBe(401)
      expect(r.body).toContain('401 Unauthorized')
    }
  })

  it('admits run.invoker and run.servicesInvoker, from runiam and from the trusted issuer; 403 without the role', async () => {
    const aud = urls['svc'] ?? ''
    const ok = await invoke('svc', '/x?y=1', {
      authorization: `Bearer ${await idToken('alice@example.com', aud)}`,
    })
    expect(ok.status).toBe(200)
    const echo = JSON.parse(ok.body) as {
      caller: { member: string }
      path: string
      service: string
    }
    expect(echo.caller.member).toBe('user:alice@example.com')
    expect(echo.path).toBe('/x')
    expect(
      (
        await invoke('svc', '/', {
          authorization: `Bearer ${await idToken('sinv@example.com', `${aud}/`)}`,
        })
      ).status,
    ).toBe(200)
    expect(
      (
        await invoke('svc', '/', {
          authorization: `Bearer ${await testToken({ email: 'alice@example.com', aud })}`,
        })
      ).status,
    ).toBe(200)
    expect(
      (
        await invoke('svc', '/', {
          authorization: `Bearer ${await idToken('mallory@example.com', aud)}`,
        })
      ).status,
    ).toBe(403)
  })

  it('honours roles/editor inherited from the project', async () => {
    const r = await owner.run([
      'projects',
      'add-iam-policy-binding',
      PROJECT,
      '--member=user:ed@example.com',
      '--role=roles/editor',
    ])
    expect(r.code, r.stderr).toBe(0)
    expect(
      (
        await invoke('svc', '/', {
          authorization: `Bearer ${await idToken('ed@example.com', urls['svc'] ?? '')}`,
        })
      ).status,
    ).toBe(200)
  })

  it('evaluates request.path and request.host conditions', async () => {
    await deploy('cond')
    await bind(
      'cond',
      'user:pat@example.com',
      'roles/run.invoker',
      'expression=request.path.startsWith("/admin"),title=admin-only',
    )
    const host = new URL(urls['cond'] ?? '').hostname
    await bind(
      'cond',
      'user:hal@example.com',
      'roles/run.invoker',
      `expression=request.host == "${host}",title=this-host`,
    )
    await bind(
      'cond',
      'user:nob@example.com',
      'roles/run.invoker',
      'expression=request.host == "elsewhere.example",title=other-host',
    )
    const aud = urls['cond'] ?? ''
    const pat = `Bearer ${await idToken('pat@example.com', aud)}`
    expect((await invoke('cond', '/admin/x', { authorization: pat })).status).toBe(200)
    expect((await invoke('cond', '/other', { authorization: pat })).status).toBe(403)
    expect(
      (
        await invoke('cond', '/', {
          authorization: `Bearer ${await idToken('hal@example.com', aud)}`,
        })
      ).status,
    ).toBe(200)
    expect(
      (
        await invoke('cond', '/', {
          authorization: `Bearer ${await idToken('nob@example.com', aud)}`,
        })
      ).status,
    ).toBe(403)
  })

  it('allUsers admits requests without a token; allAuthenticatedUsers needs a valid one', async () => {
    await deploy('pub')
    await bind('pub', 'allUsers', 'roles/run.invoker')
    expect((await invoke('pub', '/')).status).toBe(200)
    await deploy('authd')
    await bind('authd', 'allAuthenticatedUsers', 'roles/run.invoker')
    expect((await invoke('authd', '/')).status).toBe(403)
    expect(
      (
        await invoke('authd', '/', {
          authorization: `Bearer ${await idToken('anyone@elsewhere.org', urls['authd'] ?? '')}`,
        })
      ).status,
    ).toBe(200)
  })

  it("a service account's ID tokens: refused while it is disabled, accepted once enabled, refused once deleted or made again", async () => {
    const aud = urls['svc'] ?? ''
    const email = `gw-invoker@${PROJECT}.iam.gserviceaccount.com`
    const keyDir = mkdtempSync(join(tmpdir(), 'runiam-gw-sa-'))
    /** The account made (again), granted run.invoker on svc, and an ID token from its key file. */
    const make = async (): Promise<string> => {
      const made = await owner.run(['iam', 'service-accounts', 'create', 'gw-invoker'])
      expect(made.code, made.stderr).toBe(0)
      const file = join(keyDir, `key-${Date.now()}.json`)
      const key = await owner.run([
        'iam',
        'service-accounts',
        'keys',
        'create',
        file,
        `--iam-account=${email}`,
      ])
      expect(key.code, key.stderr).toBe(0)
      await bind('svc', `serviceAccount:${email}`, 'roles/run.invoker')
      // The account's own CLI, from its key file, prints the ID token (as gcloud does).
      const robot = await keyFileUser(server, file, PROJECT)
      const printed = await robot.run(['auth', 'print-identity-token', `--audiences=${aud}`])
      expect(printed.code, printed.stderr).toBe(0)
      return printed.stdout.trim()
    }
    const sa = (args: string[]) => owner.run(['iam', 'service-accounts', ...args])
    // Twice each: the second use is answered from the gateway's memory (token and account).
    const twice = async (token: string, header = 'authorization'): Promise<number[]> => [
      (await invoke('svc', '/', { [header]: `Bearer ${token}` })).status,
      (await invoke('svc', '/', { [header]: `Bearer ${token}` })).status,
    ]
    const token = await make()
    expect(await twice(token)).toEqual([200, 200])
    const off = await sa(['disable', email])
    expect(off.code, off.stderr).toBe(0)
    expect(off.stderr).toContain(`Disabled service account [${email}].`)
    expect(await twice(token)).toEqual([401, 401])
    expect(await twice(token, 'x-serverless-authorization')).toEqual([401, 401])
    expect((await sa(['enable', email.toUpperCase()])).code).toBe(0)
    expect(await twice(token)).toEqual([200, 200])
    expect((await sa(['delete', email, '--quiet'])).code).toBe(0)
    expect(await twice(token)).toEqual([401, 401])
    // Made again under the same email (and granted again): another account, not the old token's.
    const again = await make()
    expect(await twice(token)).toEqual([401, 401])
    expect(await twice(again)).toEqual([200, 200])
  })

  it('disabling the invoker check admits all; re-enabling refuses again (next request)', async () => {
    await deploy('flip')
    expect((await invoke('flip', '/')).status).toBe(403)
    const off = await owner.run(['run', 'services', 'update', 'flip', '--no-invoker-iam-check'])
    expect(off.code, off.stderr).toBe(0)
    expect((await invoke('flip', '/')).status).toBe(200)
    const on = await owner.run(['run', 'services', 'update', 'flip', '--invoker-iam-check'])
    expect(on.code, on.stderr).toBe(0)
    expect((await invoke('flip', '/')).status).toBe(403)
  })

  it('turning the invoker check off needs run.services.setIamPolicy: run.developer is refused, run.admin is not', async () => {
    await deploy('guarded')
    for (const [email, role] of [
      ['devel@example.com', 'roles/run.developer'],
      ['radmin@example.com', 'roles/run.admin'],
    ] as const) {
      const r = await owner.run([
        'projects',
        'add-iam-policy-binding',
        PROJECT,
        `--member=user:${email}`,
        `--role=${role}`,
      ])
      expect(r.code, r.stderr).toBe(0)
    }
    const dev = await login(server, 'devel@example.com', PROJECT)
    const admin = await login(server, 'radmin@example.com', PROJECT)
    const patch = async (user: User, disabled: boolean) => {
      const token = (await user.run(['auth', 'print-access-token'])).stdout.trim()
      return fetch(
        `${server.url}/v2/projects/${PROJECT}/locations/us-central1/services/guarded?updateMask=invokerIamDisabled`,
        {
          method: 'PATCH',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ invokerIamDisabled: disabled }),
        },
      )
    }
    const cli = await dev.run(['run', 'services', 'update', 'guarded', '--no-invoker-iam-check'])
    expect(cli.code).toBe(1)
    expect(cli.stderr).toContain("PERMISSION_DENIED: Permission 'run.services.setIamPolicy' denied")
    const rest = await patch(dev, true)
    expect(rest.status).toBe(403)
    expect(JSON.stringify(await rest.json())).toContain('run.services.setIamPolicy')
    expect((await invoke('guarded', '/')).status).toBe(403)

    const ok = await admin.run(['run', 'services', 'update', 'guarded', '--no-invoker-iam-check'])
    expect(ok.code, ok.stderr).toBe(0)
    expect((await invoke('guarded', '/')).status).toBe(200)
    expect((await patch(admin, false)).status).toBe(200)
    expect((await invoke('guarded', '/')).status).toBe(403)
  })

  it('X-Serverless-Authorization takes precedence over Authorization', async () => {
    const aud = urls['svc'] ?? ''
    const alice = await idToken('alice@example.com', aud)
    const mallory = await idToken('mallory@example.com', aud)
    expect(
      (
        await invoke('svc', '/', {
          'x-serverless-authorization': `Bearer ${alice}`,
          authorization: 'Bearer app-own-token',
        })
      ).status,
    ).toBe(200)
    expect(
      (
        await invoke('svc', '/', {
          'x-serverless-authorization': `Bearer ${mallory}`,
          authorization: `Bearer ${alice}`,
        })
      ).status,
    ).toBe(403)
  })

  it('accepts a custom audience', async () => {
    const token = await owner.run(['auth', 'print-access-token'])
    const svcUrl = `${server.url}/v2/projects/${PROJECT}/locations/us-central1/services/svc?updateMask=customAudiences`
    const patch = await fetch(svcUrl, {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${token.stdout.trim()}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ customAudiences: ['https://api.example.com/checkout'] }),
    })
    expect(patch.status, await patch.clone().text()).toBe(200)
    expect(
      (
        await invoke('svc', '/', {
          authorization: `Bearer ${await idToken('alice@example.com', 'https://api.example.com/checkout')}`,
        })
      ).status,
    ).toBe(200)
    expect(
      (
        await invoke('svc', '/', {
          authorization: `Bearer ${await idToken('alice@example.com', 'https://api.example.com/other')}`,
        })
      ).status,
    ).toBe(401)
  })

  it('answers 404 for an unknown service host and exposes metrics', async () => {
    urls['ghost'] = 'http://ghost-1.us-central1.run.localhost'
    expect((await invoke('ghost', '/')).status).toBe(404)
    const metrics = await (await fetch(`${server.url}/metrics`)).text()
    expect(metrics).toMatch(
      /runiam_gateway_decisions_total\{outcome="reject",reason="invalid-token"\} [1-9]/,
    )
    expect(metrics).toMatch(
      /runiam_gateway_decisions_total\{outcome="forward",reason="allowed"\} [1-9]/,
    )
    expect(metrics).toContain('runiam_gateway_check_duration_seconds_bucket')
    expect(server.logs()).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/) // no token in the logs
    // One JSON line per request, naming the verified caller: gateway and admin API alike.
    const lines = server
      .logs()
      .split('\n')
      .filter((l) => l.includes('"event":"request"'))
    expect(
      lines.some(
        (l) =>
          l.includes('"route":"gateway"') &&
          l.includes('"caller":"user:alice@example.com"') &&
          l.includes('"decision":"forward"'),
      ),
    ).toBe(true)
    expect(
      lines.some((l) => l.includes('"route":"gateway"') && l.includes('"reason":"no-credentials"')),
    ).toBe(true)
    expect(
      lines.some(
        (l) => l.includes('setIamPolicy') && l.includes('"caller":"user:admin@example.com"'),
      ),
    ).toBe(true)
  })
})
