// The Cloud Identity Groups routes over real HTTP and SQLite: Google's shapes and messages, who
// may manage groups (cloudidentity.groups.* on the organization), and what groups grant: `group:`
// bindings reach members and members of nested groups (cycles included), `domain:` reaches users
// of the domain only, and a membership change counts from the very next decision.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '@runiam/store'
import { openSqliteStore } from '@runiam/store/sqlite'
import { INVOKE_PERMISSION } from '../services/invoke-check.js'
import { errorOf, OWNER, startHarness, type Harness } from './test-harness.js'

const P = 'groups-project'
const ADMIN = 'user:groups-admin@example.com'
const VIEWER = 'user:groups-viewer@example.com'
const STRANGER = 'user:stranger@example.com'
const DISCUSSION = 'cloudidentity.googleapis.com/groups.discussion_forum'
const SECURITY = 'cloudidentity.googleapis.com/groups.security'

let dir: string
let store: Store
let h: Harness
let customer: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'runiam-groups-admin-'))
  store = await openSqliteStore({ path: join(dir, 'db.sqlite') })
  h = await startHarness(store)
  customer = `customers/C${h.orgId}`
  expect((await h.call('POST', '/v1/projects', { as: OWNER, body: { projectId: P } })).status).toBe(
    200,
  )
  await grant(`organizations/${h.orgId}`, 'roles/cloudidentity.groupsAdmin', ADMIN)
  await grant(`organizations/${h.orgId}`, 'roles/cloudidentity.groupsViewer', VIEWER)
})

