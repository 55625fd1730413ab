// IAM v2 deny policies over HTTP on SQLite: Google's shapes (Operation answers, names by project
// number, list without rules), bad input with clear messages, etags, who may manage deny policies
// (attacks: a run.admin or a project owner without roles/iam.denyAdmin cannot), and deny before
// allow on admin calls and testIamPermissions, for users, groups and public:all.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Policy } from '@runiam/core'
import type { Store } from '@runiam/store'
import { openSqliteStore } from '@runiam/store/sqlite'
import { errorOf, OWNER, startHarness, type CallResult, type Harness } from './test-harness.js'

const P = 'deny-api-proj'
const SVC = `projects/${P}/locations/us-central1/services/api`
const DENY_ADMIN = 'user:deny-admin@example.com'
const DENY_REVIEWER = 'user:deny-reviewer@example.com'
const RUN_ADMIN = 'user:run-admin@example.com'
const PROJECT_OWNER = 'user:project-owner@example.com'
const GROUP_MEMBER = 'user:member@example.com'
const GROUP = 'blocked@example.com'

let dir: string
let store: Store
let h: Harness
let projectNumber: string

const parentOf = (ap: string): string => `/v2/policies/${encodeURIComponent(ap)}/denypolicies`
const projectParent = (): string => parentOf(`cloudresourcemanager.googleapis.com/projects/${P}`)

async function grant(resource: string, bindings: { role: string; members: string[] }[]) {
  const run = resource.includes('/services/')
  const get = run
    ? await h.call('GET', `/v2/${resource}:getIamPolicy`, { as: OWNER })
    : await h.call('POST', `/v1/${resource}:getIamPolicy`, { as: OWNER, body: {} })
  const current = get.json as Policy
  const r = await h.call('POST', `/${run ? 'v2' : 'v1'}/${resource}:setIamPolicy`, {
    as: OWNER,
    body: { policy: { etag: current.etag, bindings: [...(current.bindings ?? []), ...bindings] } },
  })
  expect(r.status, JSON.stringify(r.json)).toBe(200)
}

async function create(
  id: string,
  rules: unknown[],
  as = DENY_ADMIN,
  parent = projectParent(),
): Promise<CallResult> {
  return h.call('POST', `${parent}?policyId=${id}`, { as, body: { displayName: id, rules } })
}

const rule = (principals: string[], permissions: string[], extra: object = {}) => ({
  denyRule: { deniedPrincipals: principals, deniedPermissions: permissions, ...extra },
})

