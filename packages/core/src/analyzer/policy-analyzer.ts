// PolicyAnalyzer: Cloud Asset's analyzeIamPolicy answered from a snapshot of runiam's own data
// (the hierarchy organization → project → Cloud Run resource, the allow policies on it, the group
// graph and the roles' permissions). Pure: the server builds the snapshot and authorizes; the
// troubleshooter and the console can ask the same questions.
//
// The answer is built in three steps, so that deny policies (issue 10, line 4) slot in between:
//   1. select: the bindings the query can reach (policies within the scope, on the selected
//      resource's ancestry or under it; bindings naming one of the identity's principals);
//   2. match: each binding's accesses, resources and identities, as Grants;
//      deny step (deny-step.ts): removes the identity × permission × resource triples a deny
//      policy refuses, before anything is rendered, when the caller gives the deny policies;
//   3. render: Grants as IamPolicyAnalysisResults.
// Compat: AssetService.AnalyzeIamPolicy (google/cloud/asset/v1/asset_service.proto).
import type {
  CompiledBinding,
  CompiledBindingCondition,
  CompiledPolicy,
} from '../authorizer/compiled-policy.js'
import type { Binding } from '../policy/types.js'
import type { AnalysisOptions } from './analysis-query.js'
import { applyDenyStep, type DenyLookup } from './deny-step.js'
import { toFullResourceName } from './full-resource-name.js'
import { GroupGraph } from './group-graph.js'
import type {
  AccessControlList,
  AnalysisAccess,
  AnalysisEdge,
  AnalyzerWorld,
  EvaluationValue,
  GroupMembership,
  IamPolicyAnalysisResult,
} from './types.js'

/** A query over runiam's canonical names (project ids), as the server resolved it. */
export interface AnalyzerQuery {
  /** `organizations/O` or `projects/P` (id). */
  readonly scope: string
  /** The selected resource's canonical name. */
  readonly resource?: string
  /** A normalised member string. */
  readonly identity?: string
  readonly roles: readonly string[]
  readonly permissions: readonly string[]
  readonly options: AnalysisOptions
  /** request.time for conditions, epoch ms. */
  readonly timeMs: number
  /**
   * Whether the caller may read group memberships (default true). When false, groups are neither
   * expanded nor followed from the identity to the groups it is in: answers name groups only as
   * the bindings do, so analysis reveals no membership the caller could not list.
   */
  readonly readGroups?: boolean
}

/** One binding as it matched the query: what it grants, on what, to whom. */
export interface Grant {
  /** Where the policy is attached (canonical name). */
  readonly attached: string
  readonly binding: CompiledBinding
  readonly accesses: readonly AnalysisAccess[]
  /** Canonical names of the resources the accesses apply to. */
  readonly resources: readonly string[]
  readonly resourceEdges: readonly AnalysisEdge[]
  readonly identities: readonly string[]
  readonly groupEdges: readonly AnalysisEdge[]
  /** Present for a conditional binding. */
  readonly evaluation?: EvaluationValue
}

/** Levels of the hierarchy walked at most (organization → project → resource is 3). */
const MAX_DEPTH = 8

interface Located {
  readonly resource: string
  readonly index: number
}

export class PolicyAnalyzer {
  readonly #world: AnalyzerWorld
  readonly #parent = new Map<string, string>()
  readonly #children = new Map<string, string[]>()
  /** The policies that have bindings, by the resource they are attached to. */
  readonly #policies = new Map<string, CompiledPolicy>()
  #groups: GroupGraph
  /** member → the bindings naming it; built on the first identity query. */
  #byMember: Map<string, Located[]> | undefined

