import { Code, IamError } from '@runiam/core'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROUTES, routeKey } from '@runiam/api'
import type { Store } from '@runiam/store'

import { openSqliteStore } from '@runiam/store/sqlite'
import { errorOf, OWNER, startHarness, type Harness } from './test-harness.js'

const ALICE = 'user:alice@example.com'
const P = 'proj-one'
const SVC = `projects/${P}/locations/us-central1/services/hello`

let dir: string
let store: Store
let h: Harness
let projectNumber: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'runiam-admin-'))
  store = await openSqliteStore({ path: join(dir, 'db.sqlite') })
  h = await startHarness(store)
  const created = await h.call('POST', '/v1/projects', {
    as: OWNER,
    body: { projectId: P, name: 'Project One' },
  })
  expect(created.status).toBe(200)
  projectNumber = String((created.json['response'] as Record<string, unknown>)['projectNumber'])
  const svc = await h.call(
    'POST',
    `/v2/projects/${P}/locations/us-central1/services?serviceId=hello&$alt=json%3Benum-encoding=int`,
    {
      as: OWNER,
      body: { ingress: 1, template: { containers: [{ image: 'us-docker.pkg.dev/x/hello' }] } },
    },
  )
  expect(svc.status).toBe(200)
})

afterAll(async () => {
  await h.close()
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('transport rules', () => {
  it("answers 401 UNAUTHENTICATED without credentials, with Google's message", async () => {
    const r = await h.call('GET', `/v2/${SVC}`)
    expect(r.status).toBe(401)
    expect(errorOf(r)).toMatchObject({ code: 401, status: 'UNAUTHENTICATED' })
    expect(errorOf(r).message).toMatch(/^Request is missing required authentication credential/)
    expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/)
  })

  it('answers 401 for credentials that do not verify', async () => {
    const r = await h.call('GET', `/v2/${SVC}`, { headers: { authorization: 'Bearer garbage' } })
    expect(r.status).toBe(401)
    expect(errorOf(r).message).toMatch(/^Request had invalid authentication credentials/)
  })

  it('answers 404 with an envelope for unknown paths and 405 for a wrong method', async () => {
    const a = await h.call('GET', '/v9/nothing', { as: OWNER })
    expect(a.status).toBe(404)
    expect(errorOf(a)).toMatchObject({ code: 404, status: 'NOT_FOUND' })
    const b = await h.call('PUT', `/v2/${SVC}`, { as: OWNER, body: {} })
    expect(b.status).toBe(405)
    expect(b.headers.get('allow')).toBe('GET, PATCH, DELETE')
    expect(errorOf(b).code).toBe(405)
  })

  it('rejects malformed JSON and oversized bodies with 400 INVALID_ARGUMENT', async () => {
    const a = await h.call('POST', `/v2/${SVC}:setIamPolicy`, { as: OWNER, rawBody: '{"policy":' })
    expect(a.status).toBe(400)
    expect(errorOf(a).status).toBe('INVALID_ARGUMENT')
    expect(errorOf(a).message).toMatch(/^Invalid JSON payload received\. /)
    const big = JSON.stringify({ permissions: ['x'.repeat(1024 * 1024 + 10)] })
    const b = await h.call('POST', `/v2/${SVC}:testIamPermissions`, { as: OWNER, rawBody: big })
    expect(b.status).toBe(400)
    expect(errorOf(b).message).toBe('Request payload size exceeds the limit: 1048576 bytes.')
  })

  it('turns an unexpected failure into 500 INTERNAL with a generic message and logs the cause', async () => {
    const broken = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'getResource') return () => Promise.reject(new Error('disk on fire'))
        const v = Reflect.get(target, prop, receiver) as unknown
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v
      },
    })
    const h2 = await startHarness(broken)
    try {
      const r = await h2.call('GET', `/v2/${SVC}`, { as: OWNER })
      expect(r.status).toBe(500)
      expect(errorOf(r)).toEqual({
        code: 500,
        status: 'INTERNAL',
        message: 'Internal error encountered.',
      })
      expect(JSON.stringify(h2.logs)).toContain('disk on fire')
      expect(JSON.stringify(r.json)).not.toContain('disk on fire')
    } finally {
      await h2.close()
    }
  })

  it('masks internal IamErrors (BUG, store failures) the same way', async () => {
    const broken = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'getResource') {
          return () => Promise.reject(new IamError(Code.INTERNAL, 'BUG', 'invariant x broke in y'))
        }
        const v = Reflect.get(target, prop, receiver) as unknown
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v
      },
    })
    const h2 = await startHarness(broken)
    try {
      const r = await h2.call('GET', `/v2/${SVC}`, { as: OWNER })
      expect(r.status).toBe(500)
      expect(errorOf(r).message).toBe('Internal error encountered.')
      expect(JSON.stringify(r.json)).not.toContain('invariant x')
      expect(JSON.stringify(h2.logs)).toContain('invariant x broke in y')
    } finally {
      await h2.close()
    }
  })

  it('never logs tokens', () => {
    expect(JSON.stringify(h.logs)).not.toMatch(/Bearer/)
  })

  it('has a handler for every route of the table', () => {
    // createAdminApp throws at construction otherwise; this pins the table size too.
    expect(ROUTES.map(routeKey).length).toBeGreaterThan(30)
  })
})

