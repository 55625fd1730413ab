// What the store keeps of IAM deny policies (IAM v2 `policies/{attachment}/denypolicies/{id}`) and
// the store methods over them. Kept apart from store.ts so the deny-policy surface reads in one
// place; the Store interface extends these. Every write records a Change of kind `denyPolicy`
// named by the attachment point, so every process's decision caches follow.
import type { DenyPolicyContent } from '@runiam/core/deny'
import type { Page, PageRequest } from './records.js'

export interface DenyPolicyRecord extends DenyPolicyContent {
  /**
   * The attachment point, decoded, canonical: `cloudresourcemanager.googleapis.com/projects/
   * {NUMBER}` or `…/organizations/{ID}` (the server resolves a project id to its number first).
   */
  readonly attachmentPoint: string
  /** The policy id (the last name segment). */
  readonly policyId: string
  readonly uid: string
  /** Opaque; changes on every write. */
  readonly etag: string
  readonly createTime: string
  readonly updateTime: string
}

export interface DenyPolicyReader {
  getDenyPolicy(attachmentPoint: string, policyId: string): Promise<DenyPolicyRecord | undefined>
  /** The policies of one attachment point, ordered by policy id, paged. */
  listDenyPolicies(attachmentPoint: string, page?: PageRequest): Promise<Page<DenyPolicyRecord>>
  /**
   * Every policy attached to any of these points (a decision's organization and project), ordered
   * by attachment point then id. At most 500 per point (the server's limit).
   */
  denyPoliciesAt(attachmentPoints: readonly string[]): Promise<readonly DenyPolicyRecord[]>
  /** Whether any deny policy exists (the decision path skips deny entirely when none does). */
  hasDenyPolicies(): Promise<boolean>
}

export interface DenyPolicyWriter {
  /** ALREADY_EXISTS if the attachment point already has a policy of that id. */
  createDenyPolicy(policy: DenyPolicyRecord): Promise<void>
  /**
   * Replaces the record (matched by attachment point and id). Compare-and-set on `ifEtag` when
   * given: mismatch is ABORTED / ETAG_MISMATCH. NOT_FOUND if missing.
   */
  updateDenyPolicy(policy: DenyPolicyRecord, options?: { readonly ifEtag?: string }): Promise<void>
  /** NOT_FOUND if missing; ABORTED / ETAG_MISMATCH when `ifEtag` is given and differs. */
  deleteDenyPolicy(
    attachmentPoint: string,
    policyId: string,
    options?: { readonly ifEtag?: string },
  ): Promise<void>
  /**
   * Holds the attachment point's deny policies until the transaction ends, so a count read after
   * the lock stays true until commit (the 500-policy and 500-rule limits hold under concurrency).
   */
  lockDenyPolicies(attachmentPoint: string): Promise<void>
}
