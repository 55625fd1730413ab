// checkVersionDowngrade: the version compliance checks of setIamPolicy between the stored and the
// incoming policy.
import { iamError } from '../errors/reasons.js'
import { hasConditions } from './canonicalize-policy.js'
import { isWithcondRole } from './compute-etag.js'
import type { Policy } from './types.js'

/**
 * Rejects (1) writing back a version-1 placeholder role `ROLE_withcond_HASH`, always, and
 * (2) with an etag, a version lower than the stored policy's. Without an etag the checks between
 * stored and incoming are skipped and a version-1 policy overwrites a version-3 one.
 */
// Compat: setIamPolicy, "If no etag is provided in the call to setIamPolicy, any version
// compliance checks on the incoming and/or stored policy is skipped." (google/iam/v1/policy.proto)
export function checkVersionDowngrade(
  stored: Policy | undefined,
  incoming: Policy,
  etagGiven: boolean,
): void {
  for (const b of incoming.bindings ?? []) {
    if (isWithcondRole(b.role)) {
      throw iamError(
        'WITHCOND_ROLE',
        `Role ${b.role} is the version 1 rendering of a conditional role binding and cannot be ` +
          'set. Read the policy with requestedPolicyVersion 3 and write it back with version 3. ' +
          'For more information, please refer to https://cloud.google.com/iam/docs/policies#versions',
        { metadata: { role: b.role } },
      )
    }
  }
  if (!etagGiven || stored === undefined) return
  const storedVersion = hasConditions(stored) ? 3 : (stored.version ?? 1)
  const incomingVersion = incoming.version || 1
  if (incomingVersion < storedVersion) {
    throw iamError(
      'POLICY_VERSION_DOWNGRADE',
      `Specified policy version (${incomingVersion}) cannot be less than the existing policy ` +
        `version (${storedVersion}). For more information, please refer to ` +
        'https://cloud.google.com/iam/docs/policies#versions',
    )
  }
}