describe('organization', () => {
  it('answers only the fields `fields` names (partial response), and refuses a bad selection before acting', async () => {
    const list = `/v2/projects/${P}/locations/-/services`
    const whole = await h.call('GET', list, { as: OWNER })
    const part = await h.call('GET', `${list}?fields=services(name,uri),nextPageToken`, {
      as: OWNER,
    })
    expect(part.status).toBe(200)
    const services = whole.json['services'] as Record<string, unknown>[]
    expect(services.length).toBeGreaterThan(0)
    expect(Object.keys(services[0] ?? {})).toContain('template')
    expect(part.json).toEqual({
      services: services.map((s) => ({ name: s['name'], uri: s['uri'] })),
    })
    const bad = await h.call('POST', `/v2/${SVC}:setIamPolicy?fields=etag(`, {
      as: OWNER,
      body: { policy: { bindings: [{ role: 'roles/run.invoker', members: ['allUsers'] }] } },
    })
    expect(bad.status).toBe(400)
    expect(errorOf(bad).message).toMatch(/^Invalid field selection "etag\("/)
    const policy = await h.call('POST', `/v2/${SVC}:getIamPolicy`, { as: OWNER, body: {} })
    expect(JSON.stringify(policy.json)).not.toContain('allUsers')
  })

  it('gets the organization in v1 and v3 shapes', async () => {
    const v1 = await h.call('GET', `/v1/organizations/${h.orgId}`, { as: OWNER })
    expect(v1.status).toBe(200)
    expect(v1.json).toMatchObject({
      name: `organizations/${h.orgId}`,
      lifecycleState: 'ACTIVE',
      displayName: 'example.com',
    })
    const v3 = await h.call('GET', `/v3/organizations/${h.orgId}`, { as: OWNER })
    expect(v3.json).toMatchObject({ name: `organizations/${h.orgId}`, state: 'ACTIVE' })
    const other = await h.call('GET', '/v3/organizations/42', { as: OWNER })
    expect(other.status).toBe(403)
  })

  it('reads, writes and tests the organization policy on v1 and v3', async () => {
    const got = await h.call('POST', `/v1/organizations/${h.orgId}:getIamPolicy`, {
      as: OWNER,
      body: {},
    })
    expect(got.status).toBe(200)
    const bindings = got.json['bindings'] as { role: string; members: string[] }[]
    expect(bindings).toEqual([{ role: 'roles/owner', members: [OWNER] }])
    const set = await h.call('POST', `/v3/organizations/${h.orgId}:setIamPolicy`, {
      as: OWNER,
      body: {
        policy: {
          etag: got.json['etag'],
          bindings: [
            ...bindings,
            { role: 'roles/viewer', members: ['user:orgviewer@example.com'] },
          ],
        },
      },
    })
    expect(set.status).toBe(200)
    const test = await h.call('POST', `/v3/organizations/${h.orgId}:testIamPermissions`, {
      as: 'user:orgviewer@example.com',
      body: {
        permissions: [
          'resourcemanager.organizations.get',
          'resourcemanager.organizations.setIamPolicy',
        ],
      },
    })
    expect(test.json).toEqual({ permissions: ['resourcemanager.organizations.get'] })
    const v1test = await h.call('POST', `/v1/organizations/${h.orgId}:testIamPermissions`, {
      as: ALICE,
      body: { permissions: ['resourcemanager.organizations.get'] },
    })
    expect(v1test.json).toEqual({})
  })

  it('refuses allUsers on the organization', async () => {
    const r = await h.call('POST', `/v1/organizations/${h.orgId}:setIamPolicy`, {
      as: OWNER,
      body: {
        policy: {
          bindings: [
            { role: 'roles/owner', members: [OWNER] },
            { role: 'roles/viewer', members: ['allUsers'] },
          ],
        },
      },
    })
    expect(r.status).toBe(400)
    expect(errorOf(r).status).toBe('INVALID_ARGUMENT')
  })
})

