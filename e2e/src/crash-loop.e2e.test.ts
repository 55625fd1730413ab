// The crash loop, black-box: `runiam serve` (the built CLI) is killed with SIGKILL 20 times per
// engine while six clients write through the REST API (members added and removed on one shared
// policy with etags, services created and deleted, whole policies set with etags, some
// conditional), and restarted on the same store each time. Whatever the server acknowledged with a
// 2xx must be there at the end (and every acknowledged removal absent); every stored policy must
// re-validate unchanged with the same etag, hold no duplicate member, and match its etag column;
// the change feed's revisions must be dense; SQLite must pass PRAGMA integrity_check.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import Database from 'better-sqlite3'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { BIN } from './harness.js'
import { unusedPort } from './ports.js'

const PG_ADMIN_URL =
  process.env['RUNIAM_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const requirePg = process.env['RUNIAM_REQUIRE_PG'] === '1'

const KILLS = 20
const WRITERS = 6
const PROJECT = 'crash-loop'
const LOC = `projects/${PROJECT}/locations/us-central1`
const SHARED = `${LOC}/services/shared`
const ROLE = 'roles/run.invoker'

async function pgAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 })
  try {
    await client.connect()
    await client.end()
    return true
  } catch (err) {
    if (requirePg)
      throw new Error(
        `PostgreSQL is required (RUNIAM_REQUIRE_PG=1) but unreachable: ${String(err)}`,
      )
    console.warn(`\n!!! PostgreSQL unreachable at ${PG_ADMIN_URL}: skipping its crash loop\n`)
    return false
  }
}

async function pgAdmin<T>(fn: (client: pg.Client) => Promise<T>, url = PG_ADMIN_URL): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

const cleanups: (() => Promise<unknown>)[] = []
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
})

/** A port free right now: every restart keeps it, since it is part of the issuer URL. */

/** One `runiam serve` process that can be killed without warning. */
interface Serving {
  readonly child: ChildProcess
  readonly output: () => string
}

/** Spawns `runiam serve`; `ready` resolves once it listens. */
function spawnServe(args: readonly string[]): Serving & { ready: Promise<void> } {
  const child = spawn(process.execPath, [BIN, 'serve', '--dev', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()))
  const ready = new Promise<void>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`server did not start:\n${out}`)), 20_000)
    const check = () => {
      if (/serving on http/.test(out)) {
        clearTimeout(timer)
        child.stdout?.off('data', check)
        child.off('exit', exited)
        res()
      }
    }
    const exited = (code: number | null, signal: string | null) => {
      clearTimeout(timer)
      rej(new Error(`server exited (${code ?? signal}) while starting:\n${out}`))
    }
    child.stdout?.on('data', check)
    child.once('exit', exited)
  })
  ready.catch(() => undefined) // a start killed on purpose is not a failure
  return { child, output: () => out, ready }
}

async function serve(args: readonly string[]): Promise<Serving> {
  const s = spawnServe(args)
  await s.ready
  return s
}

async function kill9(s: Serving): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return
  const exited = new Promise((r) => s.child.once('exit', r))
  s.child.kill('SIGKILL')
  await exited
}

interface Binding {
  role: string
  members: string[]
  condition?: { title: string; expression: string }
}
interface Policy {
  version?: number
  etag?: string
  bindings?: Binding[]
}

/** What the clients were told: the end state must agree with every acknowledged write. */
interface Ledger {
  readonly present: Set<string>
  readonly absent: Set<string>
  readonly services: Set<string>
  readonly deletedServices: Set<string>
  /** A service's policy as last acknowledged (absent from the map: unknown, not checked). */
  readonly policies: Map<string, Binding[]>
  /** Writes whose answer was lost in a crash: they may or may not have happened. */
  unknown: number
  acknowledged: number
  /** Anything but 2xx, a 409 etag conflict or a crash: a defect. */
  readonly unexpected: string[]
}

/** The network failed: the request died with the server. `sent` false: it never reached it. */
class Lost extends Error {
  readonly sent: boolean
  constructor(sent: boolean) {
    super(sent ? 'answer lost' : 'connection refused')
    this.sent = sent
  }
}

