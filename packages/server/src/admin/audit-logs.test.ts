// Cloud Audit Logs over real HTTP and SQLite: every admin write leaves one entry in Google's shape
// (setIamPolicy with its exact policyDelta, in the same transaction), refusals are logged as
// denied, entries read back through entries:list with the filter subset, and the attacks: no
// reading without logging.logEntries.list, no escaping the project through a filter, huge
// filters and page sizes refused, Data Access entries private, no secret in any entry.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '@runiam/store'
import { openSqliteStore } from '@runiam/store/sqlite'
import type { ServiceAccountTokenSigner } from '../services/iam/service-account-model.js'
import { errorOf, OWNER, startHarness, type Harness } from './test-harness.js'

const P = 'audit-p'
const Q = 'audit-q'
const SVC = `projects/${P}/locations/us-central1/services/hello`
const MALLORY = 'user:mallory@example.com'
const QOWNER = 'user:qowner@example.com'
const VIEWER = 'user:viewer@example.com'
const NOW = Date.parse('2026-01-01T00:00:00Z')

let dir: string
let store: Store
let h: Harness

type Entry = Record<string, unknown> & { protoPayload: Record<string, unknown> }

async function entries(
  filter: string,
  as = OWNER,
  resourceNames = [`projects/${P}`],
): Promise<Entry[]> {
  const r = await h.call('POST', '/v2/entries:list', {
    as,
    body: { resourceNames, filter, pageSize: 1000 },
  })
  expect(r.status, JSON.stringify(r.json)).toBe(200)
  return (r.json['entries'] ?? []) as Entry[]
}

async function signer(): Promise<ServiceAccountTokenSigner> {
  const { privateKey, publicKey } = await generateKeyPair('RS256')
  void exportJWK(publicKey)
  const sign = (claims: Record<string, unknown>, aud: string, sub: string, lifetime: number) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer('http://runiam.test')
      .setAudience(aud)
      .setSubject(sub)
      .setIssuedAt(Math.floor(NOW / 1000))
      .setExpirationTime(Math.floor(NOW / 1000) + lifetime)
      .sign(privateKey)
  return {
    issuer: 'http://runiam.test',
    tokenUri: 'http://runiam.test/token',
    signIdToken: (email, audience, subject) => sign({ email }, audience, subject, 3600),
    signAccessToken: async (email, lifetime) => ({
      token: await sign({ email }, 'http://runiam.test', email, lifetime),
    }),
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'runiam-audit-'))
  store = await openSqliteStore({ path: join(dir, 'db.sqlite') })
  h = await startHarness(store, NOW, {
    serviceAccountTokens: await signer(),
    audit: { dataAccess: true, retentionDays: 400 },
  })
  for (const p of [P, Q]) {
    expect(
      (await h.call('POST', '/v1/projects', { as: OWNER, body: { projectId: p } })).status,
    ).toBe(200)
  }
  const created = await h.call(
    'POST',
    `/v2/projects/${P}/locations/us-central1/services?serviceId=hello`,
    { as: OWNER, body: { template: { containers: [{ image: 'us-docker.pkg.dev/x/y' }] } } },
  )
  expect(created.status, JSON.stringify(created.json)).toBe(200)
  const grant = await h.call('POST', `/v1/projects/${Q}:setIamPolicy`, {
    as: OWNER,
    body: {
      policy: {
        bindings: [
          { role: 'roles/owner', members: [QOWNER, OWNER] },
          { role: 'roles/viewer', members: [VIEWER] },
        ],
      },
    },
  })
  expect(grant.status, JSON.stringify(grant.json)).toBe(200)
})

