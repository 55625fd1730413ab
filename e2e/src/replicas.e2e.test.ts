// Three `runiam serve` replicas on one fresh PostgreSQL database, behind nginx as a load balancer
// configured with the block docs/operations.md documents (only its addresses substituted). A
// change written through one replica is enforced by the others' gateway and API on the very next
// request after the write was answered, grants and revocations alike, in every direction; 90
// concurrent add-iam-policy-binding calls spread over the replicas all land; a token minted by one
// is accepted by the others; and a replica whose change-feed connection is cut refuses to decide
// (503 STORE_FEED_LAGGING, /readyz false) until it has reconnected and caught up, by itself.
// PostgreSQL missing: skipped loudly (a failure under RUNIAM_REQUIRE_PG=1). nginx missing: the
// load-balancer cases are skipped loudly (a failure under CI, where .ci/run installs it).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ROOT,
  idToken,
  invokeService,
  login,
  startServer,
  type ServerProcess,
  type User,
} from './harness.js'
import { unusedPort } from './ports.js'

const PG_URL = process.env['RUNIAM_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const requirePg = process.env['RUNIAM_REQUIRE_PG'] === '1'
const ci = process.env['CI'] === 'true'
const NGINX = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx'].find(
  (p) => spawnSync(p, ['-v']).status === 0,
)

async function sql(text: string, values: unknown[] = [], url = PG_URL): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 })
  await client.connect()
  try {
    return await client.query(text, values)
  } finally {
    await client.end()
  }
}

const pgUp = await sql('SELECT 1').then(
  () => true,
  () => false,
)
if (!pgUp && requirePg) throw new Error(`PostgreSQL is required but unreachable at ${PG_URL}`)
if (!pgUp) console.warn('\n*** replicas.e2e: SKIPPED — PostgreSQL is unreachable ***\n')
if (NGINX === undefined && ci) throw new Error('nginx is not installed; .ci/run installs it')
if (NGINX === undefined) {
  console.warn(
    '\n*** replicas.e2e: SKIPPED — nginx is not installed (apt-get install nginx-light) ***\n',
  )
}
const describeReplicas = pgUp && NGINX !== undefined ? describe : describe.skip

const PROJECT = 'replicas'
const SERVICE = 'svc'
const INVOKER = 'roles/run.invoker'
const VIEWER = 'roles/run.viewer'
const hex = randomBytes(5).toString('hex')
const DB = `runiam_replicas_${hex}`
/** Replica C logs in as a role of its own, so the test can keep it from reconnecting. */
const ROLE_C = `runiam_replica_c_${hex}`

/** The documented nginx block (between the doc's markers), verbatim. */
function documentedBlock(): string {
  const doc = readFileSync(join(ROOT, 'docs/operations.md'), 'utf8')
  const m =
    /<!-- replicas-nginx:begin -->\s*```nginx\n([\s\S]*?)```\s*<!-- replicas-nginx:end -->/.exec(
      doc,
    )
  if (m?.[1] === undefined) throw new Error('docs/operations.md has no replicas-nginx block')
  return m[1]
}

function substitute(block: string, pairs: readonly (readonly [string, string])[]): string {
  let out = block
  for (const [from, to] of pairs) {
    const count = out.split(from).length - 1
    if (count !== 1) throw new Error(`docs/operations.md: expected "${from}" once, found ${count}`)
    out = out.replace(from, to)
  }
  return out
}

interface Reply {
  readonly status: number
  readonly body: Record<string, unknown>
}

interface Policy {
  etag?: string
  bindings?: { role: string; members: string[] }[]
}

let dataDirs: string[] = []
let replicas: ServerProcess[] = []
let nginx: ChildProcess | undefined
let nginxErr = ''
let prefix = ''
let lb = ''
let serviceUrl = ''
/** One owner per replica, each logged in through it (and its CLI pointed at it). */
let owners: User[] = []
let ownerToken = ''
let aliceToken = ''

const name = (i: number): string => 'ABC'[i] ?? String(i)
const servicePath = `/v2/projects/${PROJECT}/locations/us-central1/services/${SERVICE}`