describe('projects', () => {
  it('creates a project (v3), answering a done Operation, and makes the creator its owner', async () => {
    const r = await h.call('POST', '/v3/projects', {
      as: OWNER,
      body: { projectId: 'proj-three', displayName: 'Three', parent: `organizations/${h.orgId}` },
    })
    expect(r.status).toBe(200)
    expect(r.json).toMatchObject({
      done: true,
      response: {
        '@type': 'type.googleapis.com/google.cloud.resourcemanager.v3.Project',
        projectId: 'proj-three',
        displayName: 'Three',
        parent: `organizations/${h.orgId}`,
        state: 'ACTIVE',
      },
    })
    expect(String(r.json['name'])).toMatch(/^operations\/cp\.\d+$/)
    const op = await h.call('GET', `/v3/${String(r.json['name'])}`, { as: OWNER })
    expect(op.status).toBe(200)
    expect(op.json).toEqual(r.json)
    const policy = await h.call('POST', '/v3/projects/proj-three:getIamPolicy', {
      as: OWNER,
      body: {},
    })
    expect(policy.json['bindings']).toEqual([{ role: 'roles/owner', members: [OWNER] }])
  })

  it('validates the project id and refuses a taken one', async () => {
    for (const bad of [
      'short',
      'Upper-case1',
      '1starts-with-digit',
      'ends-with-hyphen-',
      'x'.repeat(31),
    ]) {
      const r = await h.call('POST', '/v1/projects', { as: OWNER, body: { projectId: bad } })
      expect(r.status, bad).toBe(400)
      expect(errorOf(r).message).toContain(JSON.stringify(bad))
    }
    const taken = await h.call('POST', '/v1/projects', { as: OWNER, body: { projectId: P } })
    expect(taken.status).toBe(409)
    expect(errorOf(taken)).toMatchObject({
      status: 'ALREADY_EXISTS',
      message: 'Requested entity already exists',
    })
  })

  it('needs resourcemanager.projects.create on the organization', async () => {
    const r = await h.call('POST', '/v1/projects', { as: ALICE, body: { projectId: 'alice-proj' } })
    expect(r.status).toBe(403)
    expect(errorOf(r).message).toBe(
      `Permission 'resourcemanager.projects.create' denied on resource 'organizations/${h.orgId}' (or it may not exist).`,
    )
  })

  it('gets a project by id or number in v1 and v3 shapes', async () => {
    const v1 = await h.call('GET', `/v1/projects/${P}`, { as: OWNER })
    expect(v1.json).toEqual({
      projectNumber,
      projectId: P,
      lifecycleState: 'ACTIVE',
      name: 'Project One',
      createTime: '2026-01-01T00:00:00.000Z',
      parent: { type: 'organization', id: h.orgId },
    })
    const v3 = await h.call('GET', `/v3/projects/${projectNumber}`, { as: OWNER })
    expect(v3.json).toMatchObject({
      name: `projects/${projectNumber}`,
      projectId: P,
      state: 'ACTIVE',
      displayName: 'Project One',
      parent: `organizations/${h.orgId}`,
    })
    const missing = await h.call('GET', '/v1/projects/no-such-project', { as: OWNER })
    expect(missing.status).toBe(404)
    const denied = await h.call('GET', `/v1/projects/${P}`, { as: ALICE })
    expect(denied.status).toBe(403)
  })

  it('lists only the projects the caller may get, with paging', async () => {
    const all = await h.call('GET', '/v1/projects', { as: OWNER })
    const ids = (all.json['projects'] as { projectId: string }[]).map((p) => p.projectId)
    expect(ids).toContain(P)
    expect(await h.call('GET', '/v3/projects', { as: 'user:nobody@other.com' })).toMatchObject({
      status: 200,
      json: {},
    })
    const page1 = await h.call('GET', '/v3/projects?pageSize=1', { as: OWNER })
    expect((page1.json['projects'] as unknown[]).length).toBe(1)
    const token = String(page1.json['nextPageToken'])
    const page2 = await h.call(
      'GET',
      `/v3/projects?pageSize=1&pageToken=${encodeURIComponent(token)}`,
      { as: OWNER },
    )
    expect((page2.json['projects'] as { name: string }[])[0]).not.toEqual(
      (page1.json['projects'] as unknown[])[0],
    )
  })

  it('serves project IAM on v1 and v3, with options.requestedPolicyVersion in the body', async () => {
    const got = await h.call('POST', `/v1/projects/${P}:getIamPolicy`, {
      as: OWNER,
      body: { options: { requestedPolicyVersion: 3 } },
    })
    expect(got.json).toMatchObject({
      version: 1,
      bindings: [{ role: 'roles/owner', members: [OWNER] }],
    })
    const set = await h.call('POST', `/v3/projects/${P}:setIamPolicy`, {
      as: OWNER,
      body: {
        policy: {
          etag: got.json['etag'],
          bindings: [
            { role: 'roles/owner', members: [OWNER] },
            { role: 'roles/run.viewer', members: ['user:pviewer@example.com'] },
          ],
        },
      },
    })
    expect(set.status).toBe(200)
    expect(set.json['etag']).not.toBe(got.json['etag'])
    const t = await h.call('POST', `/v1/projects/${P}:testIamPermissions`, {
      as: 'user:pviewer@example.com',
      body: {
        permissions: ['run.services.get', 'run.services.update', 'resourcemanager.projects.get'],
      },
    })
    expect(t.json).toEqual({ permissions: ['run.services.get', 'resourcemanager.projects.get'] })
  })
})

