// The engines, compared: random sequences of operations through the transport-free services
// (services and jobs created and deleted, whole policies set, bindings added and removed with and
// without conditions and etags, groups and their memberships, custom roles created, updated,
// deleted, undeleted and purged, organization policies set and removed, by an owner and by callers
// who may be refused) are applied to a SQLite store and to a PostgreSQL store. After every step
// both must have given the same answer or the same error (code, reason, message, metadata), hold
// byte-identical policies and etags, list the same things, and decide the same for a fixed set of
// callers, permissions and resources. Randomness (project numbers, uids, group ids, etags of
// roles) is drawn from one seeded generator, replayed for each engine, so ids agree too.
// Needs PostgreSQL (skipped without it; a failure under RUNIAM_REQUIRE_PG=1). fast-check prints
// the seed and the shrunk sequence on failure.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { isIamError } from '@runiam/core'
import type { Store } from '@runiam/store'
import { openPostgresStore } from '@runiam/store/postgres'
import { openSqliteStore } from '@runiam/store/sqlite'
import { ensureOrganization } from './bootstrap/ensure-organization.js'
import type { Caller } from './caller.js'
import { createServices, type Services } from './create-services.js'
import type { PolicyTarget } from './policy-target.js'

const PG_URL = process.env['RUNIAM_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const required = process.env['RUNIAM_REQUIRE_PG'] === '1'

async function sql(text: string, url = PG_URL): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 })
  await client.connect()
  try {
    await client.query(text)
  } finally {
    await client.end()
  }
}

const up = await sql('SELECT 1').then(
  () => true,
  () => false,
)
if (!up && !required)
  console.warn('\n*** PostgreSQL unreachable: engines.prop.test.ts SKIPPED ***\n')
const withPg = up || required ? describe : describe.skip

const DATABASE = `runiam_engines_${randomBytes(5).toString('hex')}`
const dbUrl = (): string => {
  const u = new URL(PG_URL)
  u.pathname = `/${DATABASE}`
  return u.toString()
}

// ---- one seeded source of randomness, replayed for each engine ----------------------------------

let rngState = 1
function nextByte(): number {
  // xorshift32: deterministic, and good enough to make ids distinct.
  rngState ^= rngState << 13
  rngState ^= rngState >>> 17
  rngState ^= rngState << 5
  return (rngState >>> 0) & 0xff
}
const reseed = (seed: number): void => {
  rngState = (seed >>> 0) % 0xffffffff || 0x9e3779b9
}

// ---- the world the operations act on ------------------------------------------------------------

const OWNER: Caller = { member: 'user:owner@example.com', email: 'owner@example.com' }
const ALICE: Caller = { member: 'user:alice@example.com', email: 'alice@example.com' }
const BOB: Caller = { member: 'user:bob@example.com', email: 'bob@example.com' }
const CAROL: Caller = { member: 'user:carol@other.com', email: 'carol@other.com' }
const ROBOT: Caller = {
  member: 'serviceAccount:robot@model-alpha.iam.gserviceaccount.com',
  email: 'robot@model-alpha.iam.gserviceaccount.com',
}
const CALLERS = [OWNER, ALICE, BOB, CAROL, ROBOT]
const ACTORS = [OWNER, OWNER, OWNER, OWNER, OWNER, ALICE, BOB] // mostly the owner; some refused

const PROJECTS = ['model-alpha', 'model-beta'] as const
const LOC = (p: string): string => `projects/${p}/locations/us-central1`
const SERVICE_IDS = ['svc-0', 'svc-1', 'svc-2'] as const
const JOB_IDS = ['job-0', 'job-1'] as const
const GROUPS = ['g0@example.com', 'g1@example.com', 'g2@example.com'] as const