async function loop(args: readonly string[], label: string): Promise<string> {
  const port = await unusedPort()
  const base = `http://127.0.0.1:${port}`
  const serverArgs = [...args, '--port', String(port)]
  // The very first start (migrations, organization, signing key) killed part-way, a few times:
  // whatever it left must let the next start finish the job.
  let startKills = 0
  for (let i = 0; i < 3; i++) {
    const s = spawnServe(serverArgs)
    await Promise.race([s.ready, sleep(100 + Math.random() * 500)])
    if (s.child.exitCode !== null) throw new Error(`server exited:\n${s.output()}`)
    await kill9(s)
    startKills++
  }
  let current = await serve(serverArgs)

  const tokenReply = await fetch(`${base}/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'urn:runiam:params:oauth:grant-type:dev-login',
      subject: 'admin@example.com',
    }),
  })
  const token = ((await tokenReply.json()) as { access_token: string }).access_token
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }

  const call = async (
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }> => {
    let res: Response
    try {
      res = await fetch(`${base}/${path}`, {
        method,
        headers,
        signal: AbortSignal.timeout(20_000),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      const text = await res.text()
      return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as never) }
    } catch (error) {
      if (error instanceof Error && error.name === 'TimeoutError') throw error // a hang: a defect
      const code = (error as { cause?: { code?: string } }).cause?.code
      throw new Lost(code !== 'ECONNREFUSED')
    }
  }

  const setup = async (method: string, path: string, body?: unknown) => {
    const r = await call(method, path, body)
    if (r.status !== 200)
      throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`)
  }
  await setup('POST', 'v1/projects', { projectId: PROJECT })
  await setup('POST', `v2/${LOC}/services?serviceId=shared`, {
    template: { containers: [{ image: 'x' }] },
  })

  const ledger: Ledger = {
    present: new Set(),
    absent: new Set(),
    services: new Set(['shared']),
    deletedServices: new Set(),
    policies: new Map(),
    unknown: 0,
    acknowledged: 0,
    unexpected: [],
  }
  let stopping = false

  /** Reads survive the crash: retried until the server is back. */
  const read = async (path: string) => {
    for (;;) {
      try {
        return await call('GET', path)
      } catch (error) {
        if (!(error instanceof Lost)) throw error
        await sleep(20)
      }
    }
  }

  /**
   * One write: 'ok' acknowledged, 'conflict' on an etag mismatch, 'unknown' if the answer died
   * with the server; a refused connection is retried (it never reached a server).
   */
  const write = async (
    method: string,
    path: string,
    body: unknown,
  ): Promise<'ok' | 'conflict' | 'unknown'> => {
    for (;;) {
      try {
        const r = await call(method, path, body)
        if (r.status === 200) {
          ledger.acknowledged++
          return 'ok'
        }
        if (r.status === 409) return 'conflict'
        ledger.unexpected.push(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`)
        return 'unknown'
      } catch (error) {
        if (!(error instanceof Lost)) throw error
        if (error.sent) {
          ledger.unknown++
          return 'unknown'
        }
        await sleep(20)
      }
    }
  }

  /** Read-modify-write of the shared policy with its etag, retried on conflicts. */
  const editShared = async (edit: (bindings: Binding[]) => Binding[]) => {
    for (;;) {
      const got = await read(`v2/${SHARED}:getIamPolicy`)
      if (got.status !== 200) {
        ledger.unexpected.push(`getIamPolicy: ${got.status} ${JSON.stringify(got.body)}`)
        return 'unknown'
      }
      const policy = got.body as Policy
      const bindings = edit((policy.bindings ?? []).map((b) => ({ ...b, members: [...b.members] })))
      const outcome = await write('POST', `v2/${SHARED}:setIamPolicy`, {
        policy: { ...policy, bindings },
      })
      if (outcome !== 'conflict') return outcome
    }
  }

  const writer = async (w: number) => {
    const mine: string[] = []
    const myServices: string[] = []
    for (let n = 0; !stopping; n++) {
      const dice = Math.random()
      if (dice < 0.45 || mine.length === 0) {
        const member = `user:w${w}-${n}@example.com`
        const outcome = await editShared((bindings) => {
          const binding = bindings.find((b) => b.role === ROLE && b.condition === undefined)
          if (binding === undefined) bindings.push({ role: ROLE, members: [member] })
          else binding.members.push(member)
          return bindings
        })
        if (outcome === 'ok') {
          ledger.present.add(member)
          mine.push(member)
        }
      } else if (dice < 0.6) {
        const member = mine.splice(Math.floor(Math.random() * mine.length), 1)[0] ?? ''
        ledger.present.delete(member) // from here on its state is only known if acknowledged
        const outcome = await editShared((bindings) =>
          bindings
            .map((b) => ({ ...b, members: b.members.filter((m) => m !== member) }))
            .filter((b) => b.members.length > 0),
        )
        if (outcome === 'ok') ledger.absent.add(member)
      } else if (dice < 0.75 || myServices.length === 0) {
        const id = `w${w}-s${n}`
        const outcome = await write('POST', `v2/${LOC}/services?serviceId=${id}`, {
          template: { containers: [{ image: 'x' }] },
        })
        if (outcome === 'ok') {
          ledger.services.add(id)
          myServices.push(id)
        }
      } else if (dice < 0.85) {
        const id = myServices.splice(Math.floor(Math.random() * myServices.length), 1)[0] ?? ''
        ledger.services.delete(id)
        ledger.policies.delete(id)
        const outcome = await write('DELETE', `v2/${LOC}/services/${id}`, undefined)
        if (outcome === 'ok') ledger.deletedServices.add(id)
      } else {
        // A whole policy set with the etag just read: only this writer touches its services.
        const id = myServices[Math.floor(Math.random() * myServices.length)] ?? ''
        const got = await read(`v2/${LOC}/services/${id}:getIamPolicy`)
        if (got.status !== 200) {
          ledger.unexpected.push(`getIamPolicy ${id}: ${got.status} ${JSON.stringify(got.body)}`)
          continue
        }
        const bindings: Binding[] = [
          { role: 'roles/run.viewer', members: [`user:v${w}-${n}@example.com`] },
        ]
        if (Math.random() < 0.5)
          bindings.push({
            role: ROLE,
            members: [`user:c${w}-${n}@example.com`],
            condition: { title: 'api', expression: `request.path.startsWith("/api/${n}")` },
          })
        ledger.policies.delete(id)
        const outcome = await write('POST', `v2/${LOC}/services/${id}:setIamPolicy`, {
          policy: { version: 3, bindings, etag: (got.body as Policy).etag },
        })
        if (outcome === 'ok') ledger.policies.set(id, bindings)
        else if (outcome === 'conflict')
          ledger.unexpected.push(`setIamPolicy ${id}: 409 with nobody else writing`)
      }
    }
  }

  const started = Date.now()
  const writers = Array.from({ length: WRITERS }, (_, w) => writer(w))
  let kills = 0
  const starts: number[] = []
  try {
    for (; kills < KILLS;) {
      // Mostly short bursts of writing; now and then a kill right after start (recovery itself
      // is interrupted) or after a longer burst.
      const r = Math.random()
      await sleep(r < 0.2 ? Math.random() * 30 : r < 0.9 ? 50 + Math.random() * 150 : 400)
      await kill9(current)
      kills++
      const t = Date.now()
      current = await serve(serverArgs)
      starts.push(Date.now() - t)
    }
  } finally {
    stopping = true
    await Promise.allSettled(writers)
  }
  await Promise.all(writers) // rethrows a writer's failure (e.g. a hung request)
  const loopMs = Date.now() - started

  // The verdict, from a server that has just restarted on what the crashes left.
  await kill9(current)
  current = await serve(serverArgs)
  try {
    expect(ledger.unexpected).toEqual([])
    const shared = await read(`v2/${SHARED}:getIamPolicy`)
    expect(shared.status).toBe(200)
    const members = new Set(((shared.body as Policy).bindings ?? []).flatMap((b) => b.members))
    for (const m of ledger.present) expect(members.has(m), `acknowledged ${m} lost`).toBe(true)
    for (const m of ledger.absent) expect(members.has(m), `removed ${m} came back`).toBe(false)
    for (const id of ledger.services)
      expect((await read(`v2/${LOC}/services/${id}`)).status, `service ${id}`).toBe(200)
    for (const id of ledger.deletedServices)
      expect((await read(`v2/${LOC}/services/${id}`)).status, `deleted ${id}`).toBe(404)
    for (const [id, bindings] of ledger.policies) {
      const got = await read(
        `v2/${LOC}/services/${id}:getIamPolicy?options.requestedPolicyVersion=3`,
      )
      expect(got.status).toBe(200)
      expect(sortBindings((got.body as Policy).bindings ?? []), `policy of ${id}`).toEqual(
        sortBindings(bindings),
      )
    }
    // Every policy re-validates unchanged: set again with its own etag, it comes back identical,
    // so the etag is the one its canonical content gives.
    const list = await read(`v2/${LOC}/services?pageSize=1000`)
    const names = ((list.body['services'] ?? []) as { name: string }[]).map((s) => s.name)
    const etags = new Map<string, string>()
    for (const name of [...names, `projects/${PROJECT}`]) {
      const path =
        name.startsWith('projects/') && !name.includes('/services/') ? `v1/${name}` : `v2/${name}`
      const got = path.startsWith('v1/')
        ? await call('POST', `${path}:getIamPolicy`, { options: { requestedPolicyVersion: 3 } })
        : await read(`${path}:getIamPolicy?options.requestedPolicyVersion=3`)
      expect(got.status).toBe(200)
      const policy = got.body as Policy
      if (policy.etag === 'ACAB') continue
      for (const b of policy.bindings ?? [])
        expect(new Set(b.members).size, `duplicate members in ${name}`).toBe(b.members.length)
      const again = await call('POST', `${path}:setIamPolicy`, { policy })
      expect(again.status, `${name}: ${JSON.stringify(again.body)}`).toBe(200)
      expect(again.body, `${name} re-set`).toEqual(policy)
      etags.set(name, policy.etag ?? '')
    }
    console.log(
      `crash loop (${label}): ${startKills} kills while starting, ${kills} kills in ${loopMs} ms; ${ledger.acknowledged} writes acknowledged, ${ledger.unknown} lost with the server; restarts took ${JSON.stringify(starts.sort((a, b) => a - b))} ms; ${ledger.present.size} members, ${ledger.services.size} services, ${etags.size} policies checked`,
    )
    expect(kills).toBe(KILLS)
    expect(ledger.present.size).toBeGreaterThan(0)
    return JSON.stringify([...etags])
  } finally {
    await kill9(current)
  }
}

function sortBindings(bindings: readonly Binding[]): Binding[] {
  return bindings
    .map((b) => ({ ...b, members: [...b.members].sort() }))
    .sort((a, b) => (a.role < b.role ? -1 : a.role > b.role ? 1 : 0))
}

/** Revisions 1..max with no gap, and the counter at max. */
function expectDense(revisions: readonly number[], counter: number): void {
  expect(revisions.length).toBeGreaterThan(0)
  const first = revisions[0] ?? 0
  revisions.forEach((r, i) => expect(r, `revision after ${first + i - 1}`).toBe(first + i))
  expect(revisions[revisions.length - 1]).toBe(counter)
}

/** Every stored policy row: its etag column is the etag in its body, no duplicate member. */
function expectPolicyRows(rows: readonly { resource: string; etag: string; policy: Policy }[]) {
  expect(rows.length).toBeGreaterThan(0)
  for (const row of rows) {
    if (row.policy.etag !== undefined) expect(row.policy.etag, row.resource).toBe(row.etag)
    for (const b of row.policy.bindings ?? [])
      expect(new Set(b.members).size, `duplicate members in ${row.resource}`).toBe(b.members.length)
  }
}

describe('crash loop: kill -9 under write load', () => {
  it('on SQLite: every acknowledged write survives, policies are valid, the file is sound', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runiam-crash-'))
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }))
    await loop(['--data', dir], 'sqlite')
    const db = new Database(join(dir, 'runiam.db'), { readonly: true })
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
      const revisions = db
        .prepare('SELECT revision FROM changes ORDER BY revision')
        .pluck()
        .all() as number[]
      const counter = db.prepare('SELECT value FROM revision_counter').pluck().get() as number
      expectDense(revisions, counter)
      const rows = db.prepare('SELECT resource, etag, policy FROM policies').all() as {
        resource: string
        etag: string
        policy: string
      }[]
      expectPolicyRows(rows.map((r) => ({ ...r, policy: JSON.parse(r.policy) as Policy })))
    } finally {
      db.close()
    }
  }, 120_000)

  it('on PostgreSQL: every acknowledged write survives, policies are valid, the feed is dense', async (ctx) => {
    if (!(await pgAvailable())) return ctx.skip()
    const name = `runiam_crash_${process.pid}_${Date.now()}`
    await pgAdmin((c) => c.query(`CREATE DATABASE ${name}`))
    cleanups.push(() => pgAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)))
    const url = new URL(PG_ADMIN_URL)
    url.pathname = `/${name}`
    const dir = mkdtempSync(join(tmpdir(), 'runiam-crash-pg-'))
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }))
    await loop(['--database', url.toString(), '--data', dir], 'postgres')
    await pgAdmin(async (c) => {
      const revisions = (
        await c.query<{ revision: string }>('SELECT revision FROM changes ORDER BY revision')
      ).rows.map((r) => Number(r.revision))
      const counter = Number(
        (await c.query<{ value: string }>('SELECT value FROM revision_counter')).rows[0]?.value,
      )
      expectDense(revisions, counter)
      const rows = (
        await c.query<{ resource: string; etag: string; policy: Policy }>(
          'SELECT resource, etag, policy FROM policies',
        )
      ).rows
      expectPolicyRows(rows)
    }, url.toString())
  }, 120_000)
})
