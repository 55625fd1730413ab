// Cloud Run's three resource kinds as the console lists them and edits their allow policies:
// the v2 REST paths (Google's), each kind's IAM permission names, and a reference type the
// pages, the info panel, the bulk actions and the Security tab share.
import type { Policy } from '@runiam/core'
import type { ResourceType } from '@runiam/core'
import { api } from './console-api.js'

export type RunKind = 'services' | 'jobs' | 'workerPools'

export const RUN_KINDS: readonly RunKind[] = ['services', 'jobs', 'workerPools']

/** What the console says and checks for each kind. */
export const KIND_INFO: Readonly<
  Record<
    RunKind,
    {
      readonly plural: string
      readonly singular: string
      /** The tab's slug in the console's URL. */
      readonly slug: string
      readonly resourceType: ResourceType
      readonly setIamPermission: string
    }
  >
> = {
  services: {
    plural: 'Services',
    singular: 'service',
    slug: 'services',
    resourceType: 'service',
    setIamPermission: 'run.services.setIamPolicy',
  },
  jobs: {
    plural: 'Jobs',
    singular: 'job',
    slug: 'jobs',
    resourceType: 'job',
    setIamPermission: 'run.jobs.setIamPolicy',
  },
  workerPools: {
    plural: 'Worker pools',
    singular: 'worker pool',
    slug: 'worker-pools',
    resourceType: 'workerPool',
    setIamPermission: 'run.workerpools.setIamPolicy',
  },
}

export function kindOfSlug(slug: string): RunKind | undefined {
  return RUN_KINDS.find((k) => KIND_INFO[k].slug === slug)
}

/** One Cloud Run resource. */
export interface RunRef {
  readonly kind: RunKind
  readonly project: string
  readonly location: string
  readonly name: string
}

/** The fields of a listed resource the console shows (services, jobs and worker pools alike). */
export interface RunResource {
  readonly name: string
  readonly uri?: string
  readonly invokerIamDisabled?: boolean
  readonly updateTime?: string
  readonly lastModifier?: string
  readonly creator?: string
  readonly etag?: string
}

const seg = encodeURIComponent

/** projects/P/locations/L/KIND/N → a reference (undefined for any other shape). */
export function refOf(kind: RunKind, resourceName: string): RunRef | undefined {
  const m = /^projects\/([^/]+)\/locations\/([^/]+)\/[A-Za-z]+\/([^/]+)$/.exec(resourceName)
  if (m === null) return undefined
  return { kind, project: m[1] ?? '', location: m[2] ?? '', name: m[3] ?? '' }
}

export function refKey(ref: RunRef): string {
  return `${ref.kind}/${ref.project}/${ref.location}/${ref.name}`
}

function resourcePath(ref: RunRef): string {
  return `/v2/projects/${seg(ref.project)}/locations/${seg(ref.location)}/${ref.kind}/${seg(ref.name)}`
}

/** The fields of RunResource, asked for by name (`fields`, Google's partial response): a
 * service's whole record is about 1.4 KB, and a list of a thousand would be 1.4 MB to receive and
 * parse for the few fields a list shows. */
const LISTED = 'name,uri,invokerIamDisabled,updateTime,lastModifier,creator,etag'

/** Every resource of a kind in the project, all locations (`locations/-`), every page. */
export async function listRun(project: string, kind: RunKind): Promise<RunResource[]> {
  const out: RunResource[] = []
  let pageToken: string | undefined
  do {
    const page = await api().request<Record<string, unknown>>(
      'GET',
      `/v2/projects/${seg(project)}/locations/-/${kind}`,
      { query: { pageToken, pageSize: 500, fields: `${kind}(${LISTED}),nextPageToken` } },
    )
    const items = page[kind]
    if (Array.isArray(items)) out.push(...(items as RunResource[]))
    const next = page['nextPageToken']
    pageToken = typeof next === 'string' && next !== '' ? next : undefined
  } while (pageToken !== undefined)
  return out.sort((a, b) => byName.compare(a.name, b.name))
}

/** The order of localeCompare, with one collator for the thousand comparisons of a long list. */
const byName = new Intl.Collator()

export function getRun(ref: RunRef): Promise<RunResource & Record<string, unknown>> {
  return api().request('GET', resourcePath(ref))
}

export function getRunPolicy(ref: RunRef): Promise<Policy> {
  return api().request('GET', `${resourcePath(ref)}:getIamPolicy`, {
    query: { 'options.requestedPolicyVersion': 3 },
  })
}

export function setRunPolicy(ref: RunRef, policy: Policy): Promise<Policy> {
  return api().request('POST', `${resourcePath(ref)}:setIamPolicy`, { body: { policy } })
}

/** Which of `permissions` the signed-in user holds on the resource. */
export async function testRunPermissions(
  ref: RunRef,
  permissions: readonly string[],
): Promise<Set<string>> {
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
  ref: RunRef,
  disabled: boolean,
  etag?: string,
): Promise<void> {
  await api().request('PATCH', resourcePath(ref), {
    query: { updateMask: 'invokerIamDisabled' },
    body: { invokerIamDisabled: disabled, ...(etag === undefined ? {} : { etag }) },
  })
}

/** The name shown for a resource: the last segment of its resource name. */
export function shortName(resourceName: string): string {
  return resourceName.slice(resourceName.lastIndexOf('/') + 1)
}
