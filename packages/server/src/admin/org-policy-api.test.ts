// The Org Policy v2 API over HTTP on a real SQLite store: every route for projects and the
// organization, inheritance down the hierarchy, both enforcement rules with Google's status,
// message and PreconditionFailure details, and permission denials.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Store } from '@runiam/store'

import { openSqliteStore } from '@runiam/store/sqlite'
import { errorOf, OWNER, startHarness, type CallResult, type Harness } from './test-harness.js'

const P = 'op-proj'
const OTHER = 'op-other'
const LOC = `projects/${P}/locations/us-central1`
const SVC = `${LOC}/services/svc`
const RII = 'run.managed.requireInvokerIam'
const DRS = 'iam.allowedPolicyMemberDomains'
const NOBODY = 'user:nobody@example.com'
const VIEWER = 'user:viewer@example.com'

let dir: string
let store: Store
let h: Harness
let projectNumber: string
let org: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'runiam-orgpolicy-'))
  store = await openSqliteStore({ path: join(dir, 'db.sqlite') })
  h = await startHarness(store)
  org = `organizations/${h.orgId}`
  for (const id of [P, OTHER]) {
    const r = await h.call('POST', '/v1/projects', { as: OWNER, body: { projectId: id } })
    expect(r.status).toBe(200)
  }
  projectNumber = String(
    (await h.call('GET', `/v1/projects/${P}`, { as: OWNER })).json['projectNumber'],
  )
  const svc = await h.call('POST', `/v2/${LOC}/services?serviceId=svc`, { as: OWNER, body: {} })
  expect(svc.status).toBe(200)
  const policy = await h.call('POST', `/v1/projects/${P}:getIamPolicy`, { as: OWNER, body: {} })
  const bindings = [
    ...((policy.json['bindings'] as unknown[]) ?? []),
    { role: 'roles/viewer', members: [VIEWER] },
  ]
  const set = await h.call('POST', `/v1/projects/${P}:setIamPolicy`, {
    as: OWNER,
    body: { policy: { bindings } },
  })
  expect(set.status).toBe(200)
})

