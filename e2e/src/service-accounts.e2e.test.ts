// Service accounts end to end, with the real `runiam serve` and CLI processes: create an account
// and a key file, use the key file as the CLI's credentials, lose access when the key is deleted,
// mint ID tokens by impersonation (only with a token creator role), run an unmodified
// google-auth-library program against `runiam metadata-server`, and the bootstrap service
// account of a server started without --dev.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, statSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRemoteJWKSet, jwtVerify } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, cli, login, ROOT, startServer, type ServerProcess, type User } from './harness.js'

const PROJECT = 'sa-e2e-proj'
const EMAIL = `robot-sa@${PROJECT}.iam.gserviceaccount.com`
let server: ServerProcess
let owner: User
let alice: User
let keyFile: string
let keyId: string
let serviceUrl: string
const children: ChildProcess[] = []

/** A fresh config dir with no login: the key file's account only. */
function freshEnv(): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'runiam-sa-user-'))
  return {
    RUNIAM_CONFIG_DIR: dir,
    RUNIAM_API_ENDPOINT: server.url,
    RUNIAM_REGION: 'us-central1',
    RUNIAM_PROJECT: PROJECT,
    HOME: dir,
  }
}

async function ownerToken(): Promise<string> {
  const r = await owner.run(['auth', 'print-access-token'])
  expect(r.code, r.stderr).toBe(0)
  return r.stdout.trim()
}

/** Adds a binding to the service account's own policy through the IAM REST API. */
async function bindOnAccount(member: string, role: string): Promise<void> {
  const token = await ownerToken()
  const resource = `${server.url}/v1/projects/${PROJECT}/serviceAccounts/${EMAIL}`
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
  const got = (await (
    await fetch(`${resource}:getIamPolicy`, { method: 'POST', headers, body: '{}' })
  ).json()) as { bindings?: unknown[]; etag: string }
  const set = await fetch(`${resource}:setIamPolicy`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      policy: { bindings: [...(got.bindings ?? []), { role, members: [member] }], etag: got.etag },
    }),
  })
  expect(set.status, await set.clone().text()).toBe(200)
}

/** GET a service through the gateway (Host header = the service's host). */
function invoke(token: string | undefined): Promise<number> {
  const target = new URL(serviceUrl)
  const at = new URL(server.url)
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: at.hostname,
        port: at.port,
        path: '/',
        headers: {
          host: target.host,
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        },
      },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      },
    )
    req.on('error', reject)
    req.end()
  })
}

