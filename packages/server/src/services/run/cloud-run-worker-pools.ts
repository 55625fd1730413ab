// Cloud Run Admin API v2 worker pools: create, get, list, patch, delete (each write answers with a
// finished Operation that can be read back), and the policy target for worker pool IAM (v2
// `workerPools` and v1 `workerpools` paths alike). A worker pool is a service without ingress:
// no URL, no invoker check; with a container command it runs as local processes (runtime/).
// Authorize first (AIP-211), then look things up, then act.
import {
  WORKER_POOL_TYPE_URL,
  type ListWorkerPoolsResponse,
  type Operation,
  type WorkerPool,
} from '@runiam/api'
import { Code, isIamError, resourceNotFound, type IamError } from '@runiam/core'
import type { ProjectRecord, ResourceRecord, StoreTx } from '@runiam/store'
import type { Caller } from '../caller.js'
import { isObject, isoTime, type ServiceContext } from '../context.js'
import type { PolicyTarget } from '../policy-target.js'
import { checkRegion, checkServiceId, invalidArgument, parsePageSize, presentAs } from '../names.js'
import { projectNotFound } from '../resource-manager/project-service.js'
import {
  finishedOperation,
  resourceAlreadyExists,
  resourceEtagConflict,
  unquoteEtag,
  writeFlag,
} from './run-resource-writes.js'
import {
  applyWorkerPoolMask,
  buildWorkerPool,
  readWorkerPoolInput,
  requireTemplate,
  writableOfWorkerPool,
  type WorkerPoolInput,
} from './worker-pool-body.js'

type Json = Record<string, unknown>

/** A stored body as the wire type: bodies are built by buildWorkerPool in that shape. */
const asWorkerPool = (body: Readonly<Json>): WorkerPool => ({ ...body }) as unknown as WorkerPool

/** Query parameters of the write methods, as strings from the URL. */
export interface WorkerPoolWriteQuery {
  readonly validateOnly?: string | undefined
  readonly allowMissing?: string | undefined
  readonly updateMask?: string | undefined
  readonly etag?: string | undefined
  readonly workerPoolId?: string | undefined
}

export function workerPoolNotFound(id: string, location: string, project: string): IamError {
  // Compat: Cloud Run v2's NOT_FOUND wording, with the kind a worker pool has.
  return resourceNotFound('WORKER_POOL', id, location, project)
}

/** `projects/P/locations/L/workerPools/W` (or v1's `workerpools`) split, with P as given. */
export interface WorkerPoolRef {
  readonly project: string
  readonly location: string
  readonly workerPoolId: string
}

export function parseWorkerPoolName(name: string): WorkerPoolRef {
  const p = name.split('/')
  if (
    p.length !== 6 ||
    p[0] !== 'projects' ||
    p[2] !== 'locations' ||
    (p[4] !== 'workerPools' && p[4] !== 'workerpools')
  ) {
    throw invalidArgument('name', `Invalid worker pool name '${name}'.`)
  }
  return { project: p[1] ?? '', location: p[3] ?? '', workerPoolId: p[5] ?? '' }
}

const nameOf = (r: WorkerPoolRef): string =>
  `projects/${r.project}/locations/${r.location}/workerPools/${r.workerPoolId}`

export function workerPoolRecord(
  name: string,
  p: ProjectRecord,
  location: string,
  pool: Json,
): ResourceRecord {
  return {
    name,
    kind: 'workerPool',
    parent: `projects/${p.projectId}/locations/${location}`,
    body: pool,
    etag: String(pool['etag']),
    createTime: String(pool['createTime']),
    updateTime: String(pool['updateTime']),
  }
}

export class CloudRunWorkerPools {
  readonly #ctx: ServiceContext

  constructor(ctx: ServiceContext) {
    this.#ctx = ctx
  }

