// The Cloud Run Admin API v2 methods every resource kind shares (services, jobs, worker pools):
// create, get, list, patch and delete, each write answering with a finished Operation that
// operations.get reads back, and the resource as a policy target (v1 and v2 IAM paths alike).
// Parameterised by the kind's description and its own rules (run-resource-kind.ts), so the flow
// of each method is written once. Authorize first (AIP-211), then look things up, then act.
import type { Operation } from '@runiam/api'
import { Code, isIamError, resourceNotFound, type IamError } from '@runiam/core'
import type { ProjectRecord, ResourceRecord, StoreReader, StoreTx } from '@runiam/store'
import type { Caller } from '../caller.js'
import { isObject, isoTime, type ServiceContext } from '../context.js'
import { checkRegion, checkServiceId, presentAs } from '../names.js'
import type { PolicyTarget } from '../policy-target.js'
import { projectNotFound } from '../resource-manager/project-service.js'
import type { Json, RunRef, RunResourceKind, RunResourceRules } from './run-resource-kind.js'
import { requireActAs } from './runtime-account.js'
import { listRunResources, type ListQuery } from './run-resource-list.js'
import {
  finishedOperation,
  resourceAlreadyExists,
  resourceEtagConflict,
  runResourceRecord,
  unquoteEtag,
  writeFlag,
} from './run-resource-writes.js'

/**
 * Query parameters of the write methods, as strings from the URL. A kind's own adds the create's
 * id parameter (RunResourceKind.idField: `serviceId`…).
 */
export interface RunWriteQuery {
  readonly validateOnly?: string | undefined
  readonly allowMissing?: string | undefined
  readonly updateMask?: string | undefined
  readonly etag?: string | undefined
}

/** How the calling surface names things: the v1 (Knative) API names resources differently. */
export interface SurfaceOptions {
  /** The resource a PERMISSION_DENIED names (default: the v2 name the method was given). */
  readonly shownAs?: string
}

/** An update being written: what the patch read and merged. */
interface Update {
  readonly caller: Caller
  readonly ref: RunRef
  readonly p: ProjectRecord
  readonly canonical: string
  readonly merged: Json
  /** The etag the request expects (unquoted), if any. */
  readonly etag: string | undefined
  readonly validateOnly: boolean
}

/**
 * `T` is the kind's wire type (Service…), `L` its list answer (ListServicesResponse…), `Q` its
 * write query (with its id parameter).
 */
export class RunResources<T, L, Q extends RunWriteQuery> {
  readonly #ctx: ServiceContext
  readonly #kind: RunResourceKind
  readonly #rules: RunResourceRules

  constructor(ctx: ServiceContext, kind: RunResourceKind, rules: RunResourceRules = {}) {
    this.#ctx = ctx
    this.#kind = kind
    this.#rules = rules
  }

  /** `projects/P/locations/L/{collection}/ID`, with P as given (or the project id). */
  nameOf(ref: RunRef, project = ref.project): string {
    return `projects/${project}/locations/${ref.location}/${this.#kind.collection}/${ref.id}`
  }

