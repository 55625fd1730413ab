// Cloud Run's v1 services API (Knative serving objects): get, list, create, replace, delete, on
// the namespaces paths and their /v1/projects/P/locations/L twins. Synchronous, as Google's v1 is.
// Every call is the v2 method on the same stored service (CloudRunServices): v1 bodies are mapped
// to v2 (knative-service.ts) and answers back, so permissions, the invoker-check rule, the
// organization constraint, the upstream policy and validation are the v2 code paths, not copies.
import {
  KNATIVE_SERVING_API_VERSION,
  type KnativeService,
  type KnativeServiceList,
  type KnativeStatus,
  type Operation,
  type Service,
} from '@runiam/api'
import { Code, IamError, isIamError, resourceNotFound } from '@runiam/core'
import type { Caller } from '../caller.js'
import type { ServiceContext } from '../context.js'
import { checkRegion, checkServiceId, invalidArgument } from '../names.js'
import { projectNotFound } from '../resource-manager/project-service.js'
import { CloudRunServices } from './cloud-run-services.js'
import {
  checkNamespace,
  checkRegionAgrees,
  dryRunOf as dryRunFlag,
  lookUpNamed,
  peekTarget,
  regionNotProvided,
  regionOf,
} from './knative-region.js'
import { readKnativeService, toKnativeService, withUnmappedFields } from './knative-service.js'
import type { SurfaceOptions } from './run-resources.js'
import type { UpstreamPolicy } from './upstream-policy.js'

/** Where a v1 call is aimed, from its path (and, for the namespaces paths, its Host). */
export interface KnativeTarget {
  /** The namespace (project id or number), or the project of a /v1/projects path. */
  readonly project: string
  /** The region, when the path or a regional Host (`us-central1-…`) names it. */
  readonly region: string | undefined
  /** A namespaces path: denials name `namespaces/P/services/S`, as Google's v1 API does. */
  readonly namespaced: boolean
}

/** v1 query parameters, as strings from the URL. */
export interface KnativeQuery {
  /** k8s `dryRun` (`All`): validate only. */
  readonly dryRun?: string | undefined
  readonly limit?: string | undefined
  readonly continue?: string | undefined
}

function stale(): IamError {
  return new IamError(
    Code.ABORTED,
    'ETAG_MISMATCH',
    'The metadata.resourceVersion in the request does not match the current resourceVersion of the service. Read the service again and retry.',
  )
}

/** The Service of a finished Operation's response (its `@type` removed). */
function responseOf(op: Operation): Service {
  const { '@type': _type, ...service } = op.response ?? { '@type': '' }
  return service as unknown as Service
}

const surface = (shownAs: string | undefined): SurfaceOptions =>
  shownAs === undefined ? {} : { shownAs }

const dryRunOf = (q: KnativeQuery): string | undefined => dryRunFlag(q.dryRun)

export class KnativeServices {
  readonly #ctx: ServiceContext
  /** The v2 methods every v1 call goes through. */
  readonly #v2: CloudRunServices

  constructor(ctx: ServiceContext, upstreams: UpstreamPolicy) {
    this.#ctx = ctx
    this.#v2 = new CloudRunServices(ctx, upstreams)
  }

