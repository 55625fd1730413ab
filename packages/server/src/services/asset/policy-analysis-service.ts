// Cloud Asset's analyzeIamPolicy, synchronous: authorize cloudasset.assets.analyzeIamPolicy on the
// scope (AIP-211: before reading anything else), check the query, then answer with core's
// PolicyAnalyzer over a snapshot of the hierarchy, the allow policies, the custom roles they bind
// and the group graph. The snapshot is built on first use and dropped by the store's change feed
// whenever a policy, a Cloud Run resource, a project, the organization, a custom role or a group
// changes, so an answer never lags a write this process has seen.
// Compat: AssetService.AnalyzeIamPolicy (google/cloud/asset/v1/asset_service.proto).
import type { AnalyzeIamPolicyResponse } from '@runiam/api'
import { permissionsOf, type Policy } from '@runiam/core'
import {
  parseScope,
  PolicyAnalyzer,
  readAnalysisQuery,
  type AnalyzedResource,
  type GroupMembership,
} from '@runiam/core/analyzer'
import { compilePolicy, type CompiledPolicy } from '@runiam/core/authorizer'
import type { Change, MembershipEdge, StoredPolicy } from '@runiam/store'
import type { Caller } from '../caller.js'
import { compileConditionsInSlices } from '../condition-slices.js'
import type { ServiceContext } from '../context.js'
import { CustomRoleCache, customRolesOf } from '../custom-role-cache.js'
import { projectNotFound } from '../resource-manager/project-service.js'

export const ANALYZE_IAM_POLICY_PERMISSION = 'cloudasset.assets.analyzeIamPolicy'

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

export class PolicyAnalysisService {
  readonly #ctx: ServiceContext
  #snapshot: { readonly epoch: number; readonly promise: Promise<PolicyAnalyzer> } | undefined
  #epoch = 0
  readonly #unsubscribe: () => void

  constructor(ctx: ServiceContext) {
    this.#ctx = ctx
    this.#unsubscribe = ctx.store.onChange((changes) => {
      if (!changes.some(matters)) return
      this.#epoch++
      this.#snapshot = undefined
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
        given === undefined
          ? request.resource.name
          : project === undefined
            ? request.resource.name
            : `projects/${project.projectId}${request.resource.name.slice(`projects/${given}`.length)}`
    }
    const analyzer = await this.#analyzer()
    const results = analyzer.analyze({
      scope: scopeName,
      ...(resource === undefined ? {} : { resource }),
      ...(request.identity === undefined ? {} : { identity: request.identity }),
      roles: request.roles,
      permissions: request.permissions,
      options: request.options,
      timeMs: request.accessTimeMs ?? this.#ctx.now(),
    })
    return {
      mainAnalysis: {
        analysisQuery: request.query,
        ...(results.length === 0 ? {} : { analysisResults: results }),
        fullyExplored: true,
      },
      fullyExplored: true,
    }
  }

  /** The analyzer over the current snapshot, loading it when a change dropped it. */
  async #analyzer(): Promise<PolicyAnalyzer> {
    const current = this.#snapshot
    if (current !== undefined) return current.promise
    const started = { epoch: this.#epoch, promise: this.#load() }
    this.#snapshot = started
    // A failed load is forgotten, so the next call tries again.
    started.promise.catch(() => {
      if (this.#snapshot === started) this.#snapshot = undefined
    })
    return started.promise
  }

  async #load(): Promise<PolicyAnalyzer> {
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
    const policies = new Map<string, CompiledPolicy>()
    for (const sp of stored) {
      if (hasConditions(sp.policy)) await compileConditionsInSlices(sp.policy.bindings)
      policies.set(
        sp.resource,
        compilePolicy(sp.resource, sp.policy, {
          customRoles: roles.resolverFor(sp.resource, org?.id),
        }),
      )
    }
    const memberships = (await store.listMembershipEdges()).map(membershipOf)
    return new PolicyAnalyzer({
      resources,
      policy: (name) => policies.get(name),
      memberships,
      rolePermissions: (role, resource) =>
        permissionsOf(role) ?? roles.resolverFor(resource, org?.id)(role),
    })
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
