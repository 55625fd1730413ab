// Cloud Run v2 worker pools through the admin API on a real socket and SQLite: create / get /
// list / patch / delete as done Operations that operations.get reads back (v1 and v2), Google's
// field rules, etags, IAM on v2 `workerPools` and v1 `workerpools` paths with run.workerpools.*
// permissions, inheritance from the project and the organization, and denials that say the same
// for a pool that exists and one that does not (AIP-211).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '@runiam/store'
import { openSqliteStore } from '@runiam/store/sqlite'
import { errorOf, OWNER, startHarness, type CallResult, type Harness } from './test-harness.js'

const P = 'pools-proj'
const LOC = `projects/${P}/locations/us-central1`
const POOLS = `/v2/${LOC}/workerPools`
const BOB = 'user:bob@example.com'
const CAROL = 'user:carol@example.com'
const STRANGER = 'user:stranger@example.com'
const TYPE = 'type.googleapis.com/google.cloud.run.v2.WorkerPool'
const IMAGE = 'us-docker.pkg.dev/cloudrun/container/worker-pool'

let dir: string
let store: Store
let h: Harness
let projectNumber: string

const body = (extra: Record<string, unknown> = {}) => ({
  template: { containers: [{ image: IMAGE }] },
  ...extra,
})

async function create(id: string, extra: Record<string, unknown> = {}): Promise<CallResult> {
  return h.call('POST', `${POOLS}?workerPoolId=${id}`, { as: OWNER, body: body(extra) })
}

async function grant(path: string, role: string, member: string): Promise<void> {
  // Cloud Run's getIamPolicy is a GET; Resource Manager's a POST.
  const run = path.includes('/locations/')
  const current = await h.call(run ? 'GET' : 'POST', `${path}:getIamPolicy`, {
    as: OWNER,
    ...(run ? {} : { body: {} }),
  })
  expect(current.status, JSON.stringify(current.json)).toBe(200)
  const bindings = [...((current.json['bindings'] ?? []) as unknown[]), { role, members: [member] }]
  const set = await h.call('POST', `${path}:setIamPolicy`, {
    as: OWNER,
    body: { policy: { bindings, etag: current.json['etag'] } },
  })
  expect(set.status, JSON.stringify(set.json)).toBe(200)
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'runiam-pools-admin-'))
  store = await openSqliteStore({ path: join(dir, 'db.sqlite') })
  h = await startHarness(store)
  const created = await h.call('POST', '/v1/projects', { as: OWNER, body: { projectId: P } })
  expect(created.status).toBe(200)
  projectNumber = String((created.json['response'] as Record<string, unknown>)['projectNumber'])
})

