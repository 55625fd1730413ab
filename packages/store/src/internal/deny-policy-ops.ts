// The deny-policy methods of StoreReader and StoreTx over an engine's rows: paging, errors,
// compare-and-set and one Change (kind `denyPolicy`, named by the attachment point) per write, the
// same on every engine.
import type { DenyPolicyReader, DenyPolicyWriter } from '../deny-policies.js'
import { ChangeKind } from './change-feed.js'
import type { DenyPolicyRows } from './deny-policy-rows.js'
import { alreadyExists, notFound, resourceEtagMismatch } from './errors.js'
import { pageWindow, toPage } from './paging.js'

const key = (attachmentPoint: string, policyId: string): string =>
  `policies/${encodeURIComponent(attachmentPoint)}/denypolicies/${policyId}`

export function denyPolicyReader(rows: () => DenyPolicyRows): DenyPolicyReader {
  return {
    getDenyPolicy: async (attachmentPoint, policyId) =>
      rows().denyPolicy(attachmentPoint, policyId),
    async listDenyPolicies(attachmentPoint, page) {
      const w = pageWindow(page)
      const found = await rows().denyPolicies(attachmentPoint, w.after, w.size + 1)
      return toPage(found, w.size, (p) => p.policyId)
    },
    async denyPoliciesAt(points) {
      const unique = [...new Set(points)]
      return unique.length === 0 ? [] : rows().denyPoliciesAt(unique)
    },
    hasDenyPolicies: async () => rows().anyDenyPolicy(),
  }
}

export function denyPolicyWriter(
  rows: () => DenyPolicyRows,
  changed: (kind: string, name: string) => void,
): DenyPolicyWriter {
  return {
    async createDenyPolicy(policy) {
      if (!(await rows().insertDenyPolicy(policy))) {
        throw alreadyExists('Deny policy', key(policy.attachmentPoint, policy.policyId))
      }
      changed(ChangeKind.denyPolicy, policy.attachmentPoint)
    },
    async updateDenyPolicy(policy, options) {
      const ifEtag = options?.ifEtag
      if (!(await rows().updateDenyPolicy(policy, ifEtag))) {
        const name = key(policy.attachmentPoint, policy.policyId)
        const existing = await rows().denyPolicy(policy.attachmentPoint, policy.policyId)
        if (existing === undefined) throw notFound('Deny policy', name)
        throw resourceEtagMismatch(name, ifEtag ?? '', existing.etag)
      }
      changed(ChangeKind.denyPolicy, policy.attachmentPoint)
    },
    async deleteDenyPolicy(attachmentPoint, policyId, options) {
      const ifEtag = options?.ifEtag
      if (!(await rows().deleteDenyPolicy(attachmentPoint, policyId, ifEtag))) {
        const name = key(attachmentPoint, policyId)
        const existing = await rows().denyPolicy(attachmentPoint, policyId)
        if (existing === undefined) throw notFound('Deny policy', name)
        throw resourceEtagMismatch(name, ifEtag ?? '', existing.etag)
      }
      changed(ChangeKind.denyPolicy, attachmentPoint)
    },
    async lockDenyPolicies(attachmentPoint) {
      await rows().lockDenyPolicies(attachmentPoint)
    },
  }
}
