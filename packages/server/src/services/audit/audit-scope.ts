// The admin call being audited, as the services below the admin dispatch see it: the
// policy-writing service hands its old and new policy to the call's scope inside its store
// transaction, so a setIamPolicy's entry (with its exact policyDelta) commits with the change.
// AsyncLocalStorage carries the scope from the dispatch down without threading it through every
// service signature. An enabled AsyncLocalStorage turns async hooks on process-wide (every
// promise and socket write of every gateway request then pays for carrying the context), so the
// storage is enabled only while an audited call runs and disabled when the last one ends, as the
// store's TransactionGuard does: after one setIamPolicy the gateway paid for it until exit.
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
/** Audited calls running now (awaiting included). */
let running = 0

/** The scope of the audited call this code runs in, if any. */
export function currentAuditScope(): AuditScope | undefined {
  return running > 0 ? storage.getStore() : undefined
}

/** Runs `fn` inside the scope. */
export async function withAuditScope<T>(scope: AuditScope, fn: () => Promise<T>): Promise<T> {
  running++
  try {
    return await storage.run(scope, fn)
  } finally {
    // Off again (async hooks included, when no other storage needs them) once none runs.
    if (--running === 0) storage.disable()
  }
}
