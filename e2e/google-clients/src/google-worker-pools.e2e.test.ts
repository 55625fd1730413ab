// Google's own @google-cloud/run v2 WorkerPoolsClient (REST transport) against a real `runiam
// serve --dev`: create / get / list / update / delete with op.promise(), the LRO helpers
// (checkCreateWorkerPoolProgress) and the operations client the generated client carries
// (getOperation, listOperationsAsync with paging, deleteOperation), IAM with an etag round trip;
// a denied call surfaces as GoogleError code 7 and an etag conflict as 10, as on Google.
import { OAuth2Client } from 'google-auth-library'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { login, startServer, type ServerProcess, type User } from '../../src/harness.js'
import { googleCloudRun } from './google-cloud-run.js'

const { v2: run } = await googleCloudRun()

const PROJECT = 'gc-pools'
const PARENT = `projects/${PROJECT}/locations/us-central1`
const IMAGE = 'us-docker.pkg.dev/cloudrun/container/worker-pool'

let server: ServerProcess
let owner: User
let ownerToken: string
let bobToken: string

function clientOptions(token: string) {
  const authClient = new OAuth2Client()
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

/**
 * A google.longrunning request: the generated typings want protobufjs message classes (every
 * field and toJSON) where the client takes a plain object.
 */
const opRequest = (fields: Record<string, unknown>): never => fields as never

async function failure(fn: () => Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await fn()
  } catch (err) {
    return err as Record<string, unknown>
  }
  throw new Error('expected the call to fail')
}

beforeAll(async () => {
  server = await startServer()
  owner = await login(server, 'admin@example.com', PROJECT)
  const bob = await login(server, 'bob@example.com', PROJECT)
  const created = await owner.run(['projects', 'create', PROJECT])
  expect(created.code, created.stderr).toBe(0)
  ownerToken = await accessToken(owner)
  bobToken = await accessToken(bob)
}, 60_000)

afterAll(async () => {
  await server?.stop()
})

