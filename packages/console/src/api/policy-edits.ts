// The console's policy changes, as read-modify-write cycles: read the policy (version 3), change
// it with @runiam/core's binding mutations (the ones gcloud's add/remove-iam-policy-binding use),
// write it with the etag that was read. A concurrent change (409 ABORTED) reruns the whole cycle
// on the fresh policy (@runiam/api readModifyWrite), so nobody's change is lost.
import { readModifyWrite } from '@runiam/api/client'
import { addBinding, normalizeMember, policyHasConditions, removeBinding } from '@runiam/core'
import type { Binding, Expr, Policy } from '@runiam/core'

export interface PolicyStore {
  get(): Promise<Policy>
  set(policy: Policy): Promise<Policy>
}

function applied(change: ReturnType<typeof addBinding>): Policy {
  if (change.kind !== 'updated') throw change.error
  return change.policy
}

function withVersion(policy: Policy): Policy {
  return { ...policy, version: policyHasConditions(policy) ? 3 : (policy.version ?? 1) }
}

/** Grants each role (under its own condition, if any) to every member. */
export function addPrincipals(
  store: PolicyStore,
  members: readonly string[],
  grants: readonly { readonly role: string; readonly condition?: Expr | undefined }[],
): Promise<Policy> {
  return readModifyWrite(async () => {
    let policy = await store.get()
    for (const { role, condition } of grants) {
      for (const member of members) {
        policy = applied(
          addBinding(policy, {
            member,
            role,
            condition: condition ?? 'None',
            conditionsEnabled: true,
          }),
        )
      }
    }
    return store.set(withVersion(policy))
  })
}

/** Removes a member from one binding (its role and condition), or from every role when `all`. */
export function removePrincipal(
  store: PolicyStore,
  member: string,
  binding: Pick<Binding, 'role' | 'condition'>,
  all: boolean,
): Promise<Policy> {
  return readModifyWrite(async () => {
    let policy = await store.get()
    if (all) {
      const m = normalizeMember(member)
      const bindings = (policy.bindings ?? [])
        .map((b) => ({ ...b, members: b.members.filter((x) => normalizeMember(x) !== m) }))
        .filter((b) => b.members.length > 0)
      policy = { ...policy, bindings }
    } else {
      policy = applied(
        removeBinding(policy, {
          member,
          role: binding.role,
          condition: binding.condition ?? 'None',
          conditionsEnabled: true,
        }),
      )
    }
    return store.set(withVersion(policy))
  })
}
