// Where a call of Cloud Run's v1 namespaces APIs (Knative services, jobs, executions) is aimed,
// when the path names only a namespace: the region from a regional Host or the body's location
// label, else the one region where the project has a resource of that name. Shared by the v1
// services and jobs surfaces, so both resolve regions, and refuse ambiguity, the same way, and
// neither lets the lookup show through a denial (AIP-211).
import { LOCATION_LABEL } from '@runiam/api'
import { Code, IamError, permissionDenied, registerReasons, resourceNotFound } from '@runiam/core'
import type { ResourceKind } from '@runiam/store'
import type { Caller } from '../caller.js'
import { isObject, type ServiceContext } from '../context.js'
import { invalidArgument } from '../names.js'
import { projectNotFound } from '../resource-manager/project-service.js'
import type { RunResourceKind } from './run-resource-kind.js'

registerReasons({
  REGION_NOT_PROVIDED: {
    code: Code.INVALID_ARGUMENT,
    doc: 'A v1 (Knative) services or jobs call whose region is named nowhere: not in the host name, the path, the location label, nor by a resource of that name in one region only.',
  },
})

/** Compat: Cloud Run's v1 answer when no region can be found (googleapis/google-api-go-client#436). */
export function regionNotProvided(): IamError {
  const description = 'No region provided in host name, in resource name/parent, or in the request.'
  return new IamError(Code.INVALID_ARGUMENT, 'REGION_NOT_PROVIDED', 'The request has errors', {
    metadata: { field: 'region' },
    details: [
      {
        '@type': 'type.googleapis.com/google.rpc.BadRequest',
        fieldViolations: [{ field: 'region', description }],
      },
    ],
  })
}

/** What to look up: a stored resource of `kind` whose name ends with `suffix`. */
export interface NamedLookup {
  /** The project as the request spelled it (id or number). */
  readonly project: string
  /** The store kind (`service`, `job`, `execution`). */
  readonly kind: ResourceKind
  /** The end of the stored name, e.g. `/jobs/J` or `/executions/E`. */
  readonly suffix: string
  /** Only this region, when the request named one (Host) but not the rest of the name. */
  readonly region?: string | undefined
  /** The permission the call checks: a denial must look the same whatever exists. */
  readonly permission: string
  /** How a denial names the resource (the v1 `namespaces/P/…` spelling). */
  readonly shownAs: string | undefined
  /** What the permission is checked on when nothing matches (e.g. `…/locations/-/jobs/J`). */
  readonly placeholder: string
  /** Nothing matches: NOT_FOUND (reads) or REGION_NOT_PROVIDED (a replace that would create). */
  readonly onMissing: 'notFound' | 'regionRequired'
  readonly notFound: () => IamError
}

/**
 * The canonical name (`projects/{id}/locations/L/…`) of the one stored resource the lookup
 * names. Nothing is revealed before authorization: with no match the permission is checked on
 * the placeholder (under the project), with several on each of them, and a denial names the
 * resource as the request did, whatever exists. With exactly one match the caller's own
 * method checks the permission on it.
 */
export async function lookUpNamed(
  ctx: ServiceContext,
  caller: Caller,
  l: NamedLookup,
): Promise<string> {
  const p = await ctx.checker.project(l.project)
  const prefix =
    p === undefined
      ? undefined
      : `projects/${p.projectId}/locations/${l.region === undefined ? '' : `${l.region}/`}`
  const names =
    prefix === undefined
      ? []
      : (await ctx.store.listAllResources(l.kind))
          .map((r) => r.name)
          .filter((n) => n.startsWith(prefix) && n.endsWith(l.suffix))
  if (names.length === 1) return names[0] as string
  if (names.length === 0) {
    await ctx.checker.require(caller, l.permission, l.placeholder, l.shownAs)
    if (p === undefined) throw projectNotFound(l.project)
    if (l.onMissing === 'regionRequired') throw regionNotProvided()
    throw l.notFound()
  }
  for (const name of names) {
    const d = await ctx.checker.decide(caller, l.permission, name)
    if (d.allowed) throw regionNotProvided()
  }
  throw permissionDenied(l.permission, l.shownAs ?? l.placeholder)
}

