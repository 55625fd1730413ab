// The IAM roles API over HTTP on SQLite: predefined roles, custom roles of a project and of the
// organization with Google's shapes, limits and messages, who may manage them, where they may be
// bound, and that a binding grants exactly the role's permissions, follows every update, delete and
// undelete at once, and grants nothing when it should not (attacks included).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { computeEtag, type Policy } from '@runiam/core'
import type { Store } from '@runiam/store'
import { openSqliteStore } from '@runiam/store/sqlite'
import { errorOf, OWNER, startHarness, type CallResult, type Harness } from './test-harness.js'

const P = 'roles-api-proj'
const OTHER = 'roles-api-other'
const SVC = `projects/${P}/locations/us-central1/services/api`
const ALICE = 'user:alice@example.com'
const BOB = 'user:bob@example.com'
const STRANGER = 'user:stranger@elsewhere.org'
const ROLE_ADMIN = 'user:role-admin@example.com'
const ROLE_VIEWER = 'user:role-viewer@example.com'
const EDITOR = 'user:editor@example.com'
const OTHER_OWNER = 'user:other-owner@example.com'

let dir: string
let store: Store
let h: Harness

const roleOf = (r: CallResult) => r.json as Record<string, unknown>

async function createRole(
  parent: string,
  roleId: string,
  role: Record<string, unknown>,
  as = OWNER,
): Promise<CallResult> {
  return h.call('POST', `/v1/${parent}/roles`, { as, body: { roleId, role } })
}

/** Read-modify-write of a policy: adds bindings (Resource Manager or Run v2). */
async function grant(resource: string, bindings: { role: string; members: string[] }[]) {
  const run = resource.includes('/services/')
  const get = run
    ? await h.call('GET', `/v2/${resource}:getIamPolicy`, { as: OWNER })
    : await h.call('POST', `/v1/${resource}:getIamPolicy`, { as: OWNER, body: {} })
  const current = get.json as Policy
  return h.call('POST', `/${run ? 'v2' : 'v1'}/${resource}:setIamPolicy`, {
    as: OWNER,
    body: {
      policy: { etag: current.etag, bindings: [...(current.bindings ?? []), ...bindings] },
    },
  })
}

async function held(as: string, resource: string, permissions: string[]): Promise<string[]> {
  const run = resource.includes('/services/')
  const r = await h.call('POST', `/${run ? 'v2' : 'v1'}/${resource}:testIamPermissions`, {
    as,
    body: { permissions },
  })
  expect(r.status).toBe(200)
  return (r.json['permissions'] as string[] | undefined) ?? []
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'runiam-custom-roles-'))
  store = await openSqliteStore({ path: join(dir, 'db.sqlite') })
  h = await startHarness(store)
  for (const p of [P, OTHER]) {
    const c = await h.call('POST', '/v1/projects', { as: OWNER, body: { projectId: p } })
    expect(c.status).toBe(200)
  }
  expect(
    (
      await grant(`projects/${P}`, [
        { role: 'roles/iam.roleAdmin', members: [ROLE_ADMIN] },
        { role: 'roles/iam.roleViewer', members: [ROLE_VIEWER] },
        { role: 'roles/editor', members: [EDITOR] },
      ])
    ).status,
  ).toBe(200)
  expect(
    (await grant(`projects/${OTHER}`, [{ role: 'roles/owner', members: [OTHER_OWNER] }])).status,
  ).toBe(200)
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

