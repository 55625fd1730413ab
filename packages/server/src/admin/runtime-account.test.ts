// Deploying as a service account (Compat: Cloud Run checks iam.serviceAccounts.actAs on the runtime
// service account), over real HTTP on real SQLite, through every surface that sets it: v2
// services, jobs and worker pools, and Knative v1 services. A developer may deploy, but not as an
// account it may not act as; roles/iam.serviceAccountUser on the account lets it.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '@runiam/store'
import { openSqliteStore } from '@runiam/store/sqlite'
import { errorOf, OWNER, startHarness, type CallResult, type Harness } from './test-harness.js'

const P = 'actas-proj'
const V2 = `/v2/projects/${P}/locations/us-central1`
const SA = `runtime-robot@${P}.iam.gserviceaccount.com`
const MISSING = `no-such-robot@${P}.iam.gserviceaccount.com`
/** run.developer on the project and Service Account User on SA. */
const TRUSTED = 'user:trusted@example.com'
/** run.developer on the project only. */
const DEV = 'user:dev@example.com'
const IMAGE = 'us-docker.pkg.dev/cloudrun/container/hello'

type Json = Record<string, unknown>

let dir: string
let store: Store
let h: Harness

const denied = (account: string) => ({
  code: 403,
  status: 'PERMISSION_DENIED',
  message: `Permission 'iam.serviceaccounts.actAs' denied on service account ${account} (or it may not exist).`,
})

function ok(r: CallResult): Json {
  expect(r.status, JSON.stringify(r.json)).toBe(200)
  return r.json
}

async function setPolicy(resource: string, bindings: { role: string; members: string[] }[]) {
  const pol = await h.call('POST', `/v1/${resource}:getIamPolicy`, { as: OWNER, body: {} })
  ok(
    await h.call('POST', `/v1/${resource}:setIamPolicy`, {
      as: OWNER,
      body: { policy: { etag: pol.json['etag'], bindings } },
    }),
  )
}

const service = (id: string, as: string, serviceAccount?: unknown, image = IMAGE) =>
  h.call('POST', `${V2}/services?serviceId=${id}`, {
    as,
    body: {
      template: {
        containers: [{ image }],
        ...(serviceAccount === undefined ? {} : { serviceAccount }),
      },
    },
  })

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'runiam-actas-'))
  store = await openSqliteStore({ path: join(dir, 'runiam.db') })
  h = await startHarness(store)
  ok(await h.call('POST', '/v1/projects', { as: OWNER, body: { projectId: P } }))
  ok(
    await h.call('POST', `/v1/projects/${P}/serviceAccounts`, {
      as: OWNER,
      body: { accountId: 'runtime-robot' },
    }),
  )
  await setPolicy(`projects/${P}`, [
    { role: 'roles/owner', members: [OWNER] },
    { role: 'roles/run.developer', members: [TRUSTED, DEV] },
  ])
  await setPolicy(`projects/${P}/serviceAccounts/${SA}`, [
    { role: 'roles/iam.serviceAccountUser', members: [TRUSTED] },
  ])
})

afterAll(async () => {
  await h.close()
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('deploying as a service account needs iam.serviceAccounts.actAs on it', () => {
  it('v2 services: refused without it (however the account is spelled), allowed with it', async () => {
    expect(errorOf(await service('s-dev', DEV, SA))).toEqual(denied(SA))
    expect(errorOf(await service('s-dev', DEV, SA.toUpperCase()))).toEqual(denied(SA.toUpperCase()))
    const uniqueId = String(
      ok(await h.call('GET', `/v1/projects/-/serviceAccounts/${SA}`, { as: OWNER }))['uniqueId'],
    )
    expect(errorOf(await service('s-dev', DEV, uniqueId))).toEqual(denied(uniqueId))
    // Nothing was created by the refused calls.
    expect((await h.call('GET', `${V2}/services/s-dev`, { as: OWNER })).status).toBe(404)
    ok(await service('s-dev', DEV))
    ok(await service('s-trusted', TRUSTED, SA))
  })

  it('an account that does not exist is the same 403, even for the owner', async () => {
    expect(errorOf(await service('s-missing', OWNER, MISSING))).toEqual(denied(MISSING))
  })

  it('a value that is not a string is 400 naming the field', async () => {
    const r = await service('s-bad', OWNER, 42)
    expect(errorOf(r)).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' })
    expect(errorOf(r).message).toContain('service.template.service_account')
  })

  it('updates: a new template running as the account needs it; other fields do not', async () => {
    const path = `${V2}/services/s-trusted`
    // Another image (a new revision, as the account): refused to DEV, allowed to TRUSTED.
    const patch = (as: string, body: Json, mask: string) =>
      h.call('PATCH', `${path}?updateMask=${mask}`, { as, body })
    const newImage = { template: { containers: [{ image: `${IMAGE}:v2` }], serviceAccount: SA } }
    expect(errorOf(await patch(DEV, newImage, 'template'))).toEqual(denied(SA))
    // Making an existing service run as the account is deploying as it too.
    const asRobot = { template: { containers: [{ image: IMAGE }], serviceAccount: SA } }
    expect(
      errorOf(
        await h.call('PATCH', `${V2}/services/s-dev?updateMask=template`, {
          as: DEV,
          body: asRobot,
        }),
      ),
    ).toEqual(denied(SA))
    // Labels only: the template (and the account) unchanged.
    ok(await patch(DEV, { labels: { team: 'a' } }, 'labels'))
    ok(await patch(TRUSTED, newImage, 'template'))
  })

  it('Knative v1 services, v2 jobs and worker pools alike', async () => {
    const knative = (as: string) =>
      h.call('POST', `/apis/serving.knative.dev/v1/namespaces/${P}/services`, {
        as,
        body: {
          apiVersion: 'serving.knative.dev/v1',
          kind: 'Service',
          metadata: {
            name: 'k-svc',
            namespace: P,
            labels: { 'cloud.googleapis.com/location': 'us-central1' },
          },
          spec: {
            template: { spec: { serviceAccountName: SA, containers: [{ image: IMAGE }] } },
          },
        },
      })
    expect(errorOf(await knative(DEV))).toEqual(denied(SA))
    ok(await knative(TRUSTED))

    const job = (id: string, as: string) =>
      h.call('POST', `${V2}/jobs?jobId=${id}`, {
        as,
        body: { template: { template: { containers: [{ image: IMAGE }], serviceAccount: SA } } },
      })
    expect(errorOf(await job('j-dev', DEV))).toEqual(denied(SA))
    ok(await job('j-trusted', TRUSTED))

    const pool = (id: string, as: string) =>
      h.call('POST', `${V2}/workerPools?workerPoolId=${id}`, {
        as,
        body: { template: { containers: [{ image: IMAGE }], serviceAccount: SA } },
      })
    expect(errorOf(await pool('w-dev', DEV))).toEqual(denied(SA))
    ok(await pool('w-trusted', TRUSTED))
  })
})
