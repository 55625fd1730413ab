// What an engine provides for deny policies: plain row operations in its own SQL dialect. Their
// meaning (errors, compare-and-set, paging, the change feed) is in deny-policy-ops.ts, once.
import type { DenyPolicyRecord } from '../deny-policies.js'

export interface DenyPolicyRows {
  denyPolicy(attachmentPoint: string, policyId: string): Promise<DenyPolicyRecord | undefined>
  /** Ordered by policy id, ids greater than `after`, at most `limit`. */
  denyPolicies(
    attachmentPoint: string,
    after: string | undefined,
    limit: number,
  ): Promise<DenyPolicyRecord[]>
  /** Ordered by attachment point, then policy id. */
  denyPoliciesAt(attachmentPoints: readonly string[]): Promise<DenyPolicyRecord[]>
  anyDenyPolicy(): Promise<boolean>
  /** False if the key is taken. */
  insertDenyPolicy(policy: DenyPolicyRecord): Promise<boolean>
  /** Only where the key matches and, when `ifEtag` is given, the stored etag equals it. */
  updateDenyPolicy(policy: DenyPolicyRecord, ifEtag: string | undefined): Promise<boolean>
  deleteDenyPolicy(
    attachmentPoint: string,
    policyId: string,
    ifEtag: string | undefined,
  ): Promise<boolean>
  /** Serializes the transactions that lock the same point (SQLite's one writer already does). */
  lockDenyPolicies(attachmentPoint: string): Promise<void>
}