describe('predefined roles', () => {
  it('roles.list answers every predefined role, BASIC view without permissions, FULL with', async () => {
    const basic = await h.call('GET', '/v1/roles', { as: ALICE })
    expect(basic.status).toBe(200)
    const roles = basic.json['roles'] as Record<string, unknown>[]
    const invoker = roles.find((r) => r['name'] === 'roles/run.invoker')
    expect(invoker).toEqual({
      name: 'roles/run.invoker',
      title: 'Cloud Run Invoker',
      description: 'Can invoke Cloud Run services, instances and execute Cloud Run jobs.',
      stage: 'GA',
      etag: 'AA==',
    })
    expect(roles.map((r) => r['name'])).toEqual(roles.map((r) => r['name']).sort())
    const full = await h.call('GET', '/v1/roles?view=FULL&pageSize=2', { as: ALICE })
    const page = full.json['roles'] as Record<string, unknown>[]
    expect(page).toHaveLength(2)
    expect(page[0]?.['includedPermissions']).toBeDefined()
    const next = await h.call(
      'GET',
      `/v1/roles?pageSize=2&pageToken=${String(full.json['nextPageToken'])}`,
      { as: ALICE },
    )
    expect((next.json['roles'] as { name: string }[])[0]?.name).toBe(roles[2]?.['name'])
  })

  it('roles.get answers a predefined role with its permissions; an unknown one is 404', async () => {
    const r = await h.call('GET', '/v1/roles/run.invoker', { as: ALICE })
    expect(roleOf(r)['includedPermissions']).toEqual([
      'run.instances.invoke',
      'run.jobs.run',
      'run.routes.invoke',
    ])
    const missing = await h.call('GET', '/v1/roles/run.superuser', { as: ALICE })
    expect(errorOf(missing)).toEqual({
      code: 404,
      status: 'NOT_FOUND',
      message: 'The role named roles/run.superuser was not found.',
    })
  })

  it('need a caller', async () => {
    expect((await h.call('GET', '/v1/roles')).status).toBe(401)
  })
})

