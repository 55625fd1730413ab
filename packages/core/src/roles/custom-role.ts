// Custom roles (IAM v1 projects.roles and organizations.roles): their names, Google's limits and
// the checks on what a create or a patch writes. Pure: the server keeps the roles and hands their
// permissions to the authorizer (compilePolicy's customRoles) and to validatePolicy.
import { Code } from '../errors/code.js'
import { IamError } from '../errors/iam-error.js'
import { badRequestDetail, formatCount, registerReasons } from '../errors/reasons.js'
import { utf8 } from '../policy/sha256.js'
import { isKnownPermission, permissionAppliesTo } from './catalog.js'

export const CUSTOM_ROLE_REASONS = {
  INVALID_ROLE_NAME: {
    code: Code.INVALID_ARGUMENT,
    doc: 'A role name that is not roles/R, projects/P/roles/R or organizations/O/roles/R.',
  },
  INVALID_ROLE_ID: {
    code: Code.INVALID_ARGUMENT,
    doc: 'A custom role id that is not 3 to 64 letters, digits, underscores and periods.',
  },
  INVALID_ROLE: {
    code: Code.INVALID_ARGUMENT,
    doc: "A custom role's title, description, stage or size breaks Google's limits, or create names the role.",
  },
  INVALID_PERMISSION: {
    code: Code.INVALID_ARGUMENT,
    doc: 'A custom role names a permission runiam does not know, or one a project-level role cannot hold.',
  },
} as const

registerReasons(CUSTOM_ROLE_REASONS)

/** Where a custom role is defined. */
export type CustomRoleParentType = 'project' | 'organization'

export interface CustomRoleName {
  /** `projects/P/roles/R` or `organizations/O/roles/R`. */
  readonly name: string
  /** `projects/P` or `organizations/O`. */
  readonly parent: string
  readonly parentType: CustomRoleParentType
  /** The project id or the organization's number. */
  readonly parentId: string
  readonly roleId: string
}

// Compat: IAM's limits for custom roles (cloud.google.com/iam/quotas).
export const MAX_ROLE_TITLE_BYTES = 100
export const MAX_ROLE_DESCRIPTION_BYTES = 300
export const MAX_ROLE_PERMISSIONS = 3000
/** The whole role, as JSON: "≤ 64 KB total". */
export const MAX_ROLE_BYTES = 65_536
/** Custom roles per project and per organization, deleted ones (until purged) included. */
export const MAX_CUSTOM_ROLES = 300
/** A deleted role can be undeleted for 7 days; then it is purged. */
export const ROLE_UNDELETE_DAYS = 7
/** A purged role's id cannot be reused until 37 days after its deletion. */
export const ROLE_ID_RESERVED_DAYS = 37

/** google.iam.admin.v1.Role.RoleLaunchStage. */
export const ROLE_STAGES = ['ALPHA', 'BETA', 'GA', 'DEPRECATED', 'DISABLED', 'EAP'] as const
export type RoleStage = (typeof ROLE_STAGES)[number]

// Compat: CreateRoleRequest.role_id and Google's message for one that does not match.
export const ROLE_ID_PATTERN = '[a-zA-Z0-9_\\.]{3,64}'
const ROLE_ID_RE = /^[a-zA-Z0-9_.]{3,64}$/
const NAME_RE = /^(projects|organizations)\/([^/]+)\/roles\/([^/]+)$/

/** The parts of a custom role's name, or undefined when it is not one. */
export function parseCustomRoleName(name: string): CustomRoleName | undefined {
  const m = NAME_RE.exec(name)
  if (m === null) return undefined
  const [, kind, parentId, roleId] = m as unknown as [string, string, string, string]
  return {
    name,
    parent: `${kind}/${parentId}`,
    parentType: kind === 'projects' ? 'project' : 'organization',
    parentId,
    roleId,
  }
}

/** Whether a binding's role names a custom role (projects/…/roles/… or organizations/…/roles/…). */
export function isCustomRoleName(role: string): boolean {
  return (role.startsWith('projects/') || role.startsWith('organizations/')) && NAME_RE.test(role)
}