  async #project(given: string): Promise<ProjectRecord> {
    const p = await this.#ctx.checker.project(given)
    if (p === undefined) throw projectNotFound(given)
    return p
  }

  #canonical(ref: WorkerPoolRef, p: ProjectRecord): string {
    return `projects/${p.projectId}/locations/${ref.location}/workerPools/${ref.workerPoolId}`
  }

  #operation(tx: StoreTx | undefined, p: ProjectRecord, location: string, body: Json) {
    return finishedOperation(tx, {
      projectId: p.projectId,
      location,
      typeUrl: WORKER_POOL_TYPE_URL,
      body,
      nowMs: this.#ctx.now(),
    })
  }

  /** Compat: run.projects.locations.workerPools.create. */
  async create(
    caller: Caller,
    parent: string,
    query: WorkerPoolWriteQuery,
    body: unknown,
  ): Promise<Operation> {
    const [, project = '', , location = ''] = parent.split('/')
    const ref: WorkerPoolRef = { project, location, workerPoolId: query.workerPoolId ?? '' }
    // Authorize on the would-be worker pool's name before anything about it is revealed.
    await this.#ctx.checker.require(caller, 'run.workerpools.create', nameOf(ref))
    const validateOnly = writeFlag('validateOnly', query.validateOnly)
    checkServiceId(query.workerPoolId, 'workerPoolId')
    checkRegion(location)
    const input = readWorkerPoolInput(body ?? {})
    requireTemplate(input)
    const p = await this.#project(project)
    return presentAs(
      await this.#createWith(caller, ref, p, input, validateOnly),
      p.projectId,
      project,
    )
  }

  async #createWith(
    caller: Caller,
    ref: WorkerPoolRef,
    p: ProjectRecord,
    input: WorkerPoolInput,
    validateOnly: boolean,
  ): Promise<Operation> {
    const name = this.#canonical(ref, p)
    const pool = buildWorkerPool({
      name,
      workerPoolId: ref.workerPoolId,
      input,
      actor: caller.email ?? caller.member,
      nowMs: this.#ctx.now(),
    })
    if (validateOnly) {
      if ((await this.#ctx.store.getResource(name)) !== undefined) {
        throw resourceAlreadyExists(ref.workerPoolId)
      }
      return this.#operation(undefined, p, ref.location, pool)
    }
    return this.#ctx.store.transact(async (tx) => {
      if ((await tx.getResource(name)) !== undefined) throw resourceAlreadyExists(ref.workerPoolId)
      await tx.createResource(workerPoolRecord(name, p, ref.location, pool))
      return this.#operation(tx, p, ref.location, pool)
    })
  }

  /** Compat: run.projects.locations.workerPools.get. */
  async get(caller: Caller, name: string): Promise<WorkerPool> {
    const ref = parseWorkerPoolName(name)
    await this.#ctx.checker.require(caller, 'run.workerpools.get', name)
    const p = await this.#project(ref.project)
    const rec = await this.#ctx.store.getResource(this.#canonical(ref, p))
    if (rec === undefined || rec.kind !== 'workerPool') {
      throw workerPoolNotFound(ref.workerPoolId, ref.location, ref.project)
    }
    return presentAs(asWorkerPool(rec.body), p.projectId, ref.project)
  }

  /** Compat: run.projects.locations.workerPools.list (location `-` lists every location). */
  async list(
    caller: Caller,
    parent: string,
    query: { pageSize?: string | undefined; pageToken?: string | undefined },
  ): Promise<ListWorkerPoolsResponse> {
    const [, project = '', , location = ''] = parent.split('/')
    await this.#ctx.checker.require(caller, 'run.workerpools.list', parent)
    const p = await this.#project(project)
    const size = parsePageSize(query.pageSize)
    let items: readonly ResourceRecord[]
    let next: string | undefined
    if (location === '-') {
      const prefix = `projects/${p.projectId}/locations/`
      items = (await this.#ctx.store.listAllResources('workerPool')).filter((r) =>
        r.name.startsWith(prefix),
      )
    } else {
      const page = await this.#ctx.store.listResources(
        `projects/${p.projectId}/locations/${location}`,
        'workerPool',
        {
          ...(size > 0 ? { pageSize: size } : {}),
          ...(query.pageToken !== undefined && query.pageToken !== ''
            ? { pageToken: query.pageToken }
            : {}),
        },
      )
      items = page.items
      next = page.nextPageToken
    }
    return {
      ...(items.length > 0
        ? { workerPools: items.map((r) => presentAs(asWorkerPool(r.body), p.projectId, project)) }
        : {}),
      ...(next !== undefined && next !== '' ? { nextPageToken: next } : {}),
    }
  }

  /** Compat: run.projects.locations.workerPools.patch (name from the path; body without it). */
  async patch(
    caller: Caller,
    name: string,
    query: WorkerPoolWriteQuery,
    body: unknown,
  ): Promise<Operation> {
    const ref = parseWorkerPoolName(name)
    await this.#ctx.checker.require(caller, 'run.workerpools.update', name)
    const validateOnly = writeFlag('validateOnly', query.validateOnly)
    const allowMissing = writeFlag('allowMissing', query.allowMissing)
    const incoming = readWorkerPoolInput(body ?? {})
    const requestEtag =
      isObject(body) && typeof body['etag'] === 'string' && body['etag'] !== ''
        ? body['etag']
        : undefined
    const p = await this.#project(ref.project)
    const canonical = this.#canonical(ref, p)
    const current = await this.#ctx.store.getResource(canonical)
    if (current === undefined || current.kind !== 'workerPool') {
      if (!allowMissing) throw workerPoolNotFound(ref.workerPoolId, ref.location, ref.project)
      // Compat: allow_missing: "The caller must have 'run.workerpools.create' permissions".
      await this.#ctx.checker.require(caller, 'run.workerpools.create', name)
      checkServiceId(ref.workerPoolId, 'worker_pool.name')
      checkRegion(ref.location)
      requireTemplate(incoming)
      return presentAs(
        await this.#createWith(caller, ref, p, incoming, validateOnly),
        p.projectId,
        ref.project,
      )
    }
    const mask = query.updateMask
    const merged =
      mask === undefined || mask.trim() === ''
        ? incoming
        : readWorkerPoolInput(
            applyWorkerPoolMask(writableOfWorkerPool(current.body), incoming, mask),
          )
    requireTemplate(merged)
    if (requestEtag !== undefined && unquoteEtag(requestEtag) !== current.body['etag']) {
      throw resourceEtagConflict()
    }
    const pool = buildWorkerPool({
      name: canonical,
      workerPoolId: ref.workerPoolId,
      input: merged,
      actor: caller.email ?? caller.member,
      nowMs: this.#ctx.now(),
      previous: current.body,
    })
    if (validateOnly) {
      return presentAs(
        await this.#operation(undefined, p, ref.location, pool),
        p.projectId,
        ref.project,
      )
    }
    const op = await this.#ctx.store.transact(async (tx) => {
      const record = {
        ...workerPoolRecord(canonical, p, ref.location, pool),
        createTime: current.createTime,
      }
      try {
        await tx.updateResource(record, { ifEtag: current.etag })
      } catch (err) {
        if (isIamError(err) && err.code === Code.ABORTED) throw resourceEtagConflict()
        throw err
      }
      return this.#operation(tx, p, ref.location, pool)
    })
    return presentAs(op, p.projectId, ref.project)
  }

  /** Compat: run.projects.locations.workerPools.delete (optional `etag` must match). */
  async delete(caller: Caller, name: string, query: WorkerPoolWriteQuery): Promise<Operation> {
    const ref = parseWorkerPoolName(name)
    await this.#ctx.checker.require(caller, 'run.workerpools.delete', name)
    const validateOnly = writeFlag('validateOnly', query.validateOnly)
    const p = await this.#project(ref.project)
    const canonical = this.#canonical(ref, p)
    const op = await this.#ctx.store.transact(async (tx) => {
      const current = await tx.getResource(canonical)
      if (current === undefined || current.kind !== 'workerPool') {
        throw workerPoolNotFound(ref.workerPoolId, ref.location, ref.project)
      }
      if (
        query.etag !== undefined &&
        query.etag !== '' &&
        unquoteEtag(query.etag) !== current.body['etag']
      ) {
        throw resourceEtagConflict()
      }
      const final = { ...current.body, deleteTime: isoTime(this.#ctx.now()) }
      if (validateOnly) return this.#operation(undefined, p, ref.location, final)
      // The worker pool's policy goes with it (the store deletes a resource's policy too).
      await tx.deleteResource(canonical)
      return this.#operation(tx, p, ref.location, final)
    })
    return presentAs(op, p.projectId, ref.project)
  }

  /** A worker pool as a policy target (v2 `workerPools` and v1 `workerpools` names alike). */
  target(name: string): PolicyTarget {
    const ref = parseWorkerPoolName(name)
    return {
      name,
      type: 'workerPool',
      permissionPrefix: 'run.workerpools',
      resolve: async () => {
        const p = await this.#ctx.checker.project(ref.project)
        if (p === undefined) return undefined
        const canonical = this.#canonical(ref, p)
        const rec = await this.#ctx.store.getResource(canonical)
        return rec?.kind === 'workerPool' ? canonical : undefined
      },
      notFound: () => workerPoolNotFound(ref.workerPoolId, ref.location, ref.project),
    }
  }
}
