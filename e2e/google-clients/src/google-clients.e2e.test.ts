// Google's own Node client libraries against a real `runiam serve --dev` (SPEC §2: "so Google's
// own client libraries work against it"): @google-cloud/run v2 ServicesClient (CRUD with LROs,
// pagination, IAM with etags, errors as GoogleError codes), @google-cloud/resource-manager v3
// ProjectsClient (project IAM; its errors are GaxiosErrors with the HTTP status, a property of
// that library's google-gax 5), and google-auth-library's GoogleAuth with a key file made by
// runiam (access token and ID token from runiam's token endpoint; the ID token passes the gateway).
// @google-cloud/run comes from this folder's own install (google-cloud-run.ts says why).
import { mkdtempSync, readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { v3 as resourceManager } from '@google-cloud/resource-manager'
import { GoogleAuth, OAuth2Client, gaxios } from 'google-auth-library'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  invokeService,
  login,
  startServer,
  type ServerProcess,
  type User,
} from '../../src/harness.js'
import { googleCloudRun } from './google-cloud-run.js'

const { v2: run } = await googleCloudRun()

const PROJECT = 'gclient-proj'
const PARENT = `projects/${PROJECT}/locations/us-central1`
const SA_EMAIL = `gc-robot@${PROJECT}.iam.gserviceaccount.com`
// google-auth-library 10.x (gtoken) posts key-file grants here whatever the key file's token_uri.
const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token'

let server: ServerProcess
let upstream: Server
let owner: User
let bob: User
let ownerToken: string
let bobToken: string

/** The client options of reference §2: REST over plain HTTP to runiam's port. */
function clientOptions(token: string) {
  const authClient = new OAuth2Client()
  // No refresh token and no expiry: the client never tries to refresh it at Google.
  authClient.setCredentials({ access_token: token })
  const url = new URL(server.url)
  return {
    apiEndpoint: url.hostname,
    port: Number(url.port),
    protocol: 'http',
    fallback: true,
    // The run client's nested google-auth-library 11 declares its own (identical) class.
    authClient: authClient as never,
  }
}

async function accessToken(user: User): Promise<string> {
  const r = await user.run(['auth', 'print-access-token'])
  expect(r.code, r.stderr).toBe(0)
  return r.stdout.trim()
}

/** A GET of the service through the gateway, with this bearer token. */
async function invoke(serviceUrl: string, token: string): Promise<number> {
  return (await invokeService(server, serviceUrl, '/', { authorization: `Bearer ${token}` })).status
}

/** Runs `fn`, which must fail, and returns what it threw. */
async function failure(fn: () => Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await fn()
  } catch (err) {
    return err as Record<string, unknown>
  }
  throw new Error('expected the call to fail')
}

beforeAll(async () => {
  upstream = createServer((_req, res) => res.end('hello from upstream'))
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r))
  server = await startServer()
  owner = await login(server, 'admin@example.com', PROJECT)
  bob = await login(server, 'bob@example.com', PROJECT)
  const created = await owner.run(['projects', 'create', PROJECT])
  expect(created.code, created.stderr).toBe(0)
  ownerToken = await accessToken(owner)
  bobToken = await accessToken(bob)
})

afterAll(async () => {
  await server?.stop()
  await new Promise((r) => upstream?.close(r))
})

const upstreamUrl = () => `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`