async function call(
  base: string,
  token: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<Reply> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

const getPolicy = (base: string): Promise<Reply> =>
  call(base, ownerToken, 'GET', `${servicePath}:getIamPolicy`)

/** One read-modify-write of the service's policy through `base`; answered means applied everywhere. */
async function edit(base: string, change: (p: Policy) => Policy): Promise<Policy> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const read = await getPolicy(base)
    expect(read.status, JSON.stringify(read.body)).toBe(200)
    const write = await call(base, ownerToken, 'POST', `${servicePath}:setIamPolicy`, {
      policy: change(read.body as Policy),
    })
    if (write.status === 200) return write.body as Policy
    expect(write.status, JSON.stringify(write.body)).toBe(409)
  }
  throw new Error('could not write the policy')
}

function withMember(policy: Policy, role: string, member: string): Policy {
  const bindings = (policy.bindings ?? []).map((b) => ({ ...b, members: [...b.members] }))
  const binding = bindings.find((b) => b.role === role)
  if (binding === undefined) bindings.push({ role, members: [member] })
  else if (!binding.members.includes(member)) binding.members.push(member)
  return { ...policy, bindings }
}

function withoutMember(policy: Policy, role: string, member: string): Policy {
  const bindings = (policy.bindings ?? [])
    .map((b) => (b.role === role ? { ...b, members: b.members.filter((m) => m !== member) } : b))
    .filter((b) => b.members.length > 0)
  return { ...policy, bindings }
}

/** A GET through nginx with a Host header (service hosts do not resolve). */
function viaLb(host: string, path: string, headers: Record<string, string> = {}): Promise<number> {
  const at = new URL(lb)
  return new Promise((resolve, reject) => {
    const req = request(
      { host: at.hostname, port: at.port, path, method: 'GET', headers: { host, ...headers } },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      },
    )
    req.on('error', reject)
    req.end()
  })
}