const MEMBERS = [
  'user:alice@example.com',
  'user:bob@example.com',
  'user:carol@other.com',
  'serviceAccount:robot@model-alpha.iam.gserviceaccount.com',
  'group:g0@example.com',
  'group:g1@example.com',
  'domain:example.com',
  'allUsers',
  'allAuthenticatedUsers',
  'not-a-member',
] as const
const ROLES = [
  'roles/run.invoker',
  'roles/run.viewer',
  'roles/run.developer',
  'roles/viewer',
  'roles/editor',
  'roles/run.nope',
  'projects/model-alpha/roles/role0',
  'ORG/roles/role1',
] as const
const CONDITIONS = [
  undefined,
  { title: 'api', expression: 'request.path.startsWith("/api")' },
  { title: 'host', expression: 'request.host == "h.example"' },
  { title: 'broken', expression: 'request.path.startsWith(' },
  { title: '', expression: 'true' },
] as const
const PERMISSION_SETS = [
  ['run.services.get'],
  ['run.routes.invoke', 'run.jobs.get'],
  ['run.services.setIamPolicy', 'run.services.getIamPolicy'],
  ['bogus.permission.here'],
] as const

const PERMISSIONS = [
  'run.routes.invoke',
  'run.services.get',
  'run.jobs.get',
  'run.services.setIamPolicy',
  'resourcemanager.projects.get',
]

type TargetRef =
  | { t: 'org' }
  | { t: 'project'; p: number }
  | { t: 'service'; p: number; id: number }
  | { t: 'job'; p: number; id: number }

type Op =
  | { k: 'createService'; by: number; p: number; id: number; iamOff: boolean }
  | { k: 'deleteService'; by: number; p: number; id: number }
  | { k: 'createJob'; by: number; p: number; id: number }
  | { k: 'deleteJob'; by: number; p: number; id: number }
  | {
      k: 'setPolicy'
      by: number
      target: TargetRef
      bindings: { role: number; members: number[]; cond: number }[]
      etag: 'current' | 'none' | 'stale'
      version: 1 | 3 | undefined
    }
  | { k: 'addBinding'; by: number; target: TargetRef; role: number; member: number; cond: number }
  | { k: 'removeBinding'; by: number; target: TargetRef; role: number; member: number }
  | { k: 'createGroup'; by: number; g: number }
  | { k: 'deleteGroup'; by: number; g: number }
  | { k: 'addMembership'; by: number; g: number; member: number }
  | { k: 'removeMembership'; by: number; g: number; member: number }
  | { k: 'createRole'; by: number; org: boolean; perms: number }
  | { k: 'patchRole'; by: number; org: boolean; perms: number; staleEtag: boolean }
  | { k: 'deleteRole'; by: number; org: boolean }
  | { k: 'undeleteRole'; by: number; org: boolean }
  | {
      k: 'orgPolicy'
      by: number
      org: boolean
      drs: boolean
      action: 'create' | 'patch' | 'delete'
      value: boolean
    }
  | { k: 'tick'; days: number }

/** Members of groups: users, a service account, or another group (nesting). */
const GROUP_MEMBERS = [
  'alice@example.com',
  'bob@example.com',
  'robot@model-alpha.iam.gserviceaccount.com',
  'g0@example.com',
  'g1@example.com',
] as const