describe('@google-cloud/run v2 WorkerPoolsClient', () => {
  it('creates, reads, lists, updates and deletes worker pools through long-running operations', async () => {
    const pools = new run.WorkerPoolsClient(clientOptions(ownerToken))
    const [op] = await pools.createWorkerPool({
      parent: PARENT,
      workerPoolId: 'gc-pool',
      workerPool: {
        labels: { team: 'a' },
        launchStage: 4, // Compat: the REST transport sends enums as numbers; GA.
        template: { containers: [{ image: IMAGE }] },
        scaling: { manualInstanceCount: 0 },
      },
    })
    expect(op.name).toMatch(new RegExp(`^${PARENT}/operations/.+`))
    const [created] = await op.promise()
    expect(created.name).toBe(`${PARENT}/workerPools/gc-pool`)
    expect(created.labels).toEqual({ team: 'a' })
    expect(created.template?.containers?.[0]?.image).toBe(IMAGE)
    expect(created.latestCreatedRevision).toMatch(/\/revisions\/gc-pool-00001-/)

    const progress = await pools.checkCreateWorkerPoolProgress(op.name ?? '')
    expect(progress.done).toBe(true)
    expect((progress.result as { name?: string }).name).toBe(`${PARENT}/workerPools/gc-pool`)

    const [got] = await pools.getWorkerPool({ name: `${PARENT}/workerPools/gc-pool` })
    expect(got.uid).toBe(created.uid)

    for (const id of ['gc-pool-2', 'gc-pool-3']) {
      const [more] = await pools.createWorkerPool({
        parent: PARENT,
        workerPoolId: id,
        workerPool: { template: { containers: [{ image: IMAGE }] } },
      })
      await more.promise()
    }
    // pageSize 1: autoPaginate follows nextPageToken through three pages.
    const [all] = await pools.listWorkerPools({ parent: PARENT, pageSize: 1 })
    expect(all.map((p) => p.name).sort()).toEqual(
      ['gc-pool', 'gc-pool-2', 'gc-pool-3'].map((id) => `${PARENT}/workerPools/${id}`),
    )

    const [updating] = await pools.updateWorkerPool({
      workerPool: { name: `${PARENT}/workerPools/gc-pool-2`, labels: { team: 'payments' } },
      updateMask: { paths: ['labels'] },
    })
    const [updated] = await updating.promise()
    expect(updated.labels).toEqual({ team: 'payments' })
    expect(updated.template?.containers?.[0]?.image).toBe(IMAGE)
    expect(String(updated.generation)).toBe('2')
    const updateProgress = await pools.checkUpdateWorkerPoolProgress(updating.name ?? '')
    expect(updateProgress.done).toBe(true)

    const [deleting] = await pools.deleteWorkerPool({ name: `${PARENT}/workerPools/gc-pool-3` })
    const [deleted] = await deleting.promise()
    expect(deleted.name).toBe(`${PARENT}/workerPools/gc-pool-3`)
    const gone = await failure(() =>
      pools.getWorkerPool({ name: `${PARENT}/workerPools/gc-pool-3` }),
    )
    expect(gone.constructor.name).toBe('GoogleError')
    expect(gone['code']).toBe(5)
    await pools.close()
  })

  it('the operations client gets, lists (paged) and deletes the operations of those writes', async () => {
    const pools = new run.WorkerPoolsClient(clientOptions(ownerToken))
    const names: string[] = []
    for await (const op of pools.listOperationsAsync(opRequest({ name: PARENT, pageSize: 2 }))) {
      names.push(op.name ?? '')
    }
    // Three creates, one update, one delete, in the order they were made.
    expect(names).toHaveLength(5)
    expect([...names].sort()).toEqual(names)
    const [first] = await pools.getOperation(opRequest({ name: names[0] ?? '' }))
    expect(first.done).toBe(true)
    expect(first.name).toBe(names[0])

    const filtered: string[] = []
    for await (const op of pools.listOperationsAsync(
      opRequest({ name: PARENT, filter: `metadata.name = "${PARENT}/workerPools/gc-pool-2"` }),
    )) {
      filtered.push(op.name ?? '')
    }
    expect(filtered).toHaveLength(2)

    await pools.deleteOperation(opRequest({ name: names[0] ?? '' }))
    const gone = await failure(() => pools.getOperation(opRequest({ name: names[0] ?? '' })))
    expect(gone['code']).toBe(5)
    await pools.close()
  })

  it('IAM: getIamPolicy, setIamPolicy with an etag round trip (stale → ABORTED), testIamPermissions', async () => {
    const pools = new run.WorkerPoolsClient(clientOptions(ownerToken))
    const resource = `${PARENT}/workerPools/gc-pool`
    const [before] = await pools.getIamPolicy({ resource })
    const [after] = await pools.setIamPolicy({
      resource,
      policy: {
        bindings: [{ role: 'roles/run.viewer', members: ['user:bob@example.com'] }],
        etag: before.etag ?? null,
      },
    })
    expect(after.bindings).toEqual([
      expect.objectContaining({ role: 'roles/run.viewer', members: ['user:bob@example.com'] }),
    ])
    const [reread] = await pools.getIamPolicy({ resource, options: { requestedPolicyVersion: 3 } })
    expect(Buffer.from(reread.etag ?? []).equals(Buffer.from(after.etag ?? []))).toBe(true)
    const stale = await failure(() =>
      pools.setIamPolicy({ resource, policy: { bindings: [], etag: before.etag ?? null } }),
    )
    expect(stale.constructor.name).toBe('GoogleError')
    expect(stale['code']).toBe(10)
    expect(stale['httpStatusCode']).toBe(409)
    const [tested] = await pools.testIamPermissions({
      resource,
      permissions: ['run.workerpools.get', 'run.workerpools.setIamPolicy'],
    })
    expect(tested.permissions?.slice().sort()).toEqual([
      'run.workerpools.get',
      'run.workerpools.setIamPolicy',
    ])
    await pools.close()
  })

  it('a caller without the permission gets GoogleError 7 naming it', async () => {
    const asBob = new run.WorkerPoolsClient(clientOptions(bobToken))
    // bob is a run.viewer on gc-pool only (previous test): he may read it, nothing more.
    const [got] = await asBob.getWorkerPool({ name: `${PARENT}/workerPools/gc-pool` })
    expect(got.name).toBe(`${PARENT}/workerPools/gc-pool`)
    const denied = await failure(() =>
      asBob.setIamPolicy({ resource: `${PARENT}/workerPools/gc-pool`, policy: { bindings: [] } }),
    )
    expect(denied.constructor.name).toBe('GoogleError')
    expect(denied['code']).toBe(7)
    expect(denied['httpStatusCode']).toBe(403)
    expect(denied['reason']).toBe('IAM_PERMISSION_DENIED')
    expect(denied['errorInfoMetadata']).toMatchObject({
      permission: 'run.workerpools.setIamPolicy',
    })
    const other = await failure(() =>
      asBob.getWorkerPool({ name: `${PARENT}/workerPools/gc-pool-2` }),
    )
    expect(other['code']).toBe(7)
    expect(String(other['message'])).toContain('run.workerpools.get')
    const deniedCreate = await failure(() =>
      asBob.createWorkerPool({
        parent: PARENT,
        workerPoolId: 'bobs-pool',
        workerPool: { template: { containers: [{ image: IMAGE }] } },
      }),
    )
    expect(deniedCreate['code']).toBe(7)
    expect(String(deniedCreate['message'])).toContain('run.workerpools.create')
    const deniedOps = await failure(async () => {
      for await (const op of asBob.listOperationsAsync(opRequest({ name: PARENT }))) void op
    })
    expect(deniedOps['code']).toBe(7)
    expect(String(deniedOps['message'])).toContain('run.operations.list')
    await asBob.close()
  })
})
