// Policy Troubleshooter over a real socket and SQLite: its verdict against the real decision
// (testIamPermissions called as the principal) for every principal × permission of a small world
// with nested groups, inheritance and a condition, then against the admin API's decision
// (checker.decide) over 20 random worlds; the v1 and v2alpha1 shapes; bad tuples in
// Google's envelope naming the value; and attacks: a caller without getIamPolicy learns neither
// the policy nor the verdict it decides, nor whether the resource exists; huge inputs refused.
// Deny policies: a deny rule through a group refuses what allow grants, naming the rule; a
// denialCondition without request.time is UNKNOWN_CONDITIONAL; a caller without
// iam.denypolicies.get sees no deny rule; the random worlds carry random deny rules too.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TroubleshootIamPolicyResponse, V1TroubleshootResponse } from '@runiam/api'
import type { Store } from '@runiam/store'
import { openSqliteStore } from '@runiam/store/sqlite'
import { errorOf, OWNER, startHarness, type Harness } from './test-harness.js'

const P = 'ts-project'
const HELLO = `projects/${P}/locations/us-central1/services/hello`
const FULL = `//run.googleapis.com/${HELLO}`
const BOB = 'user:bob@example.com'
const STRANGER = 'user:stranger@example.com'
const PRINCIPALS = [
  'alice@example.com',
  'bob@example.com',
  'carol@example.com',
  'dan@other.org',
  'eve@example.com',
]
const PERMISSIONS = [
  'run.routes.invoke',
  'run.services.get',
  'run.services.getIamPolicy',
  'run.services.setIamPolicy',
  'run.services.delete',
]

let dir: string
let store: Store
let h: Harness

async function ok(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const r = await h.call(method, path, { as: OWNER, ...(body === undefined ? {} : { body }) })
  expect(r.status, `${method} ${path}: ${JSON.stringify(r.json)}`).toBe(200)
  return r.json
}

function tuple(principal: string, permission: string, full = FULL, extra: object = {}): unknown {
  return { accessTuple: { principal, fullResourceName: full, permission, ...extra } }
}

async function v3(as: string, body: unknown): Promise<TroubleshootIamPolicyResponse> {
  const r = await h.call('POST', '/v3/iam:troubleshoot', { as, body })
  expect(r.status, JSON.stringify(r.json)).toBe(200)
  return r.json as unknown as TroubleshootIamPolicyResponse
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'runiam-troubleshoot-'))
  store = await openSqliteStore({ path: join(dir, 'runiam.db') })
  h = await startHarness(store)
  await ok('POST', '/v1/projects', { projectId: P })
  await ok('POST', `/v2/projects/${P}/locations/us-central1/services?serviceId=hello`, {
    template: { containers: [{ image: 'us-docker.pkg.dev/x/hello' }] },
  })
  // eng ⊃ platform ⊃ alice.
  const customer = `customers/C${h.orgId}`
  const group = async (email: string): Promise<string> =>
    (
      (await ok('POST', '/v1/groups?initialGroupConfig=EMPTY', {
        parent: customer,
        groupKey: { id: email },
        labels: { 'cloudidentity.googleapis.com/groups.discussion_forum': '' },
      })) as { response: { name: string } }
    ).response.name
  const eng = await group('eng@example.com')
  const platform = await group('platform@example.com')
  await ok('POST', `/v1/${eng}/memberships`, { preferredMemberKey: { id: 'platform@example.com' } })
  await ok('POST', `/v1/${platform}/memberships`, {
    preferredMemberKey: { id: 'alice@example.com' },
  })
  const svc = await ok('GET', `/v2/${HELLO}:getIamPolicy`)
  await ok('POST', `/v2/${HELLO}:setIamPolicy`, {
    policy: {
      version: 3,
      etag: svc['etag'],
      bindings: [
        { role: 'roles/run.invoker', members: ['group:eng@example.com'] },
        // Admin calls carry no request.path: this grants eve nothing, as the troubleshooter says.
        {
          role: 'roles/run.viewer',
          members: ['user:eve@example.com'],
          condition: { title: 'any path', expression: 'request.path.startsWith("/")' },
        },
        {
          role: 'roles/run.developer',
          members: ['user:carol@example.com'],
          condition: {
            title: 'new year',
            expression: 'request.time < timestamp("2027-01-01T00:00:00Z")',
          },
        },
      ],
    },
  })
  const project = await ok('POST', `/v1/projects/${P}:getIamPolicy`)
  await ok('POST', `/v1/projects/${P}:setIamPolicy`, {
    policy: {
      bindings: [
        ...((project['bindings'] as unknown[] | undefined) ?? []),
        { role: 'roles/run.viewer', members: [BOB, 'domain:other.org'] },
      ],
      etag: project['etag'],
    },
  })
})

