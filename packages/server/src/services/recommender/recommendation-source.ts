// What the recommenders read, gathered from the store for one project: its policy and its Cloud Run
// resources' policies as grants (each with its first-seen time, recorded here the first time a
// grant is seen), the recorded usage, and the roles' permissions; then the pure recommenders of
// '@runiam/core/recommender' compute the findings. Nothing is cached: a list reads the project's
// policies once (docs/recommendations.md says what that costs).
import { listRoles, permissionsOf } from '@runiam/core'
import {
  grantKeyOf,
  iamRecommendations,
  runRecommendations,
  type CandidateRole,
  type CurrentGrant,
  type RecommendationDraft,
  type RunServiceView,
} from '@runiam/core/recommender'
import type { GrantSeenRecord, ResourceRecord, Store, StoredPolicy } from '@runiam/store'

const RUN_KINDS = ['service', 'job', 'workerPool'] as const
const INVOKE = 'run.routes.invoke'

/**
 * Cloud Run's predefined roles, the replacements the IAM recommender offers. Not
 * roles/run.servicesInvoker: roles/run.invoker is the role Cloud Run grants for invocation, and
 * offering every invoker the narrower one would bury the findings that matter.
 */
const NOT_OFFERED = new Set(['roles/run.servicesInvoker', 'roles/run.serviceAgent'])
let candidates: readonly CandidateRole[] | undefined
function runRoles(): readonly CandidateRole[] {
  candidates ??= listRoles()
    .filter((r) => r.name.startsWith('roles/run.') && !NOT_OFFERED.has(r.name))
    .map((r) => ({ name: r.name, permissions: permissionsOf(r.name) ?? new Set<string>() }))
  return candidates
}

export interface SourceOptions {
  readonly store: Store
  readonly nowMs: number
  readonly windowMs: number
}

/** The project's Cloud Run resources (project id form), every kind. */
async function runResources(store: Store, projectId: string): Promise<ResourceRecord[]> {
  const prefix = `projects/${projectId}/`
  const out: ResourceRecord[] = []
  for (const kind of RUN_KINDS) {
    for (const r of await store.listAllResources(kind)) if (r.name.startsWith(prefix)) out.push(r)
  }
  return out
}

/**
 * The grants of the policies, each with the time it is known to exist since: its first-seen row,
 * else the policy's last update (the policy has not changed since, so the grant was there). New
 * sightings are recorded, and rows of grants gone from every policy are forgotten, so a grant
 * removed and added again waits a whole window.
 */
async function grantsOf(
  store: Store,
  project: string,
  policies: readonly StoredPolicy[],
  nowMs: number,
): Promise<CurrentGrant[]> {
  const seen = new Map<string, GrantSeenRecord>()
  for (const s of await store.listGrantsSeen(project)) seen.set(grantKeyOf(s), s)
  const grants: CurrentGrant[] = []
  const fresh: GrantSeenRecord[] = []
  const current = new Set<string>()
  for (const sp of policies) {
    const updated = Date.parse(sp.updateTime)
    for (const b of sp.policy.bindings ?? []) {
      const condition = b.condition?.expression ?? ''
      for (const member of b.members) {
        const key = { scope: sp.resource, role: b.role, member, condition }
        const k = grantKeyOf(key)
        if (current.has(k)) continue
        current.add(k)
        const known = seen.get(k)
        const sinceMs = known?.firstSeenMs ?? (Number.isFinite(updated) ? updated : nowMs)
        if (known === undefined) fresh.push({ ...key, firstSeenMs: sinceMs })
        grants.push({ ...key, sinceMs })
      }
    }
  }
  const gone = [...seen.entries()].filter(([k]) => !current.has(k)).map(([, s]) => s)
  if (fresh.length > 0 || gone.length > 0) {
    await store.transact(async (tx) => {
      await tx.recordGrantsSeen(fresh)
      await tx.forgetGrantsSeen(gone)
    })
  }
  return grants
}

/** A role's permissions: predefined, or a live custom role's (loaded beforehand). */
async function rolePermissions(
  store: Store,
  grants: readonly CurrentGrant[],
): Promise<(role: string) => ReadonlySet<string> | undefined> {
  const custom = [...new Set(grants.map((g) => g.role).filter((r) => !r.startsWith('roles/')))]
  const records = await store.getCustomRoles(custom)
  const sets = new Map<string, ReadonlySet<string>>()
  for (const [name, r] of records) {
    if (r.deleteTime === undefined) sets.set(name, new Set(r.includedPermissions))
  }
  return (role) => (role.startsWith('roles/') ? permissionsOf(role) : sets.get(role))
}

/** The project's policies: its own and its Cloud Run resources'. */
async function projectPolicies(
  store: Store,
  projectId: string,
): Promise<{ policies: StoredPolicy[]; resources: ResourceRecord[] }> {
  const resources = await runResources(store, projectId)
  const found = await store.getPolicies([`projects/${projectId}`, ...resources.map((r) => r.name)])
  return { policies: [...found.values()], resources }
}

/** google.iam.policy.Recommender's findings for `projects/{projectId}`. */
export async function iamFindings(
  projectId: string,
  o: SourceOptions,
): Promise<RecommendationDraft[]> {
  const project = `projects/${projectId}`
  const { policies } = await projectPolicies(o.store, projectId)
  const grants = await grantsOf(o.store, project, policies, o.nowMs)
  return iamRecommendations({
    grants,
    usage: await o.store.listGrantUsage(project),
    nowMs: o.nowMs,
    windowMs: o.windowMs,
    permissionsOf: await rolePermissions(o.store, grants),
    candidates: runRoles(),
  })
}

/** The public-service findings for the project's services in `location`. */
export async function runFindings(
  projectId: string,
  location: string,
  o: SourceOptions,
): Promise<RecommendationDraft[]> {
  const project = `projects/${projectId}`
  const { policies, resources } = await projectPolicies(o.store, projectId)
  const grants = await grantsOf(o.store, project, policies, o.nowMs)
  const parent = `${project}/locations/${location}`
  const services: RunServiceView[] = []
  for (const r of resources) {
    if (r.kind !== 'service' || r.parent !== parent) continue
    // allUsers holding run.routes.invoke unconditionally on the service itself.
    const open = grants.filter(
      (g) =>
        g.scope === r.name &&
        g.member === 'allUsers' &&
        g.condition === '' &&
        permissionsOf(g.role)?.has(INVOKE) === true,
    )
    const disabled = r.body['invokerIamDisabled'] === true
    const updated = Date.parse(r.updateTime)
    const since = Math.max(
      ...open.map((g) => g.sinceMs),
      disabled && Number.isFinite(updated) ? updated : 0,
    )
    services.push({
      name: r.name,
      invokerIamDisabled: disabled,
      publicInvoker: open.length > 0,
      sinceMs: since,
    })
  }
  return runRecommendations({
    services,
    usage: await o.store.listGrantUsage(project),
    nowMs: o.nowMs,
    windowMs: o.windowMs,
  })
}
