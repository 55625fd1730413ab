// `runiam serve --workers 2`, black-box, on SQLite and on PostgreSQL: the two workers share one
// port (node:cluster) and each keeps its own decision index. Over 100 flips of roles/run.invoker
// through the REST API, every request sent after a write's response — over a fresh connection, so
// the cluster hands it to either worker — is decided under the new policy, at the gateway and in
// the admin API; the access log's pid proves both workers answered. A worker killed with SIGKILL
// is restarted and the server keeps serving; SIGTERM stops every process, exit status 0.
import { rmSync } from 'node:fs'
import { createServer, request } from 'node:http'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { ROOT, startServer, type ServerProcess } from './harness.js'

const PG_ADMIN_URL =
  process.env['RUNIAM_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const requirePg = process.env['RUNIAM_REQUIRE_PG'] === '1'

async function pgAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 })
  try {
    await client.connect()
    await client.end()
    return true
  } catch (err) {
    if (requirePg) throw new Error(`PostgreSQL is required but unreachable: ${String(err)}`)
    console.warn(`\n!!! PostgreSQL unreachable at ${PG_ADMIN_URL}: skipping its workers test\n`)
    return false
  }
}

async function pgAdmin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

const dbs: string[] = []
afterAll(async () => {
  for (const db of dbs) await pgAdmin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`)
})

interface Answer {
  readonly status: number
  readonly body: string
  readonly requestId: string
}

/** One request over a connection of its own (no keep-alive agent): the cluster picks a worker. */
function send(
  server: ServerProcess,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<Answer> {
  const at = new URL(server.url)
  const text = body === undefined ? undefined : JSON.stringify(body)
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: at.hostname,
        port: at.port,
        method,
        path,
        agent: false,
        headers: {
          connection: 'close',
          ...(text === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }),
          ...headers,
        },
      },
      (res) => {
        let data = ''
        res.on('data', (d: Buffer) => (data += d.toString()))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: data,
            requestId: String(res.headers['x-request-id'] ?? ''),
          }),
        )
      },
    )
    req.on('error', reject)
    // A hang fails the test with a reason instead of its timeout.
    req.setTimeout(10_000, () => req.destroy(new Error(`${method} ${path}: no answer in 10 s`)))
    req.end(text)
  })
}

async function devTokens(server: ServerProcess, email: string, audience: string) {
  const res = await fetch(`${server.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'urn:runiam:params:oauth:grant-type:dev-login',
      subject: email,
      audience,
    }),
  })
  expect(res.status).toBe(200)
  return (await res.json()) as { access_token: string; id_token: string }
}

/** JSON log lines on the server's stderr (each names the pid of the process that wrote it). */
function logLines(server: ServerProcess): Record<string, unknown>[] {
  return server
    .logs()
    .split('\n')
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>]
      } catch {
        return []
      }
    })
}

/** The pid that logged each request id (the log is written a tick after the response). */
async function answeredBy(
  server: ServerProcess,
  ids: readonly string[],
): Promise<Map<string, number>> {
  for (let i = 0; ; i++) {
    const byId = new Map<string, number>()
    for (const line of logLines(server)) {
      if (line['event'] === 'request' && typeof line['requestId'] === 'string')
        byId.set(line['requestId'], line['pid'] as number)
    }
    if (ids.every((id) => byId.has(id)) || i >= 50) return byId
    await sleep(100)
  }
}

