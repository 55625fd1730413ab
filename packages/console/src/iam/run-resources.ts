// Cloud Run's three kinds of resources as the console's actions see them (services, jobs, worker
// pools): where each lives on the v2 REST API, the permissions that guard its policy, and the
// calls the bulk and security actions make (list, policy read and write, testIamPermissions).
import type { Policy } from '@runiam/core'
import { api } from '../api/console-api.js'

export type RunKind = 'services' | 'jobs' | 'workerPools'

export interface RunKindInfo {
  /** The tab's and the list's title. */
  readonly label: string
  /** One of them, in a sentence ("service"). */
  readonly noun: string
  /** Compat: the permission prefix is `run.workerpools` although the v2 collection is `workerPools`. */
  readonly permissionPrefix: string
}

export const RUN_KINDS: Readonly<Record<RunKind, RunKindInfo>> = {
  services: { label: 'Services', noun: 'service', permissionPrefix: 'run.services' },
  jobs: { label: 'Jobs', noun: 'job', permissionPrefix: 'run.jobs' },
  workerPools: { label: 'Worker pools', noun: 'worker pool', permissionPrefix: 'run.workerpools' },
}

/**
 * Where a resource is. The same shape as the resource lists' reference (console-shell's RunRef),
 * so their selections can be handed to the bulk form as they are.
 */
export interface RunResourceRef {
  readonly kind: RunKind
  readonly project: string
  readonly location: string
  /** The resource's id, the last segment of its resource name. */
  readonly name: string
}

/** A listed resource: where it is, plus the fields the lists show. */
export interface RunResource extends RunResourceRef {
  /** The full v2 resource name, projects/P/locations/L/{kind}/ID. */
  readonly resourceName: string
  readonly invokerIamDisabled: boolean
  readonly uri?: string
  readonly etag?: string
}

const seg = encodeURIComponent

/** The v2 path of a resource, e.g. /v2/projects/p/locations/us-central1/services/s. */
export function resourcePath(ref: RunResourceRef): string {
  return `/v2/projects/${seg(ref.project)}/locations/${seg(ref.location)}/${ref.kind}/${seg(ref.name)}`
}

/** A stable key for a resource (selection sets, React keys). */
export function resourceKey(ref: RunResourceRef): string {
  return `${ref.kind}/${ref.project}/${ref.location}/${ref.name}`
}

/** The permission named `verb` on this kind, e.g. permission('services', 'setIamPolicy'). */
export function permission(kind: RunKind, verb: string): string {
  return `${RUN_KINDS[kind].permissionPrefix}.${verb}`
}

interface WireResource {
  readonly name: string
  readonly invokerIamDisabled?: boolean
  readonly uri?: string
  readonly etag?: string
}

function fromWire(kind: RunKind, r: WireResource): RunResource {
  // projects/P/locations/L/{kind}/ID
  const parts = r.name.split('/')
  return {
    kind,
    project: parts[1] ?? '',
    location: parts[3] ?? '',
    name: parts[5] ?? '',
    resourceName: r.name,
    invokerIamDisabled: r.invokerIamDisabled === true,
    ...(r.uri === undefined ? {} : { uri: r.uri }),
    ...(r.etag === undefined ? {} : { etag: r.etag }),
  }
}

/** Every resource of `kind` in the project, in every region (Compat: location `-`). */
export async function listRunResources(project: string, kind: RunKind): Promise<RunResource[]> {
  const out: RunResource[] = []
  let pageToken: string | undefined
  do {
    const page = await api().request<Record<string, unknown> & { nextPageToken?: string }>(
      'GET',
      `/v2/projects/${seg(project)}/locations/-/${kind}`,
      { query: { pageToken, pageSize: 1000 } },
    )
    const items = (page[kind] ?? []) as readonly WireResource[]
    out.push(...items.map((r) => fromWire(kind, r)))
    pageToken = page.nextPageToken === '' ? undefined : page.nextPageToken
  } while (pageToken !== undefined)
  out.sort((a, b) => a.name.localeCompare(b.name) || a.location.localeCompare(b.location))
  return out
}

export async function getRunResource(ref: RunResourceRef): Promise<RunResource> {
  return fromWire(ref.kind, await api().request<WireResource>('GET', resourcePath(ref)))
}

/** The resource's allow policy, version 3 (conditions shown as they are). */
export function getPolicy(ref: RunResourceRef): Promise<Policy> {
  return api().request<Policy>('GET', `${resourcePath(ref)}:getIamPolicy`, {
    query: { 'options.requestedPolicyVersion': 3 },
  })
}

/** Writes the policy; its etag makes the write fail with ABORTED if someone wrote in between. */
export function setPolicy(ref: RunResourceRef, policy: Policy): Promise<Policy> {
  return api().request<Policy>('POST', `${resourcePath(ref)}:setIamPolicy`, { body: { policy } })
}

/** The subset of `permissions` the signed-in user holds on the resource. */
export async function testPermissions(
  ref: RunResourceRef,
  permissions: readonly string[],
): Promise<ReadonlySet<string>> {
  const res = await api().request<{ permissions?: string[] }>(
    'POST',
    `${resourcePath(ref)}:testIamPermissions`,
    { body: { permissions } },
  )
  return new Set(res.permissions ?? [])
}

/**
 * Turns a service's invoker check off (public) or on. Compat: Cloud Run v2 UpdateService with
 * updateMask=invokerIamDisabled, as the Console's Security tab does; the etag guards the write.
 */
export async function setInvokerIamDisabled(
  ref: RunResourceRef,
  disabled: boolean,
  etag?: string,
): Promise<void> {
  await api().request('PATCH', resourcePath(ref), {
    query: { updateMask: 'invokerIamDisabled' },
    body: { invokerIamDisabled: disabled, ...(etag === undefined ? {} : { etag }) },
  })
}