afterAll(async () => {
  await h.close()
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

/** Removes every org policy so that each test starts from none. */
async function clearOrgPolicies(): Promise<void> {
  for (const parent of [`projects/${P}`, `projects/${OTHER}`, org]) {
    for (const c of [RII, DRS]) {
      await h.call('DELETE', `/v2/${parent}/policies/${c}`, { as: OWNER })
    }
  }
}

function setPolicy(parent: string, constraint: string, spec: unknown, as = OWNER) {
  return h.call('POST', `/v2/${parent}/policies`, {
    as,
    body: { name: `${parent}/policies/${constraint}`, spec },
  })
}

function ok(r: CallResult): Record<string, unknown> {
  expect(r.status, JSON.stringify(r.json)).toBe(200)
  return r.json
}

function effective(parent: string, constraint: string) {
  return h.call('GET', `/v2/${parent}/policies/${constraint}:getEffectivePolicy`, { as: OWNER })
}

function details(r: CallResult): Record<string, unknown>[] {
  return ((r.json['error'] as { details?: Record<string, unknown>[] }).details ?? []).filter(
    (d) => d['@type'] !== 'type.googleapis.com/google.rpc.ErrorInfo',
  )
}

function reason(r: CallResult): string {
  const info = ((r.json['error'] as { details?: Record<string, unknown>[] }).details ?? []).find(
    (d) => d['@type'] === 'type.googleapis.com/google.rpc.ErrorInfo',
  )
  return String(info?.['reason'])
}

function setServicePolicy(members: string[], extra: Record<string, unknown> = {}) {
  return h.call('POST', `/v2/${SVC}:setIamPolicy`, {
    as: OWNER,
    body: {
      policy: {
        bindings: members.length === 0 ? [] : [{ role: 'roles/run.invoker', members }],
        ...extra,
      },
    },
  })
}

beforeEach(clearOrgPolicies)

describe('Org Policy v2 API', () => {
  it('lists the two constraints on projects and the organization', async () => {
    const list = ok(await h.call('GET', `/v2/projects/${P}/constraints`, { as: OWNER }))
    expect(list['constraints']).toMatchObject([
      {
        name: `projects/${projectNumber}/constraints/${DRS}`,
        displayName: 'Domain restricted sharing',
        constraintDefault: 'ALLOW',
        listConstraint: { supportsIn: true, supportsUnder: false },
      },
      {
        name: `projects/${projectNumber}/constraints/${RII}`,
        constraintDefault: 'ALLOW',
        booleanConstraint: {},
      },
    ])
    const orgList = ok(await h.call('GET', `/v2/${org}/constraints`, { as: OWNER }))
    expect((orgList['constraints'] as { name: string }[]).map((c) => c.name)).toEqual([
      `${org}/constraints/${DRS}`,
      `${org}/constraints/${RII}`,
    ])
  })

  it('create, get (with and without constraints/), list, patch, delete', async () => {
    const missing = await h.call('GET', `/v2/projects/${P}/policies/${RII}`, { as: OWNER })
    expect(errorOf(missing)).toEqual({
      code: 404,
      status: 'NOT_FOUND',
      message: 'Requested entity was not found.',
    })

    const created = ok(await setPolicy(`projects/${P}`, RII, { rules: [{ enforce: true }] }))
    const etag = String(created['etag'])
    expect(created).toEqual({
      name: `projects/${projectNumber}/policies/${RII}`,
      spec: { etag, updateTime: '2026-01-01T00:00:00.000Z', rules: [{ enforce: true }] },
      etag,
    })
    const again = await setPolicy(`projects/${P}`, RII, { rules: [{ enforce: true }] })
    expect(errorOf(again).status).toBe('ALREADY_EXISTS')

    expect(ok(await h.call('GET', `/v2/projects/${P}/policies/${RII}`, { as: OWNER }))).toEqual(
      created,
    )
    expect(
      ok(
        await h.call('GET', `/v2/projects/${projectNumber}/policies/constraints/${RII}`, {
          as: OWNER,
        }),
      ),
    ).toEqual(created)

    const listed = ok(await h.call('GET', `/v2/projects/${P}/policies`, { as: OWNER }))
    expect(listed).toEqual({ policies: [created] })
    expect(ok(await h.call('GET', `/v2/projects/${OTHER}/policies`, { as: OWNER }))).toEqual({})

    const stale = await h.call('PATCH', `/v2/projects/${P}/policies/${RII}`, {
      as: OWNER,
      body: {
        name: `projects/${P}/policies/${RII}`,
        spec: { rules: [{ enforce: false }] },
        etag: 'STALE',
      },
    })
    expect(errorOf(stale)).toMatchObject({ code: 409, status: 'ABORTED' })
    const patched = ok(
      await h.call('PATCH', `/v2/projects/${P}/policies/${RII}`, {
        as: OWNER,
        body: { spec: { etag, rules: [{ enforce: false }] } },
      }),
    )
    expect(patched['spec']).toMatchObject({ rules: [{ enforce: false }] })
    expect(patched['etag']).not.toBe(etag)
    const masked = ok(
      await h.call('PATCH', `/v2/projects/${P}/policies/${RII}?updateMask=policy.dry_run_spec`, {
        as: OWNER,
        body: { spec: { rules: [{ enforce: true }] } },
      }),
    )
    expect(masked['spec']).toMatchObject({ rules: [{ enforce: false }] })
    const badMask = await h.call('PATCH', `/v2/projects/${P}/policies/${RII}?updateMask=name`, {
      as: OWNER,
      body: {},
    })
    expect(errorOf(badMask).message).toMatch(/'name'/)
    const patchMissing = await h.call('PATCH', `/v2/${org}/policies/${RII}`, {
      as: OWNER,
      body: { spec: { rules: [{ enforce: true }] } },
    })
    expect(errorOf(patchMissing).code).toBe(404)

    const staleDelete = await h.call(
      'DELETE',
      `/v2/projects/${P}/policies/${RII}?etag=${encodeURIComponent(etag)}`,
      { as: OWNER },
    )
    expect(errorOf(staleDelete).status).toBe('ABORTED')
    const deleted = await h.call(
      'DELETE',
      `/v2/projects/${P}/policies/${RII}?etag=${encodeURIComponent(String(masked['etag']))}`,
      { as: OWNER },
    )
    expect(ok(deleted)).toEqual({})
    expect(
      errorOf(await h.call('GET', `/v2/projects/${P}/policies/${RII}`, { as: OWNER })).code,
    ).toBe(404)
    expect(
      errorOf(await h.call('DELETE', `/v2/projects/${P}/policies/${RII}`, { as: OWNER })).code,
    ).toBe(404)
  })

  it('organization policies live under organizations/O', async () => {
    const created = ok(
      await setPolicy(org, DRS, { rules: [{ values: { allowedValues: [`C${h.orgId}`] } }] }),
    )
    expect(created['name']).toBe(`${org}/policies/${DRS}`)
    expect(ok(await h.call('GET', `/v2/${org}/policies`, { as: OWNER }))['policies']).toEqual([
      created,
    ])
    const otherOrg = await h.call('GET', '/v2/organizations/1/policies', { as: OWNER })
    expect(errorOf(otherOrg).code).toBe(403)
  })

  it.each([
    [
      'unknown constraint',
      `projects/${P}`,
      'compute.disableSerialPortAccess',
      { rules: [{ enforce: true }] },
      /constraints\/compute\.disableSerialPortAccess is not supported/,
    ],
    [
      'values on a boolean constraint',
      `projects/${P}`,
      RII,
      { rules: [{ values: { allowedValues: ['x'] } }] },
      /boolean constraint: its rules set 'enforce'/,
    ],
    [
      'enforce on a list constraint',
      `projects/${P}`,
      DRS,
      { rules: [{ enforce: true }] },
      /list constraint/,
    ],
    [
      'reset with rules',
      `projects/${P}`,
      RII,
      { reset: true, rules: [{ enforce: true }] },
      /reset' is true: rules must be empty/,
    ],
    [
      'inheritFromParent on a boolean constraint',
      `projects/${P}`,
      RII,
      { inheritFromParent: true },
      /inheritFromParent can be set only for list constraints/,
    ],
    [
      'deniedValues for domain restricted sharing',
      'ORG',
      DRS,
      { rules: [{ values: { deniedValues: ['C0abcd'] } }] },
      /allowed values only/,
    ],
    [
      'a value that is neither a customer id nor a domain',
      'ORG',
      DRS,
      { rules: [{ values: { allowedValues: ['not a domain'] } }] },
      /Invalid value 'not a domain'/,
    ],
    [
      'two kinds in one rule',
      'ORG',
      DRS,
      { rules: [{ allowAll: true, denyAll: true }] },
      /exactly one of/,
    ],
    [
      'a conditional rule',
      'ORG',
      RII,
      { rules: [{ enforce: true, condition: { expression: 'true' } }] },
      /cannot be conditional/,
    ],
    [
      'an unknown field',
      'ORG',
      RII,
      { rules: [{ enforce: true }], color: 'blue' },
      /Unknown name "color"/,
    ],
  ])(
    'refuses %s with 400 INVALID_ARGUMENT naming it',
    async (_, parent, constraint, spec, message) => {
      const r = await setPolicy(parent === 'ORG' ? org : parent, constraint, spec)
      expect(errorOf(r)).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' })
      expect(errorOf(r).message).toMatch(message)
    },
  )

  it('refuses a body whose name is not the path', async () => {
    const r = await h.call('POST', `/v2/projects/${P}/policies`, {
      as: OWNER,
      body: { name: `projects/${OTHER}/policies/${RII}`, spec: { rules: [{ enforce: true }] } },
    })
    expect(errorOf(r).message).toMatch(/does not match the request's projects\/op-proj/)
    const unknown = await h.call('GET', `/v2/projects/${P}/policies/gcp.resourceLocations`, {
      as: OWNER,
    })
    expect(errorOf(unknown)).toMatchObject({ code: 400 })
    expect(reason(unknown)).toBe('UNKNOWN_CONSTRAINT')
  })
})

describe('effective policy down the hierarchy', () => {
  const rulesOf = async (parent: string, c: string) =>
    (ok(await effective(parent, c))['spec'] as { rules: unknown }).rules

  it('defaults: not enforced, allow all', async () => {
    const e = ok(await effective(`projects/${P}`, RII))
    expect(e).toEqual({
      name: `projects/${projectNumber}/policies/${RII}`,
      spec: { rules: [{ enforce: false }] },
    })
    expect(await rulesOf(`projects/${P}`, DRS)).toEqual([{ allowAll: true }])
  })

  it('boolean: the organization enforces, a project inherits, resets or overrides', async () => {
    ok(await setPolicy(org, RII, { rules: [{ enforce: true }] }))
    expect(await rulesOf(org, RII)).toEqual([{ enforce: true }])
    expect(await rulesOf(`projects/${P}`, RII)).toEqual([{ enforce: true }])
    ok(await setPolicy(`projects/${P}`, RII, { reset: true }))
    expect(await rulesOf(`projects/${P}`, RII)).toEqual([{ enforce: false }])
    expect(await rulesOf(`projects/${OTHER}`, RII)).toEqual([{ enforce: true }])
    ok(await setPolicy(`projects/${OTHER}`, RII, { rules: [{ enforce: false }] }))
    expect(await rulesOf(`projects/${OTHER}`, RII)).toEqual([{ enforce: false }])
  })

  it('list: inherit, merge with inheritFromParent, replace, reset', async () => {
    const customer = `C${h.orgId}`
    ok(await setPolicy(org, DRS, { rules: [{ values: { allowedValues: [customer] } }] }))
    expect(await rulesOf(`projects/${P}`, DRS)).toEqual([{ values: { allowedValues: [customer] } }])
    ok(
      await setPolicy(`projects/${P}`, DRS, {
        inheritFromParent: true,
        rules: [{ values: { allowedValues: ['partner.example'] } }],
      }),
    )
    expect(await rulesOf(`projects/${P}`, DRS)).toEqual([
      { values: { allowedValues: [customer, 'partner.example'] } },
    ])
    ok(
      await setPolicy(`projects/${OTHER}`, DRS, {
        rules: [{ values: { allowedValues: ['partner.example'] } }],
      }),
    )
    expect(await rulesOf(`projects/${OTHER}`, DRS)).toEqual([
      { values: { allowedValues: ['partner.example'] } },
    ])
    const current = ok(await h.call('GET', `/v2/projects/${OTHER}/policies/${DRS}`, { as: OWNER }))
    ok(
      await h.call('PATCH', `/v2/projects/${OTHER}/policies/${DRS}`, {
        as: OWNER,
        body: { name: current['name'], spec: { reset: true }, etag: current['etag'] },
      }),
    )
    expect(await rulesOf(`projects/${OTHER}`, DRS)).toEqual([{ allowAll: true }])
  })
})

describe('constraints/iam.allowedPolicyMemberDomains on setIamPolicy', () => {
  const RUN_MESSAGE =
    'One or more users named in the policy do not belong to a permitted customer,  perhaps due to an organization policy.'

  it('refuses allUsers and outside members on a service with Google status, message and details', async () => {
    ok(await setServicePolicy([]))
    ok(await setPolicy(org, DRS, { rules: [{ values: { allowedValues: [`is:C${h.orgId}`] } }] }))
    const r = await setServicePolicy(['allUsers', 'user:x@example.com', 'user:eve@elsewhere.com'])
    expect(errorOf(r)).toEqual({ code: 400, status: 'FAILED_PRECONDITION', message: RUN_MESSAGE })
    expect(reason(r)).toBe('DOMAIN_RESTRICTED_SHARING')
    expect(details(r)).toEqual([
      {
        '@type': 'type.googleapis.com/google.rpc.PreconditionFailure',
        violations: [
          {
            type: `constraints/${DRS}`,
            subject: `orgpolicy:projects/${P}?configvalue=allUsers`,
            description: 'User allUsers is not in permitted organization.',
          },
          {
            type: `constraints/${DRS}`,
            subject: `orgpolicy:projects/${P}?configvalue=eve@elsewhere.com`,
            description: 'User eve@elsewhere.com is not in permitted organization.',
          },
        ],
      },
    ])
    // Members of the organization's customer are fine, its projects' service accounts too.
    ok(
      await setServicePolicy([
        'user:x@example.com',
        'group:team@example.com',
        'domain:example.com',
        `serviceAccount:robot@${OTHER}.iam.gserviceaccount.com`,
      ]),
    )
    const foreignSa = await setServicePolicy([
      'serviceAccount:robot@foreign-proj.iam.gserviceaccount.com',
    ])
    expect(errorOf(foreignSa).status).toBe('FAILED_PRECONDITION')
  })

  it('answers projects with Resource Manager wording, and domains work as values', async () => {
    ok(await setPolicy(org, DRS, { rules: [{ values: { allowedValues: ['partner.example'] } }] }))
    const policy = ok(
      await h.call('POST', `/v1/projects/${P}:getIamPolicy`, { as: OWNER, body: {} }),
    )
    const bindings = [
      ...(policy['bindings'] as unknown[]),
      { role: 'roles/run.viewer', members: ['user:eve@elsewhere.com'] },
    ]
    const r = await h.call('POST', `/v1/projects/${P}:setIamPolicy`, {
      as: OWNER,
      body: { policy: { bindings } },
    })
    expect(errorOf(r)).toEqual({
      code: 400,
      status: 'FAILED_PRECONDITION',
      message: 'One or more users named in the policy do not belong to a permitted customer.',
    })
    expect(details(r)[0]).toMatchObject({
      violations: [{ subject: `orgpolicy:projects/${P}?configvalue=eve@elsewhere.com` }],
    })
    const partner = [
      ...(policy['bindings'] as unknown[]),
      { role: 'roles/run.viewer', members: ['user:bob@partner.example'] },
    ]
    ok(
      await h.call('POST', `/v1/projects/${P}:setIamPolicy`, {
        as: OWNER,
        body: { policy: { bindings: partner } },
      }),
    )
    // Not retroactive: owner@example.com stays although example.com is no longer allowed.
    const orgSet = await h.call('POST', `/v1/${org}:setIamPolicy`, {
      as: OWNER,
      body: {
        policy: { bindings: [{ role: 'roles/owner', members: [OWNER, 'user:new@example.com'] }] },
      },
    })
    expect(errorOf(orgSet).status).toBe('FAILED_PRECONDITION')
    expect(details(orgSet)[0]).toMatchObject({
      violations: [{ subject: `orgpolicy:${org}?configvalue=new@example.com` }],
    })
  })

  it('is not retroactive: existing members stay, and a project reset lifts it', async () => {
    ok(await setServicePolicy(['allUsers']))
    ok(await setPolicy(org, DRS, { rules: [{ values: { allowedValues: [`C${h.orgId}`] } }] }))
    ok(await setServicePolicy(['allUsers', 'user:x@example.com']))
    ok(await setServicePolicy(['user:x@example.com']))
    expect(errorOf(await setServicePolicy(['allUsers'])).status).toBe('FAILED_PRECONDITION')
    ok(await setPolicy(`projects/${P}`, DRS, { reset: true }))
    ok(await setServicePolicy(['allUsers']))
    ok(await setServicePolicy([]))
  })
})

describe('constraints/run.managed.requireInvokerIam on service writes', () => {
  it('refuses invokerIamDisabled on create and patch; a service that already has it keeps it', async () => {
    const already = await h.call('POST', `/v2/${LOC}/services?serviceId=public-before`, {
      as: OWNER,
      body: { invokerIamDisabled: true },
    })
    ok(already)
    ok(await setPolicy(`projects/${P}`, RII, { rules: [{ enforce: true }] }))

    const create = await h.call('POST', `/v2/${LOC}/services?serviceId=public-now`, {
      as: OWNER,
      body: { invokerIamDisabled: true },
    })
    expect(errorOf(create)).toEqual({
      code: 400,
      status: 'FAILED_PRECONDITION',
      message:
        "Service 'public-now' cannot disable the invoker IAM check (invokerIamDisabled): the organization policy constraint constraints/run.managed.requireInvokerIam is enforced on projects/op-proj.",
    })
    expect(reason(create)).toBe('INVOKER_IAM_REQUIRED')
    expect(details(create)).toEqual([
      {
        '@type': 'type.googleapis.com/google.rpc.PreconditionFailure',
        violations: [
          {
            type: `constraints/${RII}`,
            subject: `orgpolicy:${LOC}/services/public-now`,
            description: `Cloud Run service ${LOC}/services/public-now must not disable the invoker IAM check.`,
          },
        ],
      },
    ])
    const patch = await h.call('PATCH', `/v2/${SVC}?updateMask=invokerIamDisabled`, {
      as: OWNER,
      body: { invokerIamDisabled: true },
    })
    expect(errorOf(patch).status).toBe('FAILED_PRECONDITION')
    const allowMissing = await h.call('PATCH', `/v2/${LOC}/services/fresh?allowMissing=true`, {
      as: OWNER,
      body: { invokerIamDisabled: true },
    })
    expect(errorOf(allowMissing).status).toBe('FAILED_PRECONDITION')
    // Not retroactive: the service made public before keeps working and can be updated.
    ok(
      await h.call('PATCH', `/v2/${LOC}/services/public-before?updateMask=labels`, {
        as: OWNER,
        body: { labels: { team: 'a' } },
      }),
    )
    // Turning the check back on is always possible.
    ok(
      await h.call('PATCH', `/v2/${LOC}/services/public-before?updateMask=invokerIamDisabled`, {
        as: OWNER,
        body: { invokerIamDisabled: false },
      }),
    )
    // Inherited from the organization; a project reset lifts it.
    await clearOrgPolicies()
    ok(await setPolicy(org, RII, { rules: [{ enforce: true }] }))
    expect(
      errorOf(
        await h.call('PATCH', `/v2/${SVC}?updateMask=invokerIamDisabled`, {
          as: OWNER,
          body: { invokerIamDisabled: true },
        }),
      ).status,
    ).toBe('FAILED_PRECONDITION')
    ok(await setPolicy(`projects/${P}`, RII, { reset: true }))
    ok(
      await h.call('PATCH', `/v2/${SVC}?updateMask=invokerIamDisabled`, {
        as: OWNER,
        body: { invokerIamDisabled: true },
      }),
    )
    ok(
      await h.call('PATCH', `/v2/${SVC}?updateMask=invokerIamDisabled`, {
        as: OWNER,
        body: { invokerIamDisabled: false },
      }),
    )
  })
})

describe('permissions', () => {
  it('a caller without access is denied on every route, naming the permission', async () => {
    ok(await setPolicy(`projects/${P}`, RII, { rules: [{ enforce: true }] }))
    const base = `/v2/projects/${P}`
    const cases: [string, string, string, unknown?][] = [
      ['GET', `${base}/constraints`, 'orgpolicy.constraints.list'],
      ['GET', `${base}/policies`, 'orgpolicy.policies.list'],
      ['GET', `${base}/policies/${RII}`, 'orgpolicy.policy.get'],
      ['GET', `${base}/policies/${RII}:getEffectivePolicy`, 'orgpolicy.policy.get'],
      [
        'POST',
        `${base}/policies`,
        'orgpolicy.policies.create',
        { name: `projects/${P}/policies/${DRS}` },
      ],
      ['PATCH', `${base}/policies/${RII}`, 'orgpolicy.policies.update', {}],
      ['DELETE', `${base}/policies/${RII}`, 'orgpolicy.policies.delete'],
    ]
    for (const [method, path, permission, body] of cases) {
      const r = await h.call(method, path, { as: NOBODY, ...(body === undefined ? {} : { body }) })
      expect(errorOf(r), `${method} ${path}`).toEqual({
        code: 403,
        status: 'PERMISSION_DENIED',
        message: `Permission '${permission}' denied on resource 'projects/${P}' (or it may not exist).`,
      })
    }
    // Authorization comes before existence: a project that does not exist is 403 too.
    const ghost = await h.call('GET', '/v2/projects/ghost-proj/policies', { as: NOBODY })
    expect(errorOf(ghost).code).toBe(403)
  })

  it('roles/viewer reads; roles/orgpolicy.policyAdmin writes', async () => {
    ok(await setPolicy(`projects/${P}`, RII, { rules: [{ enforce: true }] }))
    ok(await h.call('GET', `/v2/projects/${P}/policies/${RII}`, { as: VIEWER }))
    ok(await h.call('GET', `/v2/projects/${P}/policies`, { as: VIEWER }))
    ok(await effective(`projects/${P}`, RII))
    const denied = await setPolicy(
      `projects/${OTHER}`,
      DRS,
      { rules: [{ allowAll: true }] },
      VIEWER,
    )
    expect(errorOf(denied).message).toMatch(/orgpolicy\.policies\.create/)
    const admin = 'user:policy-admin@example.com'
    const policy = ok(
      await h.call('POST', `/v1/projects/${OTHER}:getIamPolicy`, { as: OWNER, body: {} }),
    )
    const bindings = [
      ...(policy['bindings'] as unknown[]),
      { role: 'roles/orgpolicy.policyAdmin', members: [admin] },
    ]
    ok(
      await h.call('POST', `/v1/projects/${OTHER}:setIamPolicy`, {
        as: OWNER,
        body: { policy: { bindings } },
      }),
    )
    ok(await setPolicy(`projects/${OTHER}`, DRS, { rules: [{ allowAll: true }] }, admin))
    ok(await h.call('DELETE', `/v2/projects/${OTHER}/policies/${DRS}`, { as: admin }))
  })
})
