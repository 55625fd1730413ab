// The roles "Assign roles" offers on a resource, each with its title and description: the
// predefined roles that the server's own rule (@runiam/core isGrantableOn: the role holds a
// permission that applies to the resource's type) lets be granted there, with Cloud Run's roles
// first, then the basic roles, then the others (basic roles only on projects and above: not on
// a Cloud Run resource, as on Google); then the custom roles of the project and of its
// organization that are grantable there by the same rule. So the list is exactly what a Save may
// succeed with; roles the user cannot list (no iam.roles.list) are simply not offered.
import { isBasicRole, isGrantableOn, listRoles, customRoleGrantableOn } from '@runiam/core'
import type { ResourceType } from '@runiam/core'
import { api } from './console-api.js'

export interface RoleChoice {
  readonly name: string
  readonly title: string
  readonly description: string
  readonly group: 'Cloud Run' | 'Basic' | 'Other predefined' | 'Custom'
}

interface CustomRole {
  readonly name: string
  readonly title?: string
  readonly description?: string
  readonly includedPermissions?: readonly string[]
  readonly deleted?: boolean
  readonly stage?: string
}

async function customRoles(parent: string): Promise<CustomRole[]> {
  const out: CustomRole[] = []
  let pageToken: string | undefined
  do {
    const page = await api().request<{ roles?: CustomRole[]; nextPageToken?: string }>(
      'GET',
      `/v1/${parent}/roles`,
      { query: { view: 'FULL', pageToken, pageSize: 1000 } },
    )
    out.push(...(page.roles ?? []))
    pageToken = page.nextPageToken === '' ? undefined : page.nextPageToken
  } while (pageToken !== undefined)
  return out
}

/** Predefined roles grantable on a resource type, in the order the picker shows them. */
export function predefinedChoices(type: ResourceType): RoleChoice[] {
  const grantable = listRoles().filter((r) => isGrantableOn(r.name, type))
  const group = (name: string): RoleChoice['group'] =>
    name.startsWith('roles/run.') ? 'Cloud Run' : isBasicRole(name) ? 'Basic' : 'Other predefined'
  const order = { 'Cloud Run': 0, Basic: 1, 'Other predefined': 2, Custom: 3 }
  return grantable
    .map((r) => ({
      name: r.name,
      title: r.title,
      description: r.description,
      group: group(r.name),
    }))
    .sort((a, b) => order[a.group] - order[b.group] || a.title.localeCompare(b.title))
}

/** Every role grantable on a resource of `type` in `project`, custom roles included. */
export async function grantableRoles(project: string, type: ResourceType): Promise<RoleChoice[]> {
  const predefined = predefinedChoices(type)
  const parents = [`projects/${encodeURIComponent(project)}`]
  const info = await api()
    .getProject(project)
    .catch(() => undefined)
  if (info?.parent?.type === 'organization') parents.push(`organizations/${info.parent.id}`)
  const custom = (
    await Promise.all(parents.map((p) => customRoles(p).catch(() => [] as CustomRole[])))
  )
    .flat()
    .filter(
      (r) =>
        r.deleted !== true &&
        r.stage !== 'DISABLED' &&
        customRoleGrantableOn(r.includedPermissions ?? [], type),
    )
    .map((r): RoleChoice => ({
      name: r.name,
      title: r.title ?? r.name,
      description: r.description ?? '',
      group: 'Custom',
    }))
    .sort((a, b) => a.title.localeCompare(b.title))
  return [...predefined, ...custom]
}

/** A role's title for display: the predefined catalog's, else the role name itself. */
export function roleTitle(name: string, choices: readonly RoleChoice[] = []): string {
  return (
    choices.find((c) => c.name === name)?.title ??
    listRoles().find((r) => r.name === name)?.title ??
    name
  )
}
