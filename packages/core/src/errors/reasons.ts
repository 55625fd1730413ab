// The catalog of error reasons (AIP-193 UPPER_SNAKE) and the constructors for the errors core
// raises. Every reason that can reach a client is listed here or registered by its package through
// registerReasons(), so docs/errors.md can be checked against listReasons() (see the server's
// docs-errors-drift test).
import { Code } from './code.js'
import { IamError, type ErrorDetail } from './iam-error.js'

export interface ReasonInfo {
  readonly code: Code
  /** One line: when the error happens. */
  readonly doc: string
}

/** The reasons core itself raises. */
export const REASONS = {
  INTERNAL: { code: Code.INTERNAL, doc: 'An unexpected failure; details go to the log only.' },
  BUG: { code: Code.INTERNAL, doc: 'An internal invariant was broken (a runiam bug).' },
  INVALID_FIELD: {
    code: Code.INVALID_ARGUMENT,
    doc: 'A JSON field has the wrong type, an invalid value, or is unknown.',
  },
  INVALID_MEMBER: {
    code: Code.INVALID_ARGUMENT,
    doc: 'A member is not of the form "<type>:<value>" or its value is malformed.',
  },
  ROLE_NOT_FOUND: {
    code: Code.INVALID_ARGUMENT,
    doc: "The role is neither a predefined role nor a custom role of the resource's hierarchy (or it is a deleted custom role being bound anew).",
  },
  ROLE_NOT_SUPPORTED: {
    code: Code.INVALID_ARGUMENT,
    doc: 'The role exists but cannot be granted on this resource type.',
  },
  WITHCOND_ROLE: {
    code: Code.INVALID_ARGUMENT,
    doc: 'A version-1 placeholder role (ROLE_withcond_HASH) was written back.',
  },
  EMPTY_BINDING: { code: Code.INVALID_ARGUMENT, doc: 'A binding has no role or no members.' },
  PUBLIC_MEMBER_NOT_ALLOWED: {
    code: Code.INVALID_ARGUMENT,
    doc: 'allUsers or allAuthenticatedUsers in a project or organization policy.',
  },
  MEMBER_TYPE_RESTRICTED: {
    code: Code.INVALID_ARGUMENT,
    doc: 'allUsers or allAuthenticatedUsers in a Cloud Run job policy.',
  },
  CONDITION_ON_BASIC_ROLE: {
    code: Code.INVALID_ARGUMENT,
    doc: 'A conditional binding of roles/owner, roles/editor or roles/viewer.',
  },
  CONDITION_ON_PUBLIC_MEMBER: {
    code: Code.INVALID_ARGUMENT,
    doc: 'A conditional binding that grants to allUsers or allAuthenticatedUsers.',
  },
  CONDITION_INCOMPLETE: {
    code: Code.INVALID_ARGUMENT,
    doc: 'A condition without a title or without an expression.',
  },
  INVALID_POLICY_VERSION: {
    code: Code.INVALID_ARGUMENT,
    doc: 'A policy version other than 0, 1 or 3 (written or requested).',
  },
  CONDITION_REQUIRES_VERSION_3: {
    code: Code.INVALID_ARGUMENT,
    doc: 'A policy with conditional bindings written with a version lower than 3.',
  },
  POLICY_VERSION_DOWNGRADE: {
    code: Code.INVALID_ARGUMENT,
    doc: 'With an etag, a policy version lower than the stored policy version.',
  },
  TOO_MANY_MEMBERS: {
    code: Code.INVALID_ARGUMENT,
    doc: 'More than 1,500 principal appearances (bindings plus audit exemptions).',
  },
  TOO_MANY_GROUPS_AND_DOMAINS: {
    code: Code.INVALID_ARGUMENT,
    doc: 'More than 250 groups and domains in the bindings of one policy.',
  },
  TOO_MANY_CONDITIONAL_BINDINGS: {
    code: Code.INVALID_ARGUMENT,
    doc: 'More than 20 conditional bindings of one role to one member.',
  },
  CONDITIONS_TOO_LARGE: {
    code: Code.INVALID_ARGUMENT,
    doc: 'The distinct condition expressions of one policy add up to more than 65,536 characters (runiam\'s cap; Google limits a policy to "a few 10s of KB").',
  },
  INVALID_AUDIT_CONFIG: {
    code: Code.INVALID_ARGUMENT,
    doc: 'An auditConfigs entry without a service or with an unknown logType.',
  },
  INVALID_UPDATE_MASK: {
    code: Code.INVALID_ARGUMENT,
    doc: 'An updateMask path other than bindings, etag, version, auditConfigs.',
  },
  ETAG_MISMATCH: {
    code: Code.ABORTED,
    doc: "The request's etag does not match the current policy's etag.",
  },
  IAM_PERMISSION_DENIED: {
    code: Code.PERMISSION_DENIED,
    doc: 'The caller lacks the permission the method checks on the resource.',
  },
  UNAUTHENTICATED: {
    code: Code.UNAUTHENTICATED,
    doc: 'The request carries no valid credential.',
  },
  RESOURCE_NOT_FOUND: {
    code: Code.NOT_FOUND,
    doc: 'The named resource does not exist (after the caller was authorized).',
  },
  INVALID_CONDITION_ARGUMENT: {
    code: Code.INVALID_ARGUMENT,
    doc: 'CLI: --condition is neither None nor key=value pairs with expression and title.',
  },
  CONDITION_REQUIRED: {
    code: Code.INVALID_ARGUMENT,
    doc: 'CLI: a binding change on a policy with conditions, without --condition, non-interactive.',
  },
  BINDING_NOT_FOUND: {
    code: Code.NOT_FOUND,
    doc: 'CLI: remove-iam-policy-binding found no binding with that principal and role.',
  },
} as const satisfies Record<string, ReasonInfo>