describe('Cloud Run services', () => {
  it("created the service with Google's fields, enums as names and its URL", async () => {
    const r = await h.call('GET', `/v2/${SVC}`, { as: OWNER })
    expect(r.status).toBe(200)
    const uri = `http://hello-${projectNumber}.us-central1.run.localhost:8080`
    expect(r.json).toMatchObject({
      name: SVC,
      generation: '1',
      creator: 'owner@example.com',
      lastModifier: 'owner@example.com',
      ingress: 'INGRESS_TRAFFIC_ALL',
      template: { containers: [{ image: 'us-docker.pkg.dev/x/hello' }] },
      terminalCondition: { type: 'Ready', state: 'CONDITION_SUCCEEDED' },
      uri,
      urls: [uri],
    })
    expect(String(r.json['latestReadyRevision'])).toMatch(
      new RegExp(`^${SVC}/revisions/hello-00001-[a-z0-9]{3}$`),
    )
    expect(String(r.json['uid'])).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('answers create with a done Operation that operations.get reads back', async () => {
    const r = await h.call(
      'POST',
      `/v2/projects/${P}/locations/europe-west1/services?serviceId=second`,
      {
        as: OWNER,
        body: { labels: { team: 'a' }, template: { containers: [{ image: 'img' }] } },
      },
    )
    expect(r.status).toBe(200)
    const name = String(r.json['name'])
    expect(name).toMatch(
      new RegExp(`^projects/${P}/locations/europe-west1/operations/[0-9a-f-]{36}$`),
    )
    expect(r.json).toMatchObject({
      done: true,
      metadata: { '@type': 'type.googleapis.com/google.cloud.run.v2.Service' },
      response: {
        '@type': 'type.googleapis.com/google.cloud.run.v2.Service',
        name: `projects/${P}/locations/europe-west1/services/second`,
        labels: { team: 'a' },
      },
    })
    const op = await h.call('GET', `/v2/${name}`, { as: OWNER })
    expect(op.json).toEqual(r.json)
    const again = await h.call(
      'POST',
      `/v2/projects/${P}/locations/europe-west1/services?serviceId=second`,
      {
        as: OWNER,
        body: {},
      },
    )
    expect(again.status).toBe(409)
    expect(errorOf(again).status).toBe('ALREADY_EXISTS')
    const opMissing = await h.call(
      'GET',
      `/v2/projects/${P}/locations/europe-west1/operations/nope`,
      { as: OWNER },
    )
    expect(opMissing.status).toBe(404)
  })

  it('validates the service id, annotations, enums and unknown fields', async () => {
    const base = `/v2/projects/${P}/locations/us-central1/services`
    for (const id of ['1abc', 'Abc', 'abc-', 'a'.repeat(50), 'a_b']) {
      const r = await h.call('POST', `${base}?serviceId=${id}`, { as: OWNER, body: {} })
      expect(r.status, id).toBe(400)
      expect(errorOf(r).message).toContain(JSON.stringify(id))
    }
    const noId = await h.call('POST', base, { as: OWNER, body: {} })
    expect(errorOf(noId).message).toBe('Field serviceId is required.')
    for (const key of [
      'run.googleapis.com/ingress',
      'cloud.googleapis.com/location',
      'serving.knative.dev/creator',
      'autoscaling.knative.dev/maxScale',
    ]) {
      const r = await h.call('POST', `${base}?serviceId=annot`, {
        as: OWNER,
        body: { annotations: { [key]: 'x' } },
      })
      expect(r.status, key).toBe(400)
      expect(errorOf(r).message).toContain(`'${key}'`)
    }
    const ok = await h.call('POST', `${base}?serviceId=annot`, {
      as: OWNER,
      body: {
        annotations: { 'runiam.dev/upstream': 'http://127.0.0.1:9' },
        ingress: 'INGRESS_TRAFFIC_INTERNAL_ONLY',
      },
    })
    expect(ok.status).toBe(200)
    expect(ok.json['response']).toMatchObject({
      ingress: 'INGRESS_TRAFFIC_INTERNAL_ONLY',
      template: { containers: [{ image: 'runiam/builtin' }] },
    })
    const badEnum = await h.call('POST', `${base}?serviceId=enum`, {
      as: OWNER,
      body: { ingress: 9 },
    })
    expect(badEnum.status).toBe(400)
    const unknown = await h.call('POST', `${base}?serviceId=unk`, { as: OWNER, body: { foo: 1 } })
    expect(errorOf(unknown).message).toBe(
      'Invalid JSON payload received. Unknown name "foo" at \'service\': Cannot find field.',
    )
  })

  it('lists services with paging, and across locations with -', async () => {
    const base = `/v2/projects/${P}/locations/us-central1/services`
    const page1 = await h.call('GET', `${base}?pageSize=1`, { as: OWNER })
    expect((page1.json['services'] as unknown[]).length).toBe(1)
    expect(page1.json['nextPageToken']).toBeTypeOf('string')
    const page2 = await h.call(
      'GET',
      `${base}?pageSize=1&pageToken=${encodeURIComponent(String(page1.json['nextPageToken']))}`,
      { as: OWNER },
    )
    expect((page2.json['services'] as { name: string }[])[0]?.name).not.toBe(
      (page1.json['services'] as { name: string }[])[0]?.name,
    )
    const all = await h.call('GET', `/v2/projects/${P}/locations/-/services`, { as: OWNER })
    const names = (all.json['services'] as { name: string }[]).map((s) => s.name)
    expect(names).toContain(`projects/${P}/locations/europe-west1/services/second`)
    expect(names).toContain(SVC)
    const empty = await h.call('GET', `/v2/projects/${P}/locations/asia-east1/services`, {
      as: OWNER,
    })
    expect(empty.json).toEqual({})
  })

  it('uses the project number as given in the path in every name it answers', async () => {
    const r = await h.call(
      'GET',
      `/v2/projects/${projectNumber}/locations/us-central1/services/hello`,
      { as: OWNER },
    )
    expect(r.json['name']).toBe(`projects/${projectNumber}/locations/us-central1/services/hello`)
    expect(String(r.json['latestReadyRevision'])).toMatch(new RegExp(`^projects/${projectNumber}/`))
  })

  it('patches with and without an update mask, taking the name from the path', async () => {
    const path = `/v2/projects/${P}/locations/europe-west1/services/second`
    const masked = await h.call('PATCH', `${path}?updateMask=labels`, {
      as: OWNER,
      body: { labels: { team: 'b' }, template: { containers: [{ image: 'ignored' }] } },
    })
    expect(masked.status).toBe(200)
    expect(masked.json['response']).toMatchObject({
      labels: { team: 'b' },
      template: { containers: [{ image: 'img' }] },
      generation: '2',
    })
    expect(
      String((masked.json['response'] as Record<string, unknown>)['latestCreatedRevision']),
    ).toMatch(/second-00002-/)
    const full = await h.call('PATCH', path, {
      as: OWNER,
      body: { template: { containers: [{ image: 'img2' }] } },
    })
    expect(full.json['response']).toMatchObject({
      labels: {},
      template: { containers: [{ image: 'img2' }] },
      generation: '3',
    })
    const got = await h.call('GET', path, { as: OWNER })
    expect(got.json['template']).toEqual({ containers: [{ image: 'img2' }] })
    const stale = await h.call('PATCH', path, { as: OWNER, body: { etag: 'stale', template: {} } })
    expect(stale.status).toBe(409)
    expect(errorOf(stale).status).toBe('ABORTED')
    const missing = await h.call(
      'PATCH',
      `/v2/projects/${P}/locations/europe-west1/services/ghost`,
      { as: OWNER, body: {} },
    )
    expect(missing.status).toBe(404)
    expect(errorOf(missing).message).toBe(
      `Resource 'ghost' of kind 'SERVICE' in region 'europe-west1' in project '${P}' does not exist.`,
    )
    const upsert = await h.call(
      'PATCH',
      `/v2/projects/${P}/locations/europe-west1/services/ghost?allowMissing=true`,
      {
        as: OWNER,
        body: {},
      },
    )
    expect(upsert.status).toBe(200)
    expect(upsert.json['response']).toMatchObject({ generation: '1' })
  })

  it('deletes a service, honouring a given etag, and its policy goes with it', async () => {
    const path = `/v2/projects/${P}/locations/europe-west1/services/ghost`
    const set = await h.call('POST', `${path}:setIamPolicy`, {
      as: OWNER,
      body: { policy: { bindings: [{ role: 'roles/run.invoker', members: ['allUsers'] }] } },
    })
    expect(set.status).toBe(200)
    const wrong = await h.call('DELETE', `${path}?etag=%22nope%22`, { as: OWNER })
    expect(wrong.status).toBe(409)
    const current = await h.call('GET', path, { as: OWNER })
    const del = await h.call(
      'DELETE',
      `${path}?etag=${encodeURIComponent(`"${String(current.json['etag'])}"`)}`,
      { as: OWNER },
    )
    expect(del.status).toBe(200)
    expect(del.json).toMatchObject({ done: true, response: { name: path.slice(4) } })
    expect((await h.call('GET', path, { as: OWNER })).status).toBe(404)
    expect((await h.call('DELETE', path, { as: OWNER })).status).toBe(404)
    const recreated = await h.call('PATCH', `${path}?allowMissing=true`, { as: OWNER, body: {} })
    expect(recreated.status).toBe(200)
    expect((await h.call('GET', `${path}:getIamPolicy`, { as: OWNER })).json).toEqual({
      etag: 'ACAB',
    })
  })

  it('answers 404 for a missing project after authorization', async () => {
    const r = await h.call('GET', '/v2/projects/no-such-proj/locations/us-central1/services/x', {
      as: OWNER,
    })
    expect(r.status).toBe(404)
    const l = await h.call('GET', '/v2/projects/no-such-proj/locations/us-central1/services', {
      as: OWNER,
    })
    expect(l.status).toBe(404)
  })
})

describe('service IAM on v2 and v1 paths', () => {
  it('starts empty, sets, reads back with the requested version, and ignores $alt', async () => {
    const empty = await h.call(
      'GET',
      `/v2/projects/${P}/locations/europe-west1/services/second:getIamPolicy`,
      { as: OWNER },
    )
    expect(empty.json).toEqual({ etag: 'ACAB' })
    const set = await h.call('POST', `/v1/${SVC}:setIamPolicy`, {
      as: OWNER,
      body: {
        policy: {
          version: 3,
          etag: 'ACAB',
          bindings: [
            { role: 'roles/run.invoker', members: ['allUsers'] },
            {
              role: 'roles/run.developer',
              members: ['user:dev@example.com'],
              condition: { title: 'admin', expression: 'request.path.startsWith("/admin")' },
            },
          ],
        },
        updateMask: 'bindings,etag,version',
      },
    })
    expect(set.status).toBe(200)
    expect(set.json['version']).toBe(3)
    const v3 = await h.call(
      'GET',
      `/v2/${SVC}:getIamPolicy?options.requestedPolicyVersion=3&$alt=json%3Benum-encoding=int`,
      { as: OWNER },
    )
    expect(v3.json).toEqual(set.json)
    const v1 = await h.call('GET', `/v1/${SVC}:getIamPolicy`, { as: OWNER })
    expect(v1.json['version']).toBe(1)
    const roles = (v1.json['bindings'] as { role: string }[]).map((b) => b.role)
    expect(roles.some((r) => /^roles\/run\.developer_withcond_[0-9a-f]{20}$/.test(r))).toBe(true)
    const bad = await h.call('GET', `/v2/${SVC}:getIamPolicy?options.requestedPolicyVersion=2`, {
      as: OWNER,
    })
    expect(bad.status).toBe(400)
  })

  it('testIamPermissions: subset held, {} when none or missing, wildcards refused', async () => {
    const t = await h.call('POST', `/v2/${SVC}:testIamPermissions`, {
      as: ALICE,
      body: { permissions: ['run.routes.invoke', 'run.services.get'] },
    })
    expect(t.json).toEqual({ permissions: ['run.routes.invoke'] })
    const v1 = await h.call('POST', `/v1/${SVC}:testIamPermissions`, {
      as: OWNER,
      body: { permissions: ['run.services.setIamPolicy'] },
    })
    expect(v1.json).toEqual({ permissions: ['run.services.setIamPolicy'] })
    const missing = await h.call(
      'POST',
      `/v2/projects/${P}/locations/us-central1/services/nope:testIamPermissions`,
      {
        as: OWNER,
        body: { permissions: ['run.services.get'] },
      },
    )
    expect(missing).toMatchObject({ status: 200, json: {} })
    const wild = await h.call('POST', `/v2/${SVC}:testIamPermissions`, {
      as: OWNER,
      body: { permissions: ['run.*'] },
    })
    expect(wild.status).toBe(400)
    expect(errorOf(wild).message).toContain("'run.*'")
    const star = await h.call('POST', `/v1/projects/${P}:testIamPermissions`, {
      as: OWNER,
      body: { permissions: ['*'] },
    })
    expect(star.status).toBe(400)
  })
})
