// Policy Troubleshooter over a real socket and SQLite: its verdict against the real decision
// (testIamPermissions called as the principal) for every principal × permission of a small world
// with nested groups, inheritance and a condition, then against the admin API's decision
// (checker.decide) over 20 random worlds; the v1 and v2alpha1 shapes; bad tuples in
// Google's envelope naming the value; and attacks: a caller without getIamPolicy learns neither
// the policy nor the verdict it decides, nor whether the resource exists; huge inputs refused.
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
      permissionDeniable: false,
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

  it('agrees with checker.decide for every principal × permission, world after world', async () => {
    const worlds = fc.sample(
      fc.record({
        service: fc.array(bindingArb, { maxLength: 4 }),
        project: fc.array(bindingArb, { maxLength: 3 }),
      }),
      { numRuns: 20, seed: 10 },
    )
    let cases = 0
    for (const w of worlds) {
      const svc = await ok('GET', `/v2/${HELLO}:getIamPolicy`)
      await ok('POST', `/v2/${HELLO}:setIamPolicy`, {
        policy: { version: 3, etag: svc['etag'], bindings: w.service.map(wire) },
      })
      const project = await ok('POST', `/v1/projects/${P}:getIamPolicy`)
      await ok('POST', `/v1/projects/${P}:setIamPolicy`, {
        policy: { version: 3, etag: project['etag'], bindings: w.project.map(wire) },
      })
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
          cases++
        }
      }
    }
    expect(cases).toBe(20 * 25)
  })
})
