// Cloud Asset's analyzeIamPolicy over a real socket and SQLite: who can invoke a service (groups
// expanded, inheritance, conditions), what an identity can reach, an answer that follows the next
// write, bad queries in Google's envelope naming the value, and callers without
// cloudasset.assets.analyzeIamPolicy on the scope.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AnalyzeIamPolicyResponse, IamPolicyAnalysisResult } from '@runiam/api'
import type { Store } from '@runiam/store'
import { openSqliteStore } from '@runiam/store/sqlite'
import { PolicyAnalysisService } from '../services/asset/policy-analysis-service.js'
import { errorOf, OWNER, startHarness, type Harness } from './test-harness.js'

const P = 'analyze-project'
const HELLO = `projects/${P}/locations/us-central1/services/hello`
const OTHER = `projects/${P}/locations/us-central1/services/other`
const RUN = '//run.googleapis.com/'
const ALICE = 'user:alice@example.com'
const AUDITOR = 'user:auditor@example.com'

let dir: string
let store: Store
let h: Harness
let projectNumber: string

async function ok(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const r = await h.call(method, path, { as: OWNER, ...(body === undefined ? {} : { body }) })
  expect(r.status, `${method} ${path}: ${JSON.stringify(r.json)}`).toBe(200)
  return r.json
}

