// Cloud Run's long-running operations through the admin API on a real socket and SQLite: every
// write of services and worker pools is readable back through get, list (paged, filtered, every
// location with `-`), wait and delete, on v1 and v2 alike; each method checks run.operations.*
// on the location first, so a stranger learns nothing about which operations exist (AIP-211).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '@runiam/store'
import { openSqliteStore } from '@runiam/store/sqlite'
import { timeOrderedUuid } from '../services/run/run-resource-writes.js'
import { errorOf, OWNER, startHarness, type Harness } from './test-harness.js'

const P = 'ops-proj'
const LOC = `projects/${P}/locations/us-central1`
const EU = `projects/${P}/locations/europe-west1`
const VIEWER = 'user:viewer@example.com'
const STRANGER = 'user:stranger@example.com'
const POOL_TYPE = 'type.googleapis.com/google.cloud.run.v2.WorkerPool'
const SERVICE_TYPE = 'type.googleapis.com/google.cloud.run.v2.Service'

let dir: string
let store: Store
let h: Harness
let projectNumber: string
/** Operation names of the writes made in beforeAll, in order. */
const made: { name: string; what: string }[] = []

interface Op {
  name: string
  done?: boolean
  metadata?: Record<string, unknown>
  response?: Record<string, unknown>
}

async function write(method: string, path: string, what: string, body?: unknown): Promise<Op> {
  const r = await h.call(method, path, { as: OWNER, ...(body === undefined ? {} : { body }) })
  expect(r.status, `${what}: ${JSON.stringify(r.json)}`).toBe(200)
  const op = r.json as unknown as Op
  made.push({ name: op.name, what })
  return op
}

const pool = { template: { containers: [{ image: 'worker' }] } }

async function listAll(path: string, query = ''): Promise<Op[]> {
  const out: Op[] = []
  let pageToken: string | undefined
  do {
    const sep = query === '' ? '?' : `?${query}&`
    const page = await h.call(
      'GET',
      `${path}${sep}pageSize=2${pageToken === undefined ? '' : `&pageToken=${pageToken}`}`,
      { as: OWNER },
    )
    expect(page.status, JSON.stringify(page.json)).toBe(200)
    const ops = (page.json['operations'] ?? []) as Op[]
    expect(ops.length).toBeLessThanOrEqual(2)
    out.push(...ops)
    pageToken = page.json['nextPageToken'] as string | undefined
  } while (pageToken !== undefined)
  return out
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'runiam-ops-admin-'))
  store = await openSqliteStore({ path: join(dir, 'db.sqlite') })
  h = await startHarness(store)
  const created = await h.call('POST', '/v1/projects', { as: OWNER, body: { projectId: P } })
  expect(created.status).toBe(200)
  projectNumber = String((created.json['response'] as Record<string, unknown>)['projectNumber'])
  await write('POST', `/v2/${LOC}/workerPools?workerPoolId=w1`, 'create w1', pool)
  await write('PATCH', `/v2/${LOC}/workerPools/w1?updateMask=labels`, 'patch w1', {
    labels: { a: 'b' },
  })
  await write('POST', `/v2/${LOC}/services?serviceId=s1`, 'create s1', {})
  await write('DELETE', `/v2/${LOC}/workerPools/w1`, 'delete w1')
  await write('POST', `/v2/${EU}/workerPools?workerPoolId=w2`, 'create w2', pool)
  const viewer = await h.call('POST', `/v1/projects/${P}:setIamPolicy`, {
    as: OWNER,
    body: {
      policy: {
        bindings: [
          { role: 'roles/owner', members: [OWNER] },
          { role: 'roles/run.viewer', members: [VIEWER] },
        ],
      },
    },
  })
  expect(viewer.status, JSON.stringify(viewer.json)).toBe(200)
})

