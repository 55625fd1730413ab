// Authorization for admin calls: resolves a resource's ancestry (Run resource → project →
// organization), keeps compiled policies and the project/organization records in memory and
// answers with the pure authorizer. The caches are invalidated by the store's change feed, so a
// decision right after a setIamPolicy sees it (read-your-writes) and a decision makes no store
// round trip when nothing changed. Deny policies are evaluated first on every path (decide,
// decideNow, require, test): Compat: "IAM always checks relevant deny policies before checking
// relevant allow policies" (deny-overview).
import { permissionDenied } from '@runiam/core'
import {
  chainOf,
  check,
  compilePolicy,
  policiesOf,
  principalSetFor,
  testPermissions,
  type CheckRequest,
  type CompiledPolicy,
  type Decision,
  type GrantingBinding,
  type PolicyChain,
  type PrincipalSet,
} from '@runiam/core/authorizer'
import type { RequestAttributes } from '@runiam/core/conditions'
import { evaluateDeny, type CompiledDenyPolicy } from '@runiam/core/deny'
import type { Change, OrganizationRecord, ProjectRecord, Store } from '@runiam/store'
import type { Caller } from './caller.js'
import { compileConditionsInSlices } from './condition-slices.js'
import { CustomRoleCache, customRolesOf } from './custom-role-cache.js'
import { attachmentPointOfName, DenyChains, denyRulesFor } from './deny-chains.js'
import { parseRunName } from './names.js'

export interface PermissionCheckerOptions {
  now(): number
  /** The caller's principal set; default: principalSetFor(member) (no groups). */
  principals?(caller: Caller | undefined): Promise<PrincipalSet>
  /**
   * The same set when it is known without a lookup (undefined: ask `principals`). Lets decideNow
   * stay synchronous on the gateway's hot path with a principals hook (groups) in place.
   */
  principalsNow?(caller: Caller | undefined): PrincipalSet | undefined
  /**
   * Told of every batch of changes the checker applies (this process's commits, and other
   * processes' when the store refreshes),
   * before any later decision: caches the principals depend on (group memberships) drop here.
   */
  changed?(changes: readonly Change[]): void
  /**
   * Told of every allowed decision with its deciding binding (the recommenders' usage record).
   * Called on the gateway's hot path: must be cheap and never throw.
   */
  used?(grant: GrantingBinding, permission: string): void
  /**
   * Resources kept compiled (policies, chains, deny chains, custom roles, projects; default
   * 100,000): a cache that reaches it is dropped whole and refilled from the store on demand.
   */
  cacheEntries?: number
}

/** Entries kept before a cache is dropped wholesale (bounded memory, simple): the default. */
const MAX_CACHED = 100_000

export class PermissionChecker {
  readonly #store: Store
  readonly #options: PermissionCheckerOptions
  readonly #policies = new Map<string, CompiledPolicy | null>()
  /** The custom roles compiled policies resolve (projects/P/roles/R, organizations/O/roles/R). */
  readonly #customRoles: CustomRoleCache
  readonly #projects = new Map<string, ProjectRecord | null>()
  #org: OrganizationRecord | null | undefined
  /**
   * Compiled ancestry chains by resource name as asked (the hot path's cache). A change to a leaf
   * resource's own policy (a service's, job's, worker pool's or service account's) drops the
   * chains of that resource alone; any other change drops them all (#dropChains). A resource with
   * a policy of its own maps to that policy bound to its ancestors' (chainOf), so a decision reads
   * no chain object per resource: at a million resources each is one more cache and TLB miss per
   * check.
   */
  readonly #chains = new Map<string, PolicyChain>()
  /**
   * The #chains keys a leaf resource's chain is also kept under when asked for by another
   * spelling than its canonical name (a service account's email in capitals, a project number
   * for its id, a sub-resource such as a service account's key), by that canonical name: what
   * a change to its policy drops besides the canonical key itself. Dropped with #chains.
   */
  readonly #aliases = new Map<string, string[]>()
  /**
   * The ancestors' policies #chains binds, by the nearest ancestor's name: one list shared by all
   * the resources under it (so it stays in cache). Dropped with #chains.
   */
  readonly #inherited = new Map<string, readonly CompiledPolicy[]>()
  /** Bumped on every change: a load that raced with a change is not cached. */
  #epoch = 0
  readonly #unsubscribe: () => void
  /** The deny policies per resource (empty at no cost while the store holds none). */
  readonly #deny: DenyChains

