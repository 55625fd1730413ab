// Creating and replacing through Cloud Run's v1 namespaces APIs (services and jobs alike): each is
// the kind's v2 create or patch, after the checks a v1 write makes first (authorization on what
// the body says it writes, metadata.name, namespace and location label, the region), and a
// replace keeps what v1 cannot say and honours metadata.resourceVersion. Also the v1 answers both
// kinds share: the resource of a finished Operation, a k8s Status, the project number.
import type { KnativeStatus, Operation } from '@runiam/api'
import { Code, IamError, isIamError } from '@runiam/core'
import type { Caller } from '../caller.js'
import type { ServiceContext } from '../context.js'
import { checkRegion, checkServiceId, invalidArgument } from '../names.js'
import { projectNotFound } from '../resource-manager/project-service.js'
import type { Json } from './knative-fields.js'
import type { KnativeObjectWrite } from './knative-object.js'
import {
  checkNamespace,
  checkRegionAgrees,
  dryRunOf,
  lookUpRegion,
  peekTarget,
  regionNotProvided,
  v1NameOf,
  v2NameOf,
  type KnativeAim,
  type KnativeKind,
} from './knative-region.js'

/** How a kind's v1 objects are written through its v2 methods. */
export interface KnativeWriter extends KnativeKind {
  /** The resource as messages name it: `service`, `job`. */
  readonly noun: string
  /** Reads and validates a v1 object (its metadata.name as `id`). */
  read(body: unknown): KnativeObjectWrite
  /** The v2 body of a replace: the v1 object's, plus what v1 cannot say kept from `current`. */
  withUnmapped(input: Json, current: Readonly<Json>): Json
  /** The v2 create (`validateOnly` as the query gives it; `shownAs` the v1 name, if any). */
  create(
    caller: Caller,
    parent: string,
    id: string,
    validateOnly: string | undefined,
    input: Json,
    shownAs: string | undefined,
  ): Promise<Operation>
  /** The v2 patch with allowMissing. */
  patch(
    caller: Caller,
    name: string,
    validateOnly: string | undefined,
    body: Json,
    shownAs: string | undefined,
  ): Promise<Operation>
  /** A replace that would create checks the create permission itself, before resourceVersion. */
  readonly replaceChecksCreate?: boolean
}

/** metadata.resourceVersion is not the current one (or names a resource that does not exist). */
function stale(noun: string): IamError {
  return new IamError(
    Code.ABORTED,
    'ETAG_MISMATCH',
    `The metadata.resourceVersion in the request does not match the current resourceVersion of the ${noun}. Read the ${noun} again and retry.`,
  )
}

/** The resource an Operation carries (its `@type` removed): the response, else the metadata. */
export function resourceOf<T>(op: Operation): T {
  const message = op.done === true ? op.response : op.metadata
  const { '@type': _type, ...body } = (message ?? { '@type': '' }) as Json
  return body as T
}

/** The k8s Status a v1 delete answers. */
export function deletedStatus(id: string, group: string, kind: string, uid: string): KnativeStatus {
  return { status: 'Success', metadata: {}, details: { name: id, group, kind, uid } }
}

/** The project's number: the namespace v1 objects carry. */
export async function projectNumberOf(ctx: ServiceContext, project: string): Promise<string> {
  const p = await ctx.checker.project(project)
  if (p === undefined) throw projectNotFound(project)
  return p.projectNumber
}

/** Compat: run.namespaces.{services,jobs}.create: the region is the Host's, the path's or the label's. */
export async function createFromV1(
  ctx: ServiceContext,
  caller: Caller,
  at: KnativeAim,
  w: KnativeWriter,
  dryRun: string | undefined,
  body: unknown,
): Promise<Operation> {
  // Authorize before anything is validated or looked up, on what the body says it creates.
  const peek = peekTarget(body)
  const region = at.region ?? peek.region
  const shownAs = v1NameOf(at, w.collection, peek.name)
  await ctx.checker.require(
    caller,
    `${w.permissionPrefix}.create`,
    v2NameOf(at, region ?? '-', w.collection, peek.name ?? '-'),
    shownAs,
  )
  const write = w.read(body)
  const id = checkServiceId(write.id, 'metadata.name')
  await checkNamespace(ctx, at.project, write.namespace)
  checkRegionAgrees(at.region, write.region)
  const location = region ?? write.region
  if (location === undefined) throw regionNotProvided()
  checkRegion(location)
  const parent = `projects/${at.project}/locations/${location}`
  return w.create(caller, parent, id, dryRunOf(dryRun), write.input, shownAs)
}

/**
 * Compat: run.namespaces.{services,jobs}.replace…: the whole object, as a v2 patch without an
 * update mask. One that does not exist is created (the create permission, as v2's allowMissing).
 * `metadata.resourceVersion`, when given, must be the current one. Answers the Operation and
 * the project number.
 */
export async function replaceFromV1(
  ctx: ServiceContext,
  caller: Caller,
  at: KnativeAim,
  w: KnativeWriter,
  id: string,
  dryRun: string | undefined,
  body: unknown,
): Promise<{ op: Operation; projectNumber: string }> {
  const shownAs = v1NameOf(at, w.collection, id)
  const update = `${w.permissionPrefix}.update`
  const region =
    at.region ??
    peekTarget(body).region ??
    (await lookUpRegion(ctx, caller, at, w, id, update, 'regionRequired'))
  const name = v2NameOf(at, region, w.collection, id)
  await ctx.checker.require(caller, update, name, shownAs)
  const write = w.read(body)
  if (write.id !== undefined && write.id !== id) {
    throw invalidArgument(
      'metadata.name',
      `metadata.name '${write.id}' does not match the ${w.noun} '${id}' of the request.`,
    )
  }
  checkServiceId(id, 'metadata.name')
  await checkNamespace(ctx, at.project, write.namespace)
  checkRegionAgrees(at.region, write.region)
  checkRegion(region)
  const p = await ctx.checker.project(at.project)
  if (p === undefined) throw projectNotFound(at.project)
  const current = await ctx.store.getResource(
    `projects/${p.projectId}/locations/${region}/${w.collection}/${id}`,
  )
  if (current === undefined) {
    if (w.replaceChecksCreate === true) {
      await ctx.checker.require(caller, `${w.permissionPrefix}.create`, name, shownAs)
    }
    if (write.resourceVersion !== undefined) throw stale(w.noun)
  }
  const input = current === undefined ? write.input : w.withUnmapped(write.input, current.body)
  // The etag of what the unmapped fields were read from: a concurrent write is a conflict,
  // never silently merged.
  const etag = write.resourceVersion ?? current?.body['etag']
  try {
    const op = await w.patch(
      caller,
      name,
      dryRunOf(dryRun),
      typeof etag === 'string' ? { ...input, etag } : input,
      shownAs,
    )
    return { op, projectNumber: p.projectNumber }
  } catch (err) {
    if (write.resourceVersion !== undefined && isIamError(err) && err.code === Code.ABORTED) {
      throw stale(w.noun)
    }
    throw err
  }
}
