// The error reasons of the roles API (custom roles' lifecycle and limits), registered in core's
// catalog so that listReasons() (and docs/errors.md) cover them.
import { Code, registerReasons } from '@runiam/core'

export const CUSTOM_ROLE_SERVICE_REASONS = {
  CUSTOM_ROLE_LIMIT: {
    code: Code.RESOURCE_EXHAUSTED,
    doc: 'A project or organization already has 300 custom roles (deleted ones count until purged).',
  },
  CUSTOM_ROLE_DELETED: {
    code: Code.FAILED_PRECONDITION,
    doc: 'Create, update or delete of a custom role that is deleted (undelete it first), or undelete of one that is not.',
  },
  CUSTOM_ROLE_ID_RESERVED: {
    code: Code.FAILED_PRECONDITION,
    doc: 'Create with the id of a custom role purged less than 37 days after its deletion.',
  },
} as const

registerReasons(CUSTOM_ROLE_SERVICE_REASONS)
