// The Cloud Run public-service recommender, pure: a service anyone may invoke (allUsers holds
// run.routes.invoke, or the invoker check is disabled) that no anonymous caller invoked during the
// observation window gets a recommendation to close it.
// Compat: reported under google.run.service.SecurityRecommender at the service's region; Google
// documents no public-service finding, so the subtype (REMOVE_PUBLIC_ACCESS) is runiam's own
// (docs/api-compat.md).
import { recommendationId } from './recommendation-id.js'
import { scopeTarget } from './resource-types.js'
import {
  RUN_SECURITY_RECOMMENDER,
  type GrantUsage,
  type RecommendationDraft,
  type RecommendationOperation,
  type RunServiceView,
} from './types.js'

export const PUBLIC_SUBTYPE = 'REMOVE_PUBLIC_ACCESS'
const INVOKE = 'run.routes.invoke'

export interface RunRecommendationInput {
  readonly services: readonly RunServiceView[]
  /** Usage rows of the services' own scopes; anonymous invocations are the member allUsers. */
  readonly usage: readonly GrantUsage[]
  readonly nowMs: number
  readonly windowMs: number
}

export function runRecommendations(input: RunRecommendationInput): RecommendationDraft[] {
  const since = input.nowMs - input.windowMs
  const invokedOpenly = new Set<string>()
  for (const u of input.usage) {
    if (u.lastUsedMs >= since && u.member === 'allUsers' && u.permission === INVOKE) {
      invokedOpenly.add(u.scope)
    }
  }
  const refreshed = new Date(input.nowMs).toISOString()
  const out: RecommendationDraft[] = []
  for (const s of input.services) {
    if (!(s.publicInvoker || s.invokerIamDisabled)) continue
    if (s.sinceMs > since || invokedOpenly.has(s.name)) continue
    const target = scopeTarget(s.name)
    const operations: RecommendationOperation[] = []
    if (s.publicInvoker) {
      operations.push({
        action: 'remove',
        ...target,
        path: '/iamPolicy/bindings/*/members/*',
        pathFilters: {
          '/iamPolicy/bindings/*/condition/expression': '',
          '/iamPolicy/bindings/*/members/*': 'allUsers',
          '/iamPolicy/bindings/*/role': 'roles/run.invoker',
        },
      })
    }
    if (s.invokerIamDisabled) {
      operations.push({ action: 'replace', ...target, path: '/invokerIamDisabled', value: false })
    }
    const [, project, , location, , service] = s.name.split('/')
    out.push({
      id: recommendationId([RUN_SECURITY_RECOMMENDER, PUBLIC_SUBTYPE, s.name]),
      description:
        'This service allows unauthenticated invocations but was not invoked without credentials during the observation window: require authentication.',
      recommenderSubtype: PUBLIC_SUBTYPE,
      lastRefreshTime: refreshed,
      primaryImpact: { category: 'SECURITY' },
      priority: 'P2',
      content: {
        operationGroups: [{ operations }],
        overview: {
          serviceName: service ?? '',
          serviceRegion: location ?? '',
          projectId: project ?? '',
          public: s.publicInvoker,
          invokerIamDisabled: s.invokerIamDisabled,
        },
      },
      associatedInsights: [],
      targetResources: [target.resource],
    })
  }
  return out
}