  constructor(world: AnalyzerWorld) {
    this.#world = world
    for (const r of world.resources) {
      if (r.parent !== undefined) {
        this.#parent.set(r.name, r.parent)
        const siblings = this.#children.get(r.parent)
        if (siblings === undefined) this.#children.set(r.parent, [r.name])
        else siblings.push(r.name)
      }
      if (!this.#children.has(r.name)) this.#children.set(r.name, [])
      const policy = world.policy(r.name)
      if (policy !== undefined && policy.bindings.length > 0) this.#policies.set(r.name, policy)
    }
    this.#groups = new GroupGraph(world.memberships)
  }

  /** Whether the resource is known (the organization, a project or a Cloud Run resource). */
  has(name: string): boolean {
    return this.#children.has(name)
  }

  /**
   * The results of a query, in hierarchy order (organization first), bindings in policy order;
   * with `denyFor`, without what deny policies refuse.
   */
  analyze(query: AnalyzerQuery, denyFor?: DenyLookup): IamPolicyAnalysisResult[] {
    let grants = this.grants(query)
    if (denyFor !== undefined) {
      const readGroups = query.readGroups !== false
      grants = applyDenyStep(
        grants,
        denyFor,
        (identity) => ({ members: this.#principalsOf(identity, readGroups) }),
        query.timeMs,
      )
    }
    return grants.map((g) => render(g, query.options))
  }

  /** Steps 1 and 2: the grants a query finds (the troubleshooter's and a deny step's input). */
  grants(query: AnalyzerQuery): Grant[] {
    if (!this.has(query.scope)) return []
    if (query.resource !== undefined && !this.#under(query.resource, query.scope)) return []
    const principals =
      query.identity === undefined
        ? undefined
        : this.#principalsOf(query.identity, query.readGroups !== false)
    // Conditions are shared by many bindings (compiled once, interned): evaluated once per query.
    const evaluations = new Map<CompiledBindingCondition, EvaluationValue>()
    const out: Grant[] = []
    for (const { resource, index } of this.#select(query, principals)) {
      const policy = this.#policies.get(resource)
      const binding = policy?.bindings[index]
      if (binding === undefined) continue
      const grant = this.#match(query, principals, resource, binding, evaluations)
      if (grant !== undefined) out.push(grant)
    }
    return out
  }

  /** Step 1: the bindings a query can reach, ordered by depth, resource name, binding index. */
  #select(query: AnalyzerQuery, principals: ReadonlySet<string> | undefined): Located[] {
    let resources: string[]
    if (query.resource !== undefined) {
      resources = this.#ancestry(query.resource).filter((r) => this.#under(r, query.scope))
      if (query.options.expandResources) {
        for (const d of this.#descendants(query.resource)) resources.push(d)
      }
    } else if (principals !== undefined) {
      const located: Located[] = []
      const index = this.#memberIndex()
      for (const p of principals) {
        for (const l of index.get(p) ?? [])
          if (this.#under(l.resource, query.scope)) located.push(l)
      }
      return this.#ordered(dedupe(located))
    } else {
      resources = [...this.#policies.keys()].filter((r) => this.#under(r, query.scope))
    }
    const located: Located[] = []
    for (const r of resources) {
      const policy = this.#policies.get(r)
      if (policy === undefined) continue
      for (let i = 0; i < policy.bindings.length; i++) located.push({ resource: r, index: i })
    }
    return this.#ordered(located)
  }

  #ordered(located: Located[]): Located[] {
    // Each entry's depth is read once, not in every comparison.
    const keyed = located.map((l) => ({ l, depth: this.#depth(l.resource) }))
    keyed.sort(
      (a, b) =>
        a.depth - b.depth ||
        (a.l.resource < b.l.resource ? -1 : a.l.resource > b.l.resource ? 1 : 0) ||
        a.l.index - b.l.index,
    )
    return keyed.map((k) => k.l)
  }

  /** Step 2: one binding against the query; undefined when it does not match. */
  #match(
    query: AnalyzerQuery,
    principals: ReadonlySet<string> | undefined,
    attached: string,
    binding: CompiledBinding,
    evaluations: Map<CompiledBindingCondition, EvaluationValue>,
  ): Grant | undefined {
    // Identities.
    let identities: string[]
    let groupEdges: AnalysisEdge[] = []
    if (query.identity !== undefined && principals !== undefined) {
      const via = binding.members.filter((m) => principals.has(m))
      if (via.length === 0) return undefined
      identities = [query.identity]
      if (query.options.outputGroupEdges) {
        for (const m of via) {
          if (m.startsWith('group:')) {
            groupEdges.push(...this.#groups.pathEdges(m, query.identity, principals))
          }
        }
        groupEdges = dedupeEdges(groupEdges)
      }
    } else {
      identities = [...binding.members]
      if (query.options.expandGroups && query.readGroups !== false) {
        const seen = new Set(identities)
        for (const m of binding.members) {
          if (!m.startsWith('group:')) continue
          const expanded = this.#groups.expand(m)
          for (const x of expanded.members) {
            if (seen.has(x)) continue
            seen.add(x)
            identities.push(x)
          }
          if (query.options.outputGroupEdges) groupEdges.push(...expanded.edges)
        }
        groupEdges = dedupeEdges(groupEdges)
      }
    }

    // Accesses.
    const permissions = this.#world.rolePermissions(binding.role, attached)
    const accesses: AnalysisAccess[] = []
    if (query.roles.length > 0 || query.permissions.length > 0) {
      if (query.roles.includes(binding.role)) accesses.push({ role: binding.role })
      for (const p of query.permissions)
        if (permissions?.has(p) === true) accesses.push({ permission: p })
    } else if (query.options.expandRoles) {
      for (const p of [...(permissions ?? [])].sort()) accesses.push({ permission: p })
    } else {
      accesses.push({ role: binding.role })
    }
    if (accesses.length === 0) return undefined

    // Resources: the selected resource (or, below it, the attached one), expanded on request.
    const selected = query.resource
    const base = selected !== undefined && this.#under(selected, attached) ? selected : attached
    const resources = query.options.expandResources ? [base, ...this.#descendants(base)] : [base]
    let resourceEdges: AnalysisEdge[] = []
    if (query.options.outputResourceEdges) {
      const path = this.#ancestry(base)
      const top = path.indexOf(attached)
      for (let i = top; i > 0; i--) {
        resourceEdges.push({
          sourceNode: toFullResourceName(path[i] as string),
          targetNode: toFullResourceName(path[i - 1] as string),
        })
      }
      if (query.options.expandResources) {
        for (const r of resources.slice(1)) {
          const parent = this.#parent.get(r)
          if (parent !== undefined) {
            resourceEdges.push({
              sourceNode: toFullResourceName(parent),
              targetNode: toFullResourceName(r),
            })
          }
        }
      }
      resourceEdges = dedupeEdges(resourceEdges)
    }

    const condition = binding.condition
    let evaluation: EvaluationValue | undefined
    if (condition !== undefined) {
      evaluation = evaluations.get(condition)
      if (evaluation === undefined) {
        evaluation = evaluate(condition, query.timeMs)
        evaluations.set(condition, evaluation)
      }
    }
    return {
      attached,
      binding,
      accesses,
      resources,
      resourceEdges,
      identities,
      groupEdges,
      ...(evaluation === undefined ? {} : { evaluation }),
    }
  }

  /**
   * Everything an identity is, as policy members: itself, its groups (transitively), `domain:` of a
   * user's email, `allAuthenticatedUsers` (for any identity but allUsers) and `allUsers`. The same
   * set principalSetFor gives a caller, extended to group and domain identities.
   */
  #principalsOf(identity: string, readGroups: boolean): Set<string> {
    const set = new Set<string>([identity])
    if (identity === 'allUsers') return set
    set.add('allUsers')
    set.add('allAuthenticatedUsers')
    if (identity.startsWith('user:')) {
      set.add(`domain:${identity.slice(identity.lastIndexOf('@') + 1)}`)
    }
    if (
      readGroups &&
      (identity.startsWith('user:') ||
        identity.startsWith('serviceAccount:') ||
        identity.startsWith('group:'))
    ) {
      for (const g of this.#groups.ancestors(identity)) set.add(g)
    }
    return set
  }

  #memberIndex(): Map<string, Located[]> {
    if (this.#byMember !== undefined) return this.#byMember
    const index = new Map<string, Located[]>()
    for (const [resource, policy] of this.#policies) addToIndex(index, resource, policy)
    this.#byMember = index
    return index
  }

  // Updates, so that a server keeps one analyzer and applies its store's changes to it instead
  // of reading every policy again after each write.

  /** Sets (undefined: removes) the policy attached to a known resource. */
  setPolicy(resource: string, policy: CompiledPolicy | undefined): void {
    const old = this.#policies.get(resource)
    if (old !== undefined) {
      this.#policies.delete(resource)
      if (this.#byMember !== undefined) removeFromIndex(this.#byMember, resource, old)
    }
    if (policy === undefined || policy.bindings.length === 0 || !this.has(resource)) return
    this.#policies.set(resource, policy)
    if (this.#byMember !== undefined) addToIndex(this.#byMember, resource, policy)
  }

  /** Adds a resource under `parent` (already known), without a policy. */
  addResource(name: string, parent: string): void {
    if (this.has(name)) return
    this.#parent.set(name, parent)
    this.#children.set(name, [])
    this.#children.get(parent)?.push(name)
  }

  /** Removes a resource, everything under it, and their policies. */
  removeResource(name: string): void {
    if (!this.has(name)) return
    for (const r of [name, ...this.#descendants(name)]) {
      this.setPolicy(r, undefined)
      this.#children.delete(r)
    }
    const parent = this.#parent.get(name)
    this.#parent.delete(name)
    const siblings = parent === undefined ? undefined : this.#children.get(parent)
    const at = siblings?.indexOf(name) ?? -1
    if (at >= 0) siblings?.splice(at, 1)
  }

  /** Replaces the group graph. */
  setMemberships(memberships: Iterable<GroupMembership>): void {
    this.#groups = new GroupGraph(memberships)
  }
  // (A stale member-index entry is harmless: every binding it leads to is matched against the
  // identity again. A missing one would lose answers, which the update property test catches.)

  /** `name` and its ancestors, most specific first. */
  #ancestry(name: string): string[] {
    const chain = [name]
    let p = this.#parent.get(name)
    while (p !== undefined && !chain.includes(p) && chain.length < MAX_DEPTH) {
      chain.push(p)
      p = this.#parent.get(p)
    }
    return chain
  }

  /** Whether `scope` is `name` or one of its ancestors (no allocation: called per binding). */
  #under(name: string, scope: string): boolean {
    let n: string | undefined = name
    for (let hops = 0; n !== undefined && hops < MAX_DEPTH; hops++) {
      if (n === scope) return true
      n = this.#parent.get(n)
    }
    return false
  }

  /** How many resources `name`'s ancestry holds (itself included). */
  #depth(name: string): number {
    let d = 0
    for (let n: string | undefined = name; n !== undefined && d < MAX_DEPTH; d++) {
      n = this.#parent.get(n)
    }
    return d
  }

  /** Every resource below `name`, breadth-first. */
  #descendants(name: string): string[] {
    const out: string[] = []
    const queue = [name]
    for (let i = 0; i < queue.length; i++) {
      for (const c of this.#children.get(queue[i] as string) ?? []) {
        out.push(c)
        queue.push(c)
      }
    }
    return out
  }
}

/**
 * A conditional binding's evaluation at the query's time. Compat: ConditionEvaluation: TRUE or
 * FALSE when the condition reads only request.time (CEL's && and || absorb errors of terms that do
 * not decide the result, so an answer without request.host and request.path is final);
 * CONDITIONAL when it needs what only a request carries (or does not evaluate).
 */
function evaluate(condition: CompiledBindingCondition, timeMs: number): EvaluationValue {
  const result = condition.evaluate({ timeMs })
  if (!result.ok) return 'CONDITIONAL'
  return result.value ? 'TRUE' : 'FALSE'
}

function render(g: Grant, options: AnalysisOptions): IamPolicyAnalysisResult {
  const acl: AccessControlList = {
    resources: g.resources.map((r) => ({ fullResourceName: toFullResourceName(r) })),
    accesses: g.accesses,
    ...(options.outputResourceEdges ? { resourceEdges: g.resourceEdges } : {}),
    ...(g.evaluation === undefined
      ? {}
      : { conditionEvaluation: { evaluationValue: g.evaluation } }),
  }
  const c = g.binding.condition
  const iamBinding: Binding = {
    role: g.binding.role,
    members: [...g.binding.members],
    ...(c === undefined
      ? {}
      : {
          condition: {
            ...(c.title === undefined ? {} : { title: c.title }),
            expression: c.expression,
          },
        }),
  }
  return {
    attachedResourceFullName: toFullResourceName(g.attached),
    iamBinding,
    accessControlLists: [acl],
    identityList: {
      identities: g.identities.map((name) => ({ name })),
      ...(options.outputGroupEdges ? { groupEdges: g.groupEdges } : {}),
    },
    fullyExplored: true,
  }
}

function addToIndex(index: Map<string, Located[]>, resource: string, policy: CompiledPolicy): void {
  const bindings = policy.bindings
  for (let i = 0; i < bindings.length; i++) {
    for (const m of (bindings[i] as CompiledBinding).members) {
      const list = index.get(m)
      if (list === undefined) index.set(m, [{ resource, index: i }])
      else list.push({ resource, index: i })
    }
  }
}

function removeFromIndex(
  index: Map<string, Located[]>,
  resource: string,
  policy: CompiledPolicy,
): void {
  for (const binding of policy.bindings) {
    for (const m of binding.members) {
      const list = index.get(m)
      if (list === undefined) continue
      const kept = list.filter((l) => l.resource !== resource)
      if (kept.length === 0) index.delete(m)
      else index.set(m, kept)
    }
  }
}

function dedupe(located: Located[]): Located[] {
  const seen = new Set<string>()
  return located.filter((l) => {
    const key = `${l.index} ${l.resource}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

function dedupeEdges(edges: AnalysisEdge[]): AnalysisEdge[] {
  const seen = new Set<string>()
  return edges.filter((e) => {
    const key = `${e.sourceNode} ${e.targetNode}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}
