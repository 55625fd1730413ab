// The role catalog over the generated ROLE_DATA: lookup, permission sets, and which resource types
// a role may be granted on.
import { roleNotFound, roleNotSupported } from '../errors/reasons.js'
import type { ResourceType } from '../policy/types.js'
import { ROLE_DATA } from './catalog-data.js'

/** google.iam.admin.v1.Role, as the IAM API returns it (predefined roles only). */
export interface Role {
  readonly name: string
  readonly title: string
  readonly description: string
  readonly stage: string
  readonly includedPermissions: readonly string[]
}

export const BASIC_ROLES: readonly string[] = ['roles/editor', 'roles/owner', 'roles/viewer']

const roles = new Map<string, Role>(
  Object.entries(ROLE_DATA).map(([name, r]) => [
    name,
    {
      name,
      title: r.title,
      description: r.description,
      stage: r.stage,
      includedPermissions: r.permissions,
    },
  ]),
)
const permissionSets = new Map<string, ReadonlySet<string>>()

/** A predefined role, or undefined. */
export function getRole(name: string): Role | undefined {
  return roles.get(name)
}

/** Every predefined role, sorted by name. */
export function listRoles(): readonly Role[] {
  return [...roles.values()].sort((a, b) => (a.name < b.name ? -1 : 1))
}

/** The role's permissions as a set (built once per role), or undefined for an unknown role. */
export function permissionsOf(role: string): ReadonlySet<string> | undefined {
  let set = permissionSets.get(role)
  if (set === undefined) {
    const r = roles.get(role)
    if (r === undefined) return undefined
    set = new Set(r.includedPermissions)
    permissionSets.set(role, set)
  }
  return set
}

/** roles/owner, roles/editor, roles/viewer. */
export function isBasicRole(role: string): boolean {
  return role === 'roles/owner' || role === 'roles/editor' || role === 'roles/viewer'
}

// The resource hierarchy, top-down: a permission that applies to a type also makes a role
// grantable on every type above it.
const ABOVE: Readonly<Record<ResourceType, readonly ResourceType[]>> = {
  organization: ['organization'],
  project: ['project', 'organization'],
  service: ['service', 'project', 'organization'],
  job: ['job', 'project', 'organization'],
  workerPool: ['workerPool', 'project', 'organization'],
  serviceAccount: ['serviceAccount', 'project', 'organization'],
}

/** The resource type a permission is checked on. */
function permissionTarget(permission: string): ResourceType {
  if (
    permission.startsWith('run.services.') ||
    permission.startsWith('run.routes.') ||
    permission.startsWith('run.revisions.') ||
    permission.startsWith('run.configurations.')
  ) {
    return 'service'
  }
  if (
    permission.startsWith('run.jobs.') ||
    permission.startsWith('run.executions.') ||
    permission.startsWith('run.tasks.')
  ) {
    return 'job'
  }
  if (permission.startsWith('run.workerpools.')) return 'workerPool'
  // Compat: service account permissions are checked on the service account (its keys included),
  // except creating and listing them, which are checked on the project.
  if (permission === 'iam.serviceAccounts.create' || permission === 'iam.serviceAccounts.list') {
    return 'project'
  }
  if (
    permission.startsWith('iam.serviceAccounts.') ||
    permission.startsWith('iam.serviceAccountKeys.')
  ) {
    return 'serviceAccount'
  }
  // Creating a project, anything on the organization, managing its groups and runiam's own methods
  // (signing key rotation) are checked on the organization.
  if (
    permission.startsWith('cloudidentity.') ||
    permission.startsWith('resourcemanager.organizations.') ||
    permission.startsWith('runiam.') ||
    permission === 'resourcemanager.projects.create'
  ) {
    return 'organization'
  }
  // Everything else (run.operations, run.locations, run.instances, other services' resources)
  // lives in a project.
  return 'project'
}

const grantable = new Map<string, ReadonlySet<ResourceType>>()

function grantableTypes(role: Role): ReadonlySet<ResourceType> {
  let set = grantable.get(role.name)
  if (set === undefined) {
    const types = new Set<ResourceType>()
    if (isBasicRole(role.name)) {
      // Compat: basic roles can be granted only on projects (and above), never on a Cloud Run
      // resource, although they contain run.services.* permissions. Service accounts accept them
      // (IAM answers setIamPolicy with roles/editor on a service account without error:
      // GoogleCloudPlatform/dotnet-docs-samples#969).
      types.add('project').add('organization').add('serviceAccount')
    } else {
      for (const p of role.includedPermissions) {
        for (const t of ABOVE[permissionTarget(p)]) types.add(t)
      }
    }
    set = types
    grantable.set(role.name, set)
  }
  return set
}

/**
 * Whether a known role may be granted on a resource type. Compat: IAM's rule: a role is grantable
 * on a resource type if it contains at least one permission that applies to that type or to a
 * type below it in the hierarchy (organization > project > service/job/workerPool).
 */
export function isGrantableOn(role: string, resourceType: ResourceType): boolean {
  const r = roles.get(role)
  return r !== undefined && grantableTypes(r).has(resourceType)
}

/** Throws Google's error when the role is unknown or not grantable on the resource type. */
export function assertGrantable(role: string, resourceType: ResourceType): void {
  if (!roles.has(role)) throw roleNotFound(role)
  if (!isGrantableOn(role, resourceType)) throw roleNotSupported(role)
}

const knownPermissions: ReadonlySet<string> = new Set(
  [...roles.values()].flatMap((r) => r.includedPermissions),
)
let sortedPermissions: readonly string[] | undefined

/** Whether some predefined role holds the permission: the permissions runiam knows. */
export function isKnownPermission(permission: string): boolean {
  return knownPermissions.has(permission)
}

/**
 * Whether a permission can be checked on (or below) a resource type: it applies to that type or
 * to a type under it. Compat: IAM's "testable permissions" of a resource (queryTestablePermissions)
 * and the rule that makes a role grantable there.
 */
export function permissionAppliesTo(permission: string, resourceType: ResourceType): boolean {
  return ABOVE[permissionTarget(permission)].includes(resourceType)
}

/** Every known permission testable on a resource type, sorted. */
export function testablePermissions(resourceType: ResourceType): readonly string[] {
  sortedPermissions ??= [...knownPermissions].sort()
  return sortedPermissions.filter((p) => permissionAppliesTo(p, resourceType))
}

/**
 * Whether a custom role with these permissions may be granted on a resource type: the same rule
 * as for predefined roles. A custom role without permissions grants nothing and may be bound
 * anywhere in its hierarchy (Google is silent; a placeholder role is what a user expects to bind).
 */
export function customRoleGrantableOn(
  permissions: readonly string[],
  resourceType: ResourceType,
): boolean {
  return permissions.length === 0 || permissions.some((p) => permissionAppliesTo(p, resourceType))
}