afterAll(async () => {
  await h.close()
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('admin writes', () => {
  it('a v2 setIamPolicy writes one activity entry with the exact policyDelta', async () => {
    const r = await h.call('POST', `/v2/${SVC}:setIamPolicy`, {
      as: OWNER,
      headers: { 'user-agent': 'audit-test/1.0' },
      body: {
        policy: {
          bindings: [{ role: 'roles/run.invoker', members: ['allUsers', 'user:bob@example.com'] }],
        },
      },
    })
    expect(r.status).toBe(200)
    const found = await entries(
      'protoPayload.methodName="google.cloud.run.v2.Services.SetIamPolicy"',
    )
    expect(found).toHaveLength(1)
    const e = found[0] as Entry
    expect(e['logName']).toBe(`projects/${P}/logs/cloudaudit.googleapis.com%2Factivity`)
    expect(e['severity']).toBe('NOTICE')
    expect(e['resource']).toEqual({
      type: 'cloud_run_revision',
      labels: {
        project_id: P,
        service_name: 'hello',
        revision_name: '',
        configuration_name: 'hello',
        location: 'us-central1',
      },
    })
    const p = e.protoPayload
    expect(p['@type']).toBe('type.googleapis.com/google.cloud.audit.AuditLog')
    expect(p['serviceName']).toBe('run.googleapis.com')
    expect(p['resourceName']).toBe(SVC)
    expect(p['status']).toEqual({})
    expect(p['authenticationInfo']).toEqual({
      principalEmail: 'owner@example.com',
      principalSubject: OWNER,
    })
    expect(p['requestMetadata']).toMatchObject({
      callerIp: '127.0.0.1',
      callerSuppliedUserAgent: 'audit-test/1.0',
    })
    expect(p['authorizationInfo']).toEqual([
      {
        resource: SVC,
        permission: 'run.services.setIamPolicy',
        granted: true,
        resourceAttributes: {},
        permissionType: 'ADMIN_WRITE',
      },
    ])
    expect(p['serviceData']).toEqual({
      '@type': 'type.googleapis.com/google.iam.v1.logging.AuditData',
      policyDelta: {
        bindingDeltas: [
          { action: 'ADD', role: 'roles/run.invoker', member: 'allUsers' },
          { action: 'ADD', role: 'roles/run.invoker', member: 'user:bob@example.com' },
        ],
      },
    })
    expect((p['request'] as Record<string, unknown>)['@type']).toBe(
      'type.googleapis.com/google.iam.v1.SetIamPolicyRequest',
    )
    expect((p['response'] as Record<string, unknown>)['etag']).toBe(r.json['etag'])
  })

  it('a v1 setIamPolicy is google.cloud.run.v1.Services.SetIamPolicy, with a REMOVE delta', async () => {
    const current = await h.call('GET', `/v2/${SVC}:getIamPolicy`, { as: OWNER })
    const r = await h.call('POST', `/v1/${SVC}:setIamPolicy`, {
      as: OWNER,
      body: {
        policy: {
          bindings: [{ role: 'roles/run.invoker', members: ['user:bob@example.com'] }],
          etag: current.json['etag'],
        },
      },
    })
    expect(r.status).toBe(200)
    const found = await entries(
      'protoPayload.methodName="google.cloud.run.v1.Services.SetIamPolicy"',
    )
    expect(found).toHaveLength(1)
    expect(found[0]?.protoPayload['serviceData']).toMatchObject({
      policyDelta: {
        bindingDeltas: [{ action: 'REMOVE', role: 'roles/run.invoker', member: 'allUsers' }],
      },
    })
  })

  it('an unauthorised setIamPolicy is logged as denied (granted false, status 7, ERROR)', async () => {
    const r = await h.call('POST', `/v2/${SVC}:setIamPolicy`, {
      as: MALLORY,
      body: { policy: { bindings: [{ role: 'roles/run.admin', members: [MALLORY] }] } },
    })
    expect(r.status).toBe(403)
    const found = await entries(
      'protoPayload.authenticationInfo.principalEmail="mallory@example.com"',
    )
    expect(found).toHaveLength(1)
    const e = found[0] as Entry
    expect(e['severity']).toBe('ERROR')
    expect(e.protoPayload['status']).toMatchObject({ code: 7 })
    expect(e.protoPayload['authorizationInfo']).toMatchObject([
      { permission: 'run.services.setIamPolicy', granted: false },
    ])
    expect(e.protoPayload['serviceData']).toBeUndefined()
    expect(
      await entries('protoPayload.authorizationInfo.granted=false AND severity>=ERROR'),
    ).toHaveLength(1)
  })

  it('creates, project policies and service accounts are logged; key material never is', async () => {
    expect(
      await entries('protoPayload.methodName="google.cloud.run.v2.Services.CreateService"'),
    ).toHaveLength(1)
    const q = await entries('protoPayload.methodName="SetIamPolicy"', OWNER, [`projects/${Q}`])
    expect(q).toHaveLength(1)
    expect(q[0]?.['resource']).toEqual({ type: 'project', labels: { project_id: Q } })
    const sa = await h.call('POST', `/v1/projects/${P}/serviceAccounts`, {
      as: OWNER,
      body: { accountId: 'audit-robot' },
    })
    expect(sa.status).toBe(200)
    const key = await h.call('POST', `/v1/${String(sa.json['name'])}/keys`, { as: OWNER, body: {} })
    expect(key.status, JSON.stringify(key.json)).toBe(200)
    const secret = String(key.json['privateKeyData'])
    expect(secret.length).toBeGreaterThan(100)
    const grant = await h.call('POST', `/v1/${String(sa.json['name'])}:setIamPolicy`, {
      as: OWNER,
      body: {
        policy: { bindings: [{ role: 'roles/iam.serviceAccountTokenCreator', members: [OWNER] }] },
      },
    })
    expect(grant.status).toBe(200)
    const token = await h.call('POST', `/v1/${String(sa.json['name'])}:generateAccessToken`, {
      as: OWNER,
      body: { scope: ['https://www.googleapis.com/auth/cloud-platform'] },
    })
    expect(token.status, JSON.stringify(token.json)).toBe(200)
    const all = JSON.stringify(await entries(''))
    expect(all).toContain('google.iam.admin.v1.CreateServiceAccountKey')
    expect(all).toContain('GenerateAccessToken')
    expect(all).not.toContain(secret)
    expect(all).not.toContain(String(token.json['accessToken']))
    expect(all).not.toContain('privateKeyData')
  })
  it('every setIamPolicy route writes its entry, with the delta, in the policy transaction', async () => {
    // The dispatch hands the call's audit to IamPolicyService.set through each route's handler;
    // a handler that dropped it would leave an entry without serviceData (written after the fact).
    const image = 'us-docker.pkg.dev/x/y'
    const loc = `projects/${P}/locations/us-central1`
    const job = await h.call('POST', `/v2/${loc}/jobs?jobId=audited-job`, {
      as: OWNER,
      body: { template: { template: { containers: [{ image }] } } },
    })
    expect(job.status, JSON.stringify(job.json)).toBe(200)
    const pool = await h.call('POST', `/v2/${loc}/workerPools?workerPoolId=audited-pool`, {
      as: OWNER,
      body: { template: { containers: [{ image }] } },
    })
    expect(pool.status, JSON.stringify(pool.json)).toBe(200)
    const sa = await h.call('POST', `/v1/projects/${P}/serviceAccounts`, {
      as: OWNER,
      body: { accountId: 'audited-sa' },
    })
    expect(sa.status, JSON.stringify(sa.json)).toBe(200)
    // Each resource with a role it accepts.
    const grants = new Map([
      [`${loc}/jobs/audited-job`, 'roles/run.invoker'],
      [`${loc}/workerPools/audited-pool`, 'roles/run.viewer'],
      [String(sa.json['name']), 'roles/iam.serviceAccountUser'],
      [`projects/${P}`, 'roles/viewer'],
    ])
    const member = 'user:auditee@example.com'
    for (const [resource, role] of grants) {
      const v = resource.startsWith(loc) ? 'v2' : 'v1'
      const current = await h.call('POST', `/${v}/${resource}:getIamPolicy`, {
        as: OWNER,
        body: {},
      })
      const bindings = [
        ...((current.json['bindings'] ?? []) as object[]),
        { role, members: [member] },
      ]
      const r = await h.call('POST', `/${v}/${resource}:setIamPolicy`, {
        as: OWNER,
        body: { policy: { bindings, etag: current.json['etag'] } },
      })
      expect(r.status, `${resource}: ${JSON.stringify(r.json)}`).toBe(200)
    }
    const found = (await entries('protoPayload.methodName:"SetIamPolicy"')).filter((e) =>
      grants.has(String(e.protoPayload['resourceName'])),
    )
    expect(found.map((e) => e.protoPayload['resourceName']).sort()).toEqual(
      [...grants.keys()].sort(),
    )
    for (const e of found) {
      const resource = String(e.protoPayload['resourceName'])
      expect(e.protoPayload['serviceData'], resource).toEqual({
        '@type': 'type.googleapis.com/google.iam.v1.logging.AuditData',
        policyDelta: { bindingDeltas: [{ action: 'ADD', role: grants.get(resource), member }] },
      })
    }
  })
})

describe('reading entries', () => {
  it("organization-level writes are in the organization's log, read with its name", async () => {
    const group = await h.call('POST', '/v1/groups', {
      as: OWNER,
      body: {
        parent: `customers/C${h.orgId}`,
        groupKey: { id: 'auditors@example.com' },
        labels: { 'cloudidentity.googleapis.com/groups.discussion_forum': '' },
      },
    })
    expect(group.status, JSON.stringify(group.json)).toBe(200)
    const org = `organizations/${h.orgId}`
    const found = await entries(
      'protoPayload.methodName="google.apps.cloudidentity.groups.v1.GroupsService.CreateGroup"',
      OWNER,
      [org],
    )
    expect(found).toHaveLength(1)
    expect(found[0]?.['logName']).toBe(`${org}/logs/cloudaudit.googleapis.com%2Factivity`)
    // A project reader sees none of them; the organization's log needs its own grant.
    const r = await h.call('POST', '/v2/entries:list', {
      as: QOWNER,
      body: { resourceNames: [org] },
    })
    expect(r.status).toBe(403)
  })

  it('needs logging.logEntries.list on the project (before anything else)', async () => {
    const r = await h.call('POST', '/v2/entries:list', {
      as: MALLORY,
      body: { resourceNames: [`projects/${P}`] },
    })
    expect(r.status).toBe(403)
    expect(errorOf(r).message).toContain('logging.logEntries.list')
    const missing = await h.call('POST', '/v2/entries:list', {
      as: MALLORY,
      body: { resourceNames: ['projects/does-not-exist'] },
    })
    expect(missing.status).toBe(403)
  })

  it("a filter cannot reach another project's entries", async () => {
    expect(
      await entries(`logName="projects/${P}/logs/cloudaudit.googleapis.com%2Factivity"`, QOWNER, [
        `projects/${Q}`,
      ]),
    ).toEqual([])
    expect(await entries(`protoPayload.resourceName:"${P}"`, QOWNER, [`projects/${Q}`])).toEqual([])
    const r = await h.call('POST', '/v2/entries:list', {
      as: QOWNER,
      body: { resourceNames: [`projects/${Q}`, `projects/${P}`] },
    })
    expect(r.status).toBe(403)
  })

  it('Data Access entries need logging.privateLogEntries.list (viewer: activity only)', async () => {
    const read = await h.call('POST', `/v1/projects/${Q}:getIamPolicy`, { as: OWNER, body: {} })
    expect(read.status).toBe(200)
    const owner = await entries('logName:"data_access"', OWNER, [`projects/${Q}`])
    expect(owner.map((e) => e.protoPayload['methodName'])).toContain('GetIamPolicy')
    expect(owner.find((e) => e.protoPayload['methodName'] === 'GetIamPolicy')?.['severity']).toBe(
      'INFO',
    )
    const viewer = await entries('', VIEWER, [`projects/${Q}`])
    expect(viewer.length).toBeGreaterThan(0)
    expect(viewer.every((e) => String(e['logName']).endsWith('%2Factivity'))).toBe(true)
    expect(owner.length).toBeGreaterThan(0)
  })

  it('refuses bad filters, huge filters and page sizes cleanly, naming the problem', async () => {
    const call = (body: Record<string, unknown>) =>
      h.call('POST', '/v2/entries:list', {
        as: OWNER,
        body: { resourceNames: [`projects/${P}`], ...body },
      })
    const bad = await call({ filter: 'protoPayload.methodName=' })
    expect(bad.status).toBe(400)
    expect(errorOf(bad).message).toContain('protoPayload.methodName')
    const huge = await call({ filter: `textPayload:"${'x'.repeat(25_000)}"` })
    expect(huge.status).toBe(400)
    expect(errorOf(huge).status).toBe('INVALID_ARGUMENT')
    expect((await call({ pageSize: 5000 })).status).toBe(400)
    expect((await call({ pageSize: -1 })).status).toBe(400)
    expect((await call({ pageToken: 'garbage' })).status).toBe(400)
    expect((await call({ orderBy: 'severity' })).status).toBe(400)
  })

  it('pages in both orders without losing or repeating an entry', async () => {
    const all = await entries('logName:"activity"')
    for (const orderBy of ['timestamp asc', 'timestamp desc']) {
      const seen: string[] = []
      let pageToken: string | undefined
      do {
        const r = await h.call('POST', '/v2/entries:list', {
          as: OWNER,
          body: {
            resourceNames: [`projects/${P}`],
            filter: 'logName:"activity"',
            orderBy,
            pageSize: 2,
            ...(pageToken === undefined ? {} : { pageToken }),
          },
        })
        expect(r.status).toBe(200)
        seen.push(...((r.json['entries'] ?? []) as Entry[]).map((e) => String(e['insertId'])))
        pageToken = r.json['nextPageToken'] as string | undefined
      } while (pageToken !== undefined)
      const want = all.map((e) => String(e['insertId']))
      expect(seen).toEqual(orderBy === 'timestamp asc' ? want : [...want].reverse())
    }
  })

  it('prunes entries past the retention', async () => {
    const before = (await entries('')).length
    expect(before).toBeGreaterThan(0)
    expect(await h.services.audit.prune()).toBe(0)
    const gone = await store.transact((tx) => tx.pruneAuditEntries('2026-01-01T00:00:00.001Z'))
    expect(gone).toBeGreaterThan(0)
    expect(await entries('')).toEqual([])
  })
})