/** The first log line `match` accepts, waiting for it (lines are written a tick late). */
async function logLine(
  server: ServerProcess,
  match: (line: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown> | undefined> {
  for (let i = 0; i < 100; i++) {
    const line = logLines(server).find(match)
    if (line !== undefined) return line
    await sleep(100)
  }
  return undefined
}

/** The worker pids the primary logged at start. */
async function workerPids(server: ServerProcess): Promise<number[]> {
  const config = await logLine(server, (l) => l['event'] === 'config')
  return (config?.['workers'] as number[] | undefined) ?? []
}

const SERVICE = '/v2/projects/demo-project/locations/us-central1/services/hello'
const ALICE = 'user:alice@example.com'
const FLIPS = 100

async function flipsOnBothWorkers(extra: readonly string[]): Promise<void> {
  const server = await startServer(['--workers', '2', '--demo', ...extra])
  try {
    const workers = await workerPids(server)
    expect(workers).toHaveLength(2)
    const admin = await devTokens(server, 'admin@example.com', server.url)
    const asAdmin = { authorization: `Bearer ${admin.access_token}` }
    const svc = await send(server, 'GET', SERVICE, asAdmin)
    expect(svc.status, svc.body).toBe(200)
    const uri = (JSON.parse(svc.body) as { uri: string }).uri
    const alice = await devTokens(server, 'alice@example.com', uri)
    const host = new URL(uri).host

    const ids: string[] = []
    const stale: string[] = []
    /** Index in `ids` where each flip's checks begin. */
    const flipStarts: number[] = []
    for (let flip = 0; flip < FLIPS; flip++) {
      flipStarts.push(ids.length)
      const granted = flip % 2 === 0
      const policy = granted ? { bindings: [{ role: 'roles/run.invoker', members: [ALICE] }] } : {}
      const write = await send(server, 'POST', `${SERVICE}:setIamPolicy`, asAdmin, { policy })
      expect(write.status, write.body).toBe(200)
      // Right after the answer: the gateway, and two admin reads, each over a new connection.
      for (let i = 0; i < 4; i++) {
        const r = await send(server, 'GET', '/', {
          host,
          authorization: `Bearer ${alice.id_token}`,
        })
        ids.push(r.requestId)
        if (r.status !== (granted ? 200 : 403)) stale.push(`flip ${flip}: gateway ${r.status}`)
      }
      const read = await send(server, 'GET', `${SERVICE}:getIamPolicy`, asAdmin)
      ids.push(read.requestId)
      if (read.body.includes(ALICE) !== granted)
        stale.push(`flip ${flip}: getIamPolicy ${read.body}`)
      const test = await send(
        server,
        'POST',
        `${SERVICE}:testIamPermissions`,
        { authorization: `Bearer ${alice.access_token}` },
        { permissions: ['run.routes.invoke'] },
      )
      ids.push(test.requestId)
      if (test.body.includes('run.routes.invoke') !== granted)
        stale.push(`flip ${flip}: testIamPermissions ${test.status} ${test.body}`)
    }
    expect(stale).toEqual([])

    // Every answer came from one of the two workers, and each answered a good share of them.
    const by = await answeredBy(server, ids)
    const counts = new Map<number, number>()
    for (const id of ids) {
      const pid = by.get(id)
      expect(pid, `request ${id} in the access log`).toBeDefined()
      counts.set(pid as number, (counts.get(pid as number) ?? 0) + 1)
    }
    expect([...counts.keys()].sort()).toEqual([...workers].sort())
    for (const n of counts.values()) expect(n).toBeGreaterThan(ids.length / 5)
    // And most flips were checked on both workers right after the write's answer.
    const both = flipStarts.filter((start, f) => {
      const slice = ids.slice(start, flipStarts[f + 1] ?? ids.length)
      return new Set(slice.map((id) => by.get(id))).size === 2
    }).length
    expect(both).toBeGreaterThan(FLIPS / 2)
  } finally {
    await server.stop()
  }
}

/** Read-only look at a stopped server's SQLite file, with the store package's own driver. */
function readSqlite<T>(file: string, sql: string): T[] {
  const require = createRequire(join(ROOT, 'packages/store/package.json'))
  const Database = require('better-sqlite3') as new (
    path: string,
    options: { readonly: boolean },
  ) => { prepare(sql: string): { all(): T[] }; close(): void }
  const db = new Database(file, { readonly: true })
  try {
    return db.prepare(sql).all()
  } finally {
    db.close()
  }
}

describe('runiam serve --workers 2', () => {
  it('SQLite: concurrent read-modify-write through both workers loses nothing; revisions dense', async () => {
    const server = await startServer(['--workers', '2', '--demo'], { keepData: true })
    const writers = 24
    try {
      const admin = await devTokens(server, 'admin@example.com', server.url)
      const asAdmin = { authorization: `Bearer ${admin.access_token}` }
      // Each writer adds its own member with the etag it read, retrying when another won the race
      // (409 ABORTED), as Google's clients do: the two workers' writers contend for the file lock.
      const done = await Promise.all(
        Array.from({ length: writers }, async (_, i) => {
          for (let attempt = 0; attempt < 200; attempt++) {
            const read = await send(server, 'GET', `${SERVICE}:getIamPolicy`, asAdmin)
            const policy = JSON.parse(read.body) as {
              etag: string
              bindings?: { role: string; members: string[] }[]
            }
            const bindings = policy.bindings ?? []
            const invoker = bindings.find((b) => b.role === 'roles/run.invoker')
            const member = `user:w${i}@example.com`
            if (invoker === undefined)
              bindings.push({ role: 'roles/run.invoker', members: [member] })
            else invoker.members.push(member)
            const w = await send(server, 'POST', `${SERVICE}:setIamPolicy`, asAdmin, {
              policy: { bindings, etag: policy.etag },
            })
            if (w.status === 200) return w.requestId
            expect(w.status, w.body).toBe(409)
          }
          throw new Error(`writer ${i} never won`)
        }),
      )
      const final = await send(server, 'GET', `${SERVICE}:getIamPolicy`, asAdmin)
      for (let i = 0; i < writers; i++) expect(final.body).toContain(`user:w${i}@example.com`)
      const by = await answeredBy(server, done)
      expect(new Set(done.map((id) => by.get(id))).size).toBe(2)
    } finally {
      expect(await server.stop()).toBe(0)
    }
    const file = join(server.dataDir, 'runiam.db')
    const revisions = readSqlite<{ revision: number }>(
      file,
      'SELECT revision FROM changes ORDER BY revision',
    ).map((r) => r.revision)
    const [counter] = readSqlite<{ value: number }>(file, 'SELECT value FROM revision_counter')
    expect(revisions).toEqual(Array.from({ length: revisions.length }, (_, i) => i + 1))
    expect(counter?.value).toBe(revisions.length)
    expect(revisions.length).toBeGreaterThan(writers)
    rmSync(server.dataDir, { recursive: true, force: true })
  }, 120_000)

  it('SQLite: 100 flips, none decided under the old policy on either worker', async () => {
    await flipsOnBothWorkers([])
  }, 120_000)

  it('PostgreSQL: 100 flips, none decided under the old policy on either worker', async () => {
    if (!(await pgAvailable())) return
    const db = `runiam_workers_${process.pid}`
    dbs.push(db)
    await pgAdmin(`CREATE DATABASE ${db}`)
    await flipsOnBothWorkers(['--database', PG_ADMIN_URL.replace(/\/[^/]*$/, `/${db}`)])
  }, 120_000)

  it('restarts a killed worker, keeps serving, and stops every process on SIGTERM', async () => {
    const server = await startServer(['--workers', '2', '--demo'])
    let workers: number[] = []
    try {
      workers = await workerPids(server)
      const [victim, survivor] = workers as [number, number]
      process.kill(victim, 'SIGKILL')
      // Once the primary saw it go (a connection handed to a worker as it dies is lost with it, as
      // with any process that crashes), the survivor answers every request.
      expect(
        await logLine(server, (l) => l['event'] === 'worker_exited' && l['workerPid'] === victim),
      ).toMatchObject({ signal: 'SIGKILL' })
      for (let i = 0; i < 10; i++)
        expect((await send(server, 'GET', '/healthz', {})).status).toBe(200)
      const restarted = (await logLine(server, (l) => l['event'] === 'worker_restarted'))?.[
        'workerPid'
      ] as number | undefined
      expect(restarted).toBeDefined()
      workers = [survivor, restarted as number]
      // The new worker serves, and follows writes made through either worker.
      const admin = await devTokens(server, 'admin@example.com', server.url)
      const asAdmin = { authorization: `Bearer ${admin.access_token}` }
      const uri = (
        JSON.parse((await send(server, 'GET', SERVICE, asAdmin)).body) as { uri: string }
      ).uri
      const alice = await devTokens(server, 'alice@example.com', uri)
      const ids: string[] = []
      for (const granted of [true, false, true]) {
        const policy = granted
          ? { bindings: [{ role: 'roles/run.invoker', members: [ALICE] }] }
          : {}
        const w = await send(server, 'POST', `${SERVICE}:setIamPolicy`, asAdmin, { policy })
        expect(w.status, w.body).toBe(200)
        for (let i = 0; i < 4; i++) {
          const r = await send(server, 'GET', '/', {
            host: new URL(uri).host,
            authorization: `Bearer ${alice.id_token}`,
          })
          expect(r.status).toBe(granted ? 200 : 403)
          ids.push(r.requestId)
        }
      }
      const by = await answeredBy(server, ids)
      expect(new Set(ids.map((id) => by.get(id)))).toEqual(new Set(workers))
    } finally {
      const code = await server.stop()
      expect(code).toBe(0)
    }
    // No worker outlives the primary.
    for (const pid of workers) expect(() => process.kill(pid, 0)).toThrow(/ESRCH/)
  }, 120_000)

  it('a worker that cannot start fails serve (exit status 1) with its reason', async () => {
    const taken = createServer()
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
    const port = (taken.address() as { port: number }).port
    try {
      await expect(startServer(['--workers', '2', '--port', String(port)])).rejects.toThrow(
        new RegExp(`exited with 1[\\s\\S]*UNAVAILABLE: Cannot listen on 127.0.0.1:${port}`),
      )
    } finally {
      taken.close()
    }
  }, 60_000)
})