const idx = (n: number) => fc.nat({ max: n - 1 })
const by = idx(ACTORS.length)
/** Mostly the first project, so that what one step creates the next one finds. */
const project = fc.oneof(
  { weight: 3, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.constant(1) },
)
const targetArb: fc.Arbitrary<TargetRef> = fc.oneof(
  fc.constant<TargetRef>({ t: 'org' }),
  project.map<TargetRef>((p) => ({ t: 'project', p })),
  fc.record({ t: fc.constant('service' as const), p: project, id: idx(SERVICE_IDS.length) }),
  fc.record({ t: fc.constant('service' as const), p: project, id: idx(SERVICE_IDS.length) }),
  fc.record({ t: fc.constant('job' as const), p: project, id: idx(JOB_IDS.length) }),
)
/** Mostly predefined roles; now and then an unknown one or a custom role that may not exist. */
const roleArb = fc.oneof(
  { weight: 4, arbitrary: idx(5) },
  { weight: 1, arbitrary: idx(ROLES.length) },
)
const bindingArb = fc.record({
  role: roleArb,
  members: fc.array(idx(MEMBERS.length), { minLength: 1, maxLength: 3 }),
  cond: fc.oneof(
    { weight: 3, arbitrary: fc.constant(0) },
    { weight: 2, arbitrary: idx(CONDITIONS.length) },
  ),
})
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('createService' as const),
      by,
      p: project,
      id: idx(SERVICE_IDS.length),
      iamOff: fc.boolean(),
    }),
  },
  fc.record({ k: fc.constant('deleteService' as const), by, p: project, id: idx(3) }),
  fc.record({ k: fc.constant('createJob' as const), by, p: project, id: idx(JOB_IDS.length) }),
  fc.record({ k: fc.constant('deleteJob' as const), by, p: project, id: idx(JOB_IDS.length) }),
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant('setPolicy' as const),
      by,
      target: targetArb,
      bindings: fc.array(bindingArb, { maxLength: 3 }),
      etag: fc.constantFrom('current' as const, 'none' as const, 'stale' as const),
      version: fc.constantFrom(1 as const, 3 as const, undefined),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant('addBinding' as const),
      by,
      target: targetArb,
      role: roleArb,
      member: idx(MEMBERS.length),
      cond: idx(CONDITIONS.length),
    }),
  },
  fc.record({
    k: fc.constant('removeBinding' as const),
    by,
    target: targetArb,
    role: idx(ROLES.length),
    member: idx(MEMBERS.length),
  }),
  fc.record({ k: fc.constant('createGroup' as const), by, g: idx(GROUPS.length) }),
  fc.record({ k: fc.constant('deleteGroup' as const), by, g: idx(GROUPS.length) }),
  fc.record({
    k: fc.constant('addMembership' as const),
    by,
    g: idx(GROUPS.length),
    member: idx(GROUP_MEMBERS.length),
  }),
  fc.record({
    k: fc.constant('removeMembership' as const),
    by,
    g: idx(GROUPS.length),
    member: idx(GROUP_MEMBERS.length),
  }),
  fc.record({
    k: fc.constant('createRole' as const),
    by,
    org: fc.boolean(),
    perms: idx(PERMISSION_SETS.length),
  }),
  fc.record({
    k: fc.constant('patchRole' as const),
    by,
    org: fc.boolean(),
    perms: idx(PERMISSION_SETS.length),
    staleEtag: fc.boolean(),
  }),
  fc.record({ k: fc.constant('deleteRole' as const), by, org: fc.boolean() }),
  fc.record({ k: fc.constant('undeleteRole' as const), by, org: fc.boolean() }),
  fc.record({
    k: fc.constant('orgPolicy' as const),
    by,
    org: fc.boolean(),
    drs: fc.boolean(),
    action: fc.constantFrom('create' as const, 'patch' as const, 'delete' as const),
    value: fc.boolean(),
  }),
  fc.record({ k: fc.constant('tick' as const), days: fc.constantFrom(0, 1, 8, 40) }),
)

// ---- the engines --------------------------------------------------------------------------------

interface Engine {
  readonly label: string
  readonly store: Store
  readonly s: Services
  orgId: string
}

let clock = 0
const START = Date.parse('2026-05-01T00:00:00Z')
let runs = 0
const open: (() => Promise<void>)[] = []