describe('creating custom roles', () => {
  it('answers Google’s Role: permissions sorted, ALPHA and empty fields omitted', async () => {
    const r = await createRole(`projects/${P}`, 'shape.test_1', {
      title: 'Shape',
      includedPermissions: ['run.services.get', 'run.routes.invoke', 'run.services.get'],
    })
    expect(r.status).toBe(200)
    expect(Object.keys(roleOf(r)).sort()).toEqual(['etag', 'includedPermissions', 'name', 'title'])
    expect(roleOf(r)).toMatchObject({
      name: `projects/${P}/roles/shape.test_1`,
      title: 'Shape',
      includedPermissions: ['run.routes.invoke', 'run.services.get'],
    })
    const got = await h.call('GET', `/v1/projects/${P}/roles/shape.test_1`, { as: OWNER })
    expect(got.json).toEqual(r.json)
    const ga = await createRole(`projects/${P}`, 'shape_ga', {
      title: 'GA',
      description: 'd',
      stage: 'GA',
    })
    expect(roleOf(ga)).toMatchObject({ stage: 'GA', description: 'd' })
    expect(roleOf(ga)['includedPermissions']).toBeUndefined()
  })

  it.each<[string, Record<string, unknown>, number, string]>([
    [
      'a role id with a hyphen',
      { roleId: 'bad-id', role: { title: 't' } },
      400,
      'The role_id "bad-id" is invalid. It doesn\'t match pattern "[a-zA-Z0-9_\\.]{3,64}". The role_id must be 3 to 64 characters long and can be a mix of uppercase and lowercase English letters, digits, underscores and periods.',
    ],
    [
      'no role id',
      { role: { title: 't' } },
      400,
      'The role_id "" is invalid. It doesn\'t match pattern "[a-zA-Z0-9_\\.]{3,64}". The role_id must be 3 to 64 characters long and can be a mix of uppercase and lowercase English letters, digits, underscores and periods.',
    ],
    [
      'a 65-character id',
      { roleId: 'r'.repeat(65) },
      400,
      `The role_id "${'r'.repeat(65)}" is invalid.`,
    ],
    [
      'a title of 101 bytes',
      { roleId: 'long_title', role: { title: 't'.repeat(101) } },
      400,
      'The title of the role is 101 bytes long; a title may have at most 100 bytes.',
    ],
    [
      'a description of 301 bytes',
      { roleId: 'long_desc', role: { description: 'd'.repeat(301) } },
      400,
      'The description of the role is 301 bytes long; a description may have at most 300 bytes.',
    ],
    [
      'an unknown permission',
      {
        roleId: 'unknown_perm',
        role: { includedPermissions: ['run.services.get', 'storage.buckets.nuke'] },
      },
      400,
      'Permission storage.buckets.nuke is not valid.',
    ],
    [
      'an organization-only permission in a project role',
      {
        roleId: 'org_perm',
        role: { includedPermissions: ['resourcemanager.organizations.setIamPolicy'] },
      },
      400,
      'Permission resourcemanager.organizations.setIamPolicy is not valid.',
    ],
    [
      'a wildcard permission',
      { roleId: 'wild_perm', role: { includedPermissions: ['run.*'] } },
      400,
      'Permission run.* is not valid.',
    ],
    [
      'a role name',
      { roleId: 'named', role: { name: 'projects/x/roles/named' } },
      400,
      'Must not specify role.name.',
    ],
    [
      'an unknown stage',
      { roleId: 'bad_stage', role: { stage: 'PROD' } },
      400,
      'Invalid value at \'role.stage\' (type.googleapis.com/google.iam.admin.v1.Role.RoleLaunchStage), "PROD"',
    ],
    [
      'an unknown field',
      { roleId: 'bad_field', role: { owner: 'me' } },
      400,
      `Invalid JSON payload received. Unknown name "owner" at 'role': Cannot find field.`,
    ],
  ])('refuses %s with Google’s error', async (_what, body, status, message) => {
    const r = await h.call('POST', `/v1/projects/${P}/roles`, { as: OWNER, body })
    expect(r.status, JSON.stringify(r.json)).toBe(status)
    expect(errorOf(r).status).toBe('INVALID_ARGUMENT')
    expect(errorOf(r).message.startsWith(message)).toBe(true)
  })

  it('refuses more than 3,000 permissions', async () => {
    // The known permissions are fewer: 3,001 distinct names can only fail on the count.
    const many = Array.from({ length: 3001 }, (_, i) => `run.services.x${i}`)
    const r = await createRole(`projects/${P}`, 'too_many', { includedPermissions: many })
    expect(errorOf(r).message).toBe(
      'The role includes 3,001 permissions; a custom role may include at most 3,000.',
    )
  })

  it('refuses a taken id with 409 ALREADY_EXISTS', async () => {
    expect((await createRole(`projects/${P}`, 'dup_role', { title: 'a' })).status).toBe(200)
    const again = await createRole(`projects/${P}`, 'dup_role', { title: 'b' })
    expect(errorOf(again)).toEqual({
      code: 409,
      status: 'ALREADY_EXISTS',
      message: `A role named dup_role in projects/${P} already exists.`,
    })
  })

  it('an organization role may hold organization permissions; a project-level one may not', async () => {
    const org = `organizations/${h.orgId}`
    const r = await createRole(org, 'org_admin_lite', {
      title: 'Org',
      includedPermissions: ['resourcemanager.organizations.get', 'resourcemanager.projects.list'],
      stage: 'BETA',
    })
    expect(r.status, JSON.stringify(r.json)).toBe(200)
    expect(roleOf(r)['name']).toBe(`${org}/roles/org_admin_lite`)
    const list = await h.call('GET', `/v1/${org}/roles`, { as: OWNER })
    expect((list.json['roles'] as { name: string }[]).map((x) => x.name)).toContain(
      `${org}/roles/org_admin_lite`,
    )
    const bad = await createRole(`projects/${P}`, 'proj_list', {
      includedPermissions: ['resourcemanager.projects.list'],
    })
    expect(errorOf(bad).message).toBe('Permission resourcemanager.projects.list is not valid.')
  })

  it('a role path may name the project by number; the answer names it by id', async () => {
    const project = await h.call('GET', `/v1/projects/${P}`, { as: OWNER })
    const number = String(project.json['projectNumber'])
    const r = await createRole(`projects/${number}`, 'by_number', { title: 'n' })
    expect(roleOf(r)['name']).toBe(`projects/${P}/roles/by_number`)
    const got = await h.call('GET', `/v1/projects/${number}/roles/by_number`, { as: OWNER })
    expect(roleOf(got)['name']).toBe(`projects/${P}/roles/by_number`)
  })

  it('a project that does not exist is 404 for an owner of the organization', async () => {
    const r = await createRole('projects/no-such-project', 'x_role', {})
    expect(errorOf(r).code).toBe(404)
  })
})