function fail(
  reason: keyof typeof CUSTOM_ROLE_REASONS,
  field: string,
  message: string,
  metadata?: Record<string, string>,
): IamError {
  return new IamError(CUSTOM_ROLE_REASONS[reason].code, reason, message, {
    details: [badRequestDetail([{ field, description: message }])],
    ...(metadata === undefined ? {} : { metadata }),
  })
}

// Compat: IAM's 400 for a malformed role name (k8s-config-connector#210).
export function invalidRoleName(name: string): IamError {
  return fail(
    'INVALID_ROLE_NAME',
    'name',
    'The role name must be in the form "roles/{role}", "organizations/{organization_id}/roles/{role}", or "projects/{project_id}/roles/{role}".',
    { name },
  )
}

/** Throws Google's INVALID_ARGUMENT for a role id that breaks the pattern. */
export function assertRoleId(roleId: string): void {
  if (ROLE_ID_RE.test(roleId)) return
  // Compat: `gcloud iam roles create test-1` (k8s-config-connector#210).
  throw fail(
    'INVALID_ROLE_ID',
    'roleId',
    `The role_id "${roleId}" is invalid. It doesn't match pattern "${ROLE_ID_PATTERN}". The role_id must be 3 to 64 characters long and can be a mix of uppercase and lowercase English letters, digits, underscores and periods.`,
    { roleId },
  )
}

/** What a custom role says, canonical: permissions sorted and without duplicates. */
export interface CustomRoleContent {
  readonly title: string
  readonly description: string
  readonly includedPermissions: readonly string[]
  readonly stage: RoleStage
}

/** A Role JSON body as written by a caller, checked field by field (absent fields undefined). */
export interface RoleInput {
  readonly name?: string
  readonly title?: string
  readonly description?: string
  readonly includedPermissions?: readonly string[]
  readonly stage?: RoleStage
  readonly etag?: string
  readonly deleted?: boolean
}

const ROLE_KEYS: Readonly<Record<string, keyof RoleInput>> = {
  name: 'name',
  title: 'title',
  description: 'description',
  includedPermissions: 'includedPermissions',
  included_permissions: 'includedPermissions',
  stage: 'stage',
  etag: 'etag',
  deleted: 'deleted',
}

function show(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v)
  return s.length > 100 ? `${s.slice(0, 97)}...` : s
}

function badType(field: string, type: string, v: unknown): IamError {
  return fail('INVALID_ROLE', field, `Invalid value at '${field}' (${type}), ${show(v)}`)
}

/**
 * Reads a google.iam.admin.v1.Role from untrusted JSON (proto3 JSON: camelCase or snake_case
 * keys, the stage by name or number, null as absent). Throws INVALID_ARGUMENT naming the field.
 */
export function readRoleInput(raw: unknown, field = 'role'): RoleInput {
  if (raw === undefined || raw === null) return {}
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw badType(field, 'type.googleapis.com/google.iam.admin.v1.Role', raw)
  }
  const out: { -readonly [K in keyof RoleInput]: RoleInput[K] } = {}
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const name = ROLE_KEYS[key]
    if (name === undefined) {
      throw fail(
        'INVALID_ROLE',
        field,
        `Invalid JSON payload received. Unknown name "${key}" at '${field}': Cannot find field.`,
      )
    }
    if (value === null || value === undefined) continue
    const f = `${field}.${name}`
    switch (name) {
      case 'name':
      case 'title':
      case 'description':
      case 'etag':
        if (typeof value !== 'string') throw badType(f, 'TYPE_STRING', value)
        out[name] = value
        break
      case 'deleted':
        if (typeof value !== 'boolean') throw badType(f, 'TYPE_BOOL', value)
        out.deleted = value
        break
      case 'includedPermissions': {
        if (!Array.isArray(value)) throw badType(f, 'TYPE_STRING', value)
        value.forEach((p: unknown, i) => {
          if (typeof p !== 'string') throw badType(`${f}[${i}]`, 'TYPE_STRING', p)
        })
        out.includedPermissions = value as string[]
        break
      }
      case 'stage': {
        const stage = typeof value === 'number' ? stageOfNumber(value) : value
        if (typeof stage !== 'string' || !(ROLE_STAGES as readonly string[]).includes(stage)) {
          throw badType(f, 'type.googleapis.com/google.iam.admin.v1.Role.RoleLaunchStage', value)
        }
        out.stage = stage as RoleStage
        break
      }
    }
  }
  return out
}