async function engines(): Promise<[Engine, Engine]> {
  const n = runs++
  const dir = mkdtempSync(join(tmpdir(), 'runiam-engines-'))
  const sqlite = await openSqliteStore({ path: join(dir, 'db.sqlite') })
  const postgres = await openPostgresStore({ url: dbUrl(), schema: `run_${n}`, poolSize: 4 })
  clock = START
  const make = (label: string, store: Store): Engine => ({
    label,
    store,
    s: createServices({
      store,
      now: () => clock,
      runDomain: 'run.localhost',
      servicePort: 8080,
    }),
    orgId: '',
  })
  const pair: [Engine, Engine] = [make('sqlite', sqlite), make('postgres', postgres)]
  open.push(async () => {
    for (const e of pair) {
      e.s.close()
      await e.store.close()
    }
    rmSync(dir, { recursive: true, force: true })
  })
  for (const e of pair) {
    reseed(n + 1)
    const org = await ensureOrganization(e.store, {
      domain: 'example.com',
      owners: [OWNER.member],
      now: clock,
    })
    e.orgId = org.id
    await e.s.iam.set(
      OWNER,
      e.s.organizations.target(`organizations/${org.id}`),
      {
        policy: { bindings: OWNER_ORG_BINDINGS },
      },
      undefined,
    )
    for (const p of PROJECTS) await e.s.projects.create(OWNER, { projectId: p }, 'v1')
  }
  return pair
}

const targetOf = (e: Engine, ref: TargetRef): PolicyTarget => {
  switch (ref.t) {
    case 'org':
      return e.s.organizations.target(`organizations/${e.orgId}`)
    case 'project':
      return e.s.projects.target(PROJECTS[ref.p] ?? '')
    case 'service':
      return e.s.runServices.target(`${LOC(PROJECTS[ref.p] ?? '')}/services/${SERVICE_IDS[ref.id]}`)
    case 'job':
      return e.s.jobs.jobs.target(`${LOC(PROJECTS[ref.p] ?? '')}/jobs/${JOB_IDS[ref.id]}`)
  }
}

const roleName = (e: Engine, i: number): string =>
  (ROLES[i] ?? '').replace('ORG/', `organizations/${e.orgId}/`)
const customRole = (e: Engine, org: boolean): string =>
  org ? `organizations/${e.orgId}/roles/r1` : 'projects/model-alpha/roles/role0'

interface WireBinding {
  role: string
  members: string[]
  condition?: { title: string; expression: string }
}

function binding(e: Engine, role: number, members: readonly number[], cond: number): WireBinding {
  const c = CONDITIONS[cond]
  return {
    role: roleName(e, role),
    members: members.map((m) => MEMBERS[m] ?? ''),
    ...(c === undefined ? {} : { condition: { ...c } }),
  }
}

/** The owner's own grants on the organization (organization policies need more than owner). */
const OWNER_ORG_BINDINGS: readonly WireBinding[] = [
  { role: 'roles/orgpolicy.policyAdmin', members: [OWNER.member] },
  { role: 'roles/owner', members: [OWNER.member] },
]

/** The owner keeps owning the organization and projects, so sequences stay interesting. */
function withOwner(ref: TargetRef, bindings: WireBinding[]): WireBinding[] {
  if (ref.t === 'org') return [...OWNER_ORG_BINDINGS, ...bindings]
  if (ref.t === 'project') return [{ role: 'roles/owner', members: [OWNER.member] }, ...bindings]
  return bindings
}