/** Where a v1 call is aimed: its namespace (or project) and the region its Host or path names. */
export interface KnativeAim {
  /** The namespace (project id or number), or the project of a /v1/projects path. */
  readonly project: string
  /** The region, when the path or a regional Host (`us-central1-…`) names it. */
  readonly region: string | undefined
  /** False for a /v1/projects/P/locations/L path, whose denials name the v2 resource. */
  readonly namespaced?: boolean
}

/** What the v1 namespaces APIs need of a kind's description (run-resource-kind.ts). */
export type KnativeKind = Pick<
  RunResourceKind,
  'collection' | 'kind' | 'notFoundKind' | 'permissionPrefix'
>

/**
 * How a denial names the resource: `namespaces/P/{collection}/ID`, or `namespaces/P` for the
 * namespace itself, as Google's v1 API does (nothing different on a /v1/projects path).
 */
export function v1NameOf(at: KnativeAim, collection?: string, id?: string): string | undefined {
  if (at.namespaced === false) return undefined
  return collection === undefined || id === undefined
    ? `namespaces/${at.project}`
    : `namespaces/${at.project}/${collection}/${id}`
}

/** The v2 name a v1 call is checked on: `projects/P/locations/R/{collection}/ID`. */
export const v2NameOf = (at: KnativeAim, region: string, collection: string, id: string): string =>
  `projects/${at.project}/locations/${region}/${collection}/${id}`

/**
 * The region of a call whose path and Host name none: the one region where the project has a
 * resource of this kind and id (lookUpNamed: nothing is revealed before authorization).
 */
export async function lookUpRegion(
  ctx: ServiceContext,
  caller: Caller,
  at: KnativeAim,
  k: KnativeKind,
  id: string,
  permission: string,
  onMissing: 'notFound' | 'regionRequired',
): Promise<string> {
  const name = await lookUpNamed(ctx, caller, {
    project: at.project,
    kind: k.kind,
    suffix: `/${k.collection}/${id}`,
    permission,
    shownAs: v1NameOf(at, k.collection, id),
    placeholder: v2NameOf(at, '-', k.collection, id),
    onMissing,
    notFound: () => resourceNotFound(k.notFoundKind, id, undefined, at.project),
  })
  return regionOf(name)
}

/** The region of a canonical `projects/P/locations/L/…` name. */
export const regionOf = (name: string): string => name.split('/')[3] ?? ''

/** metadata.name and the location label, if the body has them as strings (before validation). */
export function peekTarget(body: unknown): { name?: string; region?: string } {
  const meta = isObject(body) ? body['metadata'] : undefined
  if (!isObject(meta)) return {}
  const name = meta['name']
  const labels = meta['labels']
  const region = isObject(labels) ? labels[LOCATION_LABEL] : undefined
  return {
    ...(typeof name === 'string' && name !== '' ? { name } : {}),
    ...(typeof region === 'string' && region !== '' ? { region } : {}),
  }
}

/** The location label, when given, must agree with the region the request names. */
export function checkRegionAgrees(
  fromRequest: string | undefined,
  fromLabel: string | undefined,
): void {
  if (fromRequest === undefined || fromLabel === undefined || fromRequest === fromLabel) return
  throw invalidArgument(
    `metadata.labels[${LOCATION_LABEL}]`,
    `The location label '${fromLabel}' does not match the region '${fromRequest}' of the request.`,
  )
}

/** metadata.namespace, when given, must name the request's project (by id or number). */
export async function checkNamespace(
  ctx: ServiceContext,
  project: string,
  namespace: string | undefined,
): Promise<void> {
  if (namespace === undefined || namespace === project) return
  const p = await ctx.checker.project(project)
  if (p !== undefined && (namespace === p.projectId || namespace === p.projectNumber)) return
  throw invalidArgument(
    'metadata.namespace',
    `metadata.namespace '${namespace}' does not match the project '${project}' of the request: it must be the project ID or the project number.`,
  )
}

/** k8s `dryRun` (any value, e.g. `All`) as the v2 methods' `validateOnly`. */
export const dryRunOf = (dryRun: string | undefined): string | undefined =>
  dryRun !== undefined && dryRun !== '' ? 'true' : undefined