export type CoreReason = keyof typeof REASONS

const registry = new Map<string, ReasonInfo>(Object.entries(REASONS))

/**
 * Lets another package (conditions, server, CLI) add its own reasons to the catalog. Registering
 * the same reason again with the same code is a no-op; with a different code it is a bug.
 */
export function registerReasons(reasons: Readonly<Record<string, ReasonInfo>>): void {
  for (const [name, info] of Object.entries(reasons)) {
    if (!/^[A-Z][A-Z0-9_]*$/.test(name)) throw new Error(`reason ${name} is not UPPER_SNAKE`)
    const known = registry.get(name)
    if (known !== undefined && known.code !== info.code) {
      throw new Error(`reason ${name} registered twice with different codes`)
    }
    if (known === undefined) registry.set(name, info)
  }
}

/** Every registered reason, sorted by name. */
export function listReasons(): readonly (ReasonInfo & { readonly reason: string })[] {
  return [...registry.entries()]
    .map(([reason, info]) => ({ reason, ...info }))
    .sort((a, b) => (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0))
}

/** Builds an IamError for a core reason, with the catalog's code. */
export function iamError(
  reason: CoreReason,
  message: string,
  options: { metadata?: Record<string, string>; details?: readonly ErrorDetail[] } = {},
): IamError {
  return new IamError(REASONS[reason].code, reason, message, options)
}

/** The google.rpc.BadRequest detail for one or more field violations. */
export function badRequestDetail(
  violations: readonly { readonly field: string; readonly description: string }[],
): ErrorDetail {
  return {
    '@type': 'type.googleapis.com/google.rpc.BadRequest',
    fieldViolations: violations.map((v) => ({ field: v.field, description: v.description })),
  }
}

/** "1503" → "1,503": Google formats counts in messages with thousands separators. */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}

const MEMBER_FORM = 'Policy members must be of the form "<type>:<value>".'

// Compat: the IAM policy write error for a malformed member.
export function invalidMember(value: string, why?: string): IamError {
  const detail = why === undefined ? '' : ` ${why}`
  return iamError('INVALID_MEMBER', `${MEMBER_FORM}${detail} Got: "${value}".`, {
    metadata: { member: value },
  })
}

// Compat: IAM's message for a role unknown in the resource's hierarchy.
export function roleNotFound(role: string): IamError {
  return iamError('ROLE_NOT_FOUND', `Role (${role}) does not exist in the resource's hierarchy.`, {
    metadata: { role },
  })
}

// Compat: IAM's message for a role not grantable on this kind of resource.
export function roleNotSupported(role: string): IamError {
  return iamError('ROLE_NOT_SUPPORTED', `Role ${role} is not supported for this resource.`, {
    metadata: { role },
  })
}

// Compat: setIamPolicy's 409 on a stale etag (the newer variant naming both etags; Google sends
// no detail with it).
export function etagMismatch(given: string, current: string): IamError {
  return iamError(
    'ETAG_MISMATCH',
    'There were concurrent policy changes. Please retry the whole read-modify-write with ' +
      `exponential backoff. The request's ETag '${given}' did not match the current policy's ETag '${current}'.`,
    { metadata: { requestEtag: given, currentEtag: current } },
  )
}

// Compat: the 403 every Google API returns when IAM denies the method's permission.
export function permissionDenied(permission: string, resource: string): IamError {
  return iamError(
    'IAM_PERMISSION_DENIED',
    `Permission '${permission}' denied on resource '${resource}' (or it may not exist).`,
    {
      metadata: { permission, resource },
      details: [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'IAM_PERMISSION_DENIED',
          domain: 'iam.googleapis.com',
          metadata: { permission, resource },
        },
      ],
    },
  )
}

// Compat: Google's 401 for a call without (valid) credentials.
export function unauthenticated(): IamError {
  return iamError(
    'UNAUTHENTICATED',
    'Request is missing required authentication credential. Expected OAuth 2 access token, ' +
      'login cookie or other valid authentication credential. See ' +
      'https://developers.google.com/identity/sign-in/web/devconsole-project.',
    {
      details: [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'CREDENTIALS_MISSING',
          domain: 'googleapis.com',
        },
      ],
    },
  )
}

/**
 * A missing resource, e.g. resourceNotFound('SERVICE', 'hello', 'us-central1', 'my-project').
 * Compat: Cloud Run v2's wording; without location/project the shorter form is used.
 */
export function resourceNotFound(
  kind: string,
  name: string,
  location?: string,
  project?: string,
): IamError {
  let message = `Resource '${name}' of kind '${kind}'`
  if (location !== undefined) message += ` in region '${location}'`
  if (project !== undefined) message += ` in project '${project}'`
  message += ' does not exist.'
  return iamError('RESOURCE_NOT_FOUND', message, { metadata: { kind, name } })
}

/** A field of a JSON request that has the wrong type or value. */
export function invalidField(field: string, message: string): IamError {
  return iamError('INVALID_FIELD', message, {
    details: [badRequestDetail([{ field, description: message }])],
  })
}