/** The enum's numbers (DEPRECATED is 4: 3 is unused). */
function stageOfNumber(n: number): RoleStage | undefined {
  return ({ 0: 'ALPHA', 1: 'BETA', 2: 'GA', 4: 'DEPRECATED', 5: 'DISABLED', 6: 'EAP' } as const)[
    n as 0
  ]
}

/**
 * Why a permission cannot be in a custom role defined at `level`, or undefined when it can: it
 * must be one runiam knows (a predefined role holds it), and a project-level role may hold only
 * permissions that apply to a project or to what is in one.
 */
export function customRolePermissionProblem(
  permission: string,
  level: CustomRoleParentType,
): string | undefined {
  // Compat: IAM answers "Permission X is not valid." both for an unknown permission and for one a
  // project-level role cannot hold (terraform-google-iam#158: resourcemanager.projects.list).
  const invalid = `Permission ${permission} is not valid.`
  if (!isKnownPermission(permission)) return invalid
  // runiam's own permissions (signing key rotation) stay with roles/owner alone.
  if (permission.startsWith('runiam.')) return invalid
  if (level === 'project') {
    if (!permissionAppliesTo(permission, 'project') || PROJECT_LEVEL_UNSUPPORTED.has(permission)) {
      return invalid
    }
  }
  return undefined
}

/** Permissions checked on a project that only an organization-level custom role may hold. */
const PROJECT_LEVEL_UNSUPPORTED: ReadonlySet<string> = new Set([
  'resourcemanager.projects.list',
  'resourcemanager.projects.create',
])

function byteLength(s: string): number {
  return utf8(s).length
}

/**
 * Checks a role about to be written (after a create's defaults or a patch's mask were applied)
 * against Google's limits; returns it canonical (permissions sorted, duplicates dropped).
 */
export function checkCustomRole(
  role: CustomRoleContent,
  level: CustomRoleParentType,
  field = 'role',
): CustomRoleContent {
  if (byteLength(role.title) > MAX_ROLE_TITLE_BYTES) {
    throw fail(
      'INVALID_ROLE',
      `${field}.title`,
      `The title of the role is ${byteLength(role.title)} bytes long; a title may have at most ${MAX_ROLE_TITLE_BYTES} bytes.`,
    )
  }
  if (byteLength(role.description) > MAX_ROLE_DESCRIPTION_BYTES) {
    throw fail(
      'INVALID_ROLE',
      `${field}.description`,
      `The description of the role is ${byteLength(role.description)} bytes long; a description may have at most ${MAX_ROLE_DESCRIPTION_BYTES} bytes.`,
    )
  }
  const permissions = [...new Set(role.includedPermissions)].sort()
  if (permissions.length > MAX_ROLE_PERMISSIONS) {
    throw fail(
      'INVALID_ROLE',
      `${field}.includedPermissions`,
      `The role includes ${formatCount(permissions.length)} permissions; a custom role may include at most ${formatCount(MAX_ROLE_PERMISSIONS)}.`,
    )
  }
  for (const p of permissions) {
    const problem = customRolePermissionProblem(p, level)
    if (problem !== undefined) {
      throw fail('INVALID_PERMISSION', `${field}.includedPermissions`, problem, { permission: p })
    }
  }
  const out: CustomRoleContent = {
    title: role.title,
    description: role.description,
    includedPermissions: permissions,
    stage: role.stage,
  }
  const size = byteLength(JSON.stringify(out))
  if (size > MAX_ROLE_BYTES) {
    throw fail(
      'INVALID_ROLE',
      field,
      `The role is ${formatCount(size)} bytes long; a custom role may be at most ${formatCount(MAX_ROLE_BYTES)} bytes.`,
    )
  }
  return out
}
