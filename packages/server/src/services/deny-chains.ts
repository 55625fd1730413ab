// The compiled deny policies that apply to a resource (its project's and its organization's), kept
// in memory for the decision path and invalidated by the store's change feed. With no deny policy
// in the store, `now` answers an empty chain from one field read: the gateway pays nothing for
// deny until someone writes one. With some, the chain per resource is cached like the allow
// chains (dropped on any change), and the compiled policies per attachment point are kept until
// a change names that point.
import {
  attachmentPointOf,
  compileDenyPolicy,
  denyPoliciesParent,
  narrowDenyPolicies,
  type CompiledDenyPolicy,
} from '@runiam/core/deny'
import type { Change, DenyPolicyRecord, Store } from '@runiam/store'

const EMPTY: readonly CompiledDenyPolicy[] = Object.freeze([])
/** Entries kept before a cache is dropped wholesale (bounded memory, simple). */
const MAX_CACHED = 100_000

/** Permissions remembered per chain (testIamPermissions may ask arbitrary strings: bounded). */
const MAX_PERMISSIONS_PER_CHAIN = 1_000
const narrowed = new WeakMap<
  readonly CompiledDenyPolicy[],
  Map<string, readonly CompiledDenyPolicy[]>
>()

/**
 * The chain's policies with only the rules that can deny `permission`, computed once per chain
 * and permission: a decision then walks only those (usually none, or one rule).
 */
export function denyRulesFor(
  chain: readonly CompiledDenyPolicy[],
  permission: string,
): readonly CompiledDenyPolicy[] {
  if (chain.length === 0) return chain
  let byPermission = narrowed.get(chain)
  if (byPermission === undefined) {
    byPermission = new Map()
    narrowed.set(chain, byPermission)
  }
  let hit = byPermission.get(permission)
  if (hit === undefined) {
    hit = narrowDenyPolicies(chain, permission)
    if (byPermission.size >= MAX_PERMISSIONS_PER_CHAIN) byPermission.clear()
    byPermission.set(permission, hit)
  }
  return hit
}

/** The v2 name of a stored deny policy. */
export function denyPolicyName(
  record: Pick<DenyPolicyRecord, 'attachmentPoint' | 'policyId'>,
): string {
  return `${denyPoliciesParent(record.attachmentPoint)}/${record.policyId}`
}

/** The attachment point of `projects/NUMBER` or `organizations/ID`. */
export function attachmentPointOfName(kind: 'project' | 'organization', id: string): string {
  return attachmentPointOf({ kind, id })
}

export class DenyChains {
  readonly #store: Store
  /** Whether any deny policy exists; undefined: not known since the last relevant change. */
  #any: boolean | undefined
  readonly #byPoint = new Map<string, readonly CompiledDenyPolicy[]>()
  readonly #chains = new Map<string, readonly CompiledDenyPolicy[]>()
  #epoch = 0
  /** Entries each map keeps before it is dropped whole. */
  readonly #max: number

  constructor(store: Store, max = MAX_CACHED) {
    this.#store = store
    this.#max = max
  }

  apply(changes: readonly Change[]): void {
    this.#epoch++
    this.#chains.clear()
    for (const c of changes) {
      if (c.kind === 'denyPolicy') {
        this.#any = undefined
        this.#byPoint.delete(c.name)
      } else if (c.kind === 'reset') {
        this.#any = undefined
        this.#byPoint.clear()
      }
    }
  }

  /** Whether any deny policy exists (cached until a deny-policy change). */
  async any(): Promise<boolean> {
    if (this.#any !== undefined) return this.#any
    const epoch = this.#epoch
    const any = await this.#store.hasDenyPolicies()
    if (epoch === this.#epoch) this.#any = any
    return any
  }

  /** The chain when known without I/O: empty when no deny policy exists; else the cached one. */
  now(resource: string): readonly CompiledDenyPolicy[] | undefined {
    if (this.#any === false) return EMPTY
    return this.#chains.get(resource)
  }

  /** The chain of `resource`, whose attachment points `points` gives (most specific first). */
  async load(
    resource: string,
    points: () => Promise<readonly string[]>,
  ): Promise<readonly CompiledDenyPolicy[]> {
    const known = this.now(resource)
    if (known !== undefined) return known
    const epoch = this.#epoch
    if (this.#any === undefined) {
      const any = await this.#store.hasDenyPolicies()
      if (epoch === this.#epoch) this.#any = any
      if (!any) return EMPTY
    }
    const wanted = await points()
    const missing = wanted.filter((p) => !this.#byPoint.has(p))
    const loaded = new Map<string, CompiledDenyPolicy[]>()
    if (missing.length > 0) {
      for (const p of missing) loaded.set(p, [])
      for (const r of await this.#store.denyPoliciesAt(missing)) {
        loaded.get(r.attachmentPoint)?.push(compileDenyPolicy(denyPolicyName(r), r))
      }
    }
    const chain = wanted.flatMap((p) => loaded.get(p) ?? this.#byPoint.get(p) ?? [])
    if (epoch === this.#epoch) {
      if (this.#byPoint.size >= this.#max) this.#byPoint.clear()
      if (this.#chains.size >= this.#max) this.#chains.clear()
      for (const [p, list] of loaded) this.#byPoint.set(p, Object.freeze(list))
      this.#chains.set(resource, Object.freeze(chain))
    }
    return chain
  }
}
