// The deny-policy methods of StoreReader and StoreTx over an engine's rows: paging, errors,
// compare-and-set and one Change (kind `denyPolicy`, named by the attachment point) per write, the
// same on every engine.
import type { DenyPolicyReader, DenyPolicyWriter } from '../deny-policies.js'
import { ChangeKind } from './change-feed.js'
import { alreadyExists, notFound, resourceEtagMismatch } from './errors.js'
import { pageWindow, toPage } from './paging.js'
import { CHANGED, ROWS, type ReadHost, type WriteHost } from './row-host.js'

const key = (attachmentPoint: string, policyId: string): string =>
  `policies/${encodeURIComponent(attachmentPoint)}/denypolicies/${policyId}`

/** DenyPolicyReader's methods, for a reader's or a tx's prototype (see row-host.ts). */
export const denyPolicyReaderMethods: DenyPolicyReader & ThisType<ReadHost> = {
  async getDenyPolicy(attachmentPoint, policyId) {
    return this[ROWS]().denyPolicies.denyPolicy(attachmentPoint, policyId)
  },
  async listDenyPolicies(attachmentPoint, page) {
    const w = pageWindow(page)
    const found = await this[ROWS]().denyPolicies.denyPolicies(attachmentPoint, w.after, w.size + 1)
    return toPage(found, w.size, (p) => p.policyId)
  },
  async denyPoliciesAt(points) {
    const unique = [...new Set(points)]
    return unique.length === 0 ? [] : this[ROWS]().denyPolicies.denyPoliciesAt(unique)
  },
  async hasDenyPolicies() {
    return this[ROWS]().denyPolicies.anyDenyPolicy()
  },
}

/** DenyPolicyWriter's methods, for a tx's prototype (see row-host.ts). */
export const denyPolicyWriterMethods: DenyPolicyWriter & ThisType<WriteHost> = {
  async createDenyPolicy(policy) {
    if (!(await this[ROWS]().denyPolicies.insertDenyPolicy(policy))) {
      throw alreadyExists('Deny policy', key(policy.attachmentPoint, policy.policyId))
    }
    this[CHANGED](ChangeKind.denyPolicy, policy.attachmentPoint)
  },
  async updateDenyPolicy(policy, options) {
    const ifEtag = options?.ifEtag
    if (!(await this[ROWS]().denyPolicies.updateDenyPolicy(policy, ifEtag))) {
      const name = key(policy.attachmentPoint, policy.policyId)
      const existing = await this[ROWS]().denyPolicies.denyPolicy(
        policy.attachmentPoint,
        policy.policyId,
      )
      if (existing === undefined) throw notFound('Deny policy', name)
      throw resourceEtagMismatch(name, ifEtag ?? '', existing.etag)
    }
    this[CHANGED](ChangeKind.denyPolicy, policy.attachmentPoint)
  },
  async deleteDenyPolicy(attachmentPoint, policyId, options) {
    const ifEtag = options?.ifEtag
    if (!(await this[ROWS]().denyPolicies.deleteDenyPolicy(attachmentPoint, policyId, ifEtag))) {
      const name = key(attachmentPoint, policyId)
      const existing = await this[ROWS]().denyPolicies.denyPolicy(attachmentPoint, policyId)
      if (existing === undefined) throw notFound('Deny policy', name)
      throw resourceEtagMismatch(name, ifEtag ?? '', existing.etag)
    }
    this[CHANGED](ChangeKind.denyPolicy, attachmentPoint)
  },
  async lockDenyPolicies(attachmentPoint) {
    await this[ROWS]().denyPolicies.lockDenyPolicies(attachmentPoint)
  },
}