describe('who may manage custom roles', () => {
  it('a stranger gets the same 403 whether the role exists or not (AIP-211)', async () => {
    await createRole(`projects/${P}`, 'aip211', { title: 't' })
    for (const name of ['aip211', 'nope_nope']) {
      const r = await h.call('GET', `/v1/projects/${P}/roles/${name}`, { as: STRANGER })
      expect(errorOf(r)).toEqual({
        code: 403,
        status: 'PERMISSION_DENIED',
        message: `Permission 'iam.roles.get' denied on resource 'projects/${P}/roles/${name}' (or it may not exist).`,
      })
    }
    const missingProject = await h.call('GET', '/v1/projects/ghost-project/roles', { as: STRANGER })
    expect(errorOf(missingProject).message).toBe(
      "Permission 'iam.roles.list' denied on resource 'projects/ghost-project' (or it may not exist).",
    )
  })

  it('roles/iam.roleViewer and roles/editor read but cannot write; roles/iam.roleAdmin writes', async () => {
    for (const reader of [ROLE_VIEWER, EDITOR]) {
      expect((await h.call('GET', `/v1/projects/${P}/roles`, { as: reader })).status).toBe(200)
      expect((await h.call('GET', `/v1/projects/${P}/roles/aip211`, { as: reader })).status).toBe(
        200,
      )
      const c = await createRole(`projects/${P}`, 'by_reader', {}, reader)
      expect(errorOf(c).message).toContain("'iam.roles.create'")
      const d = await h.call('DELETE', `/v1/projects/${P}/roles/aip211`, { as: reader })
      expect(errorOf(d).message).toContain("'iam.roles.delete'")
    }
    const c = await createRole(`projects/${P}`, 'by_role_admin', { title: 't' }, ROLE_ADMIN)
    expect(c.status).toBe(200)
    const u = await h.call('PATCH', `/v1/projects/${P}/roles/by_role_admin?updateMask=title`, {
      as: ROLE_ADMIN,
      body: { title: 'u' },
    })
    expect(roleOf(u)['title']).toBe('u')
  })

  it('a project role admin cannot touch another project’s roles or the organization’s', async () => {
    const other = await createRole(`projects/${OTHER}`, 'theirs', {}, ROLE_ADMIN)
    expect(errorOf(other).message).toBe(
      `Permission 'iam.roles.create' denied on resource 'projects/${OTHER}' (or it may not exist).`,
    )
    const org = await createRole(`organizations/${h.orgId}`, 'mine', {}, ROLE_ADMIN)
    expect(errorOf(org).code).toBe(403)
    const otherOrg = await createRole('organizations/999999', 'mine', {}, OWNER)
    expect(errorOf(otherOrg).message).toBe(
      "Permission 'iam.roles.create' denied on resource 'organizations/999999' (or it may not exist).",
    )
  })
})