  #shownAs(at: KnativeTarget, serviceId?: string): string | undefined {
    if (!at.namespaced) return undefined
    return serviceId === undefined
      ? `namespaces/${at.project}`
      : `namespaces/${at.project}/services/${serviceId}`
  }

  #name(at: KnativeTarget, region: string, serviceId: string): string {
    return `projects/${at.project}/locations/${region}/services/${serviceId}`
  }

  async #projectNumber(project: string): Promise<string> {
    const p = await this.#ctx.checker.project(project)
    if (p === undefined) throw projectNotFound(project)
    return p.projectNumber
  }

  /**
   * The region of a call whose path and Host name none: the one region where the project has a
   * service of this name (knative-region.ts, shared with the v1 jobs API). Nothing is revealed
   * before authorization.
   */
  async #lookUpRegion(
    caller: Caller,
    at: KnativeTarget,
    serviceId: string,
    permission: string,
    onMissing: 'notFound' | 'regionRequired',
  ): Promise<string> {
    const name = await lookUpNamed(this.#ctx, caller, {
      project: at.project,
      kind: 'service',
      suffix: `/services/${serviceId}`,
      permission,
      shownAs: this.#shownAs(at, serviceId),
      placeholder: this.#name(at, '-', serviceId),
      onMissing,
      notFound: () => resourceNotFound('SERVICE', serviceId, undefined, at.project),
    })
    return regionOf(name)
  }

  /** Compat: run.namespaces.services.get / run.projects.locations.services.get (v1). */
  async get(caller: Caller, at: KnativeTarget, serviceId: string): Promise<KnativeService> {
    const region =
      at.region ?? (await this.#lookUpRegion(caller, at, serviceId, 'run.services.get', 'notFound'))
    const service = await this.#v2.get(
      caller,
      this.#name(at, region, serviceId),
      surface(this.#shownAs(at, serviceId)),
    )
    return toKnativeService(service, await this.#projectNumber(at.project))
  }

  /** Compat: run.namespaces.services.list (every region when none is named). */
  async list(caller: Caller, at: KnativeTarget, query: KnativeQuery): Promise<KnativeServiceList> {
    const shownAs = this.#shownAs(at)
    const page = await this.#v2.list(
      caller,
      `projects/${at.project}/locations/${at.region ?? '-'}`,
      { pageSize: query.limit, pageToken: query.continue },
      surface(shownAs),
    )
    const number = await this.#projectNumber(at.project)
    return {
      apiVersion: KNATIVE_SERVING_API_VERSION,
      kind: 'ServiceList',
      items: (page.services ?? []).map((s) => toKnativeService(s, number)),
      metadata: page.nextPageToken === undefined ? {} : { continue: page.nextPageToken },
    }
  }

  /** Compat: run.namespaces.services.create: the region is the location label's (or the host's). */
  async create(
    caller: Caller,
    at: KnativeTarget,
    query: KnativeQuery,
    body: unknown,
  ): Promise<KnativeService> {
    // Authorize before anything is validated or looked up, on what the body says it creates.
    const peek = peekTarget(body)
    const region = at.region ?? peek.region
    const shownAs = this.#shownAs(at, peek.name)
    await this.#ctx.checker.require(
      caller,
      'run.services.create',
      this.#name(at, region ?? '-', peek.name ?? '-'),
      shownAs,
    )
    const write = readKnativeService(body)
    const serviceId = checkServiceId(write.serviceId, 'metadata.name')
    await checkNamespace(this.#ctx, at.project, write.namespace)
    checkRegionAgrees(at.region, write.region)
    const location = region ?? write.region
    if (location === undefined) throw regionNotProvided()
    checkRegion(location)
    const op = await this.#v2.create(
      caller,
      `projects/${at.project}/locations/${location}`,
      { serviceId, validateOnly: dryRunOf(query) },
      write.input,
      surface(shownAs),
    )
    return toKnativeService(responseOf(op), await this.#projectNumber(at.project))
  }

  /**
   * Compat: run.namespaces.services.replaceService: the whole object, as a v2 patch without an
   * update mask. A service that does not exist is created (run.services.create, as v2's
   * allowMissing). `metadata.resourceVersion`, when given, must be the current one.
   */
  async replace(
    caller: Caller,
    at: KnativeTarget,
    serviceId: string,
    query: KnativeQuery,
    body: unknown,
  ): Promise<KnativeService> {
    const shownAs = this.#shownAs(at, serviceId)
    const peeked = at.region ?? peekTarget(body).region
    const region =
      peeked ??
      (await this.#lookUpRegion(caller, at, serviceId, 'run.services.update', 'regionRequired'))
    const name = this.#name(at, region, serviceId)
    await this.#ctx.checker.require(caller, 'run.services.update', name, shownAs)
    const write = readKnativeService(body)
    if (write.serviceId !== undefined && write.serviceId !== serviceId) {
      throw invalidArgument(
        'metadata.name',
        `metadata.name '${write.serviceId}' does not match the service '${serviceId}' of the request.`,
      )
    }
    checkServiceId(serviceId, 'metadata.name')
    await checkNamespace(this.#ctx, at.project, write.namespace)
    checkRegionAgrees(at.region, write.region)
    checkRegion(region)
    const p = await this.#ctx.checker.project(at.project)
    if (p === undefined) throw projectNotFound(at.project)
    const current = await this.#ctx.store.getResource(
      `projects/${p.projectId}/locations/${region}/services/${serviceId}`,
    )
    if (write.resourceVersion !== undefined && current === undefined) throw stale()
    const input =
      current === undefined ? write.input : withUnmappedFields(write.input, current.body)
    // The etag of what the unmapped fields were read from: a concurrent write is a conflict,
    // never silently merged.
    const etag = write.resourceVersion ?? current?.body['etag']
    let op: Operation
    try {
      op = await this.#v2.patch(
        caller,
        name,
        { allowMissing: 'true', validateOnly: dryRunOf(query) },
        typeof etag === 'string' ? { ...input, etag } : input,
        surface(shownAs),
      )
    } catch (err) {
      if (write.resourceVersion !== undefined && isIamError(err) && err.code === Code.ABORTED) {
        throw stale()
      }
      throw err
    }
    return toKnativeService(responseOf(op), p.projectNumber)
  }

  /** Compat: run.namespaces.services.delete: answers a k8s Status. */
  async delete(
    caller: Caller,
    at: KnativeTarget,
    serviceId: string,
    query: KnativeQuery,
  ): Promise<KnativeStatus> {
    const shownAs = this.#shownAs(at, serviceId)
    const region =
      at.region ??
      (await this.#lookUpRegion(caller, at, serviceId, 'run.services.delete', 'notFound'))
    const op = await this.#v2.delete(
      caller,
      this.#name(at, region, serviceId),
      { validateOnly: dryRunOf(query) },
      surface(shownAs),
    )
    const gone = responseOf(op)
    return {
      status: 'Success',
      metadata: {},
      details: { name: serviceId, group: 'serving.knative.dev', kind: 'services', uid: gone.uid },
    }
  }
}
