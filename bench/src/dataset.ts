// The benchmark's world, generated deterministically from a seed so every peer (each in its own
// process) sees the same grants: one organization, a few projects with 1,000 project-level
// bindings between them, 10,000 services with 10 bindings each (mostly run.* roles, users, groups
// and service accounts as members, a share of them conditional on request.path / request.host),
// and the request workloads the peers are timed on.
import type { Binding, Policy } from '@runiam/core'

export const ORG = 'organizations/1000'
export const PROJECTS = 4
export const SERVICES = 10_000
export const BINDINGS_PER_SERVICE = 10
export const PROJECT_BINDINGS = 1_000
const USERS = 5_000
const GROUPS = 300
const SERVICE_ACCOUNTS = 1_000
const CONDITIONAL_SHARE = 0.1

/** Conditions drawn from a small set, so peers without CEL can model each as a named predicate. */
export const CONDITIONS = [
  { key: 'c0', title: 'admin paths', expression: 'request.path.startsWith("/admin")' },
  { key: 'c1', title: 'api paths', expression: 'request.path.startsWith("/api")' },
  { key: 'c2', title: 'api host', expression: 'request.host == "api.example.com"' },
] as const
export type ConditionKey = (typeof CONDITIONS)[number]['key']

export interface Resource {
  readonly name: string
  readonly policy: Policy
}

export interface ServiceResource extends Resource {
  readonly project: string
}

export interface Request {
  readonly service: number
  /** Index into World.principals. */
  readonly principal: number
  readonly permission: string
  readonly host: string
  readonly path: string
}

export interface World {
  readonly org: Resource
  readonly projects: readonly Resource[]
  readonly services: readonly ServiceResource[]
  /** Each caller: its member string and its groups (member strings). */
  readonly principals: readonly { readonly member: string; readonly groups: readonly string[] }[]
  readonly unconditional: readonly Request[]
  readonly conditional: readonly Request[]
  readonly timeMs: number
}

/** mulberry32: small, fast, good enough to spread choices; fixed seed = same world everywhere. */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export const SERVICE_ROLES: readonly (readonly [string, number])[] = [
  ['roles/run.invoker', 45],
  ['roles/run.servicesInvoker', 10],
  ['roles/run.viewer', 20],
  ['roles/run.developer', 15],
  ['roles/run.admin', 5],
  ['roles/run.sourceDeveloper', 3],
  ['roles/viewer', 2],
]
const PROJECT_ROLES: readonly (readonly [string, number])[] = [
  ['roles/run.viewer', 40],
  ['roles/run.developer', 25],
  ['roles/run.invoker', 20],
  ['roles/run.admin', 8],
  ['roles/editor', 5],
  ['roles/owner', 2],
]

/** Seeded draws shared by the generators: a number in [0, 1), an integer below n, one of xs, and
 * one of weighted [value, weight] pairs. */
export interface Draws {
  random(): number
  int(n: number): number
  pick<T>(xs: readonly T[]): T
  weighted(xs: readonly (readonly [string, number])[]): string
}

export function draws(seed: number): Draws {
  const random = rng(seed)
  const int = (n: number): number => Math.floor(random() * n)
  return {
    random,
    int,
    pick: <T>(xs: readonly T[]): T => xs[int(xs.length)] as T,
    weighted(xs) {
      const total = xs.reduce((s, [, w]) => s + w, 0)
      let r = random() * total
      for (const [v, w] of xs) if ((r -= w) < 0) return v
      return (xs[0] as readonly [string, number])[0]
    },
  }
}

/** One service's bindings: BINDINGS_PER_SERVICE roles drawn by weight, CONDITIONAL_SHARE of them
 * (never roles/viewer) under one of CONDITIONS, each naming `members()`. */
export function drawServiceBindings(d: Draws, members: () => string[]): Binding[] {
  const bindings: Binding[] = []
  for (let i = 0; i < BINDINGS_PER_SERVICE; i++) {
    const role = d.weighted(SERVICE_ROLES)
    if (role !== 'roles/viewer' && d.random() < CONDITIONAL_SHARE) {
      const c = d.pick(CONDITIONS)
      bindings.push({
        role,
        members: members(),
        condition: { title: c.title, expression: c.expression },
      })
    } else {
      bindings.push({ role, members: members() })
    }
  }
  return bindings
}

