// Role semantics of the admin API over HTTP: who may read and write a service's policy, and
// authorization before existence (AIP-211).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '@runiam/store'

import { openSqliteStore } from '@runiam/store/sqlite'
import { principalSetFor } from '@runiam/core/authorizer'
import { errorOf, OWNER, startHarness, type Harness } from './test-harness.js'

const P = 'roles-proj'
const SVC = `projects/${P}/locations/us-central1/services/api`
const MISSING = `projects/${P}/locations/us-central1/services/does-not-exist`
const DEV = 'user:dev@example.com'
const VIEWER = 'user:viewer@example.com'
const ADMIN = 'user:admin@example.com'
const STRANGER = 'user:stranger@elsewhere.org'

let dir: string
let store: Store
let h: Harness

async function setBindings(as: string, extra: { role: string; members: string[] }[]) {
  const cur = await h.call('GET', `/v2/${SVC}:getIamPolicy`, { as: OWNER })
  return h.call('POST', `/v2/${SVC}:setIamPolicy`, {
    as,
    body: { policy: { etag: cur.json['etag'], bindings: extra } },
  })
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'runiam-roles-'))
  store = await openSqliteStore({ path: join(dir, 'db.sqlite') })
  h = await startHarness(store)
  expect((await h.call('POST', '/v1/projects', { as: OWNER, body: { projectId: P } })).status).toBe(
    200,
  )
  const pol = await h.call('POST', `/v1/projects/${P}:getIamPolicy`, { as: OWNER, body: {} })
  const set = await h.call('POST', `/v1/projects/${P}:setIamPolicy`, {
    as: OWNER,
    body: {
      policy: {
        etag: pol.json['etag'],
        bindings: [
          { role: 'roles/owner', members: [OWNER] },
          { role: 'roles/run.developer', members: [DEV] },
          { role: 'roles/run.viewer', members: [VIEWER] },
          { role: 'roles/run.admin', members: [ADMIN] },
        ],
      },
    },
  })
  expect(set.status).toBe(200)
  const svc = await h.call(
    'POST',
    `/v2/projects/${P}/locations/us-central1/services?serviceId=api`,
    {
      as: DEV,
      body: {},
    },
  )
  expect(svc.status).toBe(200)
})