afterAll(async () => {
  await h.close()
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('worker pools: create, get, list, patch, delete', () => {
  it("creates a pool with Google's fields; the done Operation reads back on v2 and v1", async () => {
    const r = await h.call('POST', `${POOLS}?workerPoolId=alpha&$alt=json%3Benum-encoding=int`, {
      as: OWNER,
      body: body({
        labels: { team: 'a' },
        launchStage: 3,
        instanceSplits: [{ type: 1, percent: 100 }],
        scaling: { manualInstanceCount: 2 },
      }),
    })
    expect(r.status, JSON.stringify(r.json)).toBe(200)
    const op = r.json as {
      name: string
      done: boolean
      metadata: Record<string, unknown>
      response: Record<string, unknown>
    }
    expect(op.name).toMatch(new RegExp(`^${LOC}/operations/[0-9a-f-]{36}$`))
    expect(op.done).toBe(true)
    expect(op.metadata['@type']).toBe(TYPE)
    const pool = op.response
    expect(pool).toMatchObject({
      '@type': TYPE,
      name: `${LOC}/workerPools/alpha`,
      generation: '1',
      observedGeneration: '1',
      labels: { team: 'a' },
      launchStage: 'BETA',
      creator: 'owner@example.com',
      lastModifier: 'owner@example.com',
      template: { containers: [{ image: IMAGE }] },
      instanceSplits: [{ type: 'INSTANCE_SPLIT_ALLOCATION_TYPE_LATEST', percent: 100 }],
      instanceSplitStatuses: [{ type: 'INSTANCE_SPLIT_ALLOCATION_TYPE_LATEST', percent: 100 }],
      scaling: { manualInstanceCount: 2 },
      terminalCondition: { type: 'Ready', state: 'CONDITION_SUCCEEDED' },
    })
    expect(pool['latestCreatedRevision']).toMatch(
      new RegExp(`^${LOC}/workerPools/alpha/revisions/alpha-00001-[a-z0-9]{3}$`),
    )
    expect(pool['uid']).toMatch(/^[0-9a-f-]{36}$/)
    // No URL and no invoker switch: a worker pool receives no requests.
    expect(pool['uri']).toBeUndefined()
    expect(pool['invokerIamDisabled']).toBeUndefined()
    for (const v of ['v2', 'v1']) {
      const back = await h.call('GET', `/${v}/${op.name}`, { as: OWNER })
      expect(back.status).toBe(200)
      expect(back.json).toEqual(r.json)
    }
    const got = await h.call('GET', `${POOLS}/alpha`, { as: OWNER })
    const { '@type': _t, ...stored } = pool
    expect(got.json).toEqual(stored)
  })

  it('refuses a taken id, a bad id, a missing template, unknown fields and reserved keys', async () => {
    const taken = await create('alpha')
    expect(taken.status).toBe(409)
    expect(errorOf(taken)).toMatchObject({ status: 'ALREADY_EXISTS' })
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['Bad_Id', body(), /workerPoolId/],
      ['nt1', {}, /worker_pool\.template: Required field is not set\./],
      ['nt2', { template: { containers: [] } }, /at least one container/],
      ['nt3', { template: { containers: [{}] } }, /containers\[0\]\.image: Required field/],
      ['uf', body({ ingress: 1 }), /Unknown name "ingress" at 'worker_pool'/],
      ['rk', body({ labels: { 'run.googleapis.com/x': 'y' } }), /reserved/],
      ['sc', body({ scaling: { manualInstanceCount: -1 } }), /manual_instance_count/],
      ['is', body({ instanceSplits: [{ type: 7 }] }), /instance_splits\[0\]\.type/],
      ['ds', body({ description: 'x'.repeat(513) }), /512/],
    ]
    for (const [id, b, message] of cases) {
      const r = await h.call('POST', `${POOLS}?workerPoolId=${id}`, { as: OWNER, body: b })
      expect(r.status, `${id}: ${JSON.stringify(r.json)}`).toBe(400)
      expect(errorOf(r).status).toBe('INVALID_ARGUMENT')
      expect(errorOf(r).message).toMatch(message)
    }
    const none = await h.call('GET', `${POOLS}/nt1`, { as: OWNER })
    expect(none.status).toBe(404)
  })

  it('validateOnly answers the Operation and stores nothing', async () => {
    const r = await h.call('POST', `${POOLS}?workerPoolId=dry&validateOnly=true`, {
      as: OWNER,
      body: body(),
    })
    expect(r.status).toBe(200)
    expect((r.json['response'] as Record<string, unknown>)['name']).toBe(`${LOC}/workerPools/dry`)
    expect((await h.call('GET', `${POOLS}/dry`, { as: OWNER })).status).toBe(404)
    expect((await h.call('GET', `/v2/${String(r.json['name'])}`, { as: OWNER })).status).toBe(404)
  })

  it('lists with paging, across locations with -, and names the project as the path did', async () => {
    expect((await create('beta')).status).toBe(200)
    const eu = await h.call(
      'POST',
      `/v2/projects/${P}/locations/europe-west1/workerPools?workerPoolId=gamma`,
      { as: OWNER, body: body() },
    )
    expect(eu.status).toBe(200)
    const names: string[] = []
    let pageToken: string | undefined
    do {
      const page = await h.call(
        'GET',
        `${POOLS}?pageSize=1${pageToken === undefined ? '' : `&pageToken=${pageToken}`}`,
        { as: OWNER },
      )
      expect(page.status).toBe(200)
      const pools = (page.json['workerPools'] ?? []) as { name: string }[]
      expect(pools.length).toBeLessThanOrEqual(1)
      names.push(...pools.map((p) => p.name))
      pageToken = page.json['nextPageToken'] as string | undefined
    } while (pageToken !== undefined)
    expect(names).toEqual([`${LOC}/workerPools/alpha`, `${LOC}/workerPools/beta`])
    const all = await h.call('GET', `/v2/projects/${P}/locations/-/workerPools`, { as: OWNER })
    expect(((all.json['workerPools'] ?? []) as { name: string }[]).map((p) => p.name)).toEqual([
      `projects/${P}/locations/europe-west1/workerPools/gamma`,
      `${LOC}/workerPools/alpha`,
      `${LOC}/workerPools/beta`,
    ])
    const byNumber = await h.call(
      'GET',
      `/v2/projects/${projectNumber}/locations/us-central1/workerPools/alpha`,
      { as: OWNER },
    )
    expect(byNumber.status).toBe(200)
    expect(byNumber.json['name']).toBe(
      `projects/${projectNumber}/locations/us-central1/workerPools/alpha`,
    )
    const empty = await h.call('GET', `/v2/projects/${P}/locations/asia-east1/workerPools`, {
      as: OWNER,
    })
    expect(empty.json).toEqual({})
  })

  it('patches with and without an update mask; a stale etag is 409; allowMissing creates', async () => {
    const before = await h.call('GET', `${POOLS}/beta`, { as: OWNER })
    const masked = await h.call('PATCH', `${POOLS}/beta?updateMask=labels`, {
      as: OWNER,
      body: { labels: { tier: 'gold' }, description: 'ignored by the mask' },
    })
    expect(masked.status, JSON.stringify(masked.json)).toBe(200)
    const after = masked.json['response'] as Record<string, unknown>
    expect(after).toMatchObject({ labels: { tier: 'gold' }, generation: '2' })
    expect(after['description']).toBeUndefined()
    expect(after['uid']).toBe(before.json['uid'])
    expect(after['createTime']).toBe(before.json['createTime'])
    expect(after['etag']).not.toBe(before.json['etag'])
    expect(after['latestCreatedRevision']).toMatch(/\/revisions\/beta-00002-/)

    const stale = await h.call('PATCH', `${POOLS}/beta`, {
      as: OWNER,
      body: body({ etag: before.json['etag'] }),
    })
    expect(stale.status).toBe(409)
    expect(errorOf(stale).status).toBe('ABORTED')

    // Without a mask every writable field is replaced (labels cleared).
    const whole = await h.call('PATCH', `${POOLS}/beta`, {
      as: OWNER,
      body: { ...body({ description: 'whole' }), etag: after['etag'], name: 'ignored', uid: 'x' },
    })
    expect(whole.status, JSON.stringify(whole.json)).toBe(200)
    expect(whole.json['response']).toMatchObject({ description: 'whole', labels: {} })

    const missing = await h.call('PATCH', `${POOLS}/nope`, { as: OWNER, body: body() })
    expect(missing.status).toBe(404)
    expect(errorOf(missing).message).toBe(
      `Resource 'nope' of kind 'WORKER_POOL' in region 'us-central1' in project '${P}' does not exist.`,
    )
    const upsert = await h.call('PATCH', `${POOLS}/delta?allowMissing=true`, {
      as: OWNER,
      body: body(),
    })
    expect(upsert.status).toBe(200)
    expect((await h.call('GET', `${POOLS}/delta`, { as: OWNER })).status).toBe(200)
    const badMask = await h.call('PATCH', `${POOLS}/delta?updateMask=ingress`, {
      as: OWNER,
      body: body(),
    })
    expect(badMask.status).toBe(400)
  })

  it('deletes a pool, honouring a given etag; its policy goes with it', async () => {
    await grant(`/v2/${LOC}/workerPools/delta`, 'roles/run.developer', CAROL)
    const current = await h.call('GET', `${POOLS}/delta`, { as: OWNER })
    const stale = await h.call('DELETE', `${POOLS}/delta?etag=%22not-it%22`, { as: OWNER })
    expect(stale.status).toBe(409)
    const r = await h.call(
      'DELETE',
      `${POOLS}/delta?etag=${encodeURIComponent(`"${String(current.json['etag'])}"`)}`,
      { as: OWNER },
    )
    expect(r.status, JSON.stringify(r.json)).toBe(200)
    const gone = r.json['response'] as Record<string, unknown>
    expect(gone['@type']).toBe(TYPE)
    expect(gone['deleteTime']).toEqual(expect.any(String))
    expect((await h.call('GET', `${POOLS}/delta`, { as: OWNER })).status).toBe(404)
    expect((await h.call('DELETE', `${POOLS}/delta`, { as: OWNER })).status).toBe(404)
    // Recreated under the same name, it starts with no policy.
    expect((await create('delta')).status).toBe(200)
    const policy = await h.call('GET', `/v2/${LOC}/workerPools/delta:getIamPolicy`, { as: OWNER })
    expect(policy.json).toEqual({ etag: 'ACAB' })
    expect((await h.call('GET', `${POOLS}/delta`, { as: CAROL })).status).toBe(403)
  })
})

describe('worker pool IAM', () => {
  it('one policy on v2 workerPools and v1 workerpools paths; inherited project and org grants count', async () => {
    await grant(`/v2/${LOC}/workerPools/alpha`, 'roles/run.developer', BOB)
    const v1 = await h.call(
      'GET',
      `/v1/${LOC}/workerpools/alpha:getIamPolicy?options.requestedPolicyVersion=3`,
      { as: OWNER },
    )
    expect(v1.status).toBe(200)
    expect(v1.json['bindings']).toEqual([{ role: 'roles/run.developer', members: [BOB] }])
    // Bob may work on alpha, through either version's names, but not on beta, nor set IAM.
    expect((await h.call('GET', `${POOLS}/alpha`, { as: BOB })).status).toBe(200)
    expect(
      (await h.call('GET', `/v1/${LOC}/workerpools/alpha:getIamPolicy`, { as: BOB })).status,
    ).toBe(200)
    const tested = await h.call('POST', `/v1/${LOC}/workerpools/alpha:testIamPermissions`, {
      as: BOB,
      body: {
        permissions: [
          'run.workerpools.get',
          'run.workerpools.update',
          'run.workerpools.setIamPolicy',
        ],
      },
    })
    expect(tested.json).toEqual({ permissions: ['run.workerpools.get', 'run.workerpools.update'] })
    // A grant on one pool reaches nothing above it: not the location's operations.
    const ops = await h.call('GET', `/v2/${LOC}/operations`, { as: BOB })
    expect(ops.status).toBe(403)
    expect(errorOf(ops).message).toContain("'run.operations.list'")
    const beta = await h.call('GET', `${POOLS}/beta`, { as: BOB })
    expect(beta.status).toBe(403)
    expect(errorOf(beta).message).toContain("'run.workerpools.get'")
    const set = await h.call('POST', `/v1/${LOC}/workerpools/alpha:setIamPolicy`, {
      as: BOB,
      body: { policy: { bindings: [] } },
    })
    expect(set.status).toBe(403)
    expect(errorOf(set).message).toContain("'run.workerpools.setIamPolicy'")
    // A project-level viewer sees every pool; an organization-level one too.
    await grant(`/v1/projects/${P}`, 'roles/run.viewer', CAROL)
    expect((await h.call('GET', `${POOLS}/beta`, { as: CAROL })).status).toBe(200)
    expect((await h.call('GET', POOLS, { as: CAROL })).status).toBe(200)
    const dave = 'user:dave@example.com'
    expect((await h.call('GET', `${POOLS}/beta`, { as: dave })).status).toBe(403)
    await grant(`/v1/organizations/${h.orgId}`, 'roles/viewer', dave)
    expect((await h.call('GET', `${POOLS}/beta`, { as: dave })).status).toBe(200)
  })

  it('refuses roles that grant nothing on a worker pool, and accepts conditional bindings', async () => {
    const path = `/v2/${LOC}/workerPools/beta`
    const invoker = await h.call('POST', `${path}:setIamPolicy`, {
      as: OWNER,
      body: { policy: { bindings: [{ role: 'roles/run.invoker', members: [BOB] }] } },
    })
    expect(invoker.status).toBe(400)
    expect(errorOf(invoker).message).toContain('roles/run.invoker')
    const conditional = await h.call('POST', `${path}:setIamPolicy`, {
      as: OWNER,
      body: {
        policy: {
          version: 3,
          bindings: [
            {
              role: 'roles/run.viewer',
              members: [BOB],
              condition: {
                title: 'until 2030',
                expression: 'request.time < timestamp("2030-01-01T00:00:00Z")',
              },
            },
          ],
        },
      },
    })
    expect(conditional.status, JSON.stringify(conditional.json)).toBe(200)
    expect((await h.call('GET', `${POOLS}/beta`, { as: BOB })).status).toBe(200)
    const missing = await h.call('GET', `/v2/${LOC}/workerPools/nope:getIamPolicy`, { as: OWNER })
    expect(missing.status).toBe(404)
    expect(errorOf(missing).message).toContain("of kind 'WORKER_POOL'")
  })

  it('a stranger gets the same 403 for a pool that exists and one that does not (AIP-211)', async () => {
    const calls: [string, string, string, unknown?][] = [
      ['GET', `${POOLS}/alpha`, 'run.workerpools.get'],
      ['PATCH', `${POOLS}/alpha`, 'run.workerpools.update', body()],
      ['DELETE', `${POOLS}/alpha`, 'run.workerpools.delete'],
      ['GET', `/v2/${LOC}/workerPools/alpha:getIamPolicy`, 'run.workerpools.getIamPolicy'],
      ['GET', `/v1/${LOC}/workerpools/alpha:getIamPolicy`, 'run.workerpools.getIamPolicy'],
      [
        'POST',
        `/v1/${LOC}/workerpools/alpha:setIamPolicy`,
        'run.workerpools.setIamPolicy',
        { policy: {} },
      ],
    ]
    for (const [method, path, permission, b] of calls) {
      const existing = await h.call(method, path, {
        as: STRANGER,
        ...(b === undefined ? {} : { body: b }),
      })
      const missing = await h.call(method, path.replace('/alpha', '/no-such-pool'), {
        as: STRANGER,
        ...(b === undefined ? {} : { body: b }),
      })
      expect(existing.status, `${method} ${path}`).toBe(403)
      expect(missing.status, `${method} ${path} (missing)`).toBe(403)
      expect(errorOf(existing).message).toContain(`'${permission}'`)
      expect(errorOf(missing).message).toBe(
        errorOf(existing).message.replace('/alpha', '/no-such-pool'),
      )
    }
    // Creating checks run.workerpools.create on the new name, whether or not it is taken.
    for (const id of ['alpha', 'fresh']) {
      const r = await h.call('POST', `${POOLS}?workerPoolId=${id}`, {
        as: STRANGER,
        body: body(),
      })
      expect(r.status).toBe(403)
      expect(errorOf(r).message).toBe(
        `Permission 'run.workerpools.create' denied on resource '${LOC}/workerPools/${id}' (or it may not exist).`,
      )
    }
    // In a project that does not exist, too.
    const nowhere = await h.call(
      'GET',
      '/v2/projects/no-such-proj/locations/us-central1/workerPools',
      {
        as: STRANGER,
      },
    )
    expect(nowhere.status).toBe(403)
    expect(errorOf(nowhere).message).toContain("'run.workerpools.list'")
  })

  it('allowMissing creation needs run.workerpools.create as well as update', async () => {
    // Bob holds run.developer on alpha only: update there, but no create anywhere.
    const r = await h.call('PATCH', `${POOLS}/epsilon?allowMissing=true`, {
      as: BOB,
      body: body(),
    })
    expect(r.status).toBe(403)
    expect(errorOf(r).message).toContain("'run.workerpools.update'")
    await grant(`/v1/projects/${P}`, 'roles/run.developer', 'user:erin@example.com')
    const erin = await h.call('PATCH', `${POOLS}/epsilon?allowMissing=true`, {
      as: 'user:erin@example.com',
      body: body(),
    })
    expect(erin.status).toBe(200)
  })
})
