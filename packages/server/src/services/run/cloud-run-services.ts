// Cloud Run Admin API v2 services: create, get, list, patch, delete (each write answers with a
// finished Operation that can be read back), and the policy target for service IAM (v1 and v2
// paths alike). Authorize first, then look things up, then act.
import {
  SERVICE_TYPE_URL,
  type ListServicesResponse,
  type Operation,
  type Service,
} from '@runiam/api'
import { Code, isIamError, resourceNotFound, type IamError } from '@runiam/core'
import type { ProjectRecord, ResourceRecord, StoreTx } from '@runiam/store'
import type { Caller } from '../caller.js'
import { isObject, isoTime, type ServiceContext } from '../context.js'
import type { PolicyTarget } from '../policy-target.js'
import { checkRegion, checkServiceId, invalidArgument, presentAs, parsePageSize } from '../names.js'
import { checkRequireInvokerIam } from '../org-policy/org-policy-enforcer.js'
import { projectNotFound } from '../resource-manager/project-service.js'
import {
  applyServiceMask,
  buildService,
  readServiceInput,
  writableOf,
  type ServiceInput,
} from './service-body.js'
import {
  finishedOperation,
  resourceAlreadyExists as alreadyExists,
  resourceEtagConflict as etagConflict,
  unquoteEtag as unquote,
  writeFlag as flag,
} from './run-resource-writes.js'
import { checkServiceUpstream, type UpstreamPolicy } from './upstream-policy.js'

export type Json = Record<string, unknown>

/** A stored service body as the wire type: bodies are built by buildService in that shape. */
const asService = (body: Readonly<Json>): Service => ({ ...body }) as unknown as Service

/** Query parameters of the write methods, as strings from the URL. */
export interface WriteQuery {
  readonly validateOnly?: string | undefined
  readonly allowMissing?: string | undefined
  readonly updateMask?: string | undefined
  readonly etag?: string | undefined
  readonly serviceId?: string | undefined
}

/** How the calling surface names things: the v1 (Knative) API names resources differently. */
export interface SurfaceOptions {
  /** The resource a PERMISSION_DENIED names (default: the v2 name the method was given). */
  readonly shownAs?: string
}

export function serviceNotFound(serviceId: string, location: string, project: string): IamError {
  // Compat: Cloud Run v2's NOT_FOUND wording.
  return resourceNotFound('SERVICE', serviceId, location, project)
}

/** `projects/P/locations/L/services/S` split, with P as given. */
export interface ServiceRef {
  readonly project: string
  readonly location: string
  readonly serviceId: string
}

export function parseServiceName(name: string): ServiceRef {
  const p = name.split('/')
  if (p.length !== 6 || p[0] !== 'projects' || p[2] !== 'locations' || p[4] !== 'services') {
    throw invalidArgument('name', `Invalid service name '${name}'.`)
  }
  return { project: p[1] ?? '', location: p[3] ?? '', serviceId: p[5] ?? '' }
}

const nameOf = (r: ServiceRef): string =>
  `projects/${r.project}/locations/${r.location}/services/${r.serviceId}`

export class CloudRunServices {
  readonly #ctx: ServiceContext
  /** Which upstreams a service may name (checked on create and patch). */
  readonly #upstreams: UpstreamPolicy

  constructor(ctx: ServiceContext, upstreams: UpstreamPolicy) {
    this.#ctx = ctx
    this.#upstreams = upstreams
  }

