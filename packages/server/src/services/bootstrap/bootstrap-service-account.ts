// SPEC §3: outside --dev nobody is trusted by default, so at its first start the server creates a
// system project, a service account in it that owns the organization, and one key for it. The
// caller (the composition root) writes the key file; the private key is never stored or logged.
// Later starts find the account and do nothing (the key file was written once).
import type { ServiceAccountRecord, Store } from '@runiam/store'
import { isoTime, randomEtag } from '../context.js'
import { grantInTx } from '../resource-manager/owner-policy.js'
import { createProjectInTx } from '../resource-manager/project-service.js'
import {
  newKey,
  newUniqueId,
  serviceAccountEmail,
  type ServiceAccountTokenSigner,
} from '../iam/service-account-model.js'

export const SYSTEM_PROJECT_ID = 'runiam-system'
export const BOOTSTRAP_ACCOUNT_ID = 'runiam-bootstrap'

export interface BootstrapAccount {
  readonly email: string
  /** Google's JSON key file, only when this call created the account (first start). */
  readonly keyFile?: Record<string, string>
}

export async function ensureBootstrapServiceAccount(
  store: Store,
  options: {
    readonly organizationId: string
    readonly now: number
    readonly signer: Pick<ServiceAccountTokenSigner, 'tokenUri' | 'issuer'>
  },
): Promise<BootstrapAccount> {
  const email = serviceAccountEmail(BOOTSTRAP_ACCOUNT_ID, SYSTEM_PROJECT_ID)
  if ((await store.getServiceAccount(email)) !== undefined) return { email }
  const sa: ServiceAccountRecord = {
    email,
    projectId: SYSTEM_PROJECT_ID,
    uniqueId: newUniqueId(),
    displayName: 'runiam bootstrap',
    description:
      'Created at first start; owns the organization. Its key file is in the data folder.',
    disabled: false,
    etag: randomEtag(),
    createTime: isoTime(options.now),
  }
  // Key generation is slow-ish CPU work: done before the transaction, discarded if another
  // replica created the account meanwhile.
  const { record, keyFile } = await newKey(sa, options.now, options.signer)
  const member = `serviceAccount:${email}`
  return store.transact(async (tx) => {
    if ((await tx.getServiceAccount(email)) !== undefined) return { email }
    if ((await tx.getProject(SYSTEM_PROJECT_ID)) === undefined) {
      await createProjectInTx(
        tx,
        {
          projectId: SYSTEM_PROJECT_ID,
          displayName: 'runiam system',
          parent: `organizations/${options.organizationId}`,
          labels: {},
        },
        member,
        options.now,
      )
    }
    await tx.createServiceAccount(sa)
    await tx.createServiceAccountKey(record)
    await grantInTx(tx, `organizations/${options.organizationId}`, 'organization', 'roles/owner', [
      member,
    ])
    return { email, keyFile }
  })
}