describe('binding custom roles', () => {
  const R = `projects/${P}/roles/service_reader`

  beforeAll(async () => {
    const r = await createRole(`projects/${P}`, 'service_reader', {
      title: 'Service reader',
      includedPermissions: ['run.services.get', 'run.routes.invoke'],
      stage: 'GA',
    })
    expect(r.status).toBe(200)
  })

  it('grants exactly the role’s permissions, on the service and through the project', async () => {
    expect((await grant(`projects/${P}`, [{ role: R, members: [ALICE] }])).status).toBe(200)
    expect((await h.call('GET', `/v2/${SVC}`, { as: ALICE })).status).toBe(200)
    const patch = await h.call('PATCH', `/v2/${SVC}`, { as: ALICE, body: {} })
    expect(errorOf(patch).message).toContain("'run.services.update'")
    expect(
      await held(ALICE, SVC, [
        'run.services.get',
        'run.routes.invoke',
        'run.services.delete',
        'run.services.setIamPolicy',
      ]),
    ).toEqual(['run.services.get', 'run.routes.invoke'])
    // Bound on the service itself.
    expect((await grant(SVC, [{ role: R, members: [BOB] }])).status).toBe(200)
    expect(await held(BOB, SVC, ['run.services.get', 'run.services.list'])).toEqual([
      'run.services.get',
    ])
  })

  it('an update takes effect on the next decision', async () => {
    const r = await h.call('PATCH', `/v1/${R}?updateMask=includedPermissions`, {
      as: OWNER,
      body: { includedPermissions: ['run.routes.invoke'] },
    })
    expect(r.status, JSON.stringify(r.json)).toBe(200)
    expect(await held(ALICE, SVC, ['run.services.get', 'run.routes.invoke'])).toEqual([
      'run.routes.invoke',
    ])
    const back = await h.call('PATCH', `/v1/${R}?updateMask=includedPermissions`, {
      as: OWNER,
      body: { includedPermissions: ['run.services.get', 'run.routes.invoke'] },
    })
    expect(back.status).toBe(200)
    expect(await held(ALICE, SVC, ['run.services.get'])).toEqual(['run.services.get'])
  })

  it('a DISABLED role grants nothing; another stage grants again', async () => {
    const off = await h.call('PATCH', `/v1/${R}?updateMask=stage`, {
      as: OWNER,
      body: { stage: 'DISABLED' },
    })
    expect(roleOf(off)['stage']).toBe('DISABLED')
    expect(await held(ALICE, SVC, ['run.services.get'])).toEqual([])
    await h.call('PATCH', `/v1/${R}?updateMask=stage`, { as: OWNER, body: { stage: 'GA' } })
    expect(await held(ALICE, SVC, ['run.services.get'])).toEqual(['run.services.get'])
  })

  it('a deleted role grants nothing, takes no new members, keeps the old; undelete restores', async () => {
    const del = await h.call('DELETE', `/v1/${R}`, { as: OWNER })
    expect(del.status).toBe(200)
    expect(roleOf(del)).toMatchObject({ name: R, deleted: true })
    expect(await held(ALICE, SVC, ['run.services.get'])).toEqual([])
    expect(await held(BOB, SVC, ['run.services.get'])).toEqual([])
    // Listed only with showDeleted; get still answers for 7 days.
    const list = await h.call('GET', `/v1/projects/${P}/roles`, { as: OWNER })
    expect((list.json['roles'] as { name: string }[]).map((x) => x.name)).not.toContain(R)
    const all = await h.call('GET', `/v1/projects/${P}/roles?showDeleted=true`, { as: OWNER })
    expect((all.json['roles'] as { name: string }[]).map((x) => x.name)).toContain(R)
    expect(roleOf(await h.call('GET', `/v1/${R}`, { as: OWNER }))['deleted']).toBe(true)
    // New members: refused. A read-modify-write that keeps the old ones: accepted.
    const added = await grant(`projects/${P}`, [{ role: R, members: ['user:carol@example.com'] }])
    expect(errorOf(added).message).toContain(
      `Role (${R}) does not exist in the resource's hierarchy.`,
    )
    const kept = await grant(`projects/${P}`, [{ role: 'roles/run.viewer', members: [BOB] }])
    expect(kept.status, JSON.stringify(kept.json)).toBe(200)
    // Deleting again, updating: FAILED_PRECONDITION.
    expect(errorOf(await h.call('DELETE', `/v1/${R}`, { as: OWNER }))).toEqual({
      code: 400,
      status: 'FAILED_PRECONDITION',
      message: `You can't delete role_id (${R}) as it is already deleted.`,
    })
    const upd = await h.call('PATCH', `/v1/${R}`, { as: OWNER, body: { title: 'x' } })
    expect(errorOf(upd).status).toBe('FAILED_PRECONDITION')
    const same = await createRole(`projects/${P}`, 'service_reader', {})
    expect(errorOf(same).message).toBe(
      "You can't create a role with role_id (service_reader) where there is an existing role with that role_id in a deleted state.",
    )
    const un = await h.call('POST', `/v1/${R}:undelete`, { as: OWNER, body: {} })
    expect(un.status).toBe(200)
    expect(roleOf(un)['deleted']).toBeUndefined()
    expect(await held(ALICE, SVC, ['run.services.get'])).toEqual(['run.services.get'])
    const again = await h.call('POST', `/v1/${R}:undelete`, { as: OWNER, body: {} })
    expect(errorOf(again).message).toBe(`You can't undelete role_id (${R}) as it is not deleted.`)
  })

  it('binds only within the role’s hierarchy, with Google’s message elsewhere', async () => {
    const missing = `Role (${R}) does not exist in the resource's hierarchy.`
    const other = await grant(`projects/${OTHER}`, [{ role: R, members: [ALICE] }])
    expect(errorOf(other)).toEqual({ code: 400, status: 'INVALID_ARGUMENT', message: missing })
    const onOrg = await grant(`organizations/${h.orgId}`, [{ role: R, members: [ALICE] }])
    expect(errorOf(onOrg).message).toBe(missing)
    const unknown = await grant(`projects/${P}`, [
      { role: `projects/${P}/roles/never_made`, members: [ALICE] },
    ])
    expect(errorOf(unknown).message).toBe(
      `Role (projects/${P}/roles/never_made) does not exist in the resource's hierarchy.`,
    )
    // An organization role binds in any project and on the organization.
    const orgRole = `organizations/${h.orgId}/roles/org_admin_lite`
    expect((await grant(`projects/${OTHER}`, [{ role: orgRole, members: [BOB] }])).status).toBe(200)
    expect(
      (await grant(`organizations/${h.orgId}`, [{ role: orgRole, members: [BOB] }])).status,
    ).toBe(200)
  })

  it('a custom role is grantable only where one of its permissions applies', async () => {
    const jobsOnly = await createRole(`projects/${P}`, 'jobs_only', {
      includedPermissions: ['run.jobs.run'],
    })
    expect(jobsOnly.status).toBe(200)
    const r = await grant(SVC, [{ role: `projects/${P}/roles/jobs_only`, members: [ALICE] }])
    expect(errorOf(r).message).toBe(
      `Role projects/${P}/roles/jobs_only is not supported for this resource.`,
    )
  })

  it('attack: a policy stored with another project’s role (bypassing validation) grants nothing', async () => {
    // Written straight into the store, as a corrupted or hand-edited database would hold it.
    const current = (await store.getPolicy(`projects/${OTHER}`))?.policy.bindings ?? []
    const policy: Policy = {
      version: 1,
      bindings: [...current, { role: R, members: [STRANGER] }],
    }
    await store.transact((tx) =>
      tx.putPolicy(`projects/${OTHER}`, { ...policy, etag: computeEtag(policy) }),
    )
    expect(await held(STRANGER, `projects/${OTHER}`, ['run.services.get'])).toEqual([])
    expect(await held(STRANGER, `projects/${P}`, ['run.services.get'])).toEqual([])
  })

  it('attack: a project owner cannot reach past the project with a custom role', async () => {
    // OTHER_OWNER owns OTHER: a role there holding what it may hold, bound in OTHER, gives it
    // nothing on P or the organization.
    const r = await createRole(
      `projects/${OTHER}`,
      'escalate',
      { includedPermissions: ['run.services.get', 'resourcemanager.projects.setIamPolicy'] },
      OTHER_OWNER,
    )
    expect(r.status, JSON.stringify(r.json)).toBe(200)
    expect(await held(OTHER_OWNER, SVC, ['run.services.get'])).toEqual([])
    const onP = await h.call('POST', `/v1/projects/${P}:setIamPolicy`, {
      as: OTHER_OWNER,
      body: {
        policy: {
          bindings: [{ role: `projects/${OTHER}/roles/escalate`, members: [OTHER_OWNER] }],
        },
      },
    })
    expect(errorOf(onP).code).toBe(403)
    const orgRole = await createRole(`organizations/${h.orgId}`, 'escalate', {}, OTHER_OWNER)
    expect(errorOf(orgRole).code).toBe(403)
  })
})