async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`)
    await sleep(50)
  }
}

describeReplicas('three replicas on one PostgreSQL database behind nginx', () => {
  beforeAll(async () => {
    await sql(`CREATE DATABASE ${DB}`)
    const dbUrl = new URL(PG_URL)
    dbUrl.pathname = `/${DB}`
    // The replicas listen on port 0 (the port is in their banner); nginx's address is the issuer
    // URL, so it is chosen before they start.
    const nginxPort = await unusedPort()
    lb = `http://127.0.0.1:${nginxPort}`
    // One after the other: the first creates the schema, the organization and the signing key.
    for (let i = 0; i < 3; i++) {
      const url = new URL(dbUrl)
      url.searchParams.set('application_name', `runiam-replica-${name(i)}`)
      if (i === 2) {
        // Not a superuser: CONNECTION LIMIT binds it (below, to keep C from reconnecting).
        await sql(`CREATE ROLE ${ROLE_C} LOGIN`)
        await sql(`GRANT ALL ON SCHEMA public TO ${ROLE_C}`, [], dbUrl.toString())
        await sql(`GRANT ALL ON ALL TABLES IN SCHEMA public TO ${ROLE_C}`, [], dbUrl.toString())
        url.username = ROLE_C
      }
      const dataDir = mkdtempSync(join(tmpdir(), 'runiam-replica-'))
      dataDirs.push(dataDir)
      replicas.push(
        await startServer(['--database', url.toString(), '--issuer-url', lb], {
          dataDir,
          keepData: true,
        }),
      )
    }

    prefix = mkdtempSync(join(tmpdir(), 'runiam-replicas-nginx-'))
    chmodSync(prefix, 0o755) // nginx's workers drop root; they write temp files here
    const ports = replicas.map((r) => new URL(r.url).port)
    const block = substitute(documentedBlock(), [
      ['server 127.0.0.1:8081 ', `server 127.0.0.1:${ports[0]} `],
      ['server 127.0.0.1:8082 ', `server 127.0.0.1:${ports[1]} `],
      ['server 127.0.0.1:8083 ', `server 127.0.0.1:${ports[2]} `],
      ['listen 80;', `listen 127.0.0.1:${nginxPort};`],
    ])
    const conf = join(prefix, 'nginx.conf')
    writeFileSync(
      conf,
      [
        'worker_processes 1;',
        `error_log ${prefix}/error.log notice;`,
        `pid ${prefix}/nginx.pid;`,
        'events { worker_connections 512; }',
        'http {',
        `  access_log off;`,
        ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
          (t) => `  ${t}_temp_path ${prefix}/${t}_temp;`,
        ),
        block,
        '}',
        '',
      ].join('\n'),
    )
    const test = spawnSync(NGINX ?? 'nginx', ['-t', '-c', conf, '-p', prefix, '-g', 'daemon off;'])
    expect(test.status, test.stderr.toString()).toBe(0)
    nginx = spawn(NGINX ?? 'nginx', ['-c', conf, '-p', prefix, '-g', 'daemon off;'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    nginx.stderr?.on('data', (d: Buffer) => (nginxErr += d.toString()))
    await eventually('nginx answers', async () =>
      fetch(`${lb}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      ),
    )

    owners = await Promise.all(replicas.map((r) => login(r, 'admin@example.com', PROJECT)))
    const owner = owners[0] as User
    expect((await owner.run(['projects', 'create', PROJECT])).code).toBe(0)
    const deploy = await owner.run(['run', 'deploy', SERVICE, '--no-allow-unauthenticated'])
    expect(deploy.code, deploy.stderr).toBe(0)
    const d = await owner.run(['run', 'services', 'describe', SERVICE, '--format=json'])
    serviceUrl = (JSON.parse(d.stdout) as { uri: string }).uri
    ownerToken = (await owner.run(['auth', 'print-access-token'])).stdout.trim()
    const alice = await login(replicas[0] as ServerProcess, 'alice@example.com', PROJECT)
    aliceToken = (await alice.run(['auth', 'print-access-token'])).stdout.trim()
  }, 120_000)

  afterAll(async () => {
    if (nginx !== undefined && nginx.exitCode === null) {
      const exited = new Promise((r) => nginx?.once('exit', r))
      nginx.kill('SIGQUIT')
      await exited
    }
    await Promise.all(replicas.map((r) => r.stop()))
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true })
    if (prefix !== '') rmSync(prefix, { recursive: true, force: true })
    await sql(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`).catch(() => undefined)
    await sql(`DROP ROLE IF EXISTS ${ROLE_C}`).catch(() => undefined)
    replicas = []
    dataDirs = []
  })

  it('every replica issues and accepts the same tokens (one issuer, one key)', async () => {
    const [a, b, c] = replicas as [ServerProcess, ServerProcess, ServerProcess]
    for (const r of replicas) {
      const discovery = (await (
        await fetch(`${r.url}/.well-known/openid-configuration`)
      ).json()) as { issuer: string }
      expect(discovery.issuer).toBe(lb)
    }
    // The owner logged in through A: B and C accept its access token.
    for (const r of [b, c]) expect((await getPolicy(r.url)).status).toBe(200)
    // An ID token minted by A, for the service, opens it at B's and C's gateways (once bob may).
    await edit(a.url, (p) => withMember(p, INVOKER, 'user:bob@example.com'))
    const token = await idToken(a, 'bob@example.com', serviceUrl)
    for (const r of [b, c]) {
      const reply = await invokeService(r, serviceUrl, '/', { authorization: `Bearer ${token}` })
      expect(reply.status, reply.body).toBe(200)
    }
    // And through the load balancer.
    expect(await viaLb(new URL(serviceUrl).host, '/', { authorization: `Bearer ${token}` })).toBe(
      200,
    )
    await edit(a.url, (p) => withoutMember(p, INVOKER, 'user:bob@example.com'))
  })

  it("a grant or revocation through one replica decides the others' next request", async () => {
    const bobToken = await idToken(replicas[0] as ServerProcess, 'bob@example.com', serviceUrl)
    const invokeAt = (r: ServerProcess) =>
      invokeService(r, serviceUrl, '/', { authorization: `Bearer ${bobToken}` })
    const aliceReads = (r: ServerProcess) => call(r.url, aliceToken, 'GET', servicePath)
    for (let round = 0; round < 6; round++) {
      const writer = replicas[round % 3] as ServerProcess
      const gatewayAt = replicas[(round + 1) % 3] as ServerProcess
      const apiAt = replicas[(round + 2) % 3] as ServerProcess
      const where = `round ${round}: written through ${name(round % 3)}`

      const granted = await edit(writer.url, (p) =>
        withMember(
          withMember(p, INVOKER, 'user:bob@example.com'),
          VIEWER,
          'user:alice@example.com',
        ),
      )
      // The very next requests, on the other replicas: no wait, no retry.
      expect((await invokeAt(gatewayAt)).status, `${where}, bob at ${gatewayAt.url}`).toBe(200)
      expect((await aliceReads(apiAt)).status, `${where}, alice at ${apiAt.url}`).toBe(200)
      // Read-your-writes on every replica.
      for (const r of replicas) expect((await getPolicy(r.url)).body['etag']).toBe(granted.etag)

      const revoked = await edit(writer.url, (p) =>
        withoutMember(
          withoutMember(p, INVOKER, 'user:bob@example.com'),
          VIEWER,
          'user:alice@example.com',
        ),
      )
      expect((await invokeAt(gatewayAt)).status, `${where}, bob at ${gatewayAt.url}`).toBe(403)
      expect((await aliceReads(apiAt)).status, `${where}, alice at ${apiAt.url}`).toBe(403)
      // The writer's own gateway and API too.
      expect((await invokeAt(writer)).status).toBe(403)
      expect((await aliceReads(writer)).status).toBe(403)
      for (const r of replicas) expect((await getPolicy(r.url)).body['etag']).toBe(revoked.etag)
    }
  }, 120_000)

  it("a service account disabled through one replica is refused at the others' gateways on the next request", async () => {
    const [a, b, c] = replicas as [ServerProcess, ServerProcess, ServerProcess]
    const made = await call(a.url, ownerToken, 'POST', `/v1/projects/${PROJECT}/serviceAccounts`, {
      accountId: 'rep-invoker',
    })
    expect(made.status, JSON.stringify(made.body)).toBe(200)
    const email = String(made.body['email'])
    const member = `serviceAccount:${email}`
    await edit(a.url, (p) => withMember(p, INVOKER, member))
    const token = await idToken(a, email, serviceUrl)
    const at = async (r: ServerProcess) =>
      (await invokeService(r, serviceUrl, '/', { authorization: `Bearer ${token}` })).status
    // Each gateway has read the account and keeps its standing in memory.
    for (const r of replicas) expect(await at(r)).toBe(200)
    const account = `/v1/projects/${PROJECT}/serviceAccounts/${email}`
    expect((await call(b.url, ownerToken, 'POST', `${account}:disable`, {})).status).toBe(200)
    for (const r of [a, c, b]) expect(await at(r), r.url).toBe(401)
    expect((await call(c.url, ownerToken, 'POST', `${account}:enable`, {})).status).toBe(200)
    for (const r of [a, b, c]) expect(await at(r), r.url).toBe(200)
    await edit(a.url, (p) => withoutMember(p, INVOKER, member))
  })

  it("a deny policy written through one replica refuses at the others' gateways on the next request", async () => {
    const [a, b] = owners as [User, User]
    const ok = async (u: User, args: string[]): Promise<void> => {
      const r = await u.run(args)
      expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(0)
    }
    await ok(a, [
      'projects',
      'add-iam-policy-binding',
      PROJECT,
      '--member=user:admin@example.com',
      '--role=roles/iam.denyAdmin',
    ])
    await edit(replicas[0]?.url ?? '', (p) => withMember(p, INVOKER, 'user:bob@example.com'))
    const bobToken = await idToken(replicas[0] as ServerProcess, 'bob@example.com', serviceUrl)
    const bobAt = async (r: ServerProcess): Promise<number> =>
      (await invokeService(r, serviceUrl, '/', { authorization: `Bearer ${bobToken}` })).status
    const file = join(mkdtempSync(join(tmpdir(), 'runiam-replica-deny-')), 'deny.json')
    writeFileSync(
      file,
      JSON.stringify({
        rules: [
          {
            denyRule: {
              deniedPrincipals: ['principal://goog/subject/bob@example.com'],
              deniedPermissions: ['run.googleapis.com/routes.invoke'],
            },
          },
        ],
      }),
    )
    const flags = [
      '--kind=denypolicies',
      `--attachment-point=cloudresourcemanager.googleapis.com/projects/${PROJECT}`,
    ]
    // Written through A: the very next requests at every replica are refused; no wait, no retry.
    await ok(a, ['iam', 'policies', 'create', 'no-bob', ...flags, `--policy-file=${file}`])
    for (const r of replicas) expect(await bobAt(r), `bob at ${r.url}`).toBe(403)
    // Deleted through B: every replica admits bob again at once.
    await ok(b, ['iam', 'policies', 'delete', 'no-bob', ...flags])
    for (const r of replicas) expect(await bobAt(r), `bob at ${r.url}`).toBe(200)
    await edit(replicas[0]?.url ?? '', (p) => withoutMember(p, INVOKER, 'user:bob@example.com'))
  }, 60_000)

  it('3 × 30 concurrent add-iam-policy-binding calls spread over the replicas all land', async () => {
    const members = Array.from({ length: 90 }, (_, i) => `user:many-${i}@example.com`)
    const add = (m: string, i: number) =>
      (owners[i % 3] as User).run([
        'run',
        'services',
        'add-iam-policy-binding',
        SERVICE,
        `--member=${m}`,
        `--role=${INVOKER}`,
      ])
    const results = await Promise.all(members.map(add))
    // 90 writers on one policy: the CLI retries the whole cycle on ABORTED and UNAVAILABLE (12
    // attempts, ~21 s of backoff). One that still lost every race says so (exit 1) and changed
    // nothing; its user runs it again. Anything else fails.
    let pending = members.filter((_, i) => results[i]?.code !== 0)
    const retried = pending.length
    for (const [i, r] of results.entries()) {
      if (r.code !== 0)
        expect(r.stderr, members[i]).toMatch(
          /ABORTED: There were concurrent policy changes|UNAVAILABLE: This replica is not following/,
        )
    }
    for (let round = 0; round < 5 && pending.length > 0; round++) {
      const again = await Promise.all(pending.map(add))
      pending = pending.filter((_, i) => again[i]?.code !== 0)
    }
    expect(pending).toEqual([])
    console.log(
      `replicas: 90 concurrent add-iam-policy-binding, ${retried} run again (ABORTED or fenced)`,
    )
    for (const r of replicas) {
      const policy = (await getPolicy(r.url)).body as Policy
      const invokers = (policy.bindings ?? [])
        .filter((b) => b.role === INVOKER)
        .flatMap((b) => b.members)
      for (const m of members) expect(invokers, `${m} at ${r.url}`).toContain(m)
    }
  }, 180_000)

  it('a replica whose feed connection is cut fences, then catches up and serves again by itself', async () => {
    const [a, b, c] = replicas as [ServerProcess, ServerProcess, ServerProcess]
    await edit(a.url, (p) => withMember(p, VIEWER, 'user:alice@example.com'))
    expect((await call(c.url, aliceToken, 'GET', servicePath)).status).toBe(200)
    // C may not connect again, and its listening connection (the one holding its replica lock) goes.
    await sql(`ALTER ROLE ${ROLE_C} CONNECTION LIMIT 0`)
    try {
      const { rows } = await sql(
        `SELECT l.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE l.locktype = 'advisory' AND l.objsubid = 2 AND a.datname = $1 AND a.usename = $2`,
        [DB, ROLE_C],
      )
      expect(rows).toHaveLength(1)
      await sql('SELECT pg_terminate_backend($1)', [(rows[0] as { pid: number }).pid])
      await eventually(
        'C is not ready',
        async () => (await fetch(`${c.url}/readyz`)).status === 503,
      )
      // Fenced: the API (Google's envelope) and the gateway (its 503 page) refuse to decide.
      const refused = await call(c.url, aliceToken, 'GET', servicePath)
      expect(refused.status).toBe(503)
      expect(refused.body['error']).toMatchObject({ code: 503, status: 'UNAVAILABLE' })
      const details = (refused.body['error'] as { details?: { reason?: string }[] }).details
      expect(details?.[0]?.reason).toBe('STORE_FEED_LAGGING')
      const bobToken = await idToken(a, 'bob@example.com', serviceUrl)
      const gate = await invokeService(c, serviceUrl, '/', { authorization: `Bearer ${bobToken}` })
      expect(gate.status).toBe(503)
      expect(gate.headers['x-runiam-reason']).toBe('STORE_FEED_LAGGING')
      // A revocation written meanwhile does not wait for C (its lock went with its connection)…
      await edit(b.url, (p) => withoutMember(p, VIEWER, 'user:alice@example.com'))
      expect((await call(a.url, aliceToken, 'GET', servicePath)).status).toBe(403)
      // …and the load balancer sends reads to the replicas that can answer.
      for (let i = 0; i < 6; i++) {
        expect(
          await viaLb(new URL(lb).host, `${servicePath}`, {
            authorization: `Bearer ${ownerToken}`,
          }),
        ).toBe(200)
      }
    } finally {
      await sql(`ALTER ROLE ${ROLE_C} CONNECTION LIMIT -1`)
    }
    // Back by itself, having caught up on what it missed: the revocation holds at C too.
    await eventually(
      'C is ready again',
      async () => (await fetch(`${c.url}/readyz`)).status === 200,
    )
    expect((await call(c.url, aliceToken, 'GET', servicePath)).status).toBe(403)
    await edit(c.url, (p) => withMember(p, VIEWER, 'user:alice@example.com'))
    expect((await call(a.url, aliceToken, 'GET', servicePath)).status).toBe(200)
    expect(nginxErr).not.toMatch(/\[emerg\]/)
  }, 120_000)
})