afterAll(async () => {
  await h.close()
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('POST /v3/iam:troubleshoot', () => {
  it('explains a grant through nested groups, naming the binding', async () => {
    const r = await v3(OWNER, tuple('alice@example.com', 'run.routes.invoke'))
    expect(r.overallAccessState).toBe('CAN_ACCESS')
    expect(r.accessTuple.permissionFqdn).toBe('run.googleapis.com/routes.invoke')
    const names = r.allowPolicyExplanation.explainedPolicies.map((p) => p.fullResourceName)
    expect(names).toEqual([
      FULL,
      `//cloudresourcemanager.googleapis.com/projects/${P}`,
      `//cloudresourcemanager.googleapis.com/organizations/${h.orgId}`,
    ])
    const b = r.allowPolicyExplanation.explainedPolicies[0]?.bindingExplanations?.find(
      (x) => x.role === 'roles/run.invoker',
    )
    expect(b).toMatchObject({
      allowAccessState: 'ALLOW_ACCESS_STATE_GRANTED',
      role: 'roles/run.invoker',
      memberships: { 'group:eng@example.com': { membership: 'MEMBERSHIP_MATCHED' } },
    })
    expect(r.denyPolicyExplanation).toEqual({
      denyAccessState: 'DENY_ACCESS_STATE_NOT_DENIED',
      explainedResources: [],
      relevance: 'HEURISTIC_RELEVANCE_NORMAL',
      permissionDeniable: true,
    })
  })

  it('agrees with the real decision (testIamPermissions as the principal) on every case', async () => {
    const now = '2026-01-01T00:00:00Z' // the harness's clock
    let cases = 0
    for (const email of PRINCIPALS) {
      const t = await h.call('POST', `/v2/${HELLO}:testIamPermissions`, {
        as: `user:${email}`,
        body: { permissions: PERMISSIONS },
      })
      expect(t.status).toBe(200)
      const held = new Set((t.json['permissions'] as string[] | undefined) ?? [])
      for (const permission of PERMISSIONS) {
        const r = await v3(
          OWNER,
          tuple(email, permission, FULL, { conditionContext: { request: { receiveTime: now } } }),
        )
        expect(r.overallAccessState, `${email} ${permission}`).toBe(
          held.has(permission) ? 'CAN_ACCESS' : 'CANNOT_ACCESS',
        )
        cases++
      }
    }
    expect(cases).toBe(25)
  })

  it('says UNKNOWN_CONDITIONAL when the condition needs request.time and none is given', async () => {
    const r = await v3(OWNER, tuple('carol@example.com', 'run.services.update'))
    expect(r.overallAccessState).toBe('UNKNOWN_CONDITIONAL')
  })

  it('answers v1 and v2alpha1 in their shapes', async () => {
    for (const version of ['v1', 'v2alpha1']) {
      const r = await h.call('POST', `/${version}/iam:troubleshoot`, {
        as: OWNER,
        body: tuple('alice@example.com', 'run.routes.invoke'),
      })
      expect(r.status).toBe(200)
      const body = r.json as unknown as V1TroubleshootResponse
      expect(body.access).toBe('GRANTED')
      const invoker = body.explainedPolicies[0]?.bindingExplanations?.find(
        (x) => x.role === 'roles/run.invoker',
      )
      expect(invoker?.memberships).toEqual({
        'group:eng@example.com': { membership: 'MEMBERSHIP_INCLUDED', relevance: 'HIGH' },
      })
      expect('errors' in body).toBe(version === 'v1')
    }
  })

  it('refuses bad tuples with INVALID_ARGUMENT naming the value', async () => {
    for (const [body, text] of [
      [
        tuple('alice@example.com', 'run.routes.invoke', '//run.googleapis.com/services/x'),
        '//run.googleapis.com/services/x',
      ],
      [tuple('alice@example.com', 'run.routes.teleport'), 'run.routes.teleport'],
      [tuple('group:eng@example.com', 'run.routes.invoke'), 'group:eng@example.com'],
      [{}, 'accessTuple is required'],
    ] as const) {
      const r = await h.call('POST', '/v3/iam:troubleshoot', { as: OWNER, body })
      expect(r.status).toBe(400)
      expect(errorOf(r).status).toBe('INVALID_ARGUMENT')
      expect(errorOf(r).message).toContain(text)
    }
  })

  it('refuses huge inputs', async () => {
    const path = await h.call('POST', '/v3/iam:troubleshoot', {
      as: OWNER,
      body: tuple('alice@example.com', 'run.routes.invoke', FULL, {
        conditionContext: { request: { path: `/${'a'.repeat(10_000)}` } },
      }),
    })
    expect(path.status).toBe(400)
    expect(errorOf(path).message).toContain('8192')
    const body = await h.call('POST', '/v3/iam:troubleshoot', {
      as: OWNER,
      rawBody: JSON.stringify({ accessTuple: { principal: 'a'.repeat(2 * 1024 * 1024) } }),
    })
    expect(body.status).toBe(400)
  })

  it('needs an authenticated caller', async () => {
    const r = await h.call('POST', '/v3/iam:troubleshoot', {
      body: tuple('alice@example.com', 'run.routes.invoke'),
    })
    expect(r.status).toBe(401)
  })
})

describe('attacks: what a caller without getIamPolicy learns', () => {
  it('a stranger sees no policy, no binding, no resource name and no verdict', async () => {
    const r = await v3(STRANGER, tuple('alice@example.com', 'run.routes.invoke'))
    expect(r.overallAccessState).toBe('UNKNOWN_INFO')
    for (const p of r.allowPolicyExplanation.explainedPolicies) {
      expect(p).toEqual({
        allowAccessState: 'ALLOW_ACCESS_STATE_UNKNOWN_INFO',
        relevance: 'HEURISTIC_RELEVANCE_HIGH',
      })
    }
    const text = JSON.stringify(r)
    for (const secret of ['eng@example.com', 'roles/run.invoker', 'bob@example.com', 'etag']) {
      expect(text).not.toContain(secret)
    }
  })

  it('a stranger cannot tell an existing service from a missing one', async () => {
    const missing = `//run.googleapis.com/projects/${P}/locations/us-central1/services/nope`
    const a = await v3(STRANGER, tuple('alice@example.com', 'run.routes.invoke'))
    const b = await v3(STRANGER, tuple('alice@example.com', 'run.routes.invoke', missing))
    expect(b.allowPolicyExplanation).toEqual(a.allowPolicyExplanation)
    const c = await v3(
      STRANGER,
      tuple(
        'alice@example.com',
        'run.routes.invoke',
        '//run.googleapis.com/projects/nope/locations/l/services/s',
      ),
    )
    expect(c.allowPolicyExplanation).toEqual(a.allowPolicyExplanation)
  })

  it('a Run viewer of the project sees the service policy only, and not groups', async () => {
    const r = await v3(BOB, tuple('alice@example.com', 'run.routes.invoke'))
    const [service, project, org] = r.allowPolicyExplanation.explainedPolicies
    expect(service?.fullResourceName).toBe(FULL)
    expect(project).toEqual({
      allowAccessState: 'ALLOW_ACCESS_STATE_UNKNOWN_INFO',
      relevance: 'HEURISTIC_RELEVANCE_HIGH',
    })
    expect(org).toEqual({
      allowAccessState: 'ALLOW_ACCESS_STATE_UNKNOWN_INFO',
      relevance: 'HEURISTIC_RELEVANCE_HIGH',
    })
    // Bob may not read group memberships: alice's membership of eng is not revealed.
    const invoker = service?.bindingExplanations?.find((x) => x.role === 'roles/run.invoker')
    expect(invoker?.combinedMembership.membership).toBe('MEMBERSHIP_UNKNOWN_INFO')
    expect(r.overallAccessState).toBe('UNKNOWN_INFO')
    // Even about himself: his grant is in the project policy, which he may not read.
    const self = await v3(BOB, tuple('bob@example.com', 'run.services.get'))
    expect(self.overallAccessState).toBe('UNKNOWN_INFO')
  })
})

const PROJECT_POINT = `cloudresourcemanager.googleapis.com/projects/${P}`
const denyParent = `/v2/policies/${encodeURIComponent(PROJECT_POINT)}/denypolicies`

async function grantOrg(role: string, member: string): Promise<void> {
  const org = `organizations/${h.orgId}`
  const current = await ok('POST', `/v1/${org}:getIamPolicy`, {})
  await ok('POST', `/v1/${org}:setIamPolicy`, {
    policy: {
      etag: current['etag'],
      bindings: [
        ...((current['bindings'] as unknown[] | undefined) ?? []),
        { role, members: [member] },
      ],
    },
  })
}

async function putDenyPolicy(id: string, rules: unknown[]): Promise<void> {
  await h.call('DELETE', `${denyParent}/${id}`, { as: OWNER })
  await ok('POST', `${denyParent}?policyId=${id}`, { rules })
}

describe('deny policies', () => {
  beforeAll(async () => {
    // No basic role reads or writes deny policies: the owner grants itself denyAdmin.
    await grantOrg('roles/iam.denyAdmin', OWNER)
    await putDenyPolicy('no-eng-invoke', [
      {
        denyRule: {
          deniedPrincipals: ['principalSet://goog/group/eng@example.com'],
          deniedPermissions: ['run.googleapis.com/routes.invoke'],
        },
      },
      {
        description: 'no deletes after June',
        denyRule: {
          deniedPrincipals: ['principalSet://goog/public:all'],
          exceptionPrincipals: ['principal://goog/subject/carol@example.com'],
          deniedPermissions: ['run.googleapis.com/services.*'],
          exceptionPermissions: ['run.googleapis.com/services.get'],
          denialCondition: {
            title: 'after June',
            expression: 'request.time > timestamp("2026-06-01T00:00:00Z")',
          },
        },
      },
    ])
  })

  it('refuses what allow grants through a group, naming the deny rule', async () => {
    const r = await v3(OWNER, tuple('alice@example.com', 'run.routes.invoke'))
    expect(r.overallAccessState).toBe('CANNOT_ACCESS')
    expect(r.allowPolicyExplanation.allowAccessState).toBe('ALLOW_ACCESS_STATE_GRANTED')
    const d = r.denyPolicyExplanation
    expect(d.denyAccessState).toBe('DENY_ACCESS_STATE_DENIED')
    expect(d.permissionDeniable).toBe(true)
    const [project, org] = d.explainedResources
    expect(project?.fullResourceName).toMatch(
      /^\/\/cloudresourcemanager\.googleapis\.com\/projects\/\d+$/,
    )
    expect(org).toEqual({
      denyAccessState: 'DENY_ACCESS_STATE_NOT_DENIED',
      fullResourceName: `//cloudresourcemanager.googleapis.com/organizations/${h.orgId}`,
      explainedPolicies: [],
      relevance: 'HEURISTIC_RELEVANCE_NORMAL',
    })
    const policy = project?.explainedPolicies?.[0]
    expect(policy?.policy.name).toMatch(/\/denypolicies\/no-eng-invoke$/)
    const [rule0, rule1] = policy?.ruleExplanations ?? []
    expect(rule0).toMatchObject({
      denyAccessState: 'DENY_ACCESS_STATE_DENIED',
      combinedDeniedPrincipal: { membership: 'MEMBERSHIP_MATCHED' },
      deniedPrincipals: {
        'principalSet://goog/group/eng@example.com': { membership: 'MEMBERSHIP_MATCHED' },
      },
      deniedPermissions: {
        'run.googleapis.com/routes.invoke': {
          permissionMatchingState: 'PERMISSION_PATTERN_MATCHED',
        },
      },
      relevance: 'HEURISTIC_RELEVANCE_HIGH',
    })
    expect(rule1?.denyAccessState).toBe('DENY_ACCESS_STATE_NOT_DENIED')
    // The real decision agrees (testIamPermissions as alice).
    const t = await h.call('POST', `/v2/${HELLO}:testIamPermissions`, {
      as: 'user:alice@example.com',
      body: { permissions: ['run.routes.invoke'] },
    })
    expect(t.json['permissions']).toBeUndefined()
    // Bob is not in eng: not denied.
    expect(
      (await v3(OWNER, tuple('bob@example.com', 'run.routes.invoke'))).denyPolicyExplanation
        .denyAccessState,
    ).toBe('DENY_ACCESS_STATE_NOT_DENIED')
  })

  it('a denialCondition on an unknown request.time is UNKNOWN_CONDITIONAL, a known one decides', async () => {
    const at = (time?: string) =>
      v3(
        OWNER,
        tuple(
          'bob@example.com',
          'run.services.delete',
          FULL,
          time === undefined ? {} : { conditionContext: { request: { receiveTime: time } } },
        ),
      )
    const unknown = await at()
    expect(unknown.denyPolicyExplanation.denyAccessState).toBe(
      'DENY_ACCESS_STATE_UNKNOWN_CONDITIONAL',
    )
    const rule =
      unknown.denyPolicyExplanation.explainedResources[0]?.explainedPolicies?.[0]
        ?.ruleExplanations[1]
    expect(rule?.conditionExplanation?.errors?.[0]?.message).toContain('request.time')
    expect((await at('2026-01-01T00:00:00Z')).denyPolicyExplanation.denyAccessState).toBe(
      'DENY_ACCESS_STATE_NOT_DENIED',
    )
    const july = await at('2026-07-01T00:00:00Z')
    expect(july.denyPolicyExplanation.denyAccessState).toBe('DENY_ACCESS_STATE_DENIED')
    expect(july.overallAccessState).toBe('CANNOT_ACCESS')
    // carol is excepted, and services.get is an exception permission.
    const carol = await v3(
      OWNER,
      tuple('carol@example.com', 'run.services.delete', FULL, {
        conditionContext: { request: { receiveTime: '2026-07-01T00:00:00Z' } },
      }),
    )
    expect(
      carol.denyPolicyExplanation.explainedResources[0]?.explainedPolicies?.[0]
        ?.ruleExplanations[1],
    ).toMatchObject({
      denyAccessState: 'DENY_ACCESS_STATE_NOT_DENIED',
      combinedExceptionPrincipal: { membership: 'MEMBERSHIP_MATCHED' },
    })
  })

  it('attack: a caller without iam.denypolicies.get sees no deny rule and no certain verdict', async () => {
    // Bob reads the service policy (run.viewer on the project) but no deny policy.
    const r = await v3(BOB, tuple('bob@example.com', 'run.services.get'))
    for (const res of r.denyPolicyExplanation.explainedResources) {
      expect(res).toEqual({
        denyAccessState: 'DENY_ACCESS_STATE_UNKNOWN_INFO',
        relevance: 'HEURISTIC_RELEVANCE_HIGH',
      })
    }
    expect(r.denyPolicyExplanation.explainedResources).toHaveLength(2)
    expect(r.overallAccessState).not.toBe('CAN_ACCESS')
    const text = JSON.stringify(r.denyPolicyExplanation)
    for (const secret of ['no-eng-invoke', 'eng@example.com', 'after June', 'denypolicies']) {
      expect(text).not.toContain(secret)
    }
    // Nor can a stranger tell a project with deny policies from a missing one.
    const a = await v3(STRANGER, tuple('alice@example.com', 'run.routes.invoke'))
    const b = await v3(
      STRANGER,
      tuple(
        'alice@example.com',
        'run.routes.invoke',
        '//run.googleapis.com/projects/nope/locations/l/services/s',
      ),
    )
    expect(b.denyPolicyExplanation).toEqual(a.denyPolicyExplanation)
    // Visibility is per attachment point: a deny reviewer of the project only sees the project's.
    const project = await ok('POST', `/v1/projects/${P}:getIamPolicy`)
    await ok('POST', `/v1/projects/${P}:setIamPolicy`, {
      policy: {
        etag: project['etag'],
        bindings: [
          ...((project['bindings'] as unknown[] | undefined) ?? []),
          { role: 'roles/iam.denyReviewer', members: ['user:dan@other.org'] },
        ],
      },
    })
    const dan = await v3('user:dan@other.org', tuple('alice@example.com', 'run.routes.invoke'))
    const [projectPart, orgPart] = dan.denyPolicyExplanation.explainedResources
    expect(projectPart?.explainedPolicies?.[0]?.policy.name).toMatch(/no-eng-invoke$/)
    expect(orgPart).toEqual({
      denyAccessState: 'DENY_ACCESS_STATE_UNKNOWN_INFO',
      relevance: 'HEURISTIC_RELEVANCE_HIGH',
    })
    // v1 and v2alpha1 are allow-only: they carry no deny detail at all.
    const v1 = await h.call('POST', '/v1/iam:troubleshoot', {
      as: BOB,
      body: tuple('alice@example.com', 'run.routes.invoke'),
    })
    expect(JSON.stringify(v1.json)).not.toContain('no-eng-invoke')
  })
})

// Last: it replaces the world's policies.
describe('random policies: the troubleshooter against the admin API decision', () => {
  const ROLES = ['roles/run.invoker', 'roles/run.viewer', 'roles/run.developer', 'roles/run.admin']
  const MEMBERS = [
    ...PRINCIPALS.map((e) => `user:${e}`),
    'group:eng@example.com',
    'group:platform@example.com',
    'domain:other.org',
  ]
  const CONDITIONS = [
    undefined,
    'request.time < timestamp("2027-01-01T00:00:00Z")',
    'request.time > timestamp("2027-01-01T00:00:00Z")',
    'request.path.startsWith("/")',
  ]
  const bindingArb = fc.record({
    role: fc.constantFrom(...ROLES),
    members: fc.uniqueArray(fc.constantFrom(...MEMBERS), { minLength: 1, maxLength: 3 }),
    condition: fc.constantFrom(...CONDITIONS),
  })
  const wire = (b: { role: string; members: string[]; condition: string | undefined }) =>
    b.condition === undefined
      ? { role: b.role, members: b.members }
      : { role: b.role, members: b.members, condition: { title: 't', expression: b.condition } }

  const denyRuleArb = fc.record({
    deniedPrincipals: fc.uniqueArray(
      fc.constantFrom(
        'principalSet://goog/public:all',
        'principalSet://goog/group/eng@example.com',
        'principalSet://goog/group/platform@example.com',
        ...PRINCIPALS.map((e) => `principal://goog/subject/${e}`),
      ),
      { minLength: 1, maxLength: 2 },
    ),
    exceptionPrincipals: fc.uniqueArray(
      fc.constantFrom(
        'principalSet://goog/group/platform@example.com',
        ...PRINCIPALS.map((e) => `principal://goog/subject/${e}`),
      ),
      { maxLength: 1 },
    ),
    deniedPermissions: fc.uniqueArray(
      fc.constantFrom(
        'run.googleapis.com/routes.invoke',
        'run.googleapis.com/services.*',
        'run.googleapis.com/services.get',
        'run.googleapis.com/*.*',
      ),
      { minLength: 1, maxLength: 2 },
    ),
    condition: fc.constantFrom(
      undefined,
      'request.time > timestamp("2027-01-01T00:00:00Z")',
      'request.time < timestamp("2027-01-01T00:00:00Z")',
      'request.path.startsWith("/")',
    ),
  })
  const denyWire = (r: {
    deniedPrincipals: string[]
    exceptionPrincipals: string[]
    deniedPermissions: string[]
    condition: string | undefined
  }) => ({
    denyRule: {
      deniedPrincipals: r.deniedPrincipals,
      // The troubleshooting caller (the owner) must keep reading the policies it explains.
      exceptionPrincipals: [...r.exceptionPrincipals, `principal://goog/subject/${OWNER.slice(5)}`],
      deniedPermissions: r.deniedPermissions,
      ...(r.condition === undefined ? {} : { denialCondition: { expression: r.condition } }),
    },
  })

  it('agrees with checker.decide for every principal × permission, world after world', async () => {
    await h.call('DELETE', `${denyParent}/no-eng-invoke`, { as: OWNER })
    const worlds = fc.sample(
      fc.record({
        service: fc.array(bindingArb, { maxLength: 4 }),
        project: fc.array(bindingArb, { maxLength: 3 }),
        deny: fc.array(denyRuleArb, { maxLength: 2 }),
      }),
      { numRuns: 20, seed: 10 },
    )
    let cases = 0
    let denied = 0
    for (const w of worlds) {
      const svc = await ok('GET', `/v2/${HELLO}:getIamPolicy`)
      await ok('POST', `/v2/${HELLO}:setIamPolicy`, {
        policy: { version: 3, etag: svc['etag'], bindings: w.service.map(wire) },
      })
      const project = await ok('POST', `/v1/projects/${P}:getIamPolicy`)
      await ok('POST', `/v1/projects/${P}:setIamPolicy`, {
        policy: { version: 3, etag: project['etag'], bindings: w.project.map(wire) },
      })
      if (w.deny.length > 0) await putDenyPolicy('random', w.deny.map(denyWire))
      else await h.call('DELETE', `${denyParent}/random`, { as: OWNER })
      for (const email of PRINCIPALS) {
        for (const permission of PERMISSIONS) {
          // run.routes.invoke is decided per request (the gateway's, with host and path).
          const request =
            permission === 'run.routes.invoke' ? { host: 'hello.run.localhost', path: '/x' } : {}
          const real = await h.services.checker.decide(
            { member: `user:${email}` },
            permission,
            HELLO,
            request,
          )
          const r = await h.services.troubleshooter.troubleshootV3(
            { member: OWNER },
            tuple(email, permission, FULL, {
              conditionContext: { request: { receiveTime: '2026-01-01T00:00:00Z', ...request } },
            }),
          )
          expect(r.overallAccessState, `${email} ${permission} ${JSON.stringify(w)}`).toBe(
            real.allowed ? 'CAN_ACCESS' : 'CANNOT_ACCESS',
          )
          // When a deny rule decided, the troubleshooter marks exactly the rules it reported.
          const marked = r.denyPolicyExplanation.explainedResources.flatMap((res) =>
            (res.explainedPolicies ?? []).flatMap((p) =>
              p.ruleExplanations.flatMap((e, k) =>
                e.denyAccessState === 'DENY_ACCESS_STATE_DENIED' ? [`${p.policy.name}#${k}`] : [],
              ),
            ),
          )
          expect(marked).toEqual((real.deny?.by ?? []).map((b) => `${b.policy}#${b.ruleIndex}`))
          if (real.deny?.denied === true) denied++
          cases++
        }
      }
    }
    expect(cases).toBe(20 * 25)
    expect(denied).toBeGreaterThan(20)
  })
})