describe('patch, list and etags', () => {
  it('patch without a mask replaces every field; with one, only those', async () => {
    const name = `projects/${P}/roles/patchme`
    await createRole(`projects/${P}`, 'patchme', {
      title: 'T',
      description: 'D',
      includedPermissions: ['run.services.get'],
      stage: 'GA',
    })
    const masked = await h.call('PATCH', `/v1/${name}?updateMask=description`, {
      as: OWNER,
      body: { description: 'D2', title: 'ignored' },
    })
    expect(roleOf(masked)).toMatchObject({ title: 'T', description: 'D2', stage: 'GA' })
    const whole = await h.call('PATCH', `/v1/${name}`, { as: OWNER, body: { title: 'W' } })
    expect(roleOf(whole)).toEqual({ name, title: 'W', etag: roleOf(whole)['etag'] })
    const badMask = await h.call('PATCH', `/v1/${name}?updateMask=name`, { as: OWNER, body: {} })
    expect(errorOf(badMask).code).toBe(400)
  })

  it('a stale etag is 409 ABORTED; the current one is accepted', async () => {
    const name = `projects/${P}/roles/etagged`
    const c = await createRole(`projects/${P}`, 'etagged', { title: 'a' })
    const etag = String(roleOf(c)['etag'])
    const ok = await h.call('PATCH', `/v1/${name}?updateMask=title`, {
      as: OWNER,
      body: { title: 'b', etag },
    })
    expect(ok.status).toBe(200)
    expect(roleOf(ok)['etag']).not.toBe(etag)
    const stale = await h.call('PATCH', `/v1/${name}?updateMask=title`, {
      as: OWNER,
      body: { title: 'c', etag },
    })
    expect(errorOf(stale)).toMatchObject({ code: 409, status: 'ABORTED' })
    const delStale = await h.call('DELETE', `/v1/${name}?etag=${encodeURIComponent(etag)}`, {
      as: OWNER,
    })
    expect(errorOf(delStale).code).toBe(409)
  })

  it('list: BASIC without permissions by default, FULL with; pages', async () => {
    const basic = await h.call('GET', `/v1/projects/${P}/roles`, { as: OWNER })
    const roles = basic.json['roles'] as Record<string, unknown>[]
    expect(roles.every((r) => r['includedPermissions'] === undefined)).toBe(true)
    const full = await h.call('GET', `/v1/projects/${P}/roles?view=FULL`, { as: OWNER })
    expect(
      (full.json['roles'] as Record<string, unknown>[]).some(
        (r) => r['includedPermissions'] !== undefined,
      ),
    ).toBe(true)
    const p1 = await h.call('GET', `/v1/projects/${P}/roles?pageSize=1`, { as: OWNER })
    expect(p1.json['roles']).toHaveLength(1)
    const p2 = await h.call(
      'GET',
      `/v1/projects/${P}/roles?pageSize=1&pageToken=${String(p1.json['nextPageToken'])}`,
      { as: OWNER },
    )
    expect((p2.json['roles'] as { name: string }[])[0]?.name).toBe(roles[1]?.['name'])
  })
})

