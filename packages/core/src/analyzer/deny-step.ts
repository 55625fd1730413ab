// The analyzer's deny step (between match and render, see policy-analyzer.ts): removes from the
// grants the identity × permission × resource triples a deny policy refuses, with the same
// evaluateDeny the decision path uses. Only permission accesses are refined (a query with
// permissions, or expandRoles); a role access stays, since a role is granted even when some of
// its permissions are denied (docs/deny-policies.md).
import { evaluateDeny } from '../deny/evaluate-deny.js'
import type { CompiledDenyPolicy } from '../deny/types.js'
import type { PrincipalSet } from '../authorizer/types.js'
import type { Grant } from './policy-analyzer.js'

/** The deny policies that apply to a resource (canonical name); empty when none. */
export type DenyLookup = (resource: string) => readonly CompiledDenyPolicy[]

/**
 * The grants without the denied triples. A grant nothing is denied from stays as it is; one with
 * denied triples becomes one grant per resource and permission with the identities left (and one
 * for its role accesses), dropping those left with no identity.
 */
export function applyDenyStep(
  grants: readonly Grant[],
  denyFor: DenyLookup,
  principalsOf: (identity: string) => PrincipalSet,
  timeMs: number,
): Grant[] {
  const out: Grant[] = []
  const principals = new Map<string, PrincipalSet>()
  const setOf = (identity: string): PrincipalSet => {
    let set = principals.get(identity)
    if (set === undefined) {
      set = principalsOf(identity)
      principals.set(identity, set)
    }
    return set
  }
  for (const g of grants) {
    const permissions = g.accesses.flatMap((a) => ('permission' in a ? [a.permission] : []))
    if (permissions.length === 0 || g.resources.every((r) => denyFor(r).length === 0)) {
      out.push(g)
      continue
    }
    const split: Grant[] = []
    let removed = false
    for (const resource of g.resources) {
      const deny = denyFor(resource)
      for (const permission of permissions) {
        const identities =
          deny.length === 0
            ? g.identities
            : g.identities.filter(
                (i) => !evaluateDeny(setOf(i), permission, { timeMs }, deny).denied,
              )
        if (identities.length !== g.identities.length) removed = true
        if (identities.length > 0) {
          split.push({ ...g, accesses: [{ permission }], resources: [resource], identities })
        }
      }
    }
    if (!removed) {
      out.push(g)
      continue
    }
    const roles = g.accesses.filter((a) => !('permission' in a))
    if (roles.length > 0) out.push({ ...g, accesses: roles })
    out.push(...split)
  }
  return out
}
