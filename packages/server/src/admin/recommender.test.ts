// Recommender v1 over a real socket and SQLite, with the real clock and a 2 s window: an unused
// grant gets REMOVE_ROLE, run.admin used only to invoke gets REPLACE_ROLE → run.invoker, a grant
// in
// use and a grant younger than the window get nothing; a public service nobody invoked anonymously
// gets the Cloud Run recommendation; the state machine and etags as Google; callers without the
// recommender permission get 403 whether or not the project exists; bad names and filters are
// refused naming the value.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ListRecommendationsResponse, Recommendation } from '@runiam/api'
import type { Store } from '@runiam/store'
import { openSqliteStore } from '@runiam/store/sqlite'
import { errorOf, OWNER, startHarness, type Harness } from './test-harness.js'

const P = 'rec-project'
const SVC = `projects/${P}/locations/us-central1/services/web`
const OPEN = `projects/${P}/locations/us-central1/services/open`
const BUSY = `projects/${P}/locations/us-central1/services/busy`
const IDLE = 'user:idle@example.com'
const CI = 'serviceAccount:ci@rec-project.iam.gserviceaccount.com'
const INVOKER = 'user:invoker@example.com'
const READER = 'user:reader@example.com'
const TESTER = 'user:tester@example.com'
const IAM = `/v1/projects/${P}/locations/global/recommenders/google.iam.policy.Recommender`
const RUN = `/v1/projects/${P}/locations/us-central1/recommenders/google.run.service.SecurityRecommender`

let dir: string
let store: Store
let h: Harness
const WINDOW_MS = 2_000

async function ok(
  method: string,
  path: string,
  body?: unknown,
  as = OWNER,
): Promise<Record<string, unknown>> {
  const r = await h.call(method, path, { as, ...(body === undefined ? {} : { body }) })
  expect(r.status, `${method} ${path}: ${JSON.stringify(r.json)}`).toBe(200)
  return r.json
}

async function setBindings(getPath: string, bindings: unknown[]): Promise<void> {
  const v2 = getPath.startsWith('/v2')
  const get = await ok(v2 ? 'GET' : 'POST', getPath)
  await ok('POST', getPath.replace(':getIamPolicy', ':setIamPolicy'), {
    policy: { bindings, etag: get['etag'] },
  })
}

async function list(base = IAM, as = OWNER): Promise<Recommendation[]> {
  await h.services.usage.flush()
  const r = (await ok(
    'GET',
    `${base}/recommendations`,
    undefined,
    as,
  )) as ListRecommendationsResponse
  return [...(r.recommendations ?? [])]
}

const forMember = (recs: Recommendation[], member: string): Recommendation[] =>
  recs.filter((r) => r.content.overview['member'] === member)

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'runiam-recommender-'))
  store = await openSqliteStore({ path: join(dir, 'runiam.db') })
  h = await startHarness(store, Date.now(), {
    clock: () => Date.now(),
    recommenderWindowMs: WINDOW_MS,
  })
  await ok('POST', '/v1/projects', { projectId: P })
  for (const id of ['web', 'open', 'busy']) {
    await ok('POST', `/v2/projects/${P}/locations/us-central1/services?serviceId=${id}`, {
      template: { containers: [{ image: 'us-docker.pkg.dev/x/hello' }] },
    })
  }
  const project = await ok('POST', `/v1/projects/${P}:getIamPolicy`)
  await ok('POST', `/v1/projects/${P}:setIamPolicy`, {
    policy: {
      bindings: [
        ...((project['bindings'] as unknown[] | undefined) ?? []),
        { role: 'roles/run.viewer', members: [IDLE] },
        { role: 'roles/run.admin', members: [CI] },
        { role: 'roles/recommender.iamViewer', members: [READER] },
        { role: 'roles/run.viewer', members: [TESTER] },
      ],
      etag: project['etag'],
    },
  })
  await setBindings(`/v2/${SVC}:getIamPolicy`, [{ role: 'roles/run.invoker', members: [INVOKER] }])
  await setBindings(`/v2/${OPEN}:getIamPolicy`, [
    { role: 'roles/run.invoker', members: ['allUsers'] },
  ])
  await setBindings(`/v2/${BUSY}:getIamPolicy`, [
    { role: 'roles/run.invoker', members: ['allUsers'] },
  ])
})

