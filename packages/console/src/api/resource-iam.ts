// The organization, the role catalog and the allow policies of the organization and of projects:
// what the project and organization IAM pages read and write. Roles are read once per page load
// (the catalog does not change while the server runs).
import type { Policy } from '@runiam/api/client'
import { api } from './console-api.js'
import { namePath, segment } from './path-segment.js'

export interface Organization {
  /** `organizations/123` */
  readonly name: string
  readonly displayName?: string
  readonly directoryCustomerId?: string
}

/** The organization the signed-in user can see, or undefined when they can see none. */
export async function loadOrganization(): Promise<Organization | undefined> {
  const res = await api().request<{ organizations?: Organization[] }>(
    'POST',
    '/v1/organizations:search',
    { body: {} },
  )
  return res.organizations?.[0]
}

/** The organization a project is in (`organizations/O`), from the project's ancestry. */
export async function projectOrganization(project: string): Promise<string | undefined> {
  const res = await api().request<{
    ancestor?: { resourceId?: { type?: string; id?: string } }[]
  }>('POST', `/v1/projects/${segment(project, 'project ID')}:getAncestry`, { body: {} })
  const org = (res.ancestor ?? []).find((a) => a.resourceId?.type === 'organization')
  return org?.resourceId?.id === undefined ? undefined : `organizations/${org.resourceId.id}`
}

export interface RoleInfo {
  readonly name: string
  readonly title?: string
  readonly description?: string
  readonly stage?: string
}

let roles: Promise<RoleInfo[]> | undefined

/** Every predefined role (name, title, description), sorted by title. */
export function loadRoles(): Promise<RoleInfo[]> {
  roles ??= (async () => {
    const out: RoleInfo[] = []
    let pageToken: string | undefined
    do {
      const page = await api().request<{ roles?: RoleInfo[]; nextPageToken?: string }>(
        'GET',
        '/v1/roles',
        { query: { pageSize: 1000, pageToken } },
      )
      out.push(...(page.roles ?? []))
      pageToken = page.nextPageToken === '' ? undefined : page.nextPageToken
    } while (pageToken !== undefined)
    return out.sort((a, b) => (a.title ?? a.name).localeCompare(b.title ?? b.name))
  })()
  roles.catch(() => {
    roles = undefined
  })
  return roles
}

/** A resource whose allow policy the IAM pages edit. */
export type IamTarget =
  | { readonly kind: 'project'; readonly project: string }
  | { readonly kind: 'organization'; readonly organization: string }

function base(target: IamTarget): string {
  return target.kind === 'project'
    ? `/v1/projects/${segment(target.project, 'project ID')}`
    : `/v1/${namePath(target.organization, 'organization')}`
}

export async function getPolicy(target: IamTarget): Promise<Policy> {
  return api().request<Policy>('POST', `${base(target)}:getIamPolicy`, {
    body: { options: { requestedPolicyVersion: 3 } },
  })
}

/** Writes `policy` (with the etag it was read with: a concurrent change is 409 ABORTED). */
export async function setPolicy(target: IamTarget, policy: Policy): Promise<Policy> {
  return api().request<Policy>('POST', `${base(target)}:setIamPolicy`, { body: { policy } })
}

/** Which of `permissions` the signed-in user holds on the target. */
export async function testPermissions(
  target: IamTarget,
  permissions: readonly string[],
): Promise<Set<string>> {
  const res = await api().request<{ permissions?: string[] }>(
    'POST',
    `${base(target)}:testIamPermissions`,
    { body: { permissions } },
  )
  return new Set(res.permissions ?? [])
}