describe('@google-cloud/run v2 ServicesClient', () => {
  it('creates, reads, lists, updates and deletes services through long-running operations', async () => {
    const services = new run.ServicesClient(clientOptions(ownerToken))
    const [op] = await services.createService({
      parent: PARENT,
      serviceId: 'gc-svc',
      service: {
        annotations: { 'runiam.dev/upstream': upstreamUrl() },
        ingress: 1, // Compat: the REST transport sends enums as numbers; INGRESS_TRAFFIC_ALL.
        template: { containers: [{ image: 'us-docker.pkg.dev/cloudrun/container/hello' }] },
      },
    })
    expect(op.name).toMatch(new RegExp(`^${PARENT}/operations/.+`))
    const [created] = await op.promise()
    expect(created.name).toBe(`${PARENT}/services/gc-svc`)
    expect(created.uri).toMatch(/^https?:\/\//)
    expect(created.annotations?.['runiam.dev/upstream']).toBe(upstreamUrl())

    const progress = await services.checkCreateServiceProgress(op.name ?? '')
    expect(progress.done).toBe(true)
    expect(progress.name).toBe(op.name)
    expect((progress.result as { name?: string }).name).toBe(`${PARENT}/services/gc-svc`)

    const [got] = await services.getService({ name: `${PARENT}/services/gc-svc` })
    expect(got.uri).toBe(created.uri)
    expect(got.template?.containers?.[0]?.image).toBe('us-docker.pkg.dev/cloudrun/container/hello')

    // Each service its own backend: one upstream serves one service (docs/gateway.md).
    const otherUpstream: Record<string, string> = {
      'gc-svc-2': 'http://127.0.0.1:9',
      'gc-svc-3': 'http://127.0.0.1:13',
    }
    for (const id of ['gc-svc-2', 'gc-svc-3']) {
      const [more] = await services.createService({
        parent: PARENT,
        serviceId: id,
        service: {
          annotations: { 'runiam.dev/upstream': otherUpstream[id] ?? '' },
          template: { containers: [{ image: 'us-docker.pkg.dev/cloudrun/container/hello' }] },
        },
      })
      await more.promise()
    }
    // pageSize 1: autoPaginate follows nextPageToken through three pages.
    const [all] = await services.listServices({ parent: PARENT, pageSize: 1 })
    expect(all.map((s) => s.name).sort()).toEqual(
      ['gc-svc', 'gc-svc-2', 'gc-svc-3'].map((id) => `${PARENT}/services/${id}`),
    )
    const [page, nextRequest] = await services.listServices(
      { parent: PARENT, pageSize: 1 },
      { autoPaginate: false },
    )
    expect(page).toHaveLength(1)
    expect(nextRequest?.pageToken).toBeTruthy()

    const [updating] = await services.updateService({
      service: { name: `${PARENT}/services/gc-svc-2`, labels: { team: 'payments' } },
      updateMask: { paths: ['labels'] },
    })
    const [updated] = await updating.promise()
    expect(updated.labels).toEqual({ team: 'payments' })
    // The mask kept everything else.
    expect(updated.annotations?.['runiam.dev/upstream']).toBe(otherUpstream['gc-svc-2'])
    expect(updated.template?.containers?.[0]?.image).toBe(
      'us-docker.pkg.dev/cloudrun/container/hello',
    )

    const [deleting] = await services.deleteService({ name: `${PARENT}/services/gc-svc-3` })
    const [deleted] = await deleting.promise()
    expect(deleted.name).toBe(`${PARENT}/services/gc-svc-3`)
    const gone = await failure(() => services.getService({ name: `${PARENT}/services/gc-svc-3` }))
    expect(gone.constructor.name).toBe('GoogleError')
    expect(gone['code']).toBe(5)
    await services.close()
  })

  it('IAM: getIamPolicy, setIamPolicy with an etag round trip (stale → ABORTED), testIamPermissions', async () => {
    const services = new run.ServicesClient(clientOptions(ownerToken))
    const resource = `${PARENT}/services/gc-svc`
    const [before] = await services.getIamPolicy({ resource })
    expect(before.etag).toBeInstanceOf(Uint8Array)
    const [after] = await services.setIamPolicy({
      resource,
      policy: {
        bindings: [{ role: 'roles/run.viewer', members: ['user:bob@example.com'] }],
        etag: before.etag ?? null,
      },
    })
    expect(after.bindings).toEqual([
      expect.objectContaining({ role: 'roles/run.viewer', members: ['user:bob@example.com'] }),
    ])
    expect(Buffer.from(after.etag ?? []).equals(Buffer.from(before.etag ?? []))).toBe(false)
    const [reread] = await services.getIamPolicy({
      resource,
      options: { requestedPolicyVersion: 3 },
    })
    expect(Buffer.from(reread.etag ?? []).equals(Buffer.from(after.etag ?? []))).toBe(true)

    const stale = await failure(() =>
      services.setIamPolicy({ resource, policy: { bindings: [], etag: before.etag ?? null } }),
    )
    expect(stale.constructor.name).toBe('GoogleError')
    expect(stale['code']).toBe(10)
    expect(stale['httpStatusCode']).toBe(409)

    const [tested] = await services.testIamPermissions({
      resource,
      permissions: ['run.services.get', 'run.routes.invoke', 'run.services.setIamPolicy'],
    })
    expect(tested.permissions?.slice().sort()).toEqual([
      'run.routes.invoke',
      'run.services.get',
      'run.services.setIamPolicy',
    ])
    await services.close()
  })

  it('a caller without the permission gets GoogleError 7 naming it', async () => {
    const asBob = new run.ServicesClient(clientOptions(bobToken))
    // bob is a run.viewer on gc-svc only (previous test): he may read it, not change its policy.
    const [tested] = await asBob.testIamPermissions({
      resource: `${PARENT}/services/gc-svc`,
      permissions: ['run.services.get', 'run.services.setIamPolicy'],
    })
    expect(tested.permissions).toEqual(['run.services.get'])
    const denied = await failure(() =>
      asBob.setIamPolicy({ resource: `${PARENT}/services/gc-svc`, policy: { bindings: [] } }),
    )
    expect(denied.constructor.name).toBe('GoogleError')
    expect(denied['code']).toBe(7)
    expect(denied['httpStatusCode']).toBe(403)
    expect(String(denied['message'])).toContain('run.services.setIamPolicy')
    // The google.rpc.ErrorInfo detail, decoded by google-gax.
    expect(denied['reason']).toBe('IAM_PERMISSION_DENIED')
    expect(denied['errorInfoMetadata']).toMatchObject({ permission: 'run.services.setIamPolicy' })
    const deniedCreate = await failure(() =>
      asBob.createService({
        parent: PARENT,
        serviceId: 'bobs-svc',
        service: { template: { containers: [{ image: 'x' }] } },
      }),
    )
    expect(deniedCreate['code']).toBe(7)
    expect(String(deniedCreate['message'])).toContain('run.services.create')
    await asBob.close()
  })

  it('setIamPolicy leaves one audit entry (google.cloud.run.v2.Services.SetIamPolicy) with the exact delta', async () => {
    const services = new run.ServicesClient(clientOptions(ownerToken))
    const resource = `${PARENT}/services/gc-svc`
    const [before] = await services.getIamPolicy({ resource })
    await services.setIamPolicy({
      resource,
      policy: {
        bindings: [
          ...(before.bindings ?? []),
          { role: 'roles/run.invoker', members: ['user:gclient-audit@example.com'] },
        ],
        etag: before.etag ?? null,
      },
    })
    await services.close()
    const res = await fetch(`${server.url}/v2/entries:list`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ownerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        resourceNames: [`projects/${PROJECT}`],
        filter:
          'protoPayload.serviceData.policyDelta.bindingDeltas.member="user:gclient-audit@example.com"',
      }),
    })
    expect(res.status).toBe(200)
    const { entries } = (await res.json()) as {
      entries?: { protoPayload: Record<string, unknown> }[]
    }
    expect(entries).toHaveLength(1)
    expect(entries?.[0]?.protoPayload['methodName']).toBe(
      'google.cloud.run.v2.Services.SetIamPolicy',
    )
    expect(entries?.[0]?.protoPayload['serviceData']).toEqual({
      '@type': 'type.googleapis.com/google.iam.v1.logging.AuditData',
      policyDelta: {
        bindingDeltas: [
          { action: 'ADD', role: 'roles/run.invoker', member: 'user:gclient-audit@example.com' },
        ],
      },
    })
  })
})

