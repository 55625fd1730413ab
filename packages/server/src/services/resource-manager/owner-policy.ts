// Adds members to a role binding of a stored policy inside a transaction, idempotently. Used where
// the server itself grants (the organization's bootstrap owners, a project's creator).
import { canonicalizePolicy, validatePolicy, type Policy, type ResourceType } from '@runiam/core'
import { policyEtag } from '../policy-etag.js'
import type { StoreTx } from '@runiam/store'

/** Grants `role` to `members` on `resource`; writes only when something is missing. */
export async function grantInTx(
  tx: StoreTx,
  resource: string,
  resourceType: ResourceType,
  role: string,
  members: readonly string[],
): Promise<void> {
  const stored = await tx.getPolicy(resource)
  const bindings = [...(stored?.policy.bindings ?? [])]
  const existing = bindings.find((b) => b.role === role && b.condition === undefined)
  const missing = members.filter((m) => !(existing?.members.includes(m) ?? false))
  if (missing.length === 0) return
  bindings.push({ role, members: missing })
  const candidate: Policy = { ...(stored?.policy ?? {}), bindings }
  delete candidate.etag
  // The same rules as any write: a bad bootstrap member fails loudly, naming it.
  const valid = validatePolicy(candidate, { resourceType })
  const canonical = canonicalizePolicy(valid)
  await tx.putPolicy(resource, { ...canonical, etag: policyEtag(canonical) })
}