  /** Compat: Cloud Run v2's NOT_FOUND wording. */
  notFound(ref: RunRef): IamError {
    return resourceNotFound(this.#kind.notFoundKind, ref.id, ref.location, ref.project)
  }

  #require(caller: Caller, verb: string, name: string, shownAs?: string): Promise<void> {
    return this.#ctx.checker.require(
      caller,
      `${this.#kind.permissionPrefix}.${verb}`,
      name,
      shownAs,
    )
  }

  async #project(given: string): Promise<ProjectRecord> {
    const p = await this.#ctx.checker.project(given)
    if (p === undefined) throw projectNotFound(given)
    return p
  }

  /** The stored record of this kind under `name`, if any. */
  async #existing(reader: StoreReader, name: string): Promise<ResourceRecord | undefined> {
    const rec = await reader.getResource(name)
    return rec?.kind === this.#kind.kind ? rec : undefined
  }

  /** The finished Operation of a write, stored in `tx` when given (not on validateOnly). */
  #operation(tx: StoreTx | undefined, p: ProjectRecord, location: string, body: Json) {
    return finishedOperation(tx, {
      projectId: p.projectId,
      location,
      typeUrl: this.#kind.typeUrl,
      body,
      nowMs: this.#ctx.now(),
    })
  }

  #build(caller: Caller, ref: RunRef, p: ProjectRecord, input: Json, previous?: Json): Json {
    return this.#kind.build(
      {
        name: this.nameOf(ref, p.projectId),
        ref,
        project: p,
        input,
        actor: caller.email ?? caller.member,
        nowMs: this.#ctx.now(),
        ...(previous === undefined ? {} : { previous }),
      },
      this.#ctx,
    )
  }

  /** Compat: run.projects.locations.{collection}.create (checked on the would-be name). */
  async create(
    caller: Caller,
    parent: string,
    query: Q,
    body: unknown,
    { shownAs }: SurfaceOptions = {},
  ): Promise<Operation> {
    const [, project = '', , location = ''] = parent.split('/')
    const id: unknown = (query as Readonly<Record<string, unknown>>)[this.#kind.idField]
    const ref: RunRef = { project, location, id: typeof id === 'string' ? id : '' }
    // Authorize on the would-be resource's name before anything about it is revealed.
    await this.#require(caller, 'create', this.nameOf(ref), shownAs)
    const validateOnly = writeFlag('validateOnly', query.validateOnly)
    checkServiceId(id, this.#kind.idField)
    checkRegion(location)
    const input = this.#kind.readInput(body ?? {})
    this.#kind.requireComplete?.(input)
    await this.#rules.authorizeCreate?.(caller, input, this.nameOf(ref), shownAs)
    await this.#actAs(caller, input)
    const p = await this.#project(project)
    await this.#rules.admitCreate?.(input, this.nameOf(ref, p.projectId))
    const op = await this.#createWith(caller, ref, p, input, validateOnly)
    return presentAs(op, p.projectId, project)
  }

  /** Compat: deploying as a service account needs actAs on it (runtime-account.ts). */
  #actAs(caller: Caller, input: Json, current?: Readonly<Json>): Promise<void> {
    const { path, field } = this.#kind.runtimeAccount
    return requireActAs(this.#ctx, caller, input, path, field, current)
  }

  async #createWith(
    caller: Caller,
    ref: RunRef,
    p: ProjectRecord,
    input: Json,
    validateOnly: boolean,
  ): Promise<Operation> {
    const name = this.nameOf(ref, p.projectId)
    const body = this.#build(caller, ref, p, input)
    const create = async (tx: StoreTx | undefined): Promise<Operation> => {
      const reader = tx ?? this.#ctx.store
      if ((await reader.getResource(name)) !== undefined) throw resourceAlreadyExists(ref.id)
      await this.#rules.checkBody?.(reader, name, body)
      if (tx === undefined) return this.#operation(undefined, p, ref.location, body)
      await tx.createResource(runResourceRecord(this.#kind.kind, name, p, ref.location, body))
      return this.#operation(tx, p, ref.location, body)
    }
    return validateOnly ? create(undefined) : this.#ctx.store.transact(create)
  }

  /** Compat: run.projects.locations.{collection}.get. */
  async get(caller: Caller, name: string, { shownAs }: SurfaceOptions = {}): Promise<T> {
    const ref = this.#kind.parse(name)
    await this.#require(caller, 'get', name, shownAs)
    const p = await this.#project(ref.project)
    const rec = await this.#existing(this.#ctx.store, this.nameOf(ref, p.projectId))
    if (rec === undefined) throw this.notFound(ref)
    return presentAs({ ...rec.body }, p.projectId, ref.project) as unknown as T
  }

  /** Compat: run.projects.locations.{collection}.list (location `-` lists every location). */
  async list(
    caller: Caller,
    parent: string,
    query: ListQuery,
    { shownAs }: SurfaceOptions = {},
  ): Promise<L> {
    const [, project = '', , location = ''] = parent.split('/')
    await this.#require(caller, 'list', parent, shownAs)
    const p = await this.#project(project)
    const { items, nextPageToken: next } = await listRunResources(
      this.#ctx.store,
      this.#kind.kind,
      p.projectId,
      location,
      query,
    )
    const present = (r: ResourceRecord) => presentAs({ ...r.body }, p.projectId, project)
    return {
      ...(items.length > 0 ? { [this.#kind.listField]: items.map(present) } : {}),
      ...(next !== undefined && next !== '' ? { nextPageToken: next } : {}),
    } as unknown as L
  }

  /** Compat: run.projects.locations.{collection}.patch (name from the path; body without it). */
  async patch(
    caller: Caller,
    name: string,
    query: Q,
    body: unknown,
    { shownAs }: SurfaceOptions = {},
  ): Promise<Operation> {
    const kind = this.#kind
    const ref = kind.parse(name, kind.nameField)
    await this.#require(caller, 'update', name, shownAs)
    const validateOnly = writeFlag('validateOnly', query.validateOnly)
    const allowMissing = writeFlag('allowMissing', query.allowMissing)
    const incoming = kind.readInput(body ?? {})
    const etag =
      isObject(body) && typeof body['etag'] === 'string' && body['etag'] !== ''
        ? unquoteEtag(body['etag'])
        : undefined
    const p = await this.#project(ref.project)
    const canonical = this.nameOf(ref, p.projectId)
    const current = await this.#existing(this.#ctx.store, canonical)
    if (current === undefined) {
      if (!allowMissing) throw this.notFound(ref)
      // Compat: allow_missing: "the caller must have '….create' permissions".
      await this.#require(caller, 'create', name, shownAs)
      checkServiceId(ref.id, kind.nameField)
      checkRegion(ref.location)
      kind.requireComplete?.(incoming)
      await this.#rules.authorizeCreate?.(caller, incoming, name, shownAs)
      await this.#actAs(caller, incoming)
      await this.#rules.admitCreate?.(incoming, canonical)
      const op = await this.#createWith(caller, ref, p, incoming, validateOnly)
      return presentAs(op, p.projectId, ref.project)
    }
    const mask = query.updateMask
    const merged =
      mask === undefined || mask.trim() === ''
        ? incoming
        : kind.readInput(kind.applyMask(kind.writableOf(current.body), incoming, mask))
    kind.requireComplete?.(merged)
    await this.#rules.admitUpdate?.(caller, merged, current, name, canonical, shownAs)
    await this.#actAs(caller, merged, current.body)
    if (etag !== undefined && etag !== current.body['etag']) throw resourceEtagConflict()
    const update: Update = { caller, ref, p, canonical, merged, etag, validateOnly }
    const op =
      validateOnly && kind.readAgainOnUpdate !== true
        ? await this.#update(undefined, update, current)
        : await this.#ctx.store.transact(async (tx) => {
            const base =
              kind.readAgainOnUpdate === true
                ? ((await tx.getResource(canonical)) ?? current)
                : current
            return this.#update(tx, update, base)
          })
    return presentAs(op, p.projectId, ref.project)
  }

  /** Writes an update built on `base` (in `tx`; validateOnly: answers without writing). */
  async #update(tx: StoreTx | undefined, u: Update, base: ResourceRecord): Promise<Operation> {
    if (u.etag !== undefined && u.etag !== base.body['etag']) throw resourceEtagConflict()
    const body = this.#build(u.caller, u.ref, u.p, u.merged, base.body)
    await this.#rules.checkBody?.(tx ?? this.#ctx.store, u.canonical, body, base.body)
    if (tx === undefined || u.validateOnly) {
      return this.#operation(undefined, u.p, u.ref.location, body)
    }
    const record = runResourceRecord(this.#kind.kind, u.canonical, u.p, u.ref.location, body)
    try {
      await tx.updateResource({ ...record, createTime: base.createTime }, { ifEtag: base.etag })
    } catch (err) {
      if (isIamError(err) && err.code === Code.ABORTED) throw resourceEtagConflict()
      throw err
    }
    return this.#operation(tx, u.p, u.ref.location, body)
  }

  /**
   * Compat: run.projects.locations.{collection}.delete (optional `etag` must match). The
   * resource's policy goes with it (the store deletes a resource's policy too).
   */
  async delete(
    caller: Caller,
    name: string,
    query: Q,
    { shownAs }: SurfaceOptions = {},
  ): Promise<Operation> {
    const ref = this.#kind.parse(name)
    await this.#require(caller, 'delete', name, shownAs)
    const validateOnly = writeFlag('validateOnly', query.validateOnly)
    const p = await this.#project(ref.project)
    const canonical = this.nameOf(ref, p.projectId)
    const check = (current: ResourceRecord | undefined): ResourceRecord => {
      if (current === undefined || current.kind !== this.#kind.kind) throw this.notFound(ref)
      const etag = query.etag
      if (etag !== undefined && etag !== '' && unquoteEtag(etag) !== current.body['etag']) {
        throw resourceEtagConflict()
      }
      return current
    }
    const final = (r: ResourceRecord): Json => ({ ...r.body, deleteTime: isoTime(this.#ctx.now()) })
    const found = check(await this.#ctx.store.getResource(canonical))
    if (validateOnly) {
      const op = await this.#operation(undefined, p, ref.location, final(found))
      return presentAs(op, p.projectId, ref.project)
    }
    await this.#rules.beforeDelete?.(canonical, ref)
    const op = await this.#ctx.store.transact(async (tx) => {
      const current = check(await tx.getResource(canonical))
      await this.#rules.alsoDelete?.(tx, canonical)
      await tx.deleteResource(canonical)
      return this.#operation(tx, p, ref.location, final(current))
    })
    return presentAs(op, p.projectId, ref.project)
  }

  /** The resource as a policy target (the same for the v1 and v2 IAM paths). */
  target(name: string): PolicyTarget {
    const ref = this.#kind.parse(name, 'resource')
    return {
      name,
      type: this.#kind.kind,
      permissionPrefix: this.#kind.permissionPrefix,
      resolve: async () => {
        const p = await this.#ctx.checker.project(ref.project)
        if (p === undefined) return undefined
        const canonical = this.nameOf(ref, p.projectId)
        // Only whether it exists as this kind: the body (parsed JSON) is not needed here.
        return (await this.#ctx.store.getResourceKind(canonical)) === this.#kind.kind
          ? canonical
          : undefined
      },
      notFound: () => this.notFound(ref),
    }
  }
}
