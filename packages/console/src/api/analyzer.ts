// Who has access, through Cloud Asset's analyzeIamPolicy (GET /v1/{scope}:analyzeIamPolicy, Google's
// v1 shape): the query as Google's `analysisQuery.*` parameters, and the answer flattened into rows
// a person reads — which resource, which role, and why (direct, through a group, public, inherited).
import { api } from './console-api.js'
import { scopePath } from './path-segment.js'

export interface AnalysisResult {
  readonly attachedResourceFullName: string
  readonly iamBinding: {
    readonly role: string
    readonly members: readonly string[]
    readonly condition?: { readonly title?: string; readonly expression: string }
  }
  readonly accessControlLists?: readonly {
    readonly resources?: readonly { readonly fullResourceName: string }[]
    readonly accesses?: readonly ({ readonly role: string } | { readonly permission: string })[]
    readonly conditionEvaluation?: { readonly evaluationValue: string }
  }[]
  readonly identityList?: {
    readonly identities?: readonly { readonly name: string }[]
    readonly groupEdges?: readonly { readonly sourceNode: string; readonly targetNode: string }[]
  }
}

export interface AnalyzeResponse {
  readonly mainAnalysis: {
    readonly analysisResults?: readonly AnalysisResult[]
    readonly fullyExplored: boolean
  }
}

export interface AnalysisQuery {
  /** `organizations/O` or `projects/P` */
  readonly scope: string
  readonly identity?: string
  readonly fullResourceName?: string
  readonly permissions?: readonly string[]
  readonly expandGroups?: boolean
  readonly expandResources?: boolean
}

/** Calls analyzeIamPolicy with the query spelled as Google's GET parameters. */
export async function analyze(q: AnalysisQuery): Promise<AnalyzeResponse> {
  const params = new URLSearchParams()
  if (q.identity !== undefined) params.set('analysisQuery.identitySelector.identity', q.identity)
  if (q.fullResourceName !== undefined)
    params.set('analysisQuery.resourceSelector.fullResourceName', q.fullResourceName)
  for (const p of q.permissions ?? []) params.append('analysisQuery.accessSelector.permissions', p)
  if (q.expandGroups === true) params.set('analysisQuery.options.expandGroups', 'true')
  if (q.expandResources === true) params.set('analysisQuery.options.expandResources', 'true')
  if (q.identity !== undefined || q.expandGroups === true)
    params.set('analysisQuery.options.outputGroupEdges', 'true')
  const scope = scopePath(q.scope)
  return api().request<AnalyzeResponse>('GET', `/v1/${scope}:analyzeIamPolicy?${params}`)
}

const CRM = '//cloudresourcemanager.googleapis.com/'
const RUN = '//run.googleapis.com/'

/** A full resource name as a person reads it: "organization 123", "project p", "service p/l/s". */
export function resourceLabel(full: string): string {
  if (full.startsWith(`${CRM}organizations/`)) return `organization ${full.slice(CRM.length + 14)}`
  if (full.startsWith(`${CRM}projects/`)) return `project ${full.slice(CRM.length + 9)}`
  if (full.startsWith(RUN)) {
    const m = /^projects\/([^/]+)\/locations\/([^/]+)\/(services|jobs|workerPools)\/(.+)$/.exec(
      full.slice(RUN.length),
    )
    if (m !== null) {
      const kind = { services: 'service', jobs: 'job', workerPools: 'worker pool' }[m[3] ?? '']
      return `${kind ?? m[3]} ${m[4]} (${m[1]}, ${m[2]})`
    }
  }
  return full
}

/** How a binding's member reaches `identity`: the member itself, a group, a domain or the public. */
export function throughWhat(member: string, identity: string): string {
  if (member === 'allUsers') return 'Public: allUsers (anyone, no sign-in)'
  if (member === 'allAuthenticatedUsers') return 'Public: allAuthenticatedUsers (anyone signed in)'
  if (member === identity) return 'Direct'
  if (member.startsWith('group:')) return `Through group ${member.slice(6)}`
  if (member.startsWith('domain:')) return `Through domain ${member.slice(7)}`
  return `Through ${member}`
}

export interface AccessRow {
  /** The resource the access applies to. */
  readonly resource: string
  readonly role: string
  /** Where the binding is (the resource itself, or an ancestor it inherits from). */
  readonly attached: string
  /** The binding's members that are (or contain) the identity. */
  readonly via: readonly string[]
  readonly condition?: string
  readonly evaluation?: string
}

/** One row per resource and role a principal holds, from an identity query with expandResources. */
export function accessRows(res: AnalyzeResponse, identity: string): AccessRow[] {
  const rows: AccessRow[] = []
  for (const r of res.mainAnalysis.analysisResults ?? []) {
    const groups = new Set(
      (r.identityList?.groupEdges ?? []).flatMap((e) => [e.sourceNode, e.targetNode]),
    )
    const via = r.iamBinding.members.filter(
      (m) =>
        m === identity ||
        m === 'allUsers' ||
        m === 'allAuthenticatedUsers' ||
        m.startsWith('domain:') ||
        (m.startsWith('group:') && (groups.size === 0 || groups.has(m))),
    )
    for (const acl of r.accessControlLists ?? []) {
      const resources = acl.resources ?? [{ fullResourceName: r.attachedResourceFullName }]
      for (const { fullResourceName } of resources) {
        rows.push({
          resource: fullResourceName,
          role: r.iamBinding.role,
          attached: r.attachedResourceFullName,
          via,
          ...(r.iamBinding.condition === undefined
            ? {}
            : { condition: r.iamBinding.condition.title ?? r.iamBinding.condition.expression }),
          ...(acl.conditionEvaluation === undefined
            ? {}
            : { evaluation: acl.conditionEvaluation.evaluationValue }),
        })
      }
    }
  }
  return rows.sort(
    (a, b) =>
      a.resource.length - b.resource.length ||
      a.resource.localeCompare(b.resource) ||
      a.role.localeCompare(b.role),
  )
}

export interface InvokerRow {
  readonly principal: string
  readonly role: string
  readonly attached: string
  /** The binding's member the principal is matched through (itself, or a group it is in). */
  readonly via: string
  readonly condition?: string
}

/** Who may invoke: one row per identity of each binding holding run.routes.invoke. */
export function invokerRows(res: AnalyzeResponse): InvokerRow[] {
  const rows: InvokerRow[] = []
  for (const r of res.mainAnalysis.analysisResults ?? []) {
    const members = new Set(r.iamBinding.members)
    const edges = r.identityList?.groupEdges ?? []
    for (const { name } of r.identityList?.identities ?? []) {
      let via = name
      if (!members.has(name)) {
        // the group that has it as a member, as far up as a binding member
        let node = name
        for (let hops = 0; hops < 10 && !members.has(node); hops++) {
          const up = edges.find((e) => e.targetNode === node)
          if (up === undefined) break
          node = up.sourceNode
        }
        via = node
      }
      rows.push({
        principal: name,
        role: r.iamBinding.role,
        attached: r.attachedResourceFullName,
        via,
        ...(r.iamBinding.condition === undefined
          ? {}
          : { condition: r.iamBinding.condition.title ?? r.iamBinding.condition.expression }),
      })
    }
  }
  return rows.sort((a, b) => a.principal.localeCompare(b.principal) || a.role.localeCompare(b.role))
}

export const runServiceName = (project: string, region: string, service: string): string =>
  `${RUN}projects/${project}/locations/${region}/services/${service}`