afterAll(async () => {
  await h.close()
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

async function grant(resource: string, role: string, member: string): Promise<void> {
  const get = await h.call('POST', `/v1/${resource}:getIamPolicy`, { as: OWNER, body: {} })
  expect(get.status).toBe(200)
  const bindings = [...((get.json['bindings'] as unknown[]) ?? []), { role, members: [member] }]
  const set = await h.call('POST', `/v1/${resource}:setIamPolicy`, {
    as: OWNER,
    body: { policy: { bindings, etag: get.json['etag'] } },
  })
  expect(set.status, JSON.stringify(set.json)).toBe(200)
}

/** Creates a group as ADMIN; returns its resource name. */
async function createGroup(email: string, extra: Record<string, unknown> = {}): Promise<string> {
  const r = await h.call('POST', '/v1/groups?initialGroupConfig=EMPTY', {
    as: ADMIN,
    body: { parent: customer, groupKey: { id: email }, labels: { [DISCUSSION]: '' }, ...extra },
  })
  expect(r.status, JSON.stringify(r.json)).toBe(200)
  return (r.json['response'] as { name: string }).name
}

/** Adds a member as ADMIN; returns the membership's resource name. */
async function addMember(group: string, email: string, roles?: string[]): Promise<string> {
  const r = await h.call('POST', `/v1/${group}/memberships`, {
    as: ADMIN,
    body: {
      preferredMemberKey: { id: email },
      ...(roles === undefined ? {} : { roles: roles.map((name) => ({ name })) }),
    },
  })
  expect(r.status, JSON.stringify(r.json)).toBe(200)
  return (r.json['response'] as { name: string }).name
}

async function removeMember(membership: string): Promise<void> {
  const r = await h.call('DELETE', `/v1/${membership}`, { as: ADMIN })
  expect(r.status, JSON.stringify(r.json)).toBe(200)
}

/** Whether `member` may read the project (resourcemanager.projects.get). */
async function canReadProject(member: string): Promise<boolean> {
  const r = await h.call('GET', `/v1/projects/${P}`, { as: member })
  expect([200, 403]).toContain(r.status)
  return r.status === 200
}

describe('groups: Google shapes and messages', () => {
  it('creates a group: a done Operation whose response is the Group', async () => {
    const r = await h.call('POST', '/v1/groups?initialGroupConfig=EMPTY', {
      as: ADMIN,
      body: {
        parent: customer,
        groupKey: { id: 'Shapes@Example.com' },
        displayName: 'Shapes',
        description: 'For the shape tests',
        labels: { [SECURITY]: '', [DISCUSSION]: '' },
      },
    })
    expect(r.status, JSON.stringify(r.json)).toBe(200)
    expect(r.json['done']).toBe(true)
    expect(r.json['name']).toBeUndefined()
    const g = r.json['response'] as Record<string, unknown>
    expect(g).toEqual({
      '@type': 'type.googleapis.com/google.apps.cloudidentity.groups.v1.Group',
      name: expect.stringMatching(/^groups\/0[0-9a-z]{14}$/) as unknown,
      groupKey: { id: 'shapes@example.com' },
      parent: customer,
      displayName: 'Shapes',
      description: 'For the shape tests',
      createTime: '2026-01-01T00:00:00.000Z',
      updateTime: '2026-01-01T00:00:00.000Z',
      labels: { [DISCUSSION]: '', [SECURITY]: '' },
    })
    const got = await h.call('GET', `/v1/${g['name'] as string}`, { as: VIEWER })
    expect(got.status).toBe(200)
    const { '@type': _type, ...group } = g
    expect(got.json).toEqual(group)
    const looked = await h.call('GET', '/v1/groups:lookup?groupKey.id=SHAPES%40example.com', {
      as: VIEWER,
    })
    expect(looked.json).toEqual({ name: g['name'] })
  })

  it("accepts gcloud's customerId/ parent and my_customer", async () => {
    for (const parent of [`customerId/C${h.orgId}`, 'customers/my_customer']) {
      const email = `parent-${parent.length}@example.com`
      const r = await h.call('POST', '/v1/groups', {
        as: ADMIN,
        body: { parent, groupKey: { id: email }, labels: { [DISCUSSION]: '' } },
      })
      expect(r.status, JSON.stringify(r.json)).toBe(200)
      expect((r.json['response'] as { parent: string }).parent).toBe(customer)
    }
  })

  it('refuses a taken email with 409 Error(4003), and bad requests with 400 naming the value', async () => {
    await createGroup('taken@example.com')
    const dup = await h.call('POST', '/v1/groups', {
      as: ADMIN,
      body: {
        parent: customer,
        groupKey: { id: 'TAKEN@example.com' },
        labels: { [DISCUSSION]: '' },
      },
    })
    expect(errorOf(dup)).toEqual({
      code: 409,
      status: 'ALREADY_EXISTS',
      message: 'Error(4003): Entity already exists.',
    })
    const bad = async (body: Record<string, unknown>, query = ''): Promise<string> => {
      const r = await h.call('POST', `/v1/groups${query}`, {
        as: ADMIN,
        body: {
          parent: customer,
          groupKey: { id: 'ok@example.com' },
          labels: { [DISCUSSION]: '' },
          ...body,
        },
      })
      expect(r.status, JSON.stringify(r.json)).toBe(400)
      return errorOf(r).message
    }
    expect(await bad({ groupKey: { id: 'eng@other.com' } })).toContain(
      "a group's email must be in the organization's domain 'example.com'",
    )
    expect(await bad({ groupKey: { id: 'not an email' } })).toContain('"not an email"')
    expect(
      await bad({ groupKey: { id: 'x@example.com', namespace: 'identitysources/1' } }),
    ).toContain('identitysources/1')
    expect(await bad({ labels: {} })).toContain('Field labels is required')
    expect(await bad({ labels: { 'cloudidentity.googleapis.com/groups.dynamic': '' } })).toContain(
      'groups.dynamic',
    )
    expect(await bad({ labels: { [SECURITY]: '' } })).toContain(DISCUSSION)
    expect(await bad({ labels: { [DISCUSSION]: 'yes' } })).toContain('empty values')
    expect(await bad({ description: 'x'.repeat(4097) })).toContain('4096')
    expect(await bad({ parent: 'organizations/1' })).toContain(customer)
    expect(await bad({}, '?initialGroupConfig=SOMETIMES')).toContain('"SOMETIMES"')
    const other = await h.call('POST', '/v1/groups', {
      as: ADMIN,
      body: {
        parent: 'customers/C0other',
        groupKey: { id: 'ok@example.com' },
        labels: { [DISCUSSION]: '' },
      },
    })
    expect(errorOf(other).code).toBe(403)
  })

  it('answers an unknown group like Google: 403 Error(2028) with a ResourceInfo; a malformed id 400 Error(2033)', async () => {
    const r = await h.call('GET', '/v1/groups/0nosuchgroup', { as: ADMIN })
    expect(errorOf(r)).toEqual({
      code: 403,
      status: 'PERMISSION_DENIED',
      message:
        'Error(2028): Permission denied for resource groups/0nosuchgroup (or it may not exist).',
    })
    expect((r.json['error'] as { details: unknown[] }).details).toContainEqual({
      '@type': 'type.googleapis.com/google.rpc.ResourceInfo',
      resourceType: 'cloudidentity.googleapis.com/Group',
      resourceName: 'groups/0nosuchgroup',
      owner: 'domain:cloudidentity.googleapis.com',
      description:
        'Error(2028): Permission denied for resource groups/0nosuchgroup (or it may not exist).',
    })
    for (const [method, path] of [
      ['DELETE', '/v1/groups/0nosuchgroup'],
      ['GET', '/v1/groups/0nosuchgroup/memberships'],
      ['GET', '/v1/groups:lookup?groupKey.id=nobody%40example.com'],
    ] as const) {
      expect(errorOf(await h.call(method, path, { as: ADMIN })).code, path).toBe(403)
    }
    const email = await h.call('GET', '/v1/groups/eng%40example.com', { as: ADMIN })
    expect(errorOf(email).code).toBe(400)
    expect(errorOf(email).message).toContain('Error(2033)')
  })

  it('lists the customer’s groups by email, BASIC by default, FULL on request, in pages', async () => {
    await createGroup('list-a@example.com', { description: 'A' })
    await createGroup('list-b@example.com')
    const all: Record<string, unknown>[] = []
    let token: string | undefined
    do {
      const r = await h.call(
        'GET',
        `/v1/groups?parent=${encodeURIComponent(customer)}&pageSize=2${token === undefined ? '' : `&pageToken=${token}`}`,
        { as: VIEWER },
      )
      expect(r.status, JSON.stringify(r.json)).toBe(200)
      all.push(...((r.json['groups'] as Record<string, unknown>[]) ?? []))
      token = r.json['nextPageToken'] as string | undefined
    } while (token !== undefined)
    const emails = all.map((g) => (g['groupKey'] as { id: string }).id)
    expect(emails).toEqual([...emails].sort())
    expect(emails).toContain('list-a@example.com')
    const a = all.find((g) => (g['groupKey'] as { id: string }).id === 'list-a@example.com')
    expect(a?.['description']).toBeUndefined()
    expect(a?.['createTime']).toBeUndefined()
    const full = await h.call('GET', `/v1/groups?parent=${customer}&view=FULL`, { as: VIEWER })
    const fa = (full.json['groups'] as Record<string, unknown>[]).find(
      (g) => (g['groupKey'] as { id: string }).id === 'list-a@example.com',
    )
    expect(fa?.['description']).toBe('A')
    expect(
      errorOf(await h.call('GET', `/v1/groups?parent=${customer}&view=ALL`, { as: VIEWER }))
        .message,
    ).toContain('"ALL"')
    expect(errorOf(await h.call('GET', '/v1/groups', { as: VIEWER })).message).toContain(
      'Field parent is required',
    )
  })

  it('patches display name, description and labels (never removing the security label)', async () => {
    const g = await createGroup('patch@example.com', {
      labels: { [DISCUSSION]: '', [SECURITY]: '' },
    })
    const r = await h.call('PATCH', `/v1/${g}?updateMask=display_name,description`, {
      as: ADMIN,
      body: { displayName: 'Patched', description: 'New' },
    })
    expect(r.status, JSON.stringify(r.json)).toBe(200)
    expect(r.json['response']).toMatchObject({ displayName: 'Patched', description: 'New' })
    const drop = await h.call('PATCH', `/v1/${g}?updateMask=labels`, {
      as: ADMIN,
      body: { labels: { [DISCUSSION]: '' } },
    })
    expect(errorOf(drop).message).toContain('cannot be removed')
    const key = await h.call('PATCH', `/v1/${g}?updateMask=groupKey`, {
      as: ADMIN,
      body: { groupKey: { id: 'moved@example.com' } },
    })
    expect(errorOf(key).message).toContain("'groupKey'")
  })

  it('memberships: users, service accounts and groups (type GROUP, named by the group id)', async () => {
    const eng = await createGroup('m-eng@example.com')
    const all = await createGroup('m-all@example.com')
    const bob = await addMember(eng, 'Bob@Example.com')
    await addMember(eng, 'robot@groups-project.iam.gserviceaccount.com', ['MANAGER'])
    const nested = await addMember(all, 'm-eng@example.com')
    expect(nested).toBe(`${all}/memberships/${eng.slice('groups/'.length)}`)
    const got = await h.call('GET', `/v1/${bob}`, { as: VIEWER })
    expect(got.json).toEqual({
      name: bob,
      preferredMemberKey: { id: 'bob@example.com' },
      roles: [{ name: 'MEMBER' }],
      type: 'USER',
      createTime: '2026-01-01T00:00:00.000Z',
      updateTime: '2026-01-01T00:00:00.000Z',
    })
    const list = await h.call('GET', `/v1/${eng}/memberships`, { as: VIEWER })
    expect(list.json).toEqual({
      memberships: [
        { name: bob, preferredMemberKey: { id: 'bob@example.com' }, roles: [{ name: 'MEMBER' }] },
        {
          name: expect.stringMatching(/^groups\/.+\/memberships\/\d{21}$/) as unknown,
          preferredMemberKey: { id: 'robot@groups-project.iam.gserviceaccount.com' },
          roles: [{ name: 'MANAGER' }, { name: 'MEMBER' }],
        },
      ],
    })
    const full = await h.call('GET', `/v1/${all}/memberships?view=FULL`, { as: VIEWER })
    expect((full.json['memberships'] as { type: string }[])[0]?.type).toBe('GROUP')
    const looked = await h.call(
      'GET',
      `/v1/${eng}/memberships:lookup?memberKey.id=BOB%40example.com`,
      {
        as: VIEWER,
      },
    )
    expect(looked.json).toEqual({ name: bob })
  })

  it('refuses duplicate members (409), a group in itself and bad roles (400)', async () => {
    const g = await createGroup('m-rules@example.com')
    await addMember(g, 'carol@example.com')
    const add = (body: Record<string, unknown>) =>
      h.call('POST', `/v1/${g}/memberships`, { as: ADMIN, body })
    expect(errorOf(await add({ preferredMemberKey: { id: 'CAROL@example.com' } }))).toMatchObject({
      code: 409,
      message: 'Error(4003): Entity already exists.',
    })
    expect(
      errorOf(await add({ preferredMemberKey: { id: 'm-rules@example.com' } })).message,
    ).toContain('cannot be a member of itself')
    expect(
      errorOf(
        await add({ preferredMemberKey: { id: 'dan@example.com' }, roles: [{ name: 'BOSS' }] }),
      ).message,
    ).toContain('"BOSS"')
    expect(
      errorOf(
        await add({
          preferredMemberKey: { id: 'dan@example.com' },
          roles: [{ name: 'MEMBER' }, { name: 'MEMBER' }],
        }),
      ).message,
    ).toContain('given twice')
    expect(
      errorOf(
        await add({
          preferredMemberKey: { id: 'dan@example.com' },
          roles: [{ name: 'MEMBER', expiryDetail: { expireTime: '2030-01-01T00:00:00Z' } }],
        }),
      ).message,
    ).toContain('do not expire')
    expect(errorOf(await add({})).message).toContain('preferredMemberKey is required')
  })

  it('WITH_INITIAL_OWNER makes the caller an owner (and so a member)', async () => {
    const r = await h.call('POST', '/v1/groups?initialGroupConfig=WITH_INITIAL_OWNER', {
      as: ADMIN,
      body: {
        parent: customer,
        groupKey: { id: 'owned@example.com' },
        labels: { [DISCUSSION]: '' },
      },
    })
    expect(r.status).toBe(200)
    const name = (r.json['response'] as { name: string }).name
    const list = await h.call('GET', `/v1/${name}/memberships`, { as: ADMIN })
    expect(list.json['memberships']).toEqual([
      {
        name: expect.stringMatching(/memberships\/\d{21}$/) as unknown,
        preferredMemberKey: { id: 'groups-admin@example.com' },
        roles: [{ name: 'OWNER' }, { name: 'MEMBER' }],
      },
    ])
  })
})

describe('who may manage groups', () => {
  it('a stranger, a group viewer and even a group owner cannot change groups without the permission', async () => {
    const g = await createGroup('guarded@example.com')
    await addMember(g, 'stranger@example.com', ['OWNER'])
    for (const who of [STRANGER, VIEWER]) {
      const add = await h.call('POST', `/v1/${g}/memberships`, {
        as: who,
        body: { preferredMemberKey: { id: 'mallory@example.com' } },
      })
      expect(errorOf(add)).toMatchObject({
        code: 403,
        message: `Permission 'cloudidentity.groups.memberships.create' denied on resource 'organizations/${h.orgId}' (or it may not exist).`,
      })
      const create = await h.call('POST', '/v1/groups', {
        as: who,
        body: {
          parent: customer,
          groupKey: { id: 'mine@example.com' },
          labels: { [DISCUSSION]: '' },
        },
      })
      expect(errorOf(create).code).toBe(403)
      expect(errorOf(await h.call('DELETE', `/v1/${g}`, { as: who })).code).toBe(403)
    }
    // The stranger cannot even tell a real group from a missing one.
    const real = await h.call('GET', `/v1/${g}`, { as: STRANGER })
    const missing = await h.call('GET', '/v1/groups/0missing', { as: STRANGER })
    expect(errorOf(real).message).toBe(errorOf(missing).message)
  })

  it('a project owner gets nothing: group management is checked on the organization', async () => {
    await grant(`projects/${P}`, 'roles/owner', 'user:project-owner@example.com')
    const r = await h.call('GET', `/v1/groups?parent=${customer}`, {
      as: 'user:project-owner@example.com',
    })
    expect(errorOf(r).code).toBe(403)
  })

  it('the group roles cannot be granted on a project', async () => {
    const get = await h.call('POST', `/v1/projects/${P}:getIamPolicy`, { as: OWNER, body: {} })
    const set = await h.call('POST', `/v1/projects/${P}:setIamPolicy`, {
      as: OWNER,
      body: {
        policy: {
          bindings: [
            ...((get.json['bindings'] as unknown[]) ?? []),
            { role: 'roles/cloudidentity.groupsAdmin', members: [STRANGER] },
          ],
          etag: get.json['etag'],
        },
      },
    })
    expect(errorOf(set).message).toContain('roles/cloudidentity.groupsAdmin is not supported')
  })
})

describe('what groups and domains grant', () => {
  it('a group: binding grants to members and to members of nested groups; removal counts at once', async () => {
    const team = await createGroup('grant-team@example.com')
    const org = await createGroup('grant-org@example.com')
    await addMember(org, 'grant-team@example.com')
    const dana = await addMember(team, 'dana@example.com')
    await grant(`projects/${P}`, 'roles/viewer', 'group:grant-org@example.com')
    expect(await canReadProject('user:dana@example.com')).toBe(true)
    expect(await canReadProject('user:erin@example.com')).toBe(false)
    await removeMember(dana)
    expect(await canReadProject('user:dana@example.com')).toBe(false)
  })

  it('service accounts in a group get its grants', async () => {
    const g = await createGroup('grant-robots@example.com')
    await addMember(g, 'bot@groups-project.iam.gserviceaccount.com')
    await grant(`projects/${P}`, 'roles/viewer', 'group:grant-robots@example.com')
    expect(await canReadProject('serviceAccount:bot@groups-project.iam.gserviceaccount.com')).toBe(
      true,
    )
  })

  it('a membership cycle neither hangs nor grants to anyone outside it', async () => {
    const a = await createGroup('cycle-a@example.com')
    const b = await createGroup('cycle-b@example.com')
    await addMember(a, 'cycle-b@example.com')
    await addMember(b, 'cycle-a@example.com')
    const fay = await addMember(a, 'fay@example.com')
    await grant(`projects/${P}`, 'roles/viewer', 'group:cycle-b@example.com')
    expect(await canReadProject('user:fay@example.com')).toBe(true)
    expect(await canReadProject('user:gus@example.com')).toBe(false)
    await removeMember(fay)
    expect(await canReadProject('user:fay@example.com')).toBe(false)
  })

  it('deleting a group revokes what it granted; a new group of the same email inherits nothing', async () => {
    const inner = await createGroup('del-inner@example.com')
    const outer = await createGroup('del-outer@example.com')
    await addMember(inner, 'hal@example.com')
    await addMember(outer, 'del-inner@example.com')
    await grant(`projects/${P}`, 'roles/viewer', 'group:del-outer@example.com')
    expect(await canReadProject('user:hal@example.com')).toBe(true)
    expect((await h.call('DELETE', `/v1/${inner}`, { as: ADMIN })).status).toBe(200)
    expect(await canReadProject('user:hal@example.com')).toBe(false)
    const again = await createGroup('del-inner@example.com')
    await addMember(again, 'hal@example.com')
    expect(await canReadProject('user:hal@example.com')).toBe(false)
    const outerMembers = await h.call('GET', `/v1/${outer}/memberships`, { as: ADMIN })
    expect(outerMembers.json).toEqual({})
  })

  it('domain: grants to users of the domain only: not to service accounts, not to look-alike domains', async () => {
    await grant(`projects/${P}`, 'roles/viewer', 'domain:partner.example')
    expect(await canReadProject('user:ivy@partner.example')).toBe(true)
    expect(await canReadProject('user:IVY@PARTNER.EXAMPLE')).toBe(true)
    expect(await canReadProject('user:ivy@sub.partner.example')).toBe(false)
    expect(await canReadProject('user:ivy@partner.example.evil.com')).toBe(false)
    expect(await canReadProject('serviceAccount:x@partner.example')).toBe(false)
  })

  it('group: members in policies still follow the policy rules (250 groups and domains)', async () => {
    const members = Array.from({ length: 251 }, (_, i) => `group:g${i}@example.com`)
    const get = await h.call('POST', `/v1/projects/${P}:getIamPolicy`, { as: OWNER, body: {} })
    const set = await h.call('POST', `/v1/projects/${P}:setIamPolicy`, {
      as: OWNER,
      body: {
        policy: {
          bindings: [
            ...((get.json['bindings'] as unknown[]) ?? []),
            { role: 'roles/viewer', members },
          ],
          etag: get.json['etag'],
        },
      },
    })
    expect(set.status).toBe(400)
    expect(errorOf(set).message).toContain('groups and domains')
  })

  it('the gateway path decides synchronously once the directory is loaded, and sees a change on the next decision', async () => {
    const g = await createGroup('gw-team@example.com')
    const m = await addMember(g, 'jo@example.com')
    await grant(`projects/${P}`, 'roles/run.invoker', 'group:gw-team@example.com')
    const resource = `projects/${P}/locations/us-central1/services/any`
    const jo = { member: 'user:jo@example.com', email: 'jo@example.com' }
    const decide = () =>
      h.services.checker.decideNow(jo, INVOKE_PERMISSION, resource, { timeMs: Date.now() })
    expect((await decide()).allowed).toBe(true)
    const now = decide()
    expect(now instanceof Promise).toBe(false)
    expect((now as { allowed: boolean }).allowed).toBe(true)
    await removeMember(m)
    expect((await decide()).allowed).toBe(false)
  })
})