describe('queryTestablePermissions', () => {
  const query = (body: unknown) =>
    h.call('POST', '/v1/permissions:queryTestablePermissions', { as: ALICE, body })

  it('lists the permissions testable on a kind of resource, sorted and paged', async () => {
    const onService = await query({
      fullResourceName: `//run.googleapis.com/${SVC}`,
      pageSize: 1000,
    })
    const names = (onService.json['permissions'] as { name: string }[]).map((p) => p.name)
    expect(names).toContain('run.routes.invoke')
    expect(names).not.toContain('run.jobs.run')
    expect(names).toEqual([...names].sort())
    expect((onService.json['permissions'] as Record<string, unknown>[])[0]).toMatchObject({
      stage: 'GA',
      customRolesSupportLevel: 'SUPPORTED',
    })
    const project = await query({
      fullResourceName: `//cloudresourcemanager.googleapis.com/projects/${P}`,
    })
    expect(project.json['permissions']).toHaveLength(100)
    const next = await query({
      fullResourceName: `//cloudresourcemanager.googleapis.com/projects/${P}`,
      pageToken: project.json['nextPageToken'],
    })
    expect((next.json['permissions'] as unknown[]).length).toBeGreaterThan(0)
  })

  it('refuses a name that is not a full resource name', async () => {
    const r = await query({ fullResourceName: `projects/${P}` })
    expect(errorOf(r).code).toBe(400)
    expect(errorOf(await query({})).message).toBe('Field fullResourceName is required.')
  })
})

describe('the 300-role limit', () => {
  it('the 301st custom role of a project is 429 RESOURCE_EXHAUSTED, deleted ones counting', async () => {
    const parent = 'projects/roles-limit-proj'
    expect(
      (await h.call('POST', '/v1/projects', { as: OWNER, body: { projectId: 'roles-limit-proj' } }))
        .status,
    ).toBe(200)
    for (let i = 0; i < 300; i++) {
      const r = await createRole(parent, `r${String(i).padStart(3, '0')}`, { title: `R${i}` })
      expect(r.status).toBe(200)
    }
    expect((await h.call('DELETE', `/v1/${parent}/roles/r000`, { as: OWNER })).status).toBe(200)
    const over = await createRole(parent, 'r300', {})
    expect(errorOf(over)).toEqual({
      code: 429,
      status: 'RESOURCE_EXHAUSTED',
      message: 'Maximum number of roles reached. Maximum is: 300',
    })
  }, 60_000)
})