export function generateWorld(seed = 20261128, requests = 50_000): World {
  const { random, int, pick, weighted } = draws(seed)

  const users = Array.from({ length: USERS }, (_, i) =>
    i % 10 === 0 ? `user:u${i}@partner.org` : `user:u${i}@example.com`,
  )
  const groups = Array.from({ length: GROUPS }, (_, i) => `group:g${i}@example.com`)
  const serviceAccounts = Array.from(
    { length: SERVICE_ACCOUNTS },
    (_, i) => `serviceAccount:sa${i}@p${i % PROJECTS}.iam.gserviceaccount.com`,
  )
  const principals = [
    ...users.map((member) => ({
      member,
      groups: Array.from({ length: int(4) }, () => pick(groups)).filter(
        (g, i, all) => all.indexOf(g) === i,
      ),
    })),
    ...serviceAccounts.map((member) => ({ member, groups: [] as string[] })),
  ]
  const usersOfGroup = new Map<string, number[]>()
  principals.forEach((p, i) => {
    for (const g of p.groups) {
      const list = usersOfGroup.get(g) ?? []
      list.push(i)
      usersOfGroup.set(g, list)
    }
  })
  const principalIndex = new Map(principals.map((p, i) => [p.member, i]))
  const member = (): string => {
    const r = random()
    return r < 0.5 ? pick(users) : r < 0.75 ? pick(groups) : pick(serviceAccounts)
  }
  const members = (): string[] => {
    const out = new Set<string>()
    const n = 1 + (random() < 0.3 ? 1 : 0) + (random() < 0.1 ? 1 : 0)
    while (out.size < n) out.add(member())
    return [...out]
  }

  const org: Resource = {
    name: ORG,
    policy: {
      version: 1,
      bindings: [
        { role: 'roles/owner', members: ['user:admin@example.com'] },
        { role: 'roles/resourcemanager.organizationAdmin', members: ['group:g0@example.com'] },
      ],
    },
  }
  const projects: Resource[] = Array.from({ length: PROJECTS }, (_, p) => {
    const bindings: Binding[] = []
    for (let i = 0; i < PROJECT_BINDINGS / PROJECTS; i++) {
      bindings.push({ role: weighted(PROJECT_ROLES), members: members() })
    }
    bindings.push({ role: 'roles/run.viewer', members: ['domain:partner.org'] })
    return { name: `projects/p${p}`, policy: { version: 1, bindings } }
  })
  const services: ServiceResource[] = Array.from({ length: SERVICES }, (_, s) => {
    const project = `projects/p${s % PROJECTS}`
    const bindings = drawServiceBindings({ random, int, pick, weighted }, members)
    const version = bindings.some((b) => b.condition !== undefined) ? 3 : 1
    return {
      name: `${project}/locations/us-central1/services/svc-${s}`,
      project,
      policy: { version, bindings },
    }
  })

  /** A caller that a binding names: the member itself, or someone in the group. */
  const callerFor = (m: string): number => {
    if (m.startsWith('group:')) {
      const inGroup = usersOfGroup.get(m)
      return inGroup !== undefined && inGroup.length > 0 ? pick(inGroup) : int(principals.length)
    }
    return principalIndex.get(m) ?? int(principals.length)
  }
  const permissionFor = (role: string): string =>
    role === 'roles/run.invoker' || role === 'roles/run.servicesInvoker' || random() < 0.5
      ? role === 'roles/run.viewer' || role === 'roles/viewer'
        ? 'run.services.get'
        : 'run.routes.invoke'
      : 'run.services.get'
  const hosts = ['api.example.com', 'svc.us-central1.run.localhost']
  const paths = ['/admin/users', '/api/v1/items', '/', '/public/index.html']

  const unconditional: Request[] = []
  while (unconditional.length < requests) {
    const service = int(SERVICES)
    const svc = services[service] as ServiceResource
    if (random() < 0.5) {
      const plain = svc.policy.bindings?.filter((b) => b.condition === undefined) ?? []
      if (plain.length === 0) continue
      const b = pick(plain)
      const permission = permissionFor(b.role)
      unconditional.push({
        service,
        principal: callerFor(pick(b.members)),
        permission,
        host: hosts[1] as string,
        path: '/',
      })
    } else {
      unconditional.push({
        service,
        principal: int(principals.length),
        permission: pick(['run.routes.invoke', 'run.services.get', 'run.services.setIamPolicy']),
        host: hosts[1] as string,
        path: '/',
      })
    }
  }
  const conditional: Request[] = []
  while (conditional.length < requests) {
    const service = int(SERVICES)
    const svc = services[service] as ServiceResource
    const cond = svc.policy.bindings?.filter((b) => b.condition !== undefined) ?? []
    if (cond.length === 0) continue
    const b = pick(cond)
    conditional.push({
      service,
      principal: callerFor(pick(b.members)),
      permission: permissionFor(b.role),
      host: pick(hosts),
      path: pick(paths),
    })
  }
  return {
    org,
    projects,
    services,
    principals,
    unconditional,
    conditional,
    timeMs: Date.UTC(2026, 10, 28, 12),
  }
}