afterAll(async () => {
  await h.close()
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('recommendations from recorded usage', () => {
  it('waits for grants younger than the window', async () => {
    expect(forMember(await list(), IDLE)).toEqual([])
  })

  it('removes the unused grant, narrows run.admin used to invoke, leaves the used one', async () => {
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS + 200))
    const at = { timeMs: Date.now() }
    // Gateway decisions: ci invokes through its project-level run.admin, invoker through its grant,
    // an anonymous caller reaches the public `busy` service.
    await h.services.checker.decideNow({ member: CI }, 'run.routes.invoke', SVC, at)
    await h.services.checker.decideNow({ member: INVOKER }, 'run.routes.invoke', SVC, at)
    await h.services.checker.decideNow(undefined, 'run.routes.invoke', BUSY, at)
    // Compat: testIamPermissions uses every permission it finds held.
    const tested = await h.call('POST', `/v2/${SVC}:testIamPermissions`, {
      as: TESTER,
      body: { permissions: ['run.services.get'] },
    })
    expect(tested.json['permissions']).toEqual(['run.services.get'])
    const recs = await list()
    const [remove] = forMember(recs, IDLE)
    expect(remove?.recommenderSubtype).toBe('REMOVE_ROLE')
    expect(remove?.stateInfo.state).toBe('ACTIVE')
    expect(remove?.name).toMatch(
      /^projects\/\d+\/locations\/global\/recommenders\/google\.iam\.policy\.Recommender\/recommendations\/[0-9a-f-]{36}$/,
    )
    expect(remove?.content.operationGroups[0]?.operations[0]).toMatchObject({
      action: 'remove',
      resource: `//cloudresourcemanager.googleapis.com/projects/${P}`,
      path: '/iamPolicy/bindings/*/members/*',
      pathFilters: {
        '/iamPolicy/bindings/*/role': 'roles/run.viewer',
        '/iamPolicy/bindings/*/members/*': IDLE,
      },
    })
    const [replace] = forMember(recs, CI)
    expect(replace?.recommenderSubtype).toBe('REPLACE_ROLE')
    expect(replace?.content.overview['addedRoles']).toEqual(['roles/run.invoker'])
    expect(forMember(recs, INVOKER)).toEqual([])
    expect(forMember(recs, TESTER).map((r) => r.recommenderSubtype)).not.toContain('REMOVE_ROLE')
    // The same finding keeps its name and etag from one list to the next.
    const again = forMember(await list(), IDLE)[0]
    expect(again?.name).toBe(remove?.name)
    expect(again?.etag).toBe(remove?.etag)
  })

  it('a grant added now waits a whole window', async () => {
    const project = await ok('POST', `/v1/projects/${P}:getIamPolicy`)
    const bindings = [...((project['bindings'] as unknown[] | undefined) ?? [])]
    bindings.push({ role: 'roles/run.developer', members: ['user:late@example.com'] })
    await ok('POST', `/v1/projects/${P}:setIamPolicy`, {
      policy: { bindings, etag: project['etag'] },
    })
    expect(forMember(await list(), 'user:late@example.com')).toEqual([])
  })

  it('recommends closing a public service nobody invoked anonymously', async () => {
    const recs = await list(RUN)
    expect(recs.map((r) => r.targetResources[0])).toEqual([`//run.googleapis.com/${OPEN}`])
    expect(recs[0]?.recommenderSubtype).toBe('REMOVE_PUBLIC_ACCESS')
    expect(recs[0]?.name).toContain(
      '/locations/us-central1/recommenders/google.run.service.SecurityRecommender/',
    )
  })

  it('filters by state and subtype, and refuses unknown fields naming them', async () => {
    await h.services.usage.flush()
    const r = await ok(
      'GET',
      `${IAM}/recommendations?filter=${encodeURIComponent('recommenderSubtype = REPLACE_ROLE')}`,
    )
    const recs = (r as ListRecommendationsResponse).recommendations ?? []
    expect(recs.every((x) => x.recommenderSubtype === 'REPLACE_ROLE')).toBe(true)
    expect(recs.length).toBeGreaterThan(0)
    const bad = await h.call('GET', `${IAM}/recommendations?filter=color%20%3D%20red`, {
      as: OWNER,
    })
    expect(bad.status).toBe(400)
    expect(errorOf(bad).message).toContain('color = red')
  })
})