async function apply(e: Engine, op: Op): Promise<unknown> {
  const s = e.s
  const actor = 'by' in op ? (ACTORS[op.by] ?? OWNER) : OWNER
  switch (op.k) {
    case 'createService':
      return s.runServices.create(
        actor,
        LOC(PROJECTS[op.p] ?? ''),
        { serviceId: SERVICE_IDS[op.id] },
        op.iamOff ? { invokerIamDisabled: true } : {},
      )
    case 'deleteService':
      return s.runServices.delete(
        actor,
        `${LOC(PROJECTS[op.p] ?? '')}/services/${SERVICE_IDS[op.id]}`,
        {},
      )
    case 'createJob':
      return s.jobs.jobs.create(
        actor,
        LOC(PROJECTS[op.p] ?? ''),
        { jobId: JOB_IDS[op.id] },
        { template: { template: { containers: [{ image: 'x' }] } } },
      )
    case 'deleteJob':
      return s.jobs.jobs.delete(actor, `${LOC(PROJECTS[op.p] ?? '')}/jobs/${JOB_IDS[op.id]}`, {})
    case 'setPolicy': {
      const target = targetOf(e, op.target)
      let etag: string | undefined
      if (op.etag === 'stale') etag = 'BwYAAAAAAAA='
      if (op.etag === 'current') etag = (await s.iam.get(OWNER, target, 3)).etag
      const bindings = withOwner(
        op.target,
        op.bindings.map((b) => binding(e, b.role, b.members, b.cond)),
      )
      return s.iam.set(
        actor,
        target,
        {
          policy: {
            ...(op.version === undefined ? {} : { version: op.version }),
            bindings,
            ...(etag === undefined ? {} : { etag }),
          },
        },
        undefined,
      )
    }
    case 'addBinding':
    case 'removeBinding': {
      // What gcloud's add-/remove-iam-policy-binding do: read, edit, write back with the etag.
      const target = targetOf(e, op.target)
      const policy = await s.iam.get(actor, target, 3)
      const bindings = (policy.bindings ?? []).map((b) => ({ ...b, members: [...b.members] }))
      const member = MEMBERS[op.member] ?? ''
      const role = roleName(e, op.role)
      if (op.k === 'addBinding') {
        const wanted = binding(e, op.role, [op.member], op.cond)
        const same = bindings.find(
          (b) =>
            b.role === role && JSON.stringify(b.condition) === JSON.stringify(wanted.condition),
        )
        if (same === undefined) bindings.push(wanted)
        else same.members.push(member)
      } else {
        for (const b of bindings)
          if (b.role === role) b.members = b.members.filter((m) => m !== member)
      }
      return s.iam.set(
        actor,
        target,
        {
          policy: { ...policy, version: 3, bindings: bindings.filter((b) => b.members.length > 0) },
        },
        undefined,
      )
    }
    case 'createGroup':
      return s.groups.createGroup(actor, 'EMPTY', {
        parent: 'customers/my_customer',
        groupKey: { id: GROUPS[op.g] },
        displayName: `Group ${op.g}`,
        labels: { 'cloudidentity.googleapis.com/groups.discussion_forum': '' },
      })
    case 'deleteGroup': {
      const { name } = await s.groups.lookupGroup(actor, { id: GROUPS[op.g] })
      return s.groups.deleteGroup(actor, name ?? '')
    }
    case 'addMembership': {
      const { name } = await s.groups.lookupGroup(actor, { id: GROUPS[op.g] })
      return s.groups.createMembership(actor, name ?? '', {
        preferredMemberKey: { id: GROUP_MEMBERS[op.member] },
        roles: [{ name: 'MEMBER' }],
      })
    }
    case 'removeMembership': {
      const { name } = await s.groups.lookupGroup(actor, { id: GROUPS[op.g] })
      const m = await s.groups.lookupMembership(actor, name ?? '', {
        id: GROUP_MEMBERS[op.member],
      })
      return s.groups.deleteMembership(actor, m.name ?? '')
    }
    case 'createRole':
      return s.roles.create(actor, op.org ? `organizations/${e.orgId}` : 'projects/model-alpha', {
        roleId: op.org ? 'role1' : 'role0',
        role: { title: 'Model role', includedPermissions: [...(PERMISSION_SETS[op.perms] ?? [])] },
      })
    case 'patchRole': {
      const name = customRole(e, op.org)
      const etag = op.staleEtag ? 'BwYAAAAAAAA=' : (await s.roles.get(OWNER, name)).etag
      return s.roles.patch(actor, name, undefined, {
        title: 'Model role, patched',
        includedPermissions: [...(PERMISSION_SETS[op.perms] ?? [])],
        etag,
      })
    }
    case 'deleteRole':
      return s.roles.delete(actor, customRole(e, op.org), undefined)
    case 'undeleteRole':
      return s.roles.undelete(actor, customRole(e, op.org), {})
    case 'orgPolicy': {
      const parent = op.org ? `organizations/${e.orgId}` : 'projects/model-alpha'
      const constraint = op.drs ? 'iam.allowedPolicyMemberDomains' : 'run.managed.requireInvokerIam'
      const name = `${parent}/policies/${constraint}`
      const spec = op.drs
        ? { rules: [{ values: { allowedValues: [op.value ? `is:C${e.orgId}` : 'is:C0000000'] } }] }
        : { rules: [{ enforce: op.value }] }
      if (op.action === 'create') return s.orgPolicies.create(actor, parent, { name, spec })
      if (op.action === 'patch') return s.orgPolicies.patch(actor, name, {}, { spec })
      return s.orgPolicies.delete(actor, name, {})
    }
    case 'tick':
      return undefined // the clock moves once, for both engines (see the step)
  }
}