afterAll(async () => {
  await h.close()
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('service policy by role', () => {
  it('run.developer reads the policy but cannot set it: 403 naming run.services.setIamPolicy', async () => {
    expect((await h.call('GET', `/v2/${SVC}:getIamPolicy`, { as: DEV })).status).toBe(200)
    const r = await setBindings(DEV, [{ role: 'roles/run.invoker', members: ['allUsers'] }])
    expect(r.status).toBe(403)
    expect(errorOf(r)).toEqual({
      code: 403,
      status: 'PERMISSION_DENIED',
      message: `Permission 'run.services.setIamPolicy' denied on resource '${SVC}' (or it may not exist).`,
    })
    const v1 = await h.call('POST', `/v1/${SVC}:setIamPolicy`, { as: DEV, body: { policy: {} } })
    expect(errorOf(v1).message).toContain("'run.services.setIamPolicy'")
  })

  it('run.viewer reads the policy and the service but cannot set or update', async () => {
    expect((await h.call('GET', `/v1/${SVC}:getIamPolicy`, { as: VIEWER })).status).toBe(200)
    expect((await h.call('GET', `/v2/${SVC}`, { as: VIEWER })).status).toBe(200)
    expect((await setBindings(VIEWER, [])).status).toBe(403)
    const patch = await h.call('PATCH', `/v2/${SVC}`, { as: VIEWER, body: {} })
    expect(errorOf(patch).message).toContain("'run.services.update'")
  })

  it('run.admin and owner can set the policy, and the change is visible at once', async () => {
    const a = await setBindings(ADMIN, [
      { role: 'roles/run.invoker', members: ['user:inv@example.com'] },
    ])
    expect(a.status).toBe(200)
    const t = await h.call('POST', `/v2/${SVC}:testIamPermissions`, {
      as: 'user:inv@example.com',
      body: { permissions: ['run.routes.invoke'] },
    })
    expect(t.json).toEqual({ permissions: ['run.routes.invoke'] })
    const o = await setBindings(OWNER, [])
    expect(o.status).toBe(200)
    const t2 = await h.call('POST', `/v2/${SVC}:testIamPermissions`, {
      as: 'user:inv@example.com',
      body: { permissions: ['run.routes.invoke'] },
    })
    expect(t2.json).toEqual({})
  })

  it('run.developer may update a service but not flip its invoker IAM check', async () => {
    const ok = await h.call('PATCH', `/v2/${SVC}?updateMask=labels`, {
      as: DEV,
      body: { labels: { a: 'b' } },
    })
    expect(ok.status).toBe(200)
    const flip = await h.call('PATCH', `/v2/${SVC}?updateMask=invokerIamDisabled`, {
      as: DEV,
      body: { invokerIamDisabled: true },
    })
    expect(flip.status).toBe(403)
    expect(errorOf(flip).message).toContain("'run.services.setIamPolicy'")
    const admin = await h.call('PATCH', `/v2/${SVC}?updateMask=invokerIamDisabled`, {
      as: ADMIN,
      body: { invokerIamDisabled: true },
    })
    expect(admin.status).toBe(200)
    expect(admin.json['response']).toMatchObject({ invokerIamDisabled: true })
  })
})

describe('authorization before existence', () => {
  it('a stranger gets the same 403 for an existing and a missing service, on every method', async () => {
    const cases: [string, (name: string) => string, unknown][] = [
      ['GET', (n) => `/v2/${n}`, undefined],
      ['GET', (n) => `/v2/${n}:getIamPolicy`, undefined],
      ['POST', (n) => `/v2/${n}:setIamPolicy`, { policy: {} }],
      ['GET', (n) => `/v1/${n}:getIamPolicy`, undefined],
      ['PATCH', (n) => `/v2/${n}`, {}],
      ['DELETE', (n) => `/v2/${n}`, undefined],
    ]
    for (const [method, path, body] of cases) {
      const a = await h.call(method, path(SVC), { as: STRANGER, body })
      const b = await h.call(method, path(MISSING), { as: STRANGER, body })
      expect([a.status, b.status], `${method} ${path('')}`).toEqual([403, 403])
      expect(errorOf(b).message).toBe(errorOf(a).message.replace(SVC, MISSING))
    }
  })

  it('a stranger gets 403 on a project that does not exist, an owner gets 404', async () => {
    const s = await h.call('GET', '/v3/projects/no-such-project', { as: STRANGER })
    expect(s.status).toBe(403)
    const o = await h.call('GET', '/v3/projects/no-such-project', { as: OWNER })
    expect(o.status).toBe(404)
    const svc = await h.call('GET', `/v2/${MISSING}`, { as: OWNER })
    expect(svc.status).toBe(404)
  })
})

describe('project policy', () => {
  it('refuses allUsers and allAuthenticatedUsers on a project', async () => {
    for (const member of ['allUsers', 'allAuthenticatedUsers']) {
      const r = await h.call('POST', `/v3/projects/${P}:setIamPolicy`, {
        as: OWNER,
        body: { policy: { bindings: [{ role: 'roles/run.invoker', members: [member] }] } },
      })
      expect(r.status, member).toBe(400)
      expect(errorOf(r).status).toBe('INVALID_ARGUMENT')
    }
  })
})

describe('group principals', () => {
  it("grants through a group when the principals hook resolves the caller's groups", async () => {
    const h2 = await startHarness(store, undefined, {
      principals: async (caller) =>
        principalSetFor(caller?.member, {
          groups: caller?.member === 'user:carol@example.com' ? ['group:eng@example.com'] : [],
        }),
    })
    try {
      const cur = await h2.call('GET', `/v2/${SVC}:getIamPolicy`, { as: OWNER })
      const set = await h2.call('POST', `/v2/${SVC}:setIamPolicy`, {
        as: OWNER,
        body: {
          policy: {
            etag: cur.json['etag'],
            bindings: [{ role: 'roles/run.viewer', members: ['group:eng@example.com'] }],
          },
        },
      })
      expect(set.status).toBe(200)
      expect((await h2.call('GET', `/v2/${SVC}`, { as: 'user:carol@example.com' })).status).toBe(
        200,
      )
      expect((await h2.call('GET', `/v2/${SVC}`, { as: 'user:dan@example.com' })).status).toBe(403)
    } finally {
      await h2.close()
    }
  })
})