  async #project(given: string): Promise<ProjectRecord> {
    const p = await this.#ctx.checker.project(given)
    if (p === undefined) throw projectNotFound(given)
    return p
  }

  #canonical(ref: ServiceRef, p: ProjectRecord): string {
    return `projects/${p.projectId}/locations/${ref.location}/services/${ref.serviceId}`
  }

  /** An Operation for a write, stored so that operations.get reads it back. */
  async #operation(
    tx: StoreTx | undefined,
    p: ProjectRecord,
    location: string,
    service: Json,
  ): Promise<Operation> {
    return finishedOperation(tx, {
      projectId: p.projectId,
      location,
      typeUrl: SERVICE_TYPE_URL,
      body: service,
      nowMs: this.#ctx.now(),
    })
  }

  /** Compat: run.projects.locations.services.create. */
  async create(
    caller: Caller,
    parent: string,
    query: WriteQuery,
    body: unknown,
    surface: SurfaceOptions = {},
  ): Promise<Operation> {
    const [, project = '', , location = ''] = parent.split('/')
    const ref: ServiceRef = { project, location, serviceId: query.serviceId ?? '' }
    // Authorize on the would-be service name before anything about it is revealed.
    await this.#ctx.checker.require(caller, 'run.services.create', nameOf(ref), surface.shownAs)
    const validateOnly = flag('validateOnly', query.validateOnly)
    checkServiceId(query.serviceId)
    checkRegion(location)
    const input = readServiceInput(body ?? {})
    if (input['invokerIamDisabled'] === true) {
      // Compat: disabling the invoker check also needs run.services.setIamPolicy (public access doc).
      await this.#ctx.checker.require(
        caller,
        'run.services.setIamPolicy',
        nameOf(ref),
        surface.shownAs,
      )
    }
    const p = await this.#project(project)
    if (input['invokerIamDisabled'] === true) {
      await checkRequireInvokerIam(this.#ctx.store, this.#canonical(ref, p))
    }
    const result = await this.#createWith(caller, ref, p, input, validateOnly)
    return presentAs(result, p.projectId, project)
  }

  async #createWith(
    caller: Caller,
    ref: ServiceRef,
    p: ProjectRecord,
    input: ServiceInput,
    validateOnly: boolean,
  ): Promise<Operation> {
    const name = this.#canonical(ref, p)
    const now = this.#ctx.now()
    const service = buildService({
      name,
      serviceId: ref.serviceId,
      location: ref.location,
      projectNumber: p.projectNumber,
      input,
      actor: caller.email ?? caller.member,
      nowMs: now,
      runDomain: this.#ctx.runDomain,
      servicePort: this.#ctx.servicePort,
    })
    if (validateOnly) {
      if ((await this.#ctx.store.getResource(name)) !== undefined)
        throw alreadyExists(ref.serviceId)
      await checkServiceUpstream(this.#upstreams, this.#ctx.store, name, service)
      return this.#operation(undefined, p, ref.location, service)
    }
    return this.#ctx.store.transact(async (tx) => {
      if ((await tx.getResource(name)) !== undefined) throw alreadyExists(ref.serviceId)
      await checkServiceUpstream(this.#upstreams, tx, name, service)
      await tx.createResource(toRecord(name, p, ref.location, service))
      return this.#operation(tx, p, ref.location, service)
    })
  }

  /** Compat: run.projects.locations.services.get. */
  async get(caller: Caller, name: string, surface: SurfaceOptions = {}): Promise<Service> {
    const ref = parseServiceName(name)
    await this.#ctx.checker.require(caller, 'run.services.get', name, surface.shownAs)
    const p = await this.#project(ref.project)
    const rec = await this.#ctx.store.getResource(this.#canonical(ref, p))
    if (rec === undefined) throw serviceNotFound(ref.serviceId, ref.location, ref.project)
    return presentAs(asService(rec.body), p.projectId, ref.project)
  }

  /** Compat: run.projects.locations.services.list (location `-` lists every location). */
  async list(
    caller: Caller,
    parent: string,
    query: { pageSize?: string | undefined; pageToken?: string | undefined },
    surface: SurfaceOptions = {},
  ): Promise<ListServicesResponse> {
    const [, project = '', , location = ''] = parent.split('/')
    await this.#ctx.checker.require(caller, 'run.services.list', parent, surface.shownAs)
    const p = await this.#project(project)
    const size = parsePageSize(query.pageSize)
    let items: readonly ResourceRecord[]
    let next: string | undefined
    if (location === '-') {
      const prefix = `projects/${p.projectId}/locations/`
      items = (await this.#ctx.store.listAllResources('service')).filter((r) =>
        r.name.startsWith(prefix),
      )
    } else {
      const page = await this.#ctx.store.listResources(
        `projects/${p.projectId}/locations/${location}`,
        'service',
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
        ? { services: items.map((r) => presentAs(asService(r.body), p.projectId, project)) }
        : {}),
      ...(next !== undefined && next !== '' ? { nextPageToken: next } : {}),
    }
  }

  /** Compat: run.projects.locations.services.patch (name from the path; body without name). */
  async patch(
    caller: Caller,
    name: string,
    query: WriteQuery,
    body: unknown,
    surface: SurfaceOptions = {},
  ): Promise<Operation> {
    const ref = parseServiceName(name)
    const shownAs = surface.shownAs
    await this.#ctx.checker.require(caller, 'run.services.update', name, shownAs)
    const validateOnly = flag('validateOnly', query.validateOnly)
    const allowMissing = flag('allowMissing', query.allowMissing)
    const incoming = readServiceInput(body ?? {})
    const requestEtag =
      isObject(body) && typeof body['etag'] === 'string' && body['etag'] !== ''
        ? body['etag']
        : undefined
    const p = await this.#project(ref.project)
    const canonical = this.#canonical(ref, p)
    const current = await this.#ctx.store.getResource(canonical)
    if (current === undefined) {
      if (!allowMissing) throw serviceNotFound(ref.serviceId, ref.location, ref.project)
      // Compat: allow_missing: "the caller must have 'run.services.create' permissions".
      await this.#ctx.checker.require(caller, 'run.services.create', name, shownAs)
      checkServiceId(ref.serviceId, 'service.name')
      checkRegion(ref.location)
      if (incoming['invokerIamDisabled'] === true) {
        await this.#ctx.checker.require(caller, 'run.services.setIamPolicy', name, shownAs)
        await checkRequireInvokerIam(this.#ctx.store, canonical)
      }
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
        : readServiceInput(applyServiceMask(writableOf(current.body), incoming, mask))
    if ((merged['invokerIamDisabled'] === true) !== (current.body['invokerIamDisabled'] === true)) {
      await this.#ctx.checker.require(caller, 'run.services.setIamPolicy', name, shownAs)
      // Compat: constraints/run.managed.requireInvokerIam governs turning the check off; a
      // service that already has it off keeps it (the constraint is not retroactive).
      if (merged['invokerIamDisabled'] === true)
        await checkRequireInvokerIam(this.#ctx.store, canonical)
    }
    if (requestEtag !== undefined && unquote(requestEtag) !== current.body['etag'])
      throw etagConflict()
    const service = buildService({
      name: canonical,
      serviceId: ref.serviceId,
      location: ref.location,
      projectNumber: p.projectNumber,
      input: merged,
      actor: caller.email ?? caller.member,
      nowMs: this.#ctx.now(),
      runDomain: this.#ctx.runDomain,
      servicePort: this.#ctx.servicePort,
      previous: current.body,
    })
    if (validateOnly) {
      await checkServiceUpstream(this.#upstreams, this.#ctx.store, canonical, service, current.body)
      return presentAs(
        await this.#operation(undefined, p, ref.location, service),
        p.projectId,
        ref.project,
      )
    }
    const op = await this.#ctx.store.transact(async (tx) => {
      const record = {
        ...toRecord(canonical, p, ref.location, service),
        createTime: current.createTime,
      }
      await checkServiceUpstream(this.#upstreams, tx, canonical, service, current.body)
      try {
        await tx.updateResource(record, { ifEtag: current.etag })
      } catch (err) {
        if (isIamError(err) && err.code === Code.ABORTED) throw etagConflict()
        throw err
      }
      return this.#operation(tx, p, ref.location, service)
    })
    return presentAs(op, p.projectId, ref.project)
  }

  /** Compat: run.projects.locations.services.delete (optional `etag` must match). */
  async delete(
    caller: Caller,
    name: string,
    query: WriteQuery,
    surface: SurfaceOptions = {},
  ): Promise<Operation> {
    const ref = parseServiceName(name)
    await this.#ctx.checker.require(caller, 'run.services.delete', name, surface.shownAs)
    const validateOnly = flag('validateOnly', query.validateOnly)
    const p = await this.#project(ref.project)
    const canonical = this.#canonical(ref, p)
    const op = await this.#ctx.store.transact(async (tx) => {
      const current = await tx.getResource(canonical)
      if (current === undefined) throw serviceNotFound(ref.serviceId, ref.location, ref.project)
      if (
        query.etag !== undefined &&
        query.etag !== '' &&
        unquote(query.etag) !== current.body['etag']
      ) {
        throw etagConflict()
      }
      const final = { ...current.body, deleteTime: isoTime(this.#ctx.now()) }
      if (validateOnly) return this.#operation(undefined, p, ref.location, final)
      await tx.deleteResource(canonical)
      return this.#operation(tx, p, ref.location, final)
    })
    return presentAs(op, p.projectId, ref.project)
  }

  /** A service as a policy target (the same for the v1 and v2 IAM paths). */
  target(name: string): PolicyTarget {
    const ref = parseServiceName(name)
    return {
      name,
      type: 'service',
      permissionPrefix: 'run.services',
      resolve: async () => {
        const p = await this.#ctx.checker.project(ref.project)
        if (p === undefined) return undefined
        const canonical = this.#canonical(ref, p)
        return (await this.#ctx.store.getResource(canonical)) === undefined ? undefined : canonical
      },
      notFound: () => serviceNotFound(ref.serviceId, ref.location, ref.project),
    }
  }
}

export function toRecord(
  name: string,
  p: ProjectRecord,
  location: string,
  service: Json,
): ResourceRecord {
  return {
    name,
    kind: 'service',
    parent: `projects/${p.projectId}/locations/${location}`,
    body: service,
    etag: String(service['etag']),
    createTime: String(service['createTime']),
    updateTime: String(service['updateTime']),
  }
}