async function held(as: string, permissions: string[]): Promise<string[]> {
  const r = await h.call('POST', `/v2/${SVC}:testIamPermissions`, { as, body: { permissions } })
  expect(r.status).toBe(200)
  return (r.json['permissions'] as string[] | undefined) ?? []
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'runiam-deny-'))
  store = await openSqliteStore({ path: join(dir, 'db.sqlite') })
  h = await startHarness(store, undefined, {
    principals: async (caller) => {
      const { principalSetFor } = await import('@runiam/core/authorizer')
      return principalSetFor(caller?.member, {
        groups: caller?.member === GROUP_MEMBER ? [GROUP] : [],
      })
    },
  })
  const c = await h.call('POST', '/v1/projects', { as: OWNER, body: { projectId: P } })
  expect(c.status).toBe(200)
  projectNumber = String((await store.getProject(P))?.projectNumber)
  await grant(`projects/${P}`, [
    { role: 'roles/iam.denyAdmin', members: [DENY_ADMIN] },
    { role: 'roles/iam.denyReviewer', members: [DENY_REVIEWER] },
    { role: 'roles/run.admin', members: [RUN_ADMIN, GROUP_MEMBER] },
    { role: 'roles/owner', members: [PROJECT_OWNER] },
  ])
  const svc = await h.call(
    'POST',
    `/v2/projects/${P}/locations/us-central1/services?serviceId=api`,
    {
      as: OWNER,
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

describe('deny policies: the API', () => {
  it('create answers a finished Operation named by project number; get, list and operations.get follow', async () => {
    const r = await create('no-delete', [
      rule(['principal://goog/subject/nobody@example.com'], ['run.googleapis.com/services.delete']),
    ])
    expect(r.status, JSON.stringify(r.json)).toBe(200)
    const name = `policies/cloudresourcemanager.googleapis.com%2Fprojects%2F${projectNumber}/denypolicies/no-delete`
    expect(r.json).toMatchObject({
      name: expect.stringMatching(
        new RegExp(`^${name.replaceAll('.', '\\.')}/operations/[0-9a-f]{16}$`),
      ),
      done: true,
      metadata: { '@type': 'type.googleapis.com/google.iam.v2.PolicyOperationMetadata' },
      response: { '@type': 'type.googleapis.com/google.iam.v2.Policy', name, kind: 'DenyPolicy' },
    })
    const got = await h.call('GET', `${projectParent()}/no-delete`, { as: DENY_REVIEWER })
    expect(got.status).toBe(200)
    expect(got.json).toMatchObject({
      name,
      kind: 'DenyPolicy',
      displayName: 'no-delete',
      uid: expect.any(String),
      etag: expect.any(String),
      rules: [
        {
          denyRule: {
            deniedPrincipals: ['principal://goog/subject/nobody@example.com'],
            deniedPermissions: ['run.googleapis.com/services.delete'],
          },
        },
      ],
    })
    // By project number too.
    const byNumber = await h.call(
      'GET',
      `${parentOf(`cloudresourcemanager.googleapis.com/projects/${projectNumber}`)}/no-delete`,
      { as: DENY_REVIEWER },
    )
    expect(byNumber.json).toEqual(got.json)
    const list = await h.call('GET', projectParent(), { as: DENY_REVIEWER })
    expect(list.status).toBe(200)
    const policies = list.json['policies'] as Record<string, unknown>[]
    expect(policies.map((p) => p['name'])).toContain(name)
    expect(policies.every((p) => p['rules'] === undefined)).toBe(true)
    const op = await h.call('GET', `/v2/${String(r.json['name'])}`, { as: DENY_REVIEWER })
    expect(op.status, JSON.stringify(op.json)).toBe(200)
    expect(op.json).toEqual(r.json)
  })

  it('refuses bad input with a message naming the value', async () => {
    const cases: [string, unknown, number, RegExp][] = [
      ['Bad_Id', [], 400, /Policy id "Bad_Id" is invalid/],
      [
        'ok-id',
        [rule(['user:a@example.com'], ['run.googleapis.com/routes.invoke'])],
        400,
        /Principal "user:a@example\.com" is not supported/,
      ],
      [
        'ok-id',
        [rule(['principalSet://goog/public:all'], ['run.routes.invoke'])],
        400,
        /"run\.routes\.invoke" is not supported in deny policies.*run\.googleapis\.com\/routes\.invoke/,
      ],
      [
        'ok-id',
        [
          rule(['principalSet://goog/public:all'], ['run.googleapis.com/routes.invoke'], {
            exceptionPrincipals: ['principalSet://goog/public:all'],
          }),
        ],
        400,
        /cannot contain principalSet:\/\/goog\/public:all/,
      ],
      ['ok-id', 'nope', 400, /"rules" must be a list/],
    ]
    for (const [id, rules, status, message] of cases) {
      const r = await h.call('POST', `${projectParent()}?policyId=${id}`, {
        as: DENY_ADMIN,
        body: { rules },
      })
      expect(r.status, JSON.stringify(r.json)).toBe(status)
      expect(errorOf(r).message).toMatch(message)
    }
    const noId = await h.call('POST', projectParent(), { as: DENY_ADMIN, body: { rules: [] } })
    expect(errorOf(noId).message).toMatch(/policyId query parameter is required/)
    const folder = await h.call(
      'GET',
      parentOf('cloudresourcemanager.googleapis.com/folders/123'),
      { as: DENY_ADMIN },
    )
    expect(folder.status).toBe(400)
    expect(errorOf(folder).message).toMatch(/folders\/123" is not supported/)
    const dup = await create('no-delete', [])
    expect(dup.status).toBe(409)
    const missing = await h.call('GET', `${projectParent()}/missing-one`, { as: DENY_REVIEWER })
    expect(missing.status).toBe(404)
  })

  it('update compares etags (409 ABORTED) and changes only rules and displayName; delete answers deleteTime', async () => {
    expect((await create('to-edit', [])).status).toBe(200)
    const got = await h.call('GET', `${projectParent()}/to-edit`, { as: DENY_ADMIN })
    const etag = String(got.json['etag'])
    const stale = await h.call('PUT', `${projectParent()}/to-edit`, {
      as: DENY_ADMIN,
      body: { ...got.json, etag: 'c3RhbGU=', displayName: 'x' },
    })
    expect(stale.status).toBe(409)
    expect(errorOf(stale).status).toBe('ABORTED')
    const ok = await h.call('PUT', `${projectParent()}/to-edit`, {
      as: DENY_ADMIN,
      body: { ...got.json, etag, displayName: 'edited', uid: 'forged' },
    })
    expect(ok.status, JSON.stringify(ok.json)).toBe(200)
    const after = await h.call('GET', `${projectParent()}/to-edit`, { as: DENY_ADMIN })
    expect(after.json).toMatchObject({ displayName: 'edited', uid: got.json['uid'] })
    expect(after.json['etag']).not.toBe(etag)
    const badDelete = await h.call(
      'DELETE',
      `${projectParent()}/to-edit?etag=${encodeURIComponent(etag)}`,
      {
        as: DENY_ADMIN,
      },
    )
    expect(badDelete.status).toBe(409)
    const del = await h.call('DELETE', `${projectParent()}/to-edit`, { as: DENY_ADMIN })
    expect(del.status).toBe(200)
    expect((del.json['response'] as Record<string, unknown>)['deleteTime']).toBeDefined()
    expect((await h.call('GET', `${projectParent()}/to-edit`, { as: DENY_ADMIN })).status).toBe(404)
  })
})

describe('deny policies: who may manage them (attacks)', () => {
  it('a run.admin, a project owner and a reviewer cannot create, update or delete', async () => {
    for (const who of [RUN_ADMIN, PROJECT_OWNER, DENY_REVIEWER]) {
      const r = await create('sneaky', [], who)
      expect(r.status, who).toBe(403)
      expect(errorOf(r).message).toContain("'iam.denypolicies.create'")
      const u = await h.call('PUT', `${projectParent()}/no-delete`, {
        as: who,
        body: { rules: [] },
      })
      expect(u.status).toBe(403)
      const d = await h.call('DELETE', `${projectParent()}/no-delete`, { as: who })
      expect(d.status).toBe(403)
    }
    // The run.admin cannot even read them.
    expect((await h.call('GET', projectParent(), { as: RUN_ADMIN })).status).toBe(403)
  })

  it('authorizes before existence: a stranger learns nothing about a missing project', async () => {
    const r = await h.call(
      'GET',
      parentOf('cloudresourcemanager.googleapis.com/projects/no-such-project'),
      { as: 'user:stranger@elsewhere.org' },
    )
    expect(r.status).toBe(403)
  })

  it('a deny admin denied iam.denypolicies.delete cannot remove the deny policy that denies it', async () => {
    const r = await create('lock-in', [
      rule(
        ['principal://goog/subject/deny-admin@example.com'],
        ['iam.googleapis.com/denypolicies.delete'],
      ),
    ])
    expect(r.status, JSON.stringify(r.json)).toBe(200)
    const d = await h.call('DELETE', `${projectParent()}/lock-in`, { as: DENY_ADMIN })
    expect(d.status).toBe(403)
    // The organization owner, granted denyAdmin, can.
    await grant(`organizations/${h.orgId}`, [{ role: 'roles/iam.denyAdmin', members: [OWNER] }])
    const orgDelete = await h.call('DELETE', `${projectParent()}/lock-in`, { as: OWNER })
    expect(orgDelete.status).toBe(200)
  })
})

describe('deny before allow on admin calls and testIamPermissions', () => {
  it('denies a user, a group member and public:all; exceptions pass', async () => {
    const perms = ['run.services.get', 'run.services.setIamPolicy', 'run.routes.invoke']
    expect(await held(RUN_ADMIN, perms)).toEqual(perms)
    const r = await create('run-lockdown', [
      rule(
        ['principal://goog/subject/run-admin@example.com'],
        ['run.googleapis.com/services.setIamPolicy'],
      ),
      rule([`principalSet://goog/group/${GROUP}`], ['run.googleapis.com/services.*'], {
        exceptionPermissions: ['run.googleapis.com/services.get'],
      }),
    ])
    expect(r.status, JSON.stringify(r.json)).toBe(200)
    expect(await held(RUN_ADMIN, perms)).toEqual(['run.services.get', 'run.routes.invoke'])
    expect(await held(GROUP_MEMBER, perms)).toEqual(['run.services.get', 'run.routes.invoke'])
    const set = await h.call('POST', `/v2/${SVC}:setIamPolicy`, {
      as: RUN_ADMIN,
      body: { policy: { bindings: [] } },
    })
    expect(set.status).toBe(403)
    expect(errorOf(set).message).toContain("'run.services.setIamPolicy'")
    // An org-level deny on public:all stops even the organization owner, except named ones.
    await grant(`organizations/${h.orgId}`, [{ role: 'roles/iam.denyAdmin', members: [OWNER] }])
    const org = await create(
      'org-wide',
      [
        rule(['principalSet://goog/public:all'], ['run.googleapis.com/services.delete'], {
          exceptionPrincipals: ['principal://goog/subject/owner@example.com'],
        }),
      ],
      OWNER,
      parentOf(`cloudresourcemanager.googleapis.com/organizations/${h.orgId}`),
    )
    expect(org.status, JSON.stringify(org.json)).toBe(200)
    expect(await held(PROJECT_OWNER, ['run.services.delete'])).toEqual([])
    expect(await held(OWNER, ['run.services.delete'])).toEqual(['run.services.delete'])
    // Removing the policy restores access at once (the change feed drops the cached chain).
    expect(
      (await h.call('DELETE', `${projectParent()}/run-lockdown`, { as: DENY_ADMIN })).status,
    ).toBe(200)
    expect(await held(RUN_ADMIN, perms)).toEqual(perms)
  })
})

describe('deny in the analyzer', () => {
  it('who has run.routes.invoke leaves out the identities a deny policy refuses', async () => {
    const who = async (): Promise<string[]> => {
      const q = new URLSearchParams({
        'analysisQuery.resourceSelector.fullResourceName': `//run.googleapis.com/${SVC}`,
        'analysisQuery.accessSelector.permissions': 'run.routes.invoke',
      })
      const r = await h.call('GET', `/v1/projects/${P}:analyzeIamPolicy?${q.toString()}`, {
        as: OWNER,
      })
      expect(r.status, JSON.stringify(r.json)).toBe(200)
      const results =
        ((r.json['mainAnalysis'] as Record<string, unknown>)['analysisResults'] as
          { identityList: { identities: { name: string }[] } }[] | undefined) ?? []
      return [...new Set(results.flatMap((x) => x.identityList.identities.map((i) => i.name)))]
    }
    expect(await who()).toContain(RUN_ADMIN)
    const r = await create('no-invoke-admin', [
      rule(
        ['principal://goog/subject/run-admin@example.com'],
        ['run.googleapis.com/routes.invoke'],
      ),
    ])
    expect(r.status, JSON.stringify(r.json)).toBe(200)
    const after = await who()
    expect(after).not.toContain(RUN_ADMIN)
    expect(after).toContain(GROUP_MEMBER)
  })
})