/** Spawns a long-running CLI command and waits for `pattern` on its stderr. */
async function spawnUntil(
  args: readonly string[],
  env: Record<string, string>,
  pattern: RegExp,
): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  let text = ''
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${String(pattern)} in:\n${text}`)), 20_000)
    const look = (d: Buffer) => {
      text += d.toString()
      const m = pattern.exec(text)
      if (m !== null) {
        clearTimeout(timer)
        resolve(m)
      }
    }
    child.stdout?.on('data', look)
    child.stderr?.on('data', look)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`exited with ${code}:\n${text}`))
    })
  })
  return { child, match }
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve()
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  child.kill('SIGTERM')
  return exited
}

beforeAll(async () => {
  server = await startServer()
  owner = await login(server, 'admin@example.com', PROJECT)
  alice = await login(server, 'alice@example.com', PROJECT)
  expect((await owner.run(['projects', 'create', PROJECT])).code).toBe(0)
  const d = await owner.run(['run', 'deploy', 'hello', '--no-allow-unauthenticated'])
  expect(d.code, d.stderr).toBe(0)
  const described = await owner.run(['run', 'services', 'describe', 'hello', '--format=json'])
  serviceUrl = (JSON.parse(described.stdout) as { uri: string }).uri
}, 60_000)

afterAll(async () => {
  await Promise.all(children.map(stop))
  await server?.stop()
})

describe('service accounts through the CLI', () => {
  it('creates an account and a key file (mode 0600)', async () => {
    const c = await owner.run([
      'iam',
      'service-accounts',
      'create',
      'robot-sa',
      '--display-name=Robot',
    ])
    expect(c).toMatchObject({ code: 0, stderr: 'Created service account [robot-sa].\n' })
    const list = await owner.run(['iam', 'service-accounts', 'list'])
    expect(list.stdout).toMatch(new RegExp(`Robot\\s+${EMAIL}\\s+False`))
    keyFile = join(mkdtempSync(join(tmpdir(), 'runiam-key-')), 'key.json')
    const k = await owner.run([
      'iam',
      'service-accounts',
      'keys',
      'create',
      keyFile,
      `--iam-account=${EMAIL}`,
    ])
    expect(k.code, k.stderr).toBe(0)
    const m = /^created key \[([0-9a-f]{40})\] of type \[json\] as \[(.+)\] for \[(.+)\]\n$/.exec(
      k.stderr,
    )
    expect(m?.slice(2)).toEqual([keyFile, EMAIL])
    keyId = m?.[1] ?? ''
    expect(statSync(keyFile).mode & 0o777).toBe(0o600)
    const keys = await owner.run([
      'iam',
      'service-accounts',
      'keys',
      'list',
      '--iam-account',
      EMAIL,
    ])
    expect(keys.stdout).toContain(keyId)
  })

  it('the key file works as CLI credentials and mints ID tokens; neither after the key is deleted', async () => {
    const env = freshEnv()
    const act = await cli(['auth', 'activate-service-account', '--key-file', keyFile], env)
    expect(act).toMatchObject({
      code: 0,
      stderr: `Activated service account credentials for: [${EMAIL}]\n`,
    })
    const before = await cli(['projects', 'describe', PROJECT], env)
    expect(before.code).toBe(1)
    expect(before.stderr).toContain("Permission 'resourcemanager.projects.get' denied")
    const grant = await owner.run([
      'projects',
      'add-iam-policy-binding',
      PROJECT,
      `--member=serviceAccount:${EMAIL}`,
      '--role=roles/viewer',
    ])
    expect(grant.code, grant.stderr).toBe(0)
    const after = await cli(['projects', 'describe', PROJECT], env)
    expect(after.code, after.stderr).toBe(0)
    expect(after.stdout).toContain(`projectId: ${PROJECT}`)
    // …and mints ID tokens for calling services (JWT-bearer with target_audience).
    const minted = await cli(['auth', 'print-identity-token', `--audiences=${serviceUrl}`], env)
    expect(minted.code, minted.stderr).toBe(0)
    const jwks = createRemoteJWKSet(new URL(`${server.url}/oauth2/v3/certs`))
    const { payload } = await jwtVerify(minted.stdout.trim(), jwks, {
      issuer: server.url,
      audience: serviceUrl,
    })
    expect(payload['email']).toBe(EMAIL)

    const del = await owner.run([
      'iam',
      'service-accounts',
      'keys',
      'delete',
      keyId,
      `--iam-account=${EMAIL}`,
      '--quiet',
    ])
    expect(del.code, del.stderr).toBe(0)
    const gone = await cli(['projects', 'describe', PROJECT], env)
    expect(gone.code).toBe(1)
    expect(gone.stderr).toContain('invalid_grant: Invalid JWT Signature.')
    const noToken = await cli(['auth', 'print-identity-token', `--audiences=${serviceUrl}`], env)
    expect(noToken.code).toBe(1)
    expect(noToken.stderr).toContain('invalid_grant')
  })

  it('print-identity-token --impersonate-service-account works only with a token creator role', async () => {
    const args = [
      'auth',
      'print-identity-token',
      `--impersonate-service-account=${EMAIL}`,
      `--audiences=${serviceUrl}`,
    ]
    const denied = await alice.run(args)
    expect(denied.code).toBe(1)
    expect(denied.stderr).toContain("Permission 'iam.serviceAccounts.getOpenIdToken' denied")
    await bindOnAccount('user:alice@example.com', 'roles/iam.serviceAccountTokenCreator')
    const ok = await alice.run(args)
    expect(ok.code, ok.stderr).toBe(0)
    const jwks = createRemoteJWKSet(new URL(`${server.url}/oauth2/v3/certs`))
    const { payload } = await jwtVerify(ok.stdout.trim(), jwks, {
      issuer: server.url,
      audience: serviceUrl,
    })
    expect(payload['email']).toBe(EMAIL)
  })
  it("keys create refuses an 11th key with Google's error, and works again after a delete", async () => {
    const limited = `key-limit-sa@${PROJECT}.iam.gserviceaccount.com`
    const c = await owner.run(['iam', 'service-accounts', 'create', 'key-limit-sa'])
    expect(c.code, c.stderr).toBe(0)
    const dir = mkdtempSync(join(tmpdir(), 'runiam-key-limit-'))
    const create = (n: number) =>
      owner.run([
        'iam',
        'service-accounts',
        'keys',
        'create',
        join(dir, `key-${n}.json`),
        `--iam-account=${limited}`,
      ])
    const ids: string[] = []
    for (let n = 1; n <= 10; n++) {
      const k = await create(n)
      expect(k.code, k.stderr).toBe(0)
      ids.push(/created key \[([0-9a-f]{40})\]/.exec(k.stderr)?.[1] ?? '')
    }
    const eleventh = await create(11)
    expect(eleventh).toMatchObject({
      code: 1,
      stderr:
        'ERROR: (runiam.iam.service-accounts.keys.create) FAILED_PRECONDITION: Precondition check failed.\n',
    })
    const del = await owner.run([
      'iam',
      'service-accounts',
      'keys',
      'delete',
      ids[0] ?? '',
      `--iam-account=${limited}`,
      '--quiet',
    ])
    expect(del.code, del.stderr).toBe(0)
    const again = await create(12)
    expect(again.code, again.stderr).toBe(0)
  }, 60_000)
})

describe('runiam metadata-server with unmodified google-auth-library code', () => {
  it('gives the program ID tokens for the account; the gateway lets them in once it is an invoker', async () => {
    const { child, match } = await spawnUntil(
      ['metadata-server', `--impersonate-service-account=${EMAIL}`, '--port=0'],
      await aliceEnv(),
      /GCE_METADATA_HOST=(127\.0\.0\.1:\d+)/,
    )
    const dir = mkdtempSync(join(tmpdir(), 'runiam-gal-'))
    const program = join(dir, 'app.cjs')
    // An application as it would run on Cloud Run: nothing in it knows about runiam.
    writeFileSync(
      program,
      `const { GoogleAuth } = require('google-auth-library')
