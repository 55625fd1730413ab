// The IAM recommender, pure: from the current grants, when each grant decided calls for which
// permission, and the observation window, the REMOVE_ROLE and REPLACE_ROLE findings.
// Compat: google.iam.policy.Recommender ("role recommendations"): a grant unused for the window is
// removed; a grant used for part of its permissions is replaced by smaller predefined roles; a
// grant younger than the window waits (Google uses the time since the grant; runiam uses the
// grant's first-seen time and waits the whole window, so a new grant never gets one early).
import { recommendationId } from './recommendation-id.js'
import { scopeTarget } from './resource-types.js'
import {
  IAM_RECOMMENDER,
  type CurrentGrant,
  type GrantKey,
  type GrantUsage,
  type RecommendationDraft,
  type RecommendationOperation,
} from './types.js'

/** A predefined role a grant may be narrowed to. */
export interface CandidateRole {
  readonly name: string
  readonly permissions: ReadonlySet<string>
}

export interface IamRecommendationInput {
  readonly grants: readonly CurrentGrant[]
  readonly usage: readonly GrantUsage[]
  readonly nowMs: number
  readonly windowMs: number
  /** A role's permissions (predefined or custom), undefined when unknown. */
  readonly permissionsOf: (role: string) => ReadonlySet<string> | undefined
  /** The predefined roles replacements are chosen from (Cloud Run's roles). */
  readonly candidates: readonly CandidateRole[]
}

const PUBLIC = new Set(['allUsers', 'allAuthenticatedUsers'])
const BASIC = new Set(['roles/owner', 'roles/editor', 'roles/viewer'])

export const grantKeyOf = (g: GrantKey): string =>
  `${g.scope}\u0000${g.role}\u0000${g.member}\u0000${g.condition}`

/** Whether the IAM recommender looks at a grant at all. */
export function recommendable(g: GrantKey): boolean {
  // Public members are the Cloud Run recommender's business; service agents' grants are Google's.
  return (
    !PUBLIC.has(g.member) && !g.role.endsWith('.serviceAgent') && !g.member.startsWith('deleted:')
  )
}

/** The smallest candidate holding every used permission and no permission the role lacks. */
export function narrowestRole(
  used: ReadonlySet<string>,
  current: ReadonlySet<string>,
  candidates: readonly CandidateRole[],
  currentRole: string,
): CandidateRole | undefined {
  let best: CandidateRole | undefined
  for (const c of candidates) {
    if (c.name === currentRole || c.permissions.size >= current.size) continue
    let fits = true
    for (const p of used) if (!c.permissions.has(p)) fits = false
    // Compat: a replacement never grants more than the role it replaces.
    for (const p of c.permissions) if (!current.has(p)) fits = false
    if (!fits) continue
    if (
      best === undefined ||
      c.permissions.size < best.permissions.size ||
      (c.permissions.size === best.permissions.size && c.name < best.name)
    ) {
      best = c
    }
  }
  return best
}

const ROLE_PATH = '/iamPolicy/bindings/*/role'
const MEMBER_PATH = '/iamPolicy/bindings/*/members/*'
const CONDITION_PATH = '/iamPolicy/bindings/*/condition/expression'

function removeOp(g: GrantKey): RecommendationOperation {
  return {
    action: 'remove',
    ...scopeTarget(g.scope),
    path: MEMBER_PATH,
    pathFilters: { [CONDITION_PATH]: g.condition, [MEMBER_PATH]: g.member, [ROLE_PATH]: g.role },
  }
}

function addOp(g: GrantKey, role: string): RecommendationOperation {
  return {
    action: 'add',
    ...scopeTarget(g.scope),
    path: '/iamPolicy/bindings/*/members/-',
    value: g.member,
    pathFilters: { [CONDITION_PATH]: g.condition, [ROLE_PATH]: role },
  }
}

/** The IAM recommender's findings, in grant order. */
export function iamRecommendations(input: IamRecommendationInput): RecommendationDraft[] {
  const since = input.nowMs - input.windowMs
  const usedBy = new Map<string, Set<string>>()
  for (const u of input.usage) {
    if (u.lastUsedMs < since) continue
    const k = grantKeyOf(u)
    let set = usedBy.get(k)
    if (set === undefined) usedBy.set(k, (set = new Set()))
    set.add(u.permission)
  }
  const days = Math.max(0, Math.round(input.windowMs / 86_400_000))
  const refreshed = new Date(input.nowMs).toISOString()
  const out: RecommendationDraft[] = []
  for (const g of input.grants) {
    if (!recommendable(g) || g.sinceMs > since) continue
    const used = usedBy.get(grantKeyOf(g)) ?? new Set<string>()
    const perms = input.permissionsOf(g.role)
    const { resource } = scopeTarget(g.scope)
    const overview = {
      member: g.member,
      removedRole: g.role,
      resource,
      resourceName: g.scope,
      minimumObservationPeriodInDays: String(days),
      exercisedPermissions: [...used].sort().map((permission) => ({ permission })),
    }
    const priority = BASIC.has(g.role) || g.role.endsWith('.admin') ? 'P2' : 'P4'
    if (used.size === 0) {
      out.push({
        id: recommendationId([
          IAM_RECOMMENDER,
          'REMOVE_ROLE',
          g.scope,
          g.role,
          g.member,
          g.condition,
        ]),
        description: 'This role has not been used during the observation window.',
        recommenderSubtype: 'REMOVE_ROLE',
        lastRefreshTime: refreshed,
        primaryImpact: {
          category: 'SECURITY',
          securityProjection: { details: { revokedIamPermissionsCount: perms?.size ?? 0 } },
        },
        priority,
        content: {
          operationGroups: [{ operations: [removeOp(g)] }],
          overview: { ...overview, addedRoles: [] },
        },
        associatedInsights: [],
        targetResources: [resource],
      })
      continue
    }
    if (perms === undefined || used.size >= perms.size) continue
    const narrower = narrowestRole(used, perms, input.candidates, g.role)
    if (narrower === undefined) continue
    out.push({
      id: recommendationId([
        IAM_RECOMMENDER,
        'REPLACE_ROLE',
        g.scope,
        g.role,
        g.member,
        g.condition,
        narrower.name,
      ]),
      description: `Replace the current role with a smaller role to cover the permissions needed.`,
      recommenderSubtype: 'REPLACE_ROLE',
      lastRefreshTime: refreshed,
      primaryImpact: {
        category: 'SECURITY',
        securityProjection: {
          details: { revokedIamPermissionsCount: perms.size - narrower.permissions.size },
        },
      },
      priority,
      content: {
        operationGroups: [{ operations: [addOp(g, narrower.name), removeOp(g)] }],
        overview: { ...overview, addedRoles: [narrower.name] },
      },
      associatedInsights: [],
      targetResources: [resource],
    })
  }
  return out
}
