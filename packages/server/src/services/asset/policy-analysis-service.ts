// Cloud Asset's analyzeIamPolicy, synchronous: authorize cloudasset.assets.analyzeIamPolicy on the
// scope (AIP-211: before reading anything else), check the query, then answer with core's
// PolicyAnalyzer over a snapshot of the hierarchy, the allow policies, the custom roles they bind
// and the group graph. The snapshot is built on first use and follows the store's change feed:
// a policy, Cloud Run resource, project, custom role or group change is applied to it in place
// before the next answer; only an organization change or a feed reset rebuilds it. So an answer
// never lags a write this process has heard of, and a write costs the next answer a few reads.
// Compat: AssetService.AnalyzeIamPolicy (google/cloud/asset/v1/asset_service.proto).
import type { AnalyzeIamPolicyResponse } from '@runiam/api'
import { permissionsOf, type Policy } from '@runiam/core'
import {
  parseScope,
  PolicyAnalyzer,
  readAnalysisQuery,
  type AnalyzedResource,
  type DenyLookup,
  type GroupMembership,
} from '@runiam/core/analyzer'
import { compilePolicy, type CompiledPolicy } from '@runiam/core/authorizer'
import type { CompiledDenyPolicy } from '@runiam/core/deny'
import type { Change, MembershipEdge, StoredPolicy } from '@runiam/store'
import type { Caller } from '../caller.js'
import { compileConditionsInSlices } from '../condition-slices.js'
import type { ServiceContext } from '../context.js'
import { CustomRoleCache, customRolesOf } from '../custom-role-cache.js'
import { projectNotFound } from '../resource-manager/project-service.js'

export const ANALYZE_IAM_POLICY_PERMISSION = 'cloudasset.assets.analyzeIamPolicy'
/** What reading group memberships takes (Cloud Identity's memberships.list, on the organization). */
const GROUP_MEMBERS_PERMISSION = 'cloudidentity.groups.memberships.list'

/** Names per getPolicies call while a snapshot loads. */
const POLICY_BATCH = 500
const RUN_RESOURCE = /^projects\/[^/]+\/locations\/[^/]+\/(services|jobs|workerPools)\/[^/]+$/

/** Whether a change can alter an analysis (Cloud Run resources: not executions or tasks). */
function matters(c: Change): boolean {
  switch (c.kind) {
    case 'policy':
    case 'project':
    case 'organization':
    case 'role':
    case 'group':
    case 'groupMembership':
    case 'reset':
      return true
    case 'resource':
      return RUN_RESOURCE.test(c.name)
    default:
      return false
  }
}

const QUERY_STRINGS: readonly [string, readonly string[]][] = [
  ['analysisQuery.resourceSelector.fullResourceName', ['resourceSelector', 'fullResourceName']],
  ['analysisQuery.identitySelector.identity', ['identitySelector', 'identity']],
  ['analysisQuery.conditionContext.accessTime', ['conditionContext', 'accessTime']],
]
const QUERY_LISTS: readonly [string, readonly string[]][] = [
  ['analysisQuery.accessSelector.roles', ['accessSelector', 'roles']],
  ['analysisQuery.accessSelector.permissions', ['accessSelector', 'permissions']],
]
const OPTIONS = [
  'expandGroups',
  'expandRoles',
  'expandResources',
  'outputResourceEdges',
  'outputGroupEdges',
  'analyzeServiceAccountImpersonation',
]

/** The IamPolicyAnalysisQuery the GET method's `analysisQuery.*` parameters spell. */
export function queryFromParameters(scope: string, params: URLSearchParams): unknown {
  const query: Record<string, Record<string, unknown> | string> = { scope }
  const put = (path: readonly string[], value: unknown): void => {
    const [outer, inner] = path as [string, string]
    const o = (query[outer] ??= {}) as Record<string, unknown>
    o[inner] = value
  }
  for (const [param, path] of QUERY_STRINGS) {
    const v = params.get(param)
    if (v !== null) put(path, v)
  }
  for (const [param, path] of QUERY_LISTS) {
    // Compat: repeated fields as repeated parameters; gcloud's comma lists are split by the CLI.
    const v = params.getAll(param)
    if (v.length > 0) put(path, v)
  }
  for (const option of OPTIONS) {
    const v = params.get(`analysisQuery.options.${option}`)
    if (v !== null) put(['options', option], v)
  }
  return query
}

/** What a snapshot is: the analyzer and the custom roles its policies were compiled with. */
interface Snapshot {
  readonly analyzer: PolicyAnalyzer
  readonly roles: CustomRoleCache
  readonly orgId: string | undefined
}

/** Changes applied to the snapshot in place; any other that matters rebuilds it. */
const INCREMENTAL = new Set(['policy', 'resource', 'project', 'role', 'group', 'groupMembership'])

export class PolicyAnalysisService {
  readonly #ctx: ServiceContext
  #snapshot: Snapshot | undefined
  /** Set by a change the snapshot cannot take in place (the organization, a feed reset). */
  #stale = true
  /** Changes heard since the snapshot last caught up, applied before the next answer. */
  #pending: Change[] = []
  /** Snapshot work runs one call at a time. */
  #lock: Promise<unknown> = Promise.resolve()
  readonly #unsubscribe: () => void