describe('@google-cloud/resource-manager v3 ProjectsClient', () => {
  it('reads the project and reads, writes and tests its policy', async () => {
    const projects = new resourceManager.ProjectsClient(clientOptions(ownerToken))
    const resource = `projects/${PROJECT}`
    const [project] = await projects.getProject({ name: resource })
    expect(project.projectId).toBe(PROJECT)
    expect(project.name).toMatch(/^projects\/\d+$|^projects\/[a-z]/)

    const [policy] = await projects.getIamPolicy({
      resource,
      options: { requestedPolicyVersion: 3 },
    })
    const condition = {
      title: 'until 2030',
      expression: 'request.time < timestamp("2030-01-01T00:00:00Z")',
    }
    const [written] = await projects.setIamPolicy({
      resource,
      policy: {
        version: 3,
        etag: policy.etag ?? null,
        bindings: [
          ...(policy.bindings ?? []),
          { role: 'roles/run.invoker', members: ['user:carol@example.com'], condition },
        ],
      },
    })
    expect(written.version).toBe(3)
    expect(written.bindings).toContainEqual(
      expect.objectContaining({
        role: 'roles/run.invoker',
        members: ['user:carol@example.com'],
        condition: expect.objectContaining(condition),
      }),
    )
    const [tested] = await projects.testIamPermissions({
      resource,
      permissions: ['run.services.create', 'resourcemanager.projects.setIamPolicy'],
    })
    expect(tested.permissions?.slice().sort()).toEqual([
      'resourcemanager.projects.setIamPolicy',
      'run.services.create',
    ])

    // Compat (reference §6): this library's google-gax 5 rejects non-2xx answers in gaxios,
    // before its decoder, so errors carry the HTTP status instead of a gRPC code.
    const stale = await failure(() =>
      projects.setIamPolicy({ resource, policy: { bindings: [], etag: policy.etag ?? null } }),
    )
    expect(stale.constructor.name).toBe('GaxiosError')
    expect(stale['status']).toBe(409)
    expect(String(stale['message'])).toContain('ABORTED')

    // createProject is a long-running operation under operations/…, polled through v3.
    const [creating] = await projects.createProject({
      project: {
        projectId: 'gclient-made',
        displayName: 'made by the client',
        parent: project.parent ?? null,
      },
    })
    const [made] = await creating.promise()
    expect(made.projectId).toBe('gclient-made')
    const [listed] = await projects.listProjects({ parent: project.parent ?? null })
    expect(listed.map((p) => p.projectId)).toEqual(
      expect.arrayContaining([PROJECT, 'gclient-made']),
    )
    await projects.close()

    const organizations = new resourceManager.OrganizationsClient(clientOptions(ownerToken))
    const [org] = await organizations.getOrganization({ name: project.parent ?? '' })
    expect(org.displayName).toBe('example.com')
    const [orgPolicy] = await organizations.getIamPolicy({ resource: project.parent ?? '' })
    expect(orgPolicy.bindings).toContainEqual(
      expect.objectContaining({ role: 'roles/owner', members: ['user:admin@example.com'] }),
    )
    await organizations.close()

    const asBob = new resourceManager.ProjectsClient(clientOptions(bobToken))
    const denied = await failure(() => asBob.getIamPolicy({ resource }))
    expect(denied.constructor.name).toBe('GaxiosError')
    expect(denied['status']).toBe(403)
    expect(String(denied['message'])).toContain('resourcemanager.projects.getIamPolicy')
    await asBob.close()
  })
})