/**
 * Operation ids are UUIDv7 with a per-process sequence number in the millisecond
 * (timeOrderedUuid): both engines share this process's counter, so that part is masked.
 */
const maskSequence = (json: string): string =>
  json.replace(/([0-9a-f]{8}-[0-9a-f]{4}-7)[0-9a-f]{3}-/g, '$1···-')

/** An answer as the caller sees it: the value, or the error's code, reason, message, metadata. */
async function outcome(fn: () => Promise<unknown>): Promise<string> {
  try {
    return maskSequence(JSON.stringify({ ok: (await fn()) ?? null }))
  } catch (err) {
    if (isIamError(err)) {
      return JSON.stringify({
        error: { code: err.code, reason: err.reason, message: err.message, meta: err.metadata },
      })
    }
    // Anything else would reach the wire as INTERNAL: a defect on either engine.
    return JSON.stringify({ crash: String(err) })
  }
}

/** JSON with object keys sorted, so two engines' key orders do not count as a difference. */
function sortedJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  )
}

/** Everything observable after a step: policies, stored rows, lists, decisions. */
async function observe(e: Engine): Promise<Record<string, string>> {
  const s = e.s
  const seen: Record<string, string> = {}
  const targets: TargetRef[] = [{ t: 'org' }]
  for (let p = 0; p < PROJECTS.length; p++) {
    targets.push({ t: 'project', p })
    for (let id = 0; id < SERVICE_IDS.length; id++) targets.push({ t: 'service', p, id })
    for (let id = 0; id < JOB_IDS.length; id++) targets.push({ t: 'job', p, id })
  }
  const resources: string[] = []
  for (const ref of targets) {
    const target = targetOf(e, ref)
    resources.push(target.name)
    seen[`policy ${target.name}`] = await outcome(() => s.iam.get(OWNER, target, 3))
    const key = await target.resolve()
    if (key !== undefined) {
      // The stored row, key order aside (jsonb keeps its own) and without updateTime: nothing
      // passes the services' clock to putPolicy, so it is the store's wall clock (never shown).
      const stored = await e.store.getPolicy(key)
      seen[`stored ${key}`] = sortedJson(
        stored === undefined ? null : { policy: stored.policy, etag: stored.etag },
      )
    }
  }
  for (const p of PROJECTS) {
    seen[`services ${p}`] = await outcome(() => s.runServices.list(OWNER, LOC(p), {}))
    seen[`jobs ${p}`] = await outcome(() => s.jobs.jobs.list(OWNER, LOC(p), {}))
    seen[`org policies ${p}`] = await outcome(() => s.orgPolicies.list(OWNER, `projects/${p}`, {}))
  }
  seen['org policies org'] = await outcome(() =>
    s.orgPolicies.list(OWNER, `organizations/${e.orgId}`, {}),
  )
  for (const parent of ['projects/model-alpha', `organizations/${e.orgId}`])
    seen[`roles ${parent}`] = await outcome(() =>
      s.roles.list(OWNER, parent, { view: 'FULL', showDeleted: 'true' }),
    )
  const groups = await s.groups.listGroups(OWNER, 'customers/my_customer', { view: 'FULL' })
  seen['groups'] = JSON.stringify(groups)
  for (const g of groups.groups ?? [])
    seen[`memberships ${g.name}`] = await outcome(() =>
      s.groups.listMemberships(OWNER, g.name ?? '', { view: 'FULL' }),
    )
  for (const caller of CALLERS)
    for (const permission of PERMISSIONS)
      for (const resource of resources)
        seen[`decide ${caller.member} ${permission} ${resource}`] = await outcome(() =>
          s.checker.decide(caller, permission, resource, {
            path: '/api/v1',
            host: 'h.example',
          }),
        )
  return seen
}

