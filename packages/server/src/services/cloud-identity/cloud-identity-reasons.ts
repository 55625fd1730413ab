// The error reasons of the Cloud Identity Groups API, registered in core's catalog so that
// listReasons() (and docs/errors.md) cover them.
import { Code, registerReasons } from '@runiam/core'

export const CLOUD_IDENTITY_REASONS = {
  GROUP_NOT_FOUND: {
    code: Code.PERMISSION_DENIED,
    doc: 'A group or membership that does not exist, answered as Google does: 403 "Error(2028): Permission denied for resource … (or it may not exist)." (also a group lookup by an unknown email).',
  },
  GROUP_ALREADY_EXISTS: {
    code: Code.ALREADY_EXISTS,
    doc: 'groups.create with a taken group email, or memberships.create for a member the group already has: "Error(4003): Entity already exists."',
  },
  INVALID_GROUP_NAME: {
    code: Code.INVALID_ARGUMENT,
    doc: 'A `groups/{group_id}` name whose id is not a group id (an email, for instance): "Error(2033)".',
  },
  GROUP_DOMAIN_NOT_ALLOWED: {
    code: Code.INVALID_ARGUMENT,
    doc: "groups.create with an email outside the organization's domain (--organization-domain).",
  },
} as const

registerReasons(CLOUD_IDENTITY_REASONS)
