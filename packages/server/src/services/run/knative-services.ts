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
  type Service,
} from '@runiam/api'
import type { Caller } from '../caller.js'
import type { ServiceContext } from '../context.js'
import { CloudRunServices, SERVICES } from './cloud-run-services.js'
import { dryRunOf, lookUpRegion, v1NameOf, v2NameOf, type KnativeAim } from './knative-region.js'
import { readKnativeService, toKnativeService, withUnmappedFields } from './knative-service.js'
import {
  createFromV1,
  deletedStatus,
  projectNumberOf,
  replaceFromV1,
  resourceOf,
  type KnativeWriter,
} from './knative-writes.js'
import type { SurfaceOptions } from './run-resources.js'
import type { UpstreamPolicy } from './upstream-policy.js'

/** Where a v1 call is aimed, from its path (and, for the namespaces paths, its Host). */
export interface KnativeTarget extends KnativeAim {
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

const surface = (shownAs: string | undefined): SurfaceOptions =>
  shownAs === undefined ? {} : { shownAs }

/** A service as the shared v1 write paths (knative-writes.ts) take it. */
function serviceWriter(v2: CloudRunServices): KnativeWriter {
  const { collection, kind, notFoundKind, permissionPrefix } = SERVICES
  return {
    collection,
    kind,
    notFoundKind,
    permissionPrefix,
    noun: 'service',
    read: (body) => {
      const { serviceId, ...rest } = readKnativeService(body)
      return { id: serviceId, ...rest }
    },
    withUnmapped: withUnmappedFields,
    create: (caller, parent, serviceId, validateOnly, input, shownAs) =>
      v2.create(caller, parent, { serviceId, validateOnly }, input, surface(shownAs)),
    patch: (caller, name, validateOnly, body, shownAs) =>
      v2.patch(caller, name, { allowMissing: 'true', validateOnly }, body, surface(shownAs)),
  }
}

export class KnativeServices {
  readonly #ctx: ServiceContext
  /** The v2 methods every v1 call goes through. */
  readonly #v2: CloudRunServices
  readonly #writer: KnativeWriter

  constructor(ctx: ServiceContext, upstreams: UpstreamPolicy) {
    this.#ctx = ctx
    this.#v2 = new CloudRunServices(ctx, upstreams)
    this.#writer = serviceWriter(this.#v2)
  }

  /** The region the path or Host names, else the one where the project has the service. */
  async #region(
    caller: Caller,
    at: KnativeTarget,
    serviceId: string,
    permission: string,
  ): Promise<string> {
    return (
      at.region ??
      (await lookUpRegion(this.#ctx, caller, at, this.#writer, serviceId, permission, 'notFound'))
    )
  }

  #toV1 = async (service: Service, at: KnativeTarget): Promise<KnativeService> =>
    toKnativeService(service, await projectNumberOf(this.#ctx, at.project))

  /** Compat: run.namespaces.services.get / run.projects.locations.services.get (v1). */
  async get(caller: Caller, at: KnativeTarget, serviceId: string): Promise<KnativeService> {
    const region = await this.#region(caller, at, serviceId, 'run.services.get')
    const service = await this.#v2.get(
      caller,
      v2NameOf(at, region, 'services', serviceId),
      surface(v1NameOf(at, 'services', serviceId)),
    )
    return this.#toV1(service, at)
  }

  /** Compat: run.namespaces.services.list (every region when none is named). */
  async list(caller: Caller, at: KnativeTarget, query: KnativeQuery): Promise<KnativeServiceList> {
    const page = await this.#v2.list(
      caller,
      `projects/${at.project}/locations/${at.region ?? '-'}`,
      { pageSize: query.limit, pageToken: query.continue },
      surface(v1NameOf(at)),
    )
    const number = await projectNumberOf(this.#ctx, at.project)
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
    const op = await createFromV1(this.#ctx, caller, at, this.#writer, query.dryRun, body)
    return this.#toV1(resourceOf<Service>(op), at)
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
    const { op, projectNumber } = await replaceFromV1(
      this.#ctx,
      caller,
      at,
      this.#writer,
      serviceId,
      query.dryRun,
      body,
    )
    return toKnativeService(resourceOf<Service>(op), projectNumber)
  }

  /** Compat: run.namespaces.services.delete: answers a k8s Status. */
  async delete(
    caller: Caller,
    at: KnativeTarget,
    serviceId: string,
    query: KnativeQuery,
  ): Promise<KnativeStatus> {
    const region = await this.#region(caller, at, serviceId, 'run.services.delete')
    const op = await this.#v2.delete(
      caller,
      v2NameOf(at, region, 'services', serviceId),
      { validateOnly: dryRunOf(query.dryRun) },
      surface(v1NameOf(at, 'services', serviceId)),
    )
    const gone = resourceOf<Service>(op)
    return deletedStatus(serviceId, 'serving.knative.dev', 'services', gone.uid)
  }
}