  constructor(ctx: ServiceContext) {
    this.#ctx = ctx
    this.#unsubscribe = ctx.store.onChange((changes) => {
      for (const c of changes) {
        if (!matters(c)) continue
        if (INCREMENTAL.has(c.kind)) this.#pending.push(c)
        else this.#stale = true
      }
    })
  }

  close(): void {
    this.#unsubscribe()
  }

  /** Compat: cloudasset.analyzeIamPolicy (GET /v1/{analysisQuery.scope=*\/*}:analyzeIamPolicy). */
  async analyze(
    caller: Caller,
    scope: string,
    params: URLSearchParams,
  ): Promise<AnalyzeIamPolicyResponse> {
    const parsed = parseScope(scope)
    await this.#ctx.checker.require(caller, ANALYZE_IAM_POLICY_PERMISSION, scope)
    const request = readAnalysisQuery(queryFromParameters(scope, params))
    let scopeName: string
    if (parsed.type === 'project') {
      const project = await this.#ctx.checker.project(parsed.id)
      if (project === undefined) throw projectNotFound(parsed.id)
      scopeName = `projects/${project.projectId}`
    } else {
      scopeName = scope
    }
    let resource: string | undefined
    if (request.resource !== undefined) {
      const given = request.resource.project
      const project = given === undefined ? undefined : await this.#ctx.checker.project(given)
      resource =
        given === undefined || project === undefined
          ? request.resource.name
          : `projects/${project.projectId}${request.resource.name.slice(`projects/${given}`.length)}`
    }
    // Group memberships are read only for a caller who may list them (default deny: analysis
    // must not reveal a membership the caller could not see); otherwise the answer says so.
    const groupsNeeded =
      request.options.expandGroups || /^(user|serviceAccount|group):/.test(request.identity ?? '')
    const readGroups = groupsNeeded && (await this.#mayReadGroups(caller))
    const analyzer = await this.#current()
    const denyFor = await this.#denyLookup(scopeName)
    const results = analyzer.analyze(
      {
        readGroups,
        scope: scopeName,
        ...(resource === undefined ? {} : { resource }),
        ...(request.identity === undefined ? {} : { identity: request.identity }),
        roles: request.roles,
        permissions: request.permissions,
        options: request.options,
        timeMs: request.accessTimeMs ?? this.#ctx.now(),
      },
      denyFor,
    )
    const explored = readGroups || !groupsNeeded
    return {
      mainAnalysis: {
        analysisQuery: request.query,
        ...(results.length === 0 ? {} : { analysisResults: results }),
        fullyExplored: explored,
        ...(explored
          ? {}
          : {
              nonCriticalErrors: [
                {
                  code: 'PERMISSION_DENIED',
                  cause: `Group memberships were not read: the caller lacks ${GROUP_MEMBERS_PERMISSION} on the organization, so groups are neither expanded nor followed from the identity.`,
                },
              ],
            }),
      },
      fullyExplored: explored,
    }
  }

  /**
   * The deny policies of every project in the scope (and the organization's), for the analyzer's
   * deny step; undefined (no step) while the store holds no deny policy.
   */
  async #denyLookup(scope: string): Promise<DenyLookup | undefined> {
    const checker = this.#ctx.checker
    if (!(await checker.hasDenyPolicies())) return undefined
    const org = await checker.organization()
    const orgChain =
      org === undefined ? [] : await checker.denyPoliciesFor(`organizations/${org.id}`)
    const byProject = new Map<string, readonly CompiledDenyPolicy[]>()
    const ids: string[] = []
    if (scope.startsWith('projects/')) {
      ids.push(scope.slice('projects/'.length))
    } else {
      let pageToken: string | undefined
      do {
        const page = await this.#ctx.store.listProjects({
          pageSize: 1000,
          ...(pageToken === undefined ? {} : { pageToken }),
        })
        ids.push(...page.items.map((p) => p.projectId))
        pageToken = page.nextPageToken
      } while (pageToken !== undefined)
    }
    for (const id of ids) byProject.set(id, await checker.denyPoliciesFor(`projects/${id}`))
    return (resource) => {
      const [kind, id = ''] = resource.split('/')
      return kind === 'projects' ? (byProject.get(id) ?? orgChain) : orgChain
    }
  }

  async #mayReadGroups(caller: Caller): Promise<boolean> {
    const org = await this.#ctx.checker.organization()
    if (org === undefined) return false
    const d = await this.#ctx.checker.decide(
      caller,
      GROUP_MEMBERS_PERMISSION,
      `organizations/${org.id}`,
    )
    return d.allowed
  }

  /**
   * The analyzer, caught up with every change heard so far: built on first use (and after a
   * change it cannot take in place), otherwise brought up to date policy by policy.
   */
  #current(): Promise<PolicyAnalyzer> {
    const run = this.#lock.then(async () => {
      for (;;) {
        if (this.#stale || this.#snapshot === undefined) {
          // Changes heard from here on are applied after the load (re-reading is idempotent).
          this.#stale = false
          this.#pending = []
          try {
            this.#snapshot = await this.#load()
          } catch (err) {
            this.#stale = true
            throw err
          }
        } else if (this.#pending.length > 0) {
          const batch = this.#pending.splice(0)
          try {
            await this.#apply(this.#snapshot, batch)
          } catch (err) {
            this.#stale = true
            throw err
          }
        } else {
          return this.#snapshot.analyzer
        }
      }
    })
    this.#lock = run.catch(() => undefined)
    return run
  }

  async #compile(
    snapshot: Pick<Snapshot, 'roles' | 'orgId'>,
    sp: StoredPolicy,
  ): Promise<CompiledPolicy> {
    await snapshot.roles.load(customRolesOf(sp.policy))
    if (hasConditions(sp.policy)) await compileConditionsInSlices(sp.policy.bindings)
    return compilePolicy(sp.resource, sp.policy, {
      customRoles: snapshot.roles.resolverFor(sp.resource, snapshot.orgId),
    })
  }

  /** Applies policy, resource, project, custom role and group changes to the snapshot in place. */
  async #apply(snapshot: Snapshot, changes: readonly Change[]): Promise<void> {
    const store = this.#ctx.store
    const { analyzer } = snapshot
    if (changes.some((c) => c.kind === 'group' || c.kind === 'groupMembership')) {
      analyzer.setMemberships((await store.listMembershipEdges()).map(membershipOf))
    }
    const names = new Set<string>()
    for (const c of changes) {
      if (c.kind === 'project') {
        const project = await store.getProject(c.name.slice('projects/'.length))
        if (project !== undefined && snapshot.orgId !== undefined) {
          analyzer.addResource(c.name, `organizations/${snapshot.orgId}`)
        }
        names.add(c.name)
      } else if (c.kind === 'role') {
        // A custom role changed: every policy binding it is compiled again with what it is now.
        snapshot.roles.invalidate(c.name)
        for (const sp of await store.policiesBindingRole(c.name)) names.add(sp.resource)
      } else if (c.kind === 'resource') {
        const record = await store.getResource(c.name)
        if (record === undefined) analyzer.removeResource(c.name)
        else analyzer.addResource(c.name, `projects/${c.name.split('/')[1] ?? ''}`)
        names.add(c.name)
      } else if (c.kind === 'policy') {
        names.add(c.name)
      }
    }
    if (names.size === 0) return
    const stored = await store.getPolicies([...names])
    for (const name of names) {
      const sp = stored.get(name)
      analyzer.setPolicy(name, sp === undefined ? undefined : await this.#compile(snapshot, sp))
    }
  }

  async #load(): Promise<Snapshot> {
    const store = this.#ctx.store
    const resources: AnalyzedResource[] = []
    const org = await store.getOrganization()
    const orgName = org === undefined ? undefined : `organizations/${org.id}`
    if (orgName !== undefined) resources.push({ name: orgName })
    let pageToken: string | undefined
    do {
      const page = await store.listProjects({
        pageSize: 1000,
        ...(pageToken === undefined ? {} : { pageToken }),
      })
      for (const p of page.items) {
        const name = `projects/${p.projectId}`
        resources.push(orgName === undefined ? { name } : { name, parent: orgName })
      }
      pageToken = page.nextPageToken
    } while (pageToken !== undefined)
    for (const kind of ['service', 'job', 'workerPool'] as const) {
      for (const r of await store.listAllResources(kind)) {
        resources.push({ name: r.name, parent: `projects/${r.name.split('/')[1] ?? ''}` })
      }
    }

    const stored: StoredPolicy[] = []
    for (let i = 0; i < resources.length; i += POLICY_BATCH) {
      const batch = resources.slice(i, i + POLICY_BATCH).map((r) => r.name)
      for (const sp of (await store.getPolicies(batch)).values()) stored.push(sp)
    }
    const roles = new CustomRoleCache(store)
    await roles.load(stored.flatMap((sp) => customRolesOf(sp.policy)))
    const snapshot = { roles, orgId: org?.id }
    const policies = new Map<string, CompiledPolicy>()
    for (const sp of stored) policies.set(sp.resource, await this.#compile(snapshot, sp))
    const memberships = (await store.listMembershipEdges()).map(membershipOf)
    const analyzer = new PolicyAnalyzer({
      resources,
      policy: (name) => policies.get(name),
      memberships,
      rolePermissions: (role, resource) =>
        permissionsOf(role) ?? roles.resolverFor(resource, org?.id)(role),
    })
    return { ...snapshot, analyzer }
  }
}

function hasConditions(policy: Policy): boolean {
  return (policy.bindings ?? []).some((b) => b.condition !== undefined)
}

const MEMBER_PREFIX = {
  USER: 'user:',
  SERVICE_ACCOUNT: 'serviceAccount:',
  GROUP: 'group:',
} as const

function membershipOf(e: MembershipEdge): GroupMembership {
  return { group: e.groupEmail, member: `${MEMBER_PREFIX[e.type]}${e.memberKey}` }
}