  /** options.cacheEntries. */
  readonly #max: number

  constructor(store: Store, options: PermissionCheckerOptions) {
    this.#store = store
    this.#options = options
    this.#max = options.cacheEntries ?? MAX_CACHED
    this.#customRoles = new CustomRoleCache(store, this.#max)
    this.#deny = new DenyChains(store, this.#max)
    // This process's commits arrive at commit; other processes' when the store refreshes.
    this.#unsubscribe = store.onChange((changes) => this.#apply(changes))
  }

  close(): void {
    this.#unsubscribe()
  }

  #apply(changes: readonly Change[]): void {
    this.#options.changed?.(changes)
    this.#epoch++
    this.#dropChains(changes)
    this.#deny.apply(changes)
    for (const c of changes) {
      switch (c.kind) {
        case 'policy':
        case 'resource':
          this.#policies.delete(c.name)
          break
        case 'project':
          this.#projects.clear()
          this.#policies.delete(c.name)
          break
        case 'organization':
          this.#org = undefined
          break
        case 'reset':
          // The feed lost track of what changed (pruned before this process read it): drop all.
          this.#policies.clear()
          this.#projects.clear()
          this.#org = undefined
          this.#customRoles.clear()
          break
        case 'role':
          // A custom role changed: recompile the policies that bind it on their next use.
          this.#customRoles.invalidate(c.name)
          for (const [name, policy] of this.#policies) {
            if (policy?.bindings.some((b) => b.role === c.name) === true)
              this.#policies.delete(name)
          }
          break
        default:
          break
      }
    }
  }

  /**
   * Drops the chains `changes` may have made stale: when every change is a leaf resource's own
   * policy, the chains of those resources (no other chain holds a leaf's policy, and the shared
   * ancestors' lists hold none); otherwise all of them. The names of changes are canonical (the
   * store's); a chain asked for by another spelling is found through #aliases.
   */
  #dropChains(changes: readonly Change[]): void {
    if (!changes.every((c) => c.kind === 'policy' && isLeaf(c.name))) {
      this.#chains.clear()
      this.#inherited.clear()
      this.#aliases.clear()
      return
    }
    for (const c of changes) {
      this.#chains.delete(c.name)
      const aliases = this.#aliases.get(c.name)
      if (aliases === undefined) continue
      for (const key of aliases) this.#chains.delete(key)
      this.#aliases.delete(c.name)
    }
  }

  async organization(): Promise<OrganizationRecord | undefined> {
    if (this.#org !== undefined) return this.#org ?? undefined
    const epoch = this.#epoch
    const org = await this.#store.getOrganization()
    if (epoch === this.#epoch) this.#org = org ?? null
    return org
  }

  /** A project by id or number (cached). */
  async project(idOrNumber: string): Promise<ProjectRecord | undefined> {
    const hit = this.#projects.get(idOrNumber)
    if (hit !== undefined) return hit ?? undefined
    const epoch = this.#epoch
    const p = await this.#store.getProject(idOrNumber)
    if (epoch === this.#epoch) {
      if (this.#projects.size >= this.#max) this.#projects.clear()
      this.#projects.set(idOrNumber, p ?? null)
    }
    return p
  }

  /**
   * The resources whose policies apply to `resource`, most specific first, by their canonical
   * names (project id, never number). A missing project contributes nothing but the organization.
   */
  async ancestry(resource: string): Promise<string[]> {
    const org = await this.organization()
    const orgName = org === undefined ? [] : [`organizations/${org.id}`]
    if (resource.startsWith('organizations/')) return [resource]
    const parts = resource.split('/')
    if (parts[0] !== 'projects' || parts[1] === undefined) return [resource, ...orgName]
    const project = await this.project(parts[1])
    if (project === undefined) return orgName
    const chain = [`projects/${project.projectId}`, ...orgName]
    const run = parseRunName(resource)
    if (run?.kind !== undefined && run.id !== undefined) {
      chain.unshift(`projects/${project.projectId}/locations/${run.location}/${run.kind}/${run.id}`)
    }
    // A service account (`projects/P/serviceAccounts/EMAIL`, keys included) has its own policy,
    // stored under its lower-case email; callers resolve unique ids to emails first.
    if (parts[2] === 'serviceAccounts' && parts[3] !== undefined && parts[3] !== '') {
      chain.unshift(`projects/${project.projectId}/serviceAccounts/${parts[3].toLowerCase()}`)
    }
    return chain
  }

  /**
   * The deny policies that apply to `resource`: those attached to its project (by number, as
   * stored) and to the organization.
   */
  async denyPoliciesFor(resource: string): Promise<readonly CompiledDenyPolicy[]> {
    return this.#deny.load(resource, async () =>
      (await this.denyAttachmentPoints(resource)).map((p) => p.point),
    )
  }

  /**
   * The deny-policy attachment points whose policies apply to `resource`, most specific first:
   * its project's (by number, as stored), then the organization's; each with the resource
   * (`projects/ID`, `organizations/O`) its deny policies' permissions are checked on.
   */
  async denyAttachmentPoints(
    resource: string,
  ): Promise<readonly { readonly point: string; readonly resource: string }[]> {
    const points: { point: string; resource: string }[] = []
    for (const name of await this.ancestry(resource)) {
      const [kind, id, more] = name.split('/')
      if (more !== undefined || id === undefined) continue
      if (kind === 'organizations') {
        points.push({ point: attachmentPointOfName('organization', id), resource: name })
      }
      if (kind === 'projects') {
        const project = await this.project(id)
        if (project !== undefined) {
          points.push({
            point: attachmentPointOfName('project', project.projectNumber),
            resource: name,
          })
        }
      }
    }
    return points
  }

  /** Whether any deny policy exists anywhere (the analyzer skips its deny step when none). */
  hasDenyPolicies(): Promise<boolean> {
    return this.#deny.any()
  }

  /**
   * The compiled policies of `names` (a resource's ancestry), from the cache or the store. The
   * cached ones are taken before anything is awaited, so a cache dropped meanwhile (full, or by
   * another load) never leaves a level out; if a change lands while reading, the whole chain is
   * read again and not cached (what was cached may be what changed).
   */
  async #compiled(names: readonly string[]): Promise<CompiledPolicy[]> {
    const cached = names.map((n) => this.#policies.get(n))
    const missing = names.filter((_, i) => cached[i] === undefined)
    if (missing.length === 0) return present(cached)
    const epoch = this.#epoch
    const fresh = await this.#read(missing)
    if (epoch !== this.#epoch) {
      const all = await this.#read(names)
      return present(names.map((n) => all.get(n)))
    }
    if (this.#policies.size + fresh.size > this.#max) this.#policies.clear()
    for (const [n, policy] of fresh) this.#policies.set(n, policy)
    return present(names.map((n, i) => cached[i] ?? fresh.get(n)))
  }

  /** The policies of `names` read from the store and compiled (null: the resource has none). */
  async #read(names: readonly string[]): Promise<Map<string, CompiledPolicy | null>> {
    const stored = await this.#store.getPolicies(names)
    for (const sp of stored.values()) await compileConditionsInSlices(sp.policy.bindings)
    // Most policies bind no custom role: then nothing more is read.
    const roles = [...stored.values()].flatMap((sp) => customRolesOf(sp.policy))
    await this.#customRoles.load(roles)
    const orgId = roles.length === 0 ? undefined : (await this.organization())?.id
    const out = new Map<string, CompiledPolicy | null>()
    for (const n of names) {
      const sp = stored.get(n)
      out.set(
        n,
        sp === undefined
          ? null
          : compilePolicy(n, sp.policy, {
              customRoles: this.#customRoles.resolverFor(n, orgId),
            }),
      )
    }
    return out
  }

  async #principals(caller: Caller | undefined): Promise<PrincipalSet> {
    return this.#options.principals !== undefined
      ? this.#options.principals(caller)
      : principalSetFor(caller?.member)
  }

  /** Everything `caller` is (its groups too, transitively): what every decision matches against. */
  principalsOf(caller: Caller | undefined): Promise<PrincipalSet> {
    return this.#principals(caller)
  }

  /**
   * The compiled policies that apply to `resource`, loading what is not cached (a list of its
   * own: a later change cannot alter it while the caller awaits something else).
   */
  async policiesFor(resource: string): Promise<readonly CompiledPolicy[]> {
    const hit = this.#chains.get(resource)
    if (hit !== undefined) return policiesOf(hit)
    const epoch = this.#epoch
    const names = await this.ancestry(resource)
    const chain = await this.#compiled(names)
    if (epoch === this.#epoch) {
      if (this.#chains.size >= this.#max) {
        this.#chains.clear()
        this.#inherited.clear()
        this.#aliases.clear()
      }
      this.#chains.set(resource, this.#bound(names, chain))
      const canonical = names[0]
      if (canonical !== undefined && canonical !== resource && isLeaf(canonical)) {
        const aliases = this.#aliases.get(canonical)
        if (aliases === undefined) this.#aliases.set(canonical, [resource])
        else if (!aliases.includes(resource)) aliases.push(resource)
      }
    }
    return chain
  }

  /**
   * `chain` (the compiled policies of `names`, the resource's ancestry) as #chains keeps it: the
   * resource's own policy bound to its ancestors' (one list per nearest ancestor, shared), or the
   * list itself when the resource has no policy of its own. Called in the epoch `chain` was read
   * in, so a binding is never older than the cache entry that holds it.
   */
  #bound(names: readonly string[], chain: readonly CompiledPolicy[]): PolicyChain {
    const own = chain[0]
    const parent = names[1]
    if (own === undefined || own.resource !== names[0] || parent === undefined) return chain
    let inherited = this.#inherited.get(parent)
    if (
      inherited === undefined ||
      inherited.length !== chain.length - 1 ||
      inherited.some((p, i) => p !== chain[i + 1])
    ) {
      inherited = Object.freeze(chain.slice(1))
      this.#inherited.set(parent, inherited)
    }
    return chainOf(own, inherited)
  }

  /**
   * The decision for `caller` with the request's full attributes (request.time included),
   * synchronously when the policies are cached and principals need no lookup (principalsNow):
   * the invoker gateway's per-request path. Otherwise the same decision, asynchronously.
   */
  decideNow(
    caller: Caller | undefined,
    permission: string,
    resource: string,
    attributes: RequestAttributes,
  ): Decision | Promise<Decision> {
    const policies = this.#chains.get(resource)
    const deny = this.#deny.now(resource)
    if (policies !== undefined && deny !== undefined) {
      const principals =
        this.#options.principals === undefined
          ? principalSetFor(caller?.member)
          : this.#options.principalsNow?.(caller)
      if (principals !== undefined) {
        return this.#noted(
          decideWith({ principals, permission, resource, attributes }, policies, deny),
          permission,
        )
      }
    }
    return Promise.all([
      this.policiesFor(resource),
      this.denyPoliciesFor(resource),
      this.#principals(caller),
    ]).then(([chain, denyChain, principals]) =>
      this.#noted(
        decideWith({ principals, permission, resource, attributes }, chain, denyChain),
        permission,
      ),
    )
  }

  async decide(
    caller: Caller | undefined,
    permission: string,
    resource: string,
    attributes?: Omit<RequestAttributes, 'timeMs'>,
  ): Promise<Decision> {
    const policies = await this.policiesFor(resource)
    const deny = await this.denyPoliciesFor(resource)
    const d = decideWith(
      {
        principals: await this.#principals(caller),
        permission,
        resource,
        attributes: { ...attributes, timeMs: this.#options.now() },
      },
      policies,
      deny,
    )
    return this.#noted(d, permission)
  }

  /** Tells `used` of an allowed decision's deciding binding (the usage the recommenders read). */
  #noted(d: Decision, permission: string): Decision {
    const grant = d.grantedBy[0]
    if (grant !== undefined) this.#options.used?.(grant, permission)
    return d
  }

  /**
   * Throws PERMISSION_DENIED naming the permission and the resource as the caller wrote it
   * (`shownAs`, when the request named it otherwise: the v1 API's `namespaces/P/services/S`).
   */
  async require(
    caller: Caller | undefined,
    permission: string,
    resource: string,
    shownAs: string = resource,
  ): Promise<void> {
    // Deny first: the allow shortcut below must never let a denied call through.
    const deny = await this.denyPoliciesFor(resource)
    if (deny.length === 0 && (await this.#grantedByCached(caller, permission, resource))) return
    const d = await this.decide(caller, permission, resource)
    if (!d.allowed) throw permissionDenied(permission, shownAs)
  }

  /**
   * Whether an unconditional grant in the chain's policies already in memory allows the call, so
   * the ones not in memory need not be read. Allow policies only grant, and every level's
   * unconditional grants are found before any condition is evaluated, so such a grant allows
   * whatever the rest of the chain holds. The usual case: an owner's grant on the organization
   * while the resource's own policy was just replaced (setIamPolicy after setIamPolicy).
   */
  async #grantedByCached(
    caller: Caller | undefined,
    permission: string,
    resource: string,
  ): Promise<boolean> {
    if (this.#chains.has(resource)) return false
    const names = await this.ancestry(resource)
    const principals = await this.#principals(caller)
    // Read after the awaits: the cache as of the latest change applied.
    const cached: CompiledPolicy[] = []
    for (const n of names) {
      const p = this.#policies.get(n)
      if (p) cached.push(p)
    }
    if (cached.length === 0) return false
    const d = check(
      { principals, permission, resource, attributes: { timeMs: this.#options.now() } },
      cached,
    )
    const granted = d.allowed && d.grantedBy.every((g) => g.condition === undefined)
    if (granted) this.#noted(d, permission)
    return granted
  }

  /** The subset of `permissions` the caller holds on `resource`, in request order. */
  async test(
    caller: Caller | undefined,
    resource: string,
    permissions: readonly string[],
  ): Promise<string[]> {
    const policies = await this.#compiled(await this.ancestry(resource))
    const deny = await this.denyPoliciesFor(resource)
    const request = {
      principals: await this.#principals(caller),
      resource,
      attributes: { timeMs: this.#options.now() },
    }
    // Compat: testIamPermissions leaves out a permission a deny policy refuses (deny before allow).
    const allowed =
      deny.length === 0
        ? permissions
        : permissions.filter(
            (p) =>
              !evaluateDeny(request.principals, p, request.attributes, denyRulesFor(deny, p))
                .denied,
          )
    const held = testPermissions(request, allowed, policies)
    // Compat: the IAM recommender counts every permission testIamPermissions finds as used.
    if (this.#options.used !== undefined) {
      for (const permission of held)
        this.#noted(check({ ...request, permission }, policies), permission)
    }
    return held
  }
}

/** The policies of a chain that exist (null or undefined: the resource has none). */
function present(policies: readonly (CompiledPolicy | null | undefined)[]): CompiledPolicy[] {
  return policies.filter((p): p is CompiledPolicy => !!p)
}

/** Deny first, then allow: the one decision of every path through the checker. */
function decideWith(
  request: CheckRequest,
  policies: PolicyChain,
  deny: readonly CompiledDenyPolicy[],
): Decision {
  const rules = denyRulesFor(deny, request.permission)
  if (rules.length > 0) {
    const d = evaluateDeny(request.principals, request.permission, request.attributes, rules)
    if (d.denied) {
      return Object.freeze({
        allowed: false,
        grantedBy: Object.freeze([]),
        conditionErrors: Object.freeze([]),
        deny: d,
      })
    }
  }
  return check(request, policies)
}

/**
 * A Cloud Run resource's or a service account's name as the store keeps its policy: a resource
 * no other resource inherits from, so its policy is in its own chains only.
 */
const LEAF =
  /^projects\/[^/]+\/(?:locations\/[^/]+\/(?:services|jobs|workerPools)|serviceAccounts)\/[^/]+$/

function isLeaf(name: string): boolean {
  return LEAF.test(name)
}