// ---- the property --------------------------------------------------------------------------------

withPg('SQLite and PostgreSQL, side by side', () => {
  beforeAll(async () => {
    await sql(`CREATE DATABASE ${DATABASE}`)
  })
  afterEach(async () => {
    for (const close of open.splice(0)) await close()
  })
  afterAll(async () => {
    for (const close of open.splice(0)) await close()
    await sql(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`)
  })

  it('give the same answers, policies, etags, lists and decisions after every step', async () => {
    vi.spyOn(globalThis.crypto, 'getRandomValues').mockImplementation(
      <T extends ArrayBufferView | null>(array: T): T => {
        if (array !== null) {
          const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength)
          for (let i = 0; i < bytes.length; i++) bytes[i] = nextByte()
        }
        return array
      },
    )
    vi.spyOn(globalThis.crypto, 'randomUUID').mockImplementation(() => {
      const h = Array.from({ length: 16 }, () => nextByte().toString(16).padStart(2, '0')).join('')
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}` as `${string}-${string}-${string}-${string}-${string}`
    })
    const tally = new Map<string, number>()
    const started = Date.now()
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(opArb, { minLength: 1, maxLength: 30, size: 'max' }),
          async (ops) => {
            const [a, b] = await engines()
            try {
              let step = 0
              for (const op of ops) {
                step++
                if (op.k === 'tick') clock += op.days * 24 * 60 * 60 * 1000 + 1000
                else clock += 1000
                const answers: string[] = []
                for (const e of [a, b]) {
                  reseed(runs * 1000 + step)
                  answers.push(await outcome(() => apply(e, op)))
                }
                const reason = /"reason":"([A-Z_]+)"/.exec(answers[0] ?? '')?.[1] ?? 'error'
                const kind = `${op.k} ${(answers[0] ?? '').startsWith('{"ok"') ? 'ok' : reason}`
                tally.set(kind, (tally.get(kind) ?? 0) + 1)
                const where = `step ${step} ${JSON.stringify(op)}`
                expect(answers[0] ?? '', `${where}: no crash`).not.toContain('"crash"')
                expect(answers[1], `${where}: the same answer`).toBe(answers[0])
                // Reads draw no randomness: both engines are observed at once.
                const [seenA, seenB] = await Promise.all([observe(a), observe(b)])
                for (const key of Object.keys(seenA))
                  expect(seenB[key], `${where}: ${key}`).toBe(seenA[key])
                expect(Object.keys(seenB).sort()).toEqual(Object.keys(seenA).sort())
              }
            } finally {
              for (const close of open.splice(0)) await close()
            }
          },
        ),
        { numRuns: 6 },
      )
    } finally {
      vi.restoreAllMocks()
      console.log(
        `engines compared in ${Date.now() - started} ms over ${runs} sequences: ${JSON.stringify(Object.fromEntries([...tally].sort()))}`,
      )
    }
  }, 180_000)
})