describe('marking and applying', () => {
  it('claims with the etag, refuses a stale or missing one, applies, succeeds', async () => {
    const rec = forMember(await list(), IDLE)[0] as Recommendation
    const path = `/v1/${rec.name}`
    const missing = await h.call('POST', `${path}:markClaimed`, { as: OWNER, body: {} })
    expect(missing.status).toBe(400)
    expect(errorOf(missing).message).toContain('etag')
    const stale = await h.call('POST', `${path}:markClaimed`, {
      as: OWNER,
      body: { etag: '"0000"' },
    })
    expect(stale.status).toBe(409)
    expect(errorOf(stale).status).toBe('ABORTED')
    const claimed = (await ok('POST', `${path}:markClaimed`, {
      etag: rec.etag,
      stateMetadata: { ticket: 'SEC-1' },
    })) as unknown as Recommendation
    expect(claimed.stateInfo).toEqual({ state: 'CLAIMED', stateMetadata: { ticket: 'SEC-1' } })
    expect(claimed.etag).not.toBe(rec.etag)
    const dismiss = await h.call('POST', `${path}:markDismissed`, { as: OWNER, body: {} })
    expect(dismiss.status).toBe(400)
    expect(errorOf(dismiss).status).toBe('FAILED_PRECONDITION')
    // Apply: an ordinary setIamPolicy removing the member.
    const project = await ok('POST', `/v1/projects/${P}:getIamPolicy`)
    const bindings = (project['bindings'] as { role: string; members: string[] }[])
      .map((b) => ({ ...b, members: b.members.filter((m) => m !== IDLE) }))
      .filter((b) => b.members.length > 0)
    await ok('POST', `/v1/projects/${P}:setIamPolicy`, {
      policy: { bindings, etag: project['etag'] },
    })
    const after = await ok('POST', `/v1/projects/${P}:getIamPolicy`)
    expect(JSON.stringify(after)).not.toContain(IDLE)
    // Still listed as claimed (its content frozen) though the grant is gone.
    const still = (await ok('GET', path)) as unknown as Recommendation
    expect(still.stateInfo.state).toBe('CLAIMED')
    const done = (await ok('POST', `${path}:markSucceeded`, {
      etag: still.etag,
    })) as unknown as Recommendation
    expect(done.stateInfo.state).toBe('SUCCEEDED')
    // Names by project id answer too.
    const byId = path.replace(/projects\/\d+\//, `projects/${P}/`)
    expect(((await ok('GET', byId)) as unknown as Recommendation).stateInfo.state).toBe('SUCCEEDED')
  })

  it('dismisses without an etag', async () => {
    const rec = forMember(await list(), CI)[0] as Recommendation
    const r = (await ok('POST', `/v1/${rec.name}:markDismissed`, {})) as unknown as Recommendation
    expect(r.stateInfo.state).toBe('DISMISSED')
  })
})

describe('authorization and bad input', () => {
  it('refuses a caller without the permission, whether or not the project exists', async () => {
    for (const base of [IAM, IAM.replace(P, 'no-such-project')]) {
      const r = await h.call('GET', `${base}/recommendations`, { as: 'user:stranger@example.com' })
      expect(r.status).toBe(403)
      expect(errorOf(r).message).toContain("'recommender.iamPolicyRecommendations.list'")
    }
    const run = await h.call('GET', `${RUN}/recommendations`, { as: READER })
    expect(run.status).toBe(403)
    expect(errorOf(run).message).toContain('recommender.runServiceSecurityRecommendations.list')
    const rec = forMember(await list(IAM, READER), CI)[0] as Recommendation
    const mark = await h.call('POST', `/v1/${rec.name}:markClaimed`, {
      as: READER,
      body: { etag: rec.etag },
    })
    expect(mark.status).toBe(403)
    expect(errorOf(mark).message).toContain('recommender.iamPolicyRecommendations.update')
  })

  it('refuses bodies that are not objects and etags that are not strings, and keeps projects apart', async () => {
    const rec = forMember(await list(), CI)[0] as Recommendation
    const arr = await h.call('POST', `/v1/${rec.name}:markDismissed`, { as: OWNER, body: [] })
    expect(arr.status).toBe(400)
    const num = await h.call('POST', `/v1/${rec.name}:markClaimed`, {
      as: OWNER,
      body: { etag: 7 },
    })
    expect(num.status).toBe(400)
    expect(errorOf(num).message).toContain('etag')
    // The same id under another project (the owner's, existing) is not found there.
    await ok('POST', '/v1/projects', { projectId: 'rec-other' })
    const id = rec.name.split('/').pop() ?? ''
    const elsewhere = await h.call(
      'GET',
      `/v1/projects/rec-other/locations/global/recommenders/google.iam.policy.Recommender/recommendations/${id}`,
      { as: OWNER },
    )
    expect(elsewhere.status).toBe(404)
    const traversal = await h.call('GET', `${IAM}/recommendations/..%2F..%2Fx`, { as: OWNER })
    expect([400, 404]).toContain(traversal.status)
  })

  it('names an unknown recommender, a wrong location, a bad id and a missing recommendation', async () => {
    const unknown = await h.call(
      'GET',
      `/v1/projects/${P}/locations/global/recommenders/google.x.Nope/recommendations`,
      { as: OWNER },
    )
    expect(unknown.status).toBe(400)
    expect(errorOf(unknown).message).toContain('google.x.Nope')
    const where = await h.call('GET', IAM.replace('global', 'us-central1') + '/recommendations', {
      as: OWNER,
    })
    expect(where.status).toBe(400)
    const missing = await h.call(
      'GET',
      `${IAM}/recommendations/00000000-0000-0000-0000-000000000000`,
      { as: OWNER },
    )
    expect(missing.status).toBe(404)
    const badMeta = forMember(await list(), CI)[0] as Recommendation
    const meta = await h.call('POST', `/v1/${badMeta.name}:markDismissed`, {
      as: OWNER,
      body: { stateMetadata: { 'Bad Key': 'x' } },
    })
    expect(meta.status).toBe(400)
    expect(errorOf(meta).message).toContain('Bad Key')
    const page = await h.call('GET', `${IAM}/recommendations?pageSize=abc`, { as: OWNER })
    expect(page.status).toBe(400)
  })
})
