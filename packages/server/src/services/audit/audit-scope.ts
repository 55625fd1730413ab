// The admin call being audited, as the services below the admin dispatch see it: the
// policy-writing service hands its old and new policy to the call's scope inside its store
// transaction, so a setIamPolicy's entry (with its exact policyDelta) commits with the change.
// AsyncLocalStorage carries the scope from the dispatch down without threading it through every
// service signature.
import { AsyncLocalStorage } from 'node:async_hooks'
import type { Policy } from '@runiam/core'
import type { StoreTx } from '@runiam/store'

export interface AuditScope {
  /**
   * Called by the policy-writing service inside its transaction, after the policy was written:
   * appends the call's entry (with `serviceData.policyDelta`) in that transaction.
   */
  policyWritten(tx: StoreTx, before: Policy | undefined, after: Policy): Promise<void>
}

const storage = new AsyncLocalStorage<AuditScope>()

/** The scope of the audited call this code runs in, if any. */
export function currentAuditScope(): AuditScope | undefined {
  return storage.getStore()
}

/** Runs `fn` inside the scope. */
export function withAuditScope<T>(scope: AuditScope, fn: () => Promise<T>): Promise<T> {
  return storage.run(scope, fn)
}