describe('google-auth-library GoogleAuth with a runiam service account key file', () => {
  let keyFile: string
  let tokenUri: string

  beforeAll(async () => {
    const made = await owner.run(['iam', 'service-accounts', 'create', 'gc-robot'])
    expect(made.code, made.stderr).toBe(0)
    keyFile = join(mkdtempSync(join(tmpdir(), 'runiam-gc-key-')), 'key.json')
    const key = await owner.run([
      'iam',
      'service-accounts',
      'keys',
      'create',
      keyFile,
      `--iam-account=${SA_EMAIL}`,
    ])
    expect(key.code, key.stderr).toBe(0)
    tokenUri = (JSON.parse(readFileSync(keyFile, 'utf8')) as { token_uri: string }).token_uri
    expect(tokenUri).toBe(`${server.url}/token`)
  })

  it('gets access and ID tokens from runiam; the gateway admits the ID token once the account is an invoker', async () => {
    // google-auth-library 10.x ignores the key file's token_uri (gtoken's URL is a constant), so
    // the application sends its token requests to runiam through a transporter interceptor.
    const transporter = new gaxios.Gaxios()
    transporter.interceptors.request.add({
      resolved: (config) => {
        if (String(config.url) === GOOGLE_TOKEN_URL) config.url = new URL(tokenUri)
        return Promise.resolve(config)
      },
    })
    const auth = new GoogleAuth({
      keyFile,
      scopes: ['https://www.googleapis.com/auth/cloud-platform'],
      clientOptions: { transporter },
    })
    const client = await auth.getClient()
    const { token } = await client.getAccessToken()
    expect(token).toBeTruthy()
    // On the admin API the access token is the account: authenticated (7, not 16), no role yet.
    const services = new run.ServicesClient(clientOptions(token ?? ''))
    const denied = await failure(() => services.getService({ name: `${PARENT}/services/gc-svc` }))
    expect(denied['code']).toBe(7)
    expect(String(denied['message'])).toContain('run.services.get')

    const owners = new run.ServicesClient(clientOptions(ownerToken))
    const [svc] = await owners.getService({ name: `${PARENT}/services/gc-svc` })
    const serviceUrl = svc.uri ?? ''
    const idClient = await auth.getIdTokenClient(serviceUrl)
    const idToken = await idClient.idTokenProvider.fetchIdToken(serviceUrl)
    const claims = JSON.parse(
      Buffer.from(idToken.split('.')[1] ?? '', 'base64url').toString('utf8'),
    ) as { aud: string; email: string; iss: string }
    expect(claims).toMatchObject({ aud: serviceUrl, email: SA_EMAIL, iss: server.url })
    expect(await invoke(serviceUrl, idToken)).toBe(403)

    const resource = `${PARENT}/services/gc-svc`
    const [policy] = await owners.getIamPolicy({ resource })
    await owners.setIamPolicy({
      resource,
      policy: {
        etag: policy.etag ?? null,
        bindings: [
          ...(policy.bindings ?? []),
          { role: 'roles/run.invoker', members: [`serviceAccount:${SA_EMAIL}`] },
        ],
      },
    })
    expect(await invoke(serviceUrl, idToken)).toBe(200)
    // The IdTokenClient's own headers carry a token the gateway accepts too.
    const headers = await idClient.getRequestHeaders(serviceUrl)
    const bearer = (headers.get('authorization') ?? '').replace(/^Bearer /, '')
    expect(await invoke(serviceUrl, bearer)).toBe(200)
    await services.close()
    await owners.close()
  })

  it('run and resource-manager clients given only the key file (self-signed JWTs) act as the account', async () => {
    const url = new URL(server.url)
    const endpoint = { apiEndpoint: url.hostname, port: Number(url.port), protocol: 'http' }
    // The usual way to hand a gapic client a key file: it signs its own JWTs (AIP-4111) and
    // never asks a token endpoint, so no transporter setting is needed.
    const services = new run.ServicesClient({ ...endpoint, fallback: true, keyFilename: keyFile })
    const resource = `${PARENT}/services/gc-svc`
    const [tested] = await services.testIamPermissions({
      resource,
      permissions: ['run.routes.invoke', 'run.services.get'],
    })
    expect(tested.permissions).toEqual(['run.routes.invoke']) // from the previous test's binding
    const denied = await failure(() => services.getService({ name: resource }))
    expect(denied['code']).toBe(7)
    expect(String(denied['message'])).toContain('run.services.get')
    const projects = new resourceManager.ProjectsClient({
      ...endpoint,
      fallback: true,
      keyFilename: keyFile,
    })
    const [project] = await projects.testIamPermissions({
      resource: `projects/${PROJECT}`,
      permissions: ['resourcemanager.projects.get'],
    })
    expect(project.permissions ?? []).toEqual([])
    const rmDenied = await failure(() => projects.getProject({ name: `projects/${PROJECT}` }))
    expect(rmDenied['status']).toBe(403)
    await services.close()
    await projects.close()
  })
})