async function main() {
  const auth = new GoogleAuth()
  const client = await auth.getIdTokenClient(process.argv[2])
  const headers = await client.getRequestHeaders()
  const again = await client.idTokenProvider.fetchIdToken(process.argv[2])
  let status
  try {
    status = (await client.request({ url: process.argv[2] + '/hello' })).status
  } catch (e) {
    status = e.response ? e.response.status : String(e)
  }
  console.log(JSON.stringify({ authorization: headers.get('authorization'), again, status }))
}
main().catch((e) => { console.error(e); process.exit(1) })
`,
    )
    // The service URL's host (*.run.localhost) resolves to this machine through a preloaded
    // resolver, as a hosts entry would; the program itself is unchanged.
    const runProgram = () =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        const p = spawn(
          process.execPath,
          ['-r', join(ROOT, 'e2e/fixtures/resolve-run-localhost.cjs'), program, serviceUrl],
          {
            env: {
              PATH: process.env['PATH'] ?? '',
              HOME: dir,
              NODE_PATH: join(ROOT, 'node_modules'),
              GCE_METADATA_HOST: match[1] ?? '',
              METADATA_SERVER_DETECTION: 'assume-present',
            },
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        )
        let stdout = ''
        let stderr = ''
        p.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
        p.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
        p.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }))
      })
    const run = await runProgram()
    expect(run.code, run.stderr).toBe(0)
    const out = JSON.parse(run.stdout) as { authorization: string; again: string; status: unknown }
    expect(out.status).toBe(403)
    expect(out.authorization).toMatch(/^Bearer /)
    const token = out.authorization.slice('Bearer '.length)
    const jwks = createRemoteJWKSet(new URL(`${server.url}/oauth2/v3/certs`))
    const { payload } = await jwtVerify(token, jwks, { issuer: server.url, audience: serviceUrl })
    expect(payload['email']).toBe(EMAIL)

    expect(await invoke(token)).toBe(403)
    const bind = await owner.run([
      'run',
      'services',
      'add-iam-policy-binding',
      'hello',
      `--member=serviceAccount:${EMAIL}`,
      '--role=roles/run.invoker',
    ])
    expect(bind.code, bind.stderr).toBe(0)
    expect(await invoke(token)).toBe(200)
    const after = await runProgram()
    await stop(child)
    expect(after.code, after.stderr).toBe(0)
    expect((JSON.parse(after.stdout) as { status: unknown }).status).toBe(200)
  }, 60_000)
})

/** Alice's CLI environment (she holds the token creator role on the account by now). */
async function aliceEnv(): Promise<Record<string, string>> {
  const env = freshEnv()
  const r = await cli(['auth', 'login', 'alice@example.com'], env)
  expect(r.code, r.stderr).toBe(0)
  return env
}

describe('the bootstrap service account (server without --dev)', () => {
  it('writes its key file into the data folder; activating it owns the organization', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'runiam-boot-'))
    const { child, match } = await spawnUntil(
      ['serve', '--data', dataDir, '--port', '0'],
      {},
      /serving on (http:\/\/\S+)[\s\S]*Its key file: (\S+)\n/,
    )
    try {
      const url = match[1] ?? ''
      const file = match[2] ?? ''
      expect(file).toBe(join(dataDir, 'bootstrap-key.json'))
      expect(statSync(file).mode & 0o777).toBe(0o600)
      const dir = mkdtempSync(join(tmpdir(), 'runiam-boot-user-'))
      const env = { RUNIAM_CONFIG_DIR: dir, RUNIAM_API_ENDPOINT: url, HOME: dir }
      const act = await cli(['auth', 'activate-service-account', '--key-file', file], env)
      expect(act.stderr).toBe(
        'Activated service account credentials for: [runiam-bootstrap@runiam-system.iam.gserviceaccount.com]\n',
      )
      const created = await cli(['projects', 'create', 'first-real-proj'], env)
      expect(created.code, created.stderr).toBe(0)
      const devLogin = await cli(['auth', 'login', 'mallory@example.com'], env)
      expect(devLogin.code).toBe(1)
    } finally {
      await stop(child)
    }
  }, 60_000)
})
