// recommender recommendations against the fake server: the paths gcloud calls (parent from
// --project/--location/--recommender, an id or a full name), the mark bodies (etag as given,
// --state-metadata as a map), gcloud's list table, and its flag rules (--etag required to claim).
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { fixture, type Fixture } from '../testing/cli-fixture.js'

const PARENT = 'projects/p1/locations/global/recommenders/google.iam.policy.Recommender'
const REC = {
  name: `${PARENT}/recommendations/abc-1`,
  description: 'This role has not been used during the observation window.',
  recommenderSubtype: 'REMOVE_ROLE',
  lastRefreshTime: '2026-12-01T00:00:00Z',
  primaryImpact: { category: 'SECURITY' },
  priority: 'P4',
  content: { operationGroups: [], overview: {} },
  stateInfo: { state: 'ACTIVE' },
  etag: '"e1"',
  associatedInsights: [],
  targetResources: ['//cloudresourcemanager.googleapis.com/projects/p1'],
}
const IAM = ['--project=p1', '--location=global', '--recommender=google.iam.policy.Recommender']

let f: Fixture
beforeEach(async () => {
  f = await fixture()
})
afterEach(async () => f.close())

describe('recommender recommendations', () => {
  it("lists with gcloud's table", async () => {
    f.fake.inject((r) => r.method === 'GET' && r.path.endsWith('/recommendations'), {
      status: 200,
      body: { recommendations: [REC] },
    })
    const r = await f.cli(['recommender', 'recommendations', 'list', ...IAM])
    expect(r.code, r.stderr).toBe(0)
    expect(f.fake.calls()).toEqual([`GET /v1/${PARENT}/recommendations`])
    expect(r.stdout.split('\n')[0]).toMatch(
      /^RECOMMENDATION_ID\s+PRIMARY_IMPACT_CATEGORY\s+RECOMMENDATION_STATE\s+LAST_REFRESH_TIME\s+PRIORITY\s+RECOMMENDER_SUBTYPE\s+DESCRIPTION$/,
    )
    expect(r.stdout).toContain('abc-1')
  })

  it('claims with the etag and state metadata; a full name works as well as an id', async () => {
    f.fake.inject((r) => r.method === 'POST', { status: 200, body: REC })
    const r = await f.cli([
      'recommender',
      'recommendations',
      'mark-claimed',
      'abc-1',
      ...IAM,
      '--etag="e1"',
      '--state-metadata=ticket=SEC-7,owner=ops',
    ])
    expect(r.code, r.stderr).toBe(0)
    const req = f.fake.requests.find((x) => x.method === 'POST')
    expect(req?.path).toBe(`/v1/${PARENT}/recommendations/abc-1:markClaimed`)
    expect(req?.body).toEqual({ etag: '"e1"', stateMetadata: { ticket: 'SEC-7', owner: 'ops' } })
    f.fake.inject((r) => r.method === 'POST', { status: 200, body: REC })
    const full = await f.cli([
      'recommender',
      'recommendations',
      'mark-dismissed',
      `${PARENT}/recommendations/abc-1`,
      ...IAM,
    ])
    expect(full.code, full.stderr).toBe(0)
    expect(f.fake.calls().pop()).toBe(`POST /v1/${PARENT}/recommendations/abc-1:markDismissed`)
  })

  it('refuses mark-claimed without --etag and list without --location', async () => {
    const noEtag = await f.cli(['recommender', 'recommendations', 'mark-claimed', 'abc-1', ...IAM])
    expect(noEtag.code).toBe(2)
    expect(noEtag.stderr).toContain('--etag')
    const noLoc = await f.cli([
      'recommender',
      'recommendations',
      'list',
      '--project=p1',
      '--recommender=google.iam.policy.Recommender',
    ])
    expect(noLoc.code).toBe(2)
    expect(noLoc.stderr).toContain('--location')
    expect(f.fake.calls()).toEqual([])
  })
})
