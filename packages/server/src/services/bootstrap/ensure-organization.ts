// First start: the organization node and its owners. Later starts: the organization is kept and
// any owner named now but missing from roles/owner is added (idempotent), so adding a
// --bootstrap-owner flag takes effect on restart; owners are never removed here.
import type { OrganizationRecord, Store } from '@runiam/store'
import { isoTime, randomDigits } from '../context.js'
import { grantInTx } from '../resource-manager/owner-policy.js'

export async function ensureOrganization(
  store: Store,
  options: { domain: string; owners: readonly string[]; now: number },
): Promise<OrganizationRecord> {
  return store.transact(async (tx) => {
    let org = await tx.getOrganization()
    if (org === undefined) {
      org = {
        id: randomDigits(12),
        domain: options.domain,
        displayName: options.domain,
        createTime: isoTime(options.now),
      }
      await tx.createOrganization(org)
    }
    if (options.owners.length > 0) {
      await grantInTx(tx, `organizations/${org.id}`, 'organization', 'roles/owner', options.owners)
    }
    return org
  })
}
