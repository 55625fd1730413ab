// renderPolicy: the policy getIamPolicy returns, in the version the caller asked for.
import { iamError } from '../errors/reasons.js'
import { hasConditions } from './canonicalize-policy.js'
import { withcondRole } from './compute-etag.js'
import { EMPTY_POLICY_ETAG, type Binding, type Policy } from './types.js'

/** Throws INVALID_POLICY_VERSION unless v is absent, 0, 1 or 3. */
export function checkRequestedVersion(v: number | undefined): void {
  if (v === undefined || v === 0 || v === 1 || v === 3) return
  throw iamError(
    'INVALID_POLICY_VERSION',
    `Invalid requested policy version (${v}). Valid versions are 0, 1 and 3. For more ` +
      'information, please refer to https://cloud.google.com/iam/docs/policies#versions',
  )
}

/**
 * The wire form of a stored (canonical) policy for a requested version. No policy: `{etag:"ACAB"}`.
 * Requested < 3 on a policy with conditions: version 1, each conditional binding's role rewritten
 * as ROLE_withcond_HASH and its condition hidden, so version-1 clients cannot mistake a
 * conditional grant for an unconditional one.
 */
// Compat: google.iam.v1 GetIamPolicy with GetPolicyOptions.requestedPolicyVersion (option 1 of
// reference §3.2: the documented withcond rendering, not the older 400).
export function renderPolicy(
  stored: Policy | undefined,
  requestedVersion: number | undefined,
): Policy {
  checkRequestedVersion(requestedVersion)
  if (stored === undefined) return { etag: EMPTY_POLICY_ETAG }
  const conditional = hasConditions(stored)
  const out: Policy = {}
  let bindings: Binding[] | undefined = stored.bindings
  if (conditional && requestedVersion !== 3) {
    out.version = 1
    bindings = (stored.bindings ?? []).map((b) =>
      b.condition === undefined
        ? b
        : { role: withcondRole(b.role, b.condition), members: b.members },
    )
  } else {
    out.version = conditional ? 3 : 1
  }
  if (bindings !== undefined && bindings.length > 0) out.bindings = bindings
  if (stored.auditConfigs !== undefined && stored.auditConfigs.length > 0) {
    out.auditConfigs = stored.auditConfigs
  }
  out.etag = stored.etag ?? EMPTY_POLICY_ETAG
  return out
}
