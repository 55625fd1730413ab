// The admin call being audited, as the services below the admin dispatch see it: the
// policy-writing service hands its old and new policy to the call's scope inside its store
// transaction, so a setIamPolicy's entry (with its exact policyDelta) commits with the change.
// The dispatch passes the scope down in the handler context (HandlerContext.audit) and
// IamPolicyService.set takes it as a required argument, so no policy-writing route can leave it
// out by accident. Not an AsyncLocalStorage: one that is entered on every admin write keeps async
// hooks on process-wide, and every promise of every request (gateway included) paid for it.
import type { Policy } from '@runiam/core'
import type { StoreTx } from '@runiam/store'

export interface AuditScope {
  /**
   * Called by the policy-writing service inside its transaction, after the policy was written:
   * appends the call's entry (with `serviceData.policyDelta`) in that transaction.
   */
  policyWritten(tx: StoreTx, before: Policy | undefined, after: Policy): Promise<void>
}