afterAll(async () => {
  await h.close()
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('operations of Cloud Run writes', () => {
  it('every write is readable back through get on v2 and v1, by project id or number', async () => {
    for (const { name, what } of made) {
      for (const v of ['v2', 'v1']) {
        const r = await h.call('GET', `/${v}/${name}`, { as: OWNER })
        expect(r.status, `${what} ${v}`).toBe(200)
        expect(r.json['name']).toBe(name)
        expect(r.json['done']).toBe(true)
      }
    }
    const [first] = made
    const byNumber = await h.call(
      'GET',
      `/v2/${first?.name.replace(`projects/${P}/`, `projects/${projectNumber}/`)}`,
      { as: OWNER },
    )
    expect(byNumber.status).toBe(200)
    expect(String(byNumber.json['name'])).toMatch(new RegExp(`^projects/${projectNumber}/`))
    expect((byNumber.json['response'] as Record<string, unknown>)['name']).toBe(
      `projects/${projectNumber}/locations/us-central1/workerPools/w1`,
    )
    const missing = await h.call('GET', `/v2/${LOC}/operations/nope`, { as: OWNER })
    expect(missing.status).toBe(404)
    expect(errorOf(missing).message).toBe(`Operation '${LOC}/operations/nope' not found.`)
  })

  it('lists a location’s operations, paged, on v2 and v1; `-` lists every location', async () => {
    const here = made.filter((m) => m.name.startsWith(LOC)).map((m) => m.name)
    // In the order they were made (the harness's clock is frozen: ids still sort by creation).
    for (const v of ['v2', 'v1']) {
      const ops = await listAll(`/${v}/${LOC}/operations`)
      expect(ops.map((o) => o.name)).toEqual(here)
    }
    const all = await listAll(`/v2/projects/${P}/locations/-/operations`)
    expect(all.map((o) => o.name).sort()).toEqual(made.map((m) => m.name).sort())
    const none = await h.call('GET', `/v2/projects/${P}/locations/asia-east1/operations`, {
      as: OWNER,
    })
    expect(none.json).toEqual({})
  })

  it('filters on done, name and metadata fields; refuses what it cannot evaluate', async () => {
    const q = (f: string) => `filter=${encodeURIComponent(f)}`
    const pools = await listAll(`/v2/${LOC}/operations`, q(`metadata.@type = "${POOL_TYPE}"`))
    expect(pools.length).toBe(3)
    expect(pools.every((o) => o.metadata?.['@type'] === POOL_TYPE)).toBe(true)
    const services = await listAll(
      `/v1/${LOC}/operations`,
      q(`metadata.@type="${SERVICE_TYPE}" AND done = true`),
    )
    expect(services.map((o) => o.response?.['name'])).toEqual([`${LOC}/services/s1`])
    const w1 = await listAll(`/v2/${LOC}/operations`, q(`metadata.name:"workerPools/w1"`))
    expect(w1.length).toBe(3)
    const notDone = await listAll(`/v2/${LOC}/operations`, q('done=false'))
    expect(notDone).toEqual([])
    for (const bad of [
      'done = true OR done = false',
      'NOT done',
      'foo = 1',
      'done > 1',
      'name = a*',
    ]) {
      const r = await h.call('GET', `/v2/${LOC}/operations?${q(bad)}`, { as: OWNER })
      expect(r.status, bad).toBe(400)
      expect(errorOf(r).status).toBe('INVALID_ARGUMENT')
      expect(errorOf(r).message).toMatch(/filter/)
    }
  })

  it('wait answers a done operation at once, and a running one when it finishes or times out', async () => {
    const [first] = made
    const done = await h.call('POST', `/v2/${first?.name}:wait`, {
      as: OWNER,
      body: { timeout: '30s' },
    })
    expect(done.status).toBe(200)
    expect(done.json['done']).toBe(true)

    // An operation still running (as a job execution's will be), finished while someone waits.
    const running = `${LOC}/operations/running-1`
    const put = (d: boolean) =>
      store.transact((tx) =>
        tx.putOperation({
          name: running,
          body: { name: running, ...(d ? { done: true, response: { '@type': POOL_TYPE } } : {}) },
          createTime: '2026-01-01T00:00:00.000Z',
        }),
      )
    await put(false)
    const timedOut = await h.call('POST', `/v1/${running}:wait`, {
      as: OWNER,
      body: { timeout: '0.05s' },
    })
    expect(timedOut.status).toBe(200)
    expect(timedOut.json).toEqual({ name: running })
    const waiting = h.call('POST', `/v2/${running}:wait`, { as: OWNER, body: {} })
    await new Promise((r) => setTimeout(r, 50))
    await put(true)
    const finished = await waiting
    expect(finished.status).toBe(200)
    expect(finished.json).toMatchObject({ name: running, done: true })

    const bad = await h.call('POST', `/v2/${running}:wait`, {
      as: OWNER,
      body: { timeout: 'soon' },
    })
    expect(bad.status).toBe(400)
    expect(errorOf(bad).message).toContain("'timeout'")
    const missing = await h.call('POST', `/v2/${LOC}/operations/nope:wait`, {
      as: OWNER,
      body: {},
    })
    expect(missing.status).toBe(404)
  })

  it('delete forgets an operation: {} then 404; deleting it again is 404', async () => {
    const last = made.find((m) => m.what === 'create s1')
    const r = await h.call('DELETE', `/v1/${last?.name}`, { as: OWNER })
    expect(r.status).toBe(200)
    expect(r.json).toEqual({})
    expect((await h.call('GET', `/v2/${last?.name}`, { as: OWNER })).status).toBe(404)
    expect((await h.call('DELETE', `/v2/${last?.name}`, { as: OWNER })).status).toBe(404)
    // The service it created is still there.
    expect((await h.call('GET', `/v2/${LOC}/services/s1`, { as: OWNER })).status).toBe(200)
  })

  it('a viewer may get, list and wait but not delete', async () => {
    const [first] = made
    expect((await h.call('GET', `/v2/${first?.name}`, { as: VIEWER })).status).toBe(200)
    expect((await h.call('GET', `/v1/${LOC}/operations`, { as: VIEWER })).status).toBe(200)
    const wait = await h.call('POST', `/v2/${first?.name}:wait`, { as: VIEWER, body: {} })
    expect(wait.status).toBe(200)
    const del = await h.call('DELETE', `/v2/${first?.name}`, { as: VIEWER })
    expect(del.status).toBe(403)
    expect(errorOf(del).message).toBe(
      `Permission 'run.operations.delete' denied on resource '${LOC}' (or it may not exist).`,
    )
  })

  it('a stranger gets the same 403 for an operation that exists and one that does not (AIP-211)', async () => {
    const [first] = made
    const existing = first?.name ?? ''
    const missing = `${LOC}/operations/00000000-0000-7000-8000-000000000000`
    const cases: [string, (n: string) => string, string, unknown?][] = [
      ['GET', (n) => `/v2/${n}`, 'run.operations.get'],
      ['GET', (n) => `/v1/${n}`, 'run.operations.get'],
      ['POST', (n) => `/v2/${n}:wait`, 'run.operations.get', {}],
      ['POST', (n) => `/v1/${n}:wait`, 'run.operations.get', {}],
      ['DELETE', (n) => `/v2/${n}`, 'run.operations.delete'],
      ['DELETE', (n) => `/v1/${n}`, 'run.operations.delete'],
    ]
    for (const [method, path, permission, body] of cases) {
      const answers = []
      for (const name of [existing, missing]) {
        const r = await h.call(method, path(name), {
          as: STRANGER,
          ...(body === undefined ? {} : { body }),
        })
        expect(r.status, `${method} ${path(name)}`).toBe(403)
        answers.push(errorOf(r).message)
      }
      expect(answers[0]).toBe(
        `Permission '${permission}' denied on resource '${LOC}' (or it may not exist).`,
      )
      expect(answers[1]).toBe(answers[0])
    }
    for (const parent of [LOC, 'projects/no-such-project/locations/us-central1']) {
      const r = await h.call('GET', `/v2/${parent}/operations`, { as: STRANGER })
      expect(r.status).toBe(403)
      expect(errorOf(r).message).toContain("'run.operations.list'")
    }
    // And the operation itself is still there.
    expect((await h.call('GET', `/v2/${existing}`, { as: OWNER })).status).toBe(200)
  })

  it('operation ids sort in the order they were made, within one millisecond too', () => {
    const times = [1_000, 2_000, 2_000, 2_000, 2_001, 1_700_000_000_000, 1_800_000_000_000]
    const ids = [...times, ...Array<number>(5000).fill(1_800_000_000_000)].map(timeOrderedUuid)
    expect([...ids].sort()).toEqual(ids)
    // An earlier clock reading than the last one (a frozen or stepped-back clock) still sorts after.
    const back = timeOrderedUuid(1_000)
    expect(back > (ids.at(-1) ?? '')).toBe(true)
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    }
  })
})