async function setPolicy(resource: string, getPath: string, bindings: unknown[]): Promise<void> {
  const get = getPath.endsWith(':getIamPolicy')
    ? await ok(getPath.startsWith('/v2') ? 'GET' : 'POST', getPath)
    : {}
  const setPath = getPath.replace(':getIamPolicy', ':setIamPolicy')
  await ok('POST', setPath, { policy: { version: 3, bindings, etag: get['etag'] } })
  void resource
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'runiam-analyze-'))
  store = await openSqliteStore({ path: join(dir, 'runiam.db') })
  h = await startHarness(store)
  const created = await ok('POST', '/v1/projects', { projectId: P })
  projectNumber = String((created['response'] as { projectNumber: string }).projectNumber)
  for (const id of ['hello', 'other']) {
    await ok('POST', `/v2/projects/${P}/locations/us-central1/services?serviceId=${id}`, {
      template: { containers: [{ image: 'us-docker.pkg.dev/x/hello' }] },
    })
  }
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
  await setPolicy(HELLO, `/v2/${HELLO}:getIamPolicy`, [
    { role: 'roles/run.invoker', members: ['group:eng@example.com'] },
    {
      role: 'roles/run.invoker',
      members: ['user:carol@example.com'],
      condition: { title: 'admin path', expression: 'request.path.startsWith("/admin")' },
    },
  ])
  const project = await ok('POST', `/v1/projects/${P}:getIamPolicy`)
  await ok('POST', `/v1/projects/${P}:setIamPolicy`, {
    policy: {
      bindings: [
        ...((project['bindings'] as unknown[] | undefined) ?? []),
        { role: 'roles/run.viewer', members: ['user:bob@example.com'] },
        { role: 'roles/cloudasset.viewer', members: [AUDITOR] },
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

function analyze(scope: string, params: Record<string, string | string[]>, as = OWNER) {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) {
    for (const x of Array.isArray(v) ? v : [v]) q.append(`analysisQuery.${k}`, x)
  }
  return h.call('GET', `/v1/${scope}:analyzeIamPolicy?${q.toString()}`, { as })
}

function resultsOf(json: Record<string, unknown>): IamPolicyAnalysisResult[] {
  return [...((json as unknown as AnalyzeIamPolicyResponse).mainAnalysis.analysisResults ?? [])]
}

describe('analyzeIamPolicy', () => {
  it('who can invoke a service: nested groups expanded, conditions reported', async () => {
    const r = await analyze(`organizations/${h.orgId}`, {
      'resourceSelector.fullResourceName': `${RUN}${HELLO}`,
      'accessSelector.permissions': 'run.routes.invoke',
      'options.expandGroups': 'true',
      'options.outputGroupEdges': 'true',
    })
    expect(r.status, JSON.stringify(r.json)).toBe(200)
    const body = r.json as unknown as AnalyzeIamPolicyResponse
    expect(body.fullyExplored).toBe(true)
    expect(body.mainAnalysis.analysisQuery).toEqual({
      scope: `organizations/${h.orgId}`,
      resourceSelector: { fullResourceName: `${RUN}${HELLO}` },
      accessSelector: { permissions: ['run.routes.invoke'] },
      options: { expandGroups: true, outputGroupEdges: true },
    })
    const results = resultsOf(r.json)
    // The owners of the organization and of the project (its creator) hold run.routes.invoke.
    expect(results.map((x) => [x.attachedResourceFullName, x.iamBinding.role])).toEqual([
      [`//cloudresourcemanager.googleapis.com/organizations/${h.orgId}`, 'roles/owner'],
      [`//cloudresourcemanager.googleapis.com/projects/${P}`, 'roles/owner'],
      [`${RUN}${HELLO}`, 'roles/run.invoker'],
      [`${RUN}${HELLO}`, 'roles/run.invoker'],
    ])
    const [, , eng, carol] = results
    expect(eng?.identityList).toEqual({
      identities: [
        { name: 'group:eng@example.com' },
        { name: 'group:platform@example.com' },
        { name: ALICE },
      ],
      groupEdges: [
        { sourceNode: 'group:eng@example.com', targetNode: 'group:platform@example.com' },
        { sourceNode: 'group:platform@example.com', targetNode: ALICE },
      ],
    })
    expect(eng?.accessControlLists).toEqual([
      {
        resources: [{ fullResourceName: `${RUN}${HELLO}` }],
        accesses: [{ permission: 'run.routes.invoke' }],
      },
    ])
    expect(carol?.accessControlLists[0]?.conditionEvaluation).toEqual({
      evaluationValue: 'CONDITIONAL',
    })
  })

  it('what an identity can reach, in a project scope named by number', async () => {
    const r = await analyze(`projects/${projectNumber}`, {
      'identitySelector.identity': ALICE,
      'options.expandResources': 'true',
      'options.expandRoles': 'true',
    })
    expect(r.status, JSON.stringify(r.json)).toBe(200)
    const results = resultsOf(r.json)
    // Only policies within the scope: the organization's owner binding is not analyzed.
    expect(results).toHaveLength(1)
    expect(results[0]?.accessControlLists[0]?.resources).toEqual([
      { fullResourceName: `${RUN}${HELLO}` },
    ])
    expect(results[0]?.accessControlLists[0]?.accesses).toContainEqual({
      permission: 'run.routes.invoke',
    })
  })

  it('answers with the policy written a moment before', async () => {
    await setPolicy(OTHER, `/v2/${OTHER}:getIamPolicy`, [
      { role: 'roles/run.invoker', members: [ALICE] },
    ])
    const r = await analyze(`projects/${P}`, {
      'identitySelector.identity': ALICE,
      'accessSelector.permissions': 'run.routes.invoke',
    })
    expect(r.status).toBe(200)
    expect(
      resultsOf(r.json).flatMap((x) =>
        x.accessControlLists.flatMap((a) => a.resources.map((y) => y.fullResourceName)),
      ),
    ).toEqual([`${RUN}${HELLO}`, `${RUN}${OTHER}`])
  })

  it('follows group, service, project, custom role and policy changes in place, as a snapshot read from scratch', async () => {
    const aliceReach = async (): Promise<string[]> => {
      const r = await analyze(`organizations/${h.orgId}`, {
        'identitySelector.identity': ALICE,
        'accessSelector.permissions': 'run.routes.invoke',
      })
      expect(r.status, JSON.stringify(r.json)).toBe(200)
      return resultsOf(r.json).flatMap((x) =>
        x.accessControlLists.flatMap((a) => a.resources.map((y) => y.fullResourceName)),
      )
    }
    expect(await aliceReach()).toContain(`${RUN}${HELLO}`)
    // alice leaves platform (so eng no longer reaches her); a new service names her directly.
    const platform = await ok('GET', '/v1/groups:lookup?groupKey.id=platform@example.com')
    const memberships = await ok('GET', `/v1/${String(platform['name'])}/memberships`)
    const hers = (
      memberships['memberships'] as { name: string; preferredMemberKey: { id: string } }[]
    ).find((m) => m.preferredMemberKey.id === 'alice@example.com')
    await ok('DELETE', `/v1/${hers?.name ?? ''}`)
    const NEW = `projects/${P}/locations/us-central1/services/fresh`
    await ok('POST', `/v2/projects/${P}/locations/us-central1/services?serviceId=fresh`, {
      template: { containers: [{ image: 'us-docker.pkg.dev/x/hello' }] },
    })
    await setPolicy(NEW, `/v2/${NEW}:getIamPolicy`, [
      { role: 'roles/run.invoker', members: [ALICE] },
    ])
    const reach = await aliceReach()
    expect(reach).not.toContain(`${RUN}${HELLO}`)
    expect(reach).toContain(`${RUN}${NEW}`)
    // Deleting the service takes its policy with it.
    await ok('DELETE', `/v2/${NEW}`)
    expect(await aliceReach()).not.toContain(`${RUN}${NEW}`)
    // A new project, and a custom role whose permissions change under its binding.
    const LATER = 'analyze-later'
    await ok('POST', '/v1/projects', { projectId: LATER })
    await ok('POST', `/v1/projects/${LATER}/roles`, {
      roleId: 'caller',
      role: { title: 'Caller', includedPermissions: ['run.routes.invoke'], stage: 'GA' },
    })
    const LATE = `projects/${LATER}/locations/us-central1/services/late`
    await ok('POST', `/v2/projects/${LATER}/locations/us-central1/services?serviceId=late`, {
      template: { containers: [{ image: 'us-docker.pkg.dev/x/hello' }] },
    })
    await setPolicy(LATE, `/v2/${LATE}:getIamPolicy`, [
      { role: `projects/${LATER}/roles/caller`, members: [ALICE] },
    ])
    expect(await aliceReach()).toContain(`${RUN}${LATE}`)
    await ok('PATCH', `/v1/projects/${LATER}/roles/caller?updateMask=includedPermissions`, {
      includedPermissions: ['run.services.get'],
    })
    expect(await aliceReach()).not.toContain(`${RUN}${LATE}`)
    // The in-place snapshot answers exactly as one read from scratch now.
    const fresh = new PolicyAnalysisService({
      store,
      checker: h.services.checker,
      now: () => Date.parse('2026-01-01T00:00:00Z'),
      runDomain: 'run.localhost',
      servicePort: 8080,
    })
    try {
      for (const params of [
        { 'identitySelector.identity': ALICE },
        { 'accessSelector.permissions': 'run.routes.invoke', 'options.expandGroups': 'true' },
        { 'identitySelector.identity': 'user:bob@example.com', 'options.expandResources': 'true' },
      ]) {
        const scope = `organizations/${h.orgId}`
        const q = new URLSearchParams(
          Object.entries(params).map(([k, v]): [string, string] => [`analysisQuery.${k}`, v]),
        )
        const live = await analyze(scope, params)
        const caller = { member: OWNER }
        expect(live.json).toEqual(JSON.parse(JSON.stringify(await fresh.analyze(caller, scope, q))))
      }
    } finally {
      fresh.close()
    }
  })

  it.each([
    [{}, 'Specify at least one of analysisQuery.resourceSelector'],
    [{ 'resourceSelector.fullResourceName': 'projects/x/services/y' }, '"projects/x/services/y"'],
    [{ 'accessSelector.permissions': 'run.services.fly' }, '"run.services.fly"'],
    [{ 'identitySelector.identity': 'alice@example.com' }, '"alice@example.com"'],
    [{ 'identitySelector.identity': ALICE, 'options.expandGroups': 'maybe' }, '"maybe"'],
  ])('refuses %j with INVALID_ARGUMENT naming the value', async (params, words) => {
    const r = await analyze(`projects/${P}`, params)
    expect(r.status).toBe(400)
    const err = errorOf(r)
    expect(err.status).toBe('INVALID_ARGUMENT')
    expect(err.message).toContain(words)
    expect(JSON.stringify(r.json)).toContain('INVALID_ANALYSIS_QUERY')
  })

  it('refuses a scope runiam does not have (folders)', async () => {
    const r = await analyze('folders/123', { 'identitySelector.identity': ALICE })
    expect(r.status).toBe(400)
    expect(errorOf(r).message).toContain('"folders/123"')
  })

  it('a caller without cloudasset.assets.analyzeIamPolicy on the scope is refused', async () => {
    const stranger = await analyze(
      `projects/${P}`,
      { 'identitySelector.identity': ALICE },
      'user:stranger@example.com',
    )
    expect(stranger.status).toBe(403)
    expect(errorOf(stranger).status).toBe('PERMISSION_DENIED')
    expect(errorOf(stranger).message).toContain("'cloudasset.assets.analyzeIamPolicy'")
    // The same answer before the query is read: a bad query does not reveal anything either.
    expect((await analyze(`projects/${P}`, {}, 'user:stranger@example.com')).status).toBe(403)
    // roles/cloudasset.viewer on the project: the project, not the organization.
    expect(
      (await analyze(`projects/${P}`, { 'identitySelector.identity': ALICE }, AUDITOR)).status,
    ).toBe(200)
    const org = await analyze(
      `organizations/${h.orgId}`,
      { 'identitySelector.identity': ALICE },
      AUDITOR,
    )
    expect(org.status).toBe(403)
  })

  it('an auditor of one project sees only that project, and no group memberships', async () => {
    // A project's Cloud Asset Viewer may not list group memberships: only alice's direct
    // binding (on other, set above) is found, and the answer says it is incomplete.
    const r = await analyze(`projects/${P}`, { 'identitySelector.identity': ALICE }, AUDITOR)
    expect(r.status, JSON.stringify(r.json)).toBe(200)
    const body = r.json as unknown as AnalyzeIamPolicyResponse
    expect(body.fullyExplored).toBe(false)
    expect(body.mainAnalysis.fullyExplored).toBe(false)
    expect(body.mainAnalysis.nonCriticalErrors?.[0]?.code).toBe('PERMISSION_DENIED')
    expect(resultsOf(r.json).map((x) => x.attachedResourceFullName)).toEqual([`${RUN}${OTHER}`])
    const expanded = await analyze(
      `projects/${P}`,
      { 'resourceSelector.fullResourceName': `${RUN}${HELLO}`, 'options.expandGroups': 'true' },
      AUDITOR,
    )
    const identities = resultsOf(expanded.json).flatMap((x) =>
      x.identityList.identities.map((i) => i.name),
    )
    expect(identities).toContain('group:eng@example.com')
    expect(identities).not.toContain('group:platform@example.com')
    // Another project's resource is outside the scope: no answer about it.
    await ok('POST', '/v1/projects', { projectId: 'analyze-other' })
    await ok('POST', '/v2/projects/analyze-other/locations/us-central1/services?serviceId=x', {
      template: { containers: [{ image: 'us-docker.pkg.dev/x/hello' }] },
    })
    const outside = await analyze(
      `projects/${P}`,
      {
        'resourceSelector.fullResourceName': `${RUN}projects/analyze-other/locations/us-central1/services/x`,
      },
      AUDITOR,
    )
    expect(outside.status).toBe(200)
    expect(resultsOf(outside.json)).toEqual([])
    expect(
      (await analyze('projects/analyze-other', { 'identitySelector.identity': ALICE }, AUDITOR))
        .status,
    ).toBe(403)
  })

  it('a project that does not exist is NOT_FOUND for the organization owner', async () => {
    const r = await analyze('projects/nope-project', { 'identitySelector.identity': ALICE })
    expect(r.status).toBe(404)
  })
})
