// A service account as the resource of `runiam iam service-accounts get-iam-policy|set-iam-policy|
// add-iam-policy-binding|remove-iam-policy-binding SERVICE_ACCOUNT`, for iam-policy.ts's shared
// read-modify-write. Compat: gcloud names the account `projects/-/serviceAccounts/EMAIL`, reads
// the policy at version 3, and words its messages "serviceAccount" (add/remove, YAML commands) and
// "service account" (set-iam-policy, a Python command); set-iam-policy sends no updateMask.
import type { Policy } from '@runiam/api'
import type { CommandContext } from '../command-context.js'
import { positional } from '../resource-refs.js'
import type { PolicyTarget } from './policy-target.js'

export function serviceAccountTarget(ctx: CommandContext): PolicyTarget {
  const account = positional(ctx, 'SERVICE_ACCOUNT')
  const path = account.startsWith('projects/')
    ? `/v1/${account}`
    : `/v1/projects/-/serviceAccounts/${encodeURIComponent(account)}`
  return {
    kind: 'serviceAccount',
    setKind: 'service account',
    name: account,
    version: 3,
    get: (c) =>
      c.request<Policy>('POST', `${path}:getIamPolicy`, {
        query: { 'options.requestedPolicyVersion': 3 },
        body: {},
      }),
    set: (c, policy) => c.request<Policy>('POST', `${path}:setIamPolicy`, { body: { policy } }),
    fileMask: () => undefined,
  }
}
