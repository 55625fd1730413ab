// The custom-role service's wire rendering of a stored role, its errors and their reasons.
import type { Role, RoleLaunchStage } from '@runiam/api'
import { Code, IamError } from '@runiam/core'
import type { CustomRoleRecord } from '@runiam/store'
import './custom-role-reasons.js'

/**
 * google.iam.admin.v1.Role as IAM serves it: proto3 JSON drops defaults, so an ALPHA stage, an
 * empty description, no permissions and `deleted: false` are absent. `full` false is the BASIC
 * view of list, without the permissions.
 */
export function renderCustomRole(role: CustomRoleRecord, full = true): Role {
  return {
    name: role.name,
    ...(role.title === '' ? {} : { title: role.title }),
    ...(role.description === '' ? {} : { description: role.description }),
    ...(full && role.includedPermissions.length > 0
      ? { includedPermissions: [...role.includedPermissions] }
      : {}),
    ...(role.stage === 'ALPHA' ? {} : { stage: role.stage as RoleLaunchStage }),
    etag: role.etag,
    ...(role.deleteTime === undefined ? {} : { deleted: true }),
  }
}

// Compat: IAM's 404 for a role that is not there (a purged one included).
export function roleNotFoundError(name: string): IamError {
  return new IamError(
    Code.NOT_FOUND,
    'RESOURCE_NOT_FOUND',
    `The role named ${name} was not found.`,
    {
      metadata: { name },
    },
  )
}
