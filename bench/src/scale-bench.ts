// Authorizer at scale (issue 8): runiam's core authorizer loaded with 1,000,000 services × 10
// bindings under 4 projects and an organization, as one server's decision index would hold them
// (a server keeps that many with --decision-cache-entries ≥ 1,000,000 and the Node settings below,
// as docs/operations.md, "Large decision indexes", says; by default it keeps 100,000).
// Goals: ≥ 1,000,000 unconditional checks/s, RSS < 2 GB, load < 10 s.
//
// What "load" counts: what the server does with each policy it reads from the store
// (PermissionChecker #compiled): JSON.parse of the stored policy text, compilePolicy, and Map.set
// by resource name (then a service's chain, as policiesFor), LOAD_BATCH policies at a time (the
// server reads the few policies of one resource's ancestry at a time). Not counted: the SQL read,
// and the server's bookkeeping around compilePolicy (an await per read, the scan for custom roles,
// and the pre-compilation of condition texts, which finds the three expressions' plans cached). The
// synthetic world is generated into that stored form first, GENERATE_BATCH policies at a time (one
// JSON text per policy with an etag, so every string is a fresh one, as a database read gives
// them): that is generateMs, timed apart and never part of loadMs. loadCpuMs is this process's CPU
// time over the load work only (GC threads included; less sensitive to other processes than wall
// time); parseMs + compileMs + indexMs = loadMs.
//
// Checks: 1,000,000 requests drawn beforehand over all the million services × all callers (half
// a caller one of the service's unconditional bindings names, half any caller; typed arrays, so
// the loop reads nothing per request a gateway would not have) and cycled: no warm subset, most
// checks touch a service and a caller no recent check did. Each check reads the service's chain
// [service, project, organization] (the server's per-resource cache, PermissionChecker #chains)
// and makes its request object, as decideNow does. As in #chains, a service's chain is its own
// compiled policy bound to its ancestors' policies (chainOf), one [project, organization] list
// shared by the services of a project: a check reads no chain object per service (an array per
// service cost one or two more distant misses per check). Each is bound at load, right after its
// service's policy is compiled, as policiesFor binds it right after #compiled (the binding is in
// indexMs; the server binds on a resource's first decision). An array per service instead, made
// after the whole load: ~0.87× the allows/s of one made right after its policy; that: ~0.65× of
// chainOf (interleaved A/B). checksPerSec = check() (the Decision with its explanation);
// allowsPerSec = allows() (the same verdict, the boolean a gateway needs); floorPerSec = the
// same loop with no decision, so the loop's own cost is known. The three are measured in
// interleaved rounds (the machine is shared), best window of each.
// Policies keep the generated bindings as they are (10 per service, roles may repeat): the
// store's canonical form would merge same-role bindings into fewer, larger ones.
// Runs in its own child process (`--expose-gc --max-old-space-size --max-semi-space-size`), so the
// memory is its own.
import { spawnSync } from 'node:child_process'
import { cpus, loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import {
  allows,
  chainOf,
  check,
  compilePolicy,
  principalSetFor,
  type CheckRequest,
  type CompiledPolicy,
  type PolicyChain,
  type PrincipalSet,
} from '@runiam/core/authorizer'
import type { Binding, Policy } from '@runiam/core'
import { CONDITIONS, rng, SERVICE_ROLES } from './dataset.js'
import { latency, memory, round, throughput, type Memory } from './measure.js'

const SERVICES = 1_000_000
const BINDINGS_PER_SERVICE = 10
const PROJECTS = 4
const PROJECT_BINDINGS = 250
const USERS = 5_000
const GROUPS = 300
const SERVICE_ACCOUNTS = 1_000
const CONDITIONAL_SHARE = 0.1
/** Requests drawn (over the million services) and cycled through by the throughput loops. */
const REQUESTS = 1_000_000
/** The floor, check() and allows() are measured in this many interleaved rounds. */
const ROUNDS = 3
const PERMISSIONS = ['run.routes.invoke', 'run.services.get', 'run.services.setIamPolicy'] as const
const RESOURCE = 'projects/p0/locations/us-central1/services/drawn'
/** Policies generated at a time (then loaded, LOAD_BATCH at a time). */
const GENERATE_BATCH = 10_000
/**
 * Policies read, parsed and compiled together: the server reads the few policies of one
 * resource's ancestry at a time; 100 stands for several requests' worth.
 */
const LOAD_BATCH = 100
const HEAP_MB = 4_096
const SEMI_SPACE_MB = 64

interface Budget {
  readonly warmupMs: number
  readonly throughputMs: number
  readonly latencyMs: number
}

interface ScaleResult {
  readonly services: number
  readonly bindings: number
  readonly generateMs: number
  readonly loadMs: number
  readonly loadCpuMs: number
  readonly parseMs: number
  readonly compileMs: number
  readonly indexMs: number
  readonly baseline: Memory
  readonly afterLoad: Memory
  readonly afterChecks: Memory
  readonly checksPerSec: number
  readonly checksPerCpuSec: number
  readonly allowsPerSec: number
  readonly allowsPerCpuSec: number
  readonly floorPerSec: number
  readonly p50Ns: number
  readonly p99Ns: number
  readonly timerOverheadNs: number
  readonly allowedShare: number
}

const userMember = (i: number): string =>
  `user:u${i}@${i % 10 === 0 ? 'partner.org' : 'example.com'}`
const groupMember = (i: number): string => `group:g${i}@example.com`
const saMember = (i: number): string =>
  `serviceAccount:sa${i}@p${i % PROJECTS}.iam.gserviceaccount.com`

function runScale(services: number, budget: Budget): ScaleResult {
  const random = rng(20261203)
  const int = (n: number): number => Math.floor(random() * n)
  const roleTotal = SERVICE_ROLES.reduce((s, [, w]) => s + w, 0)
  const role = (): string => {
    let r = random() * roleTotal
    for (const [v, w] of SERVICE_ROLES) if ((r -= w) < 0) return v
    return 'roles/run.invoker'
  }
  // A member drawn as the authorizer bench's world draws them.
  const member = (): string => {
    const r = random()
    return r < 0.5
      ? userMember(int(USERS))
      : r < 0.75
        ? groupMember(int(GROUPS))
        : saMember(int(SERVICE_ACCOUNTS))
  }
  const members = (): string[] => {
    const n = 1 + (random() < 0.3 ? 1 : 0) + (random() < 0.1 ? 1 : 0)
    const out: string[] = []
    while (out.length < n) {
      const m = member()
      if (!out.includes(m)) out.push(m)
    }
    return out
  }
  const bindingsOf = (n: number): Binding[] => {
    const out: Binding[] = []
    for (let i = 0; i < n; i++) {
      const r = role()
      if (r !== 'roles/viewer' && random() < CONDITIONAL_SHARE) {
        const c = CONDITIONS[int(CONDITIONS.length)] ?? CONDITIONS[0]
        out.push({
          role: r,
          members: members(),
          condition: { title: c.title, expression: c.expression },
        })
      } else {
        out.push({ role: r, members: members() })
      }
    }
    return out
  }

  /** A policy as the store holds it: its resource name and its JSON text. */
  interface StoredRow {
    readonly resource: string
    readonly policy: string
  }
  const stored = (resource: string, bindings: Binding[]): StoredRow => {
    const version = bindings.some((b) => b.condition !== undefined) ? 3 : 1
    const etag = `BwY${(random() * 2 ** 40).toString(36)}`
    return { resource, policy: JSON.stringify({ version, etag, bindings }) }
  }

  const baseline = memory()
  const index = new Map<string, CompiledPolicy>()
  let generateMs = 0
  let loadMs = 0
  let parseMs = 0
  let compileMs = 0
  let indexMs = 0
  let loadCpuUs = 0
  /**
   * What the server does with rows read from the store: parse, compile, index, LOAD_BATCH rows at
   * a time. CPU time is read once per call (process.cpuUsage is a system call).
   */
  const load = (rows: readonly StoredRow[], chainFor?: (policy: CompiledPolicy) => void): void => {
    const cpu0 = process.cpuUsage()
    for (let at = 0; at < rows.length; at += LOAD_BATCH) {
      const batch = rows.slice(at, at + LOAD_BATCH)
      const t0 = performance.now()
      const parsed = batch.map((row) => JSON.parse(row.policy) as Policy)
      const t1 = performance.now()
      const compiled = batch.map((row, i) => compilePolicy(row.resource, parsed[i] as Policy))
      const t2 = performance.now()
      for (const c of compiled) {
        index.set(c.resource, c)
        chainFor?.(c)
      }
      const t3 = performance.now()
      parseMs += t1 - t0
      compileMs += t2 - t1
      indexMs += t3 - t2
      loadMs += t3 - t0
    }
    const cpu = process.cpuUsage(cpu0)
    loadCpuUs += cpu.user + cpu.system
  }
  const generate = (make: () => StoredRow[]): StoredRow[] => {
    const t0 = performance.now()
    const rows = make()
    generateMs += performance.now() - t0
    return rows
  }

  load(
    generate(() => [
      stored('organizations/1000', [{ role: 'roles/owner', members: ['user:admin@example.com'] }]),
      ...Array.from({ length: PROJECTS }, (_, p) =>
        stored(`projects/p${p}`, bindingsOf(PROJECT_BINDINGS)),
      ),
    ]),
  )
  const serviceName = (s: number): string =>
    `projects/p${s % PROJECTS}/locations/us-central1/services/svc-${s}`
  const org = index.get('organizations/1000') as CompiledPolicy
  const projects = Array.from(
    { length: PROJECTS },
    (_, p) => index.get(`projects/p${p}`) as CompiledPolicy,
  )
  // Each service's chain [service, project, organization], as the server's decision index keeps
  // it per resource (PermissionChecker #chains): its policy bound, right after it is compiled, to
  // the one [project, organization] list its project's services share (as policiesFor does).
  const inherited = projects.map((project) => Object.freeze([project, org]))
  const chains = new Array<PolicyChain>(services)
  let nextService = 0
  const chainFor = (policy: CompiledPolicy): void => {
    const s = nextService++
    chains[s] = chainOf(policy, inherited[s % PROJECTS] as readonly CompiledPolicy[])
  }
  for (let first = 0; first < services; first += GENERATE_BATCH) {
    const count = Math.min(GENERATE_BATCH, services - first)
    const rows = generate(() =>
      Array.from({ length: count }, (_, k) =>
        stored(serviceName(first + k), bindingsOf(BINDINGS_PER_SERVICE)),
      ),
    )
    load(rows, chainFor)
  }
  const compiled = Array.from({ length: services }, (_, s) => index.get(serviceName(s)))
  const afterLoad = memory()

  // Callers: users (some in groups), service accounts; principal sets built once per caller.
  const groupsOf = Array.from({ length: USERS }, () => [
    ...new Set(Array.from({ length: int(4) }, () => groupMember(int(GROUPS)))),
  ])
  const principals: PrincipalSet[] = [
    ...groupsOf.map((groups, i) => principalSetFor(userMember(i), { groups })),
    ...Array.from({ length: SERVICE_ACCOUNTS }, (_, i) => principalSetFor(saMember(i))),
  ]
  const usersOfGroup = new Map<string, number[]>()
  groupsOf.forEach((groups, i) => {
    for (const g of groups) usersOfGroup.set(g, [...(usersOfGroup.get(g) ?? []), i])
  })
  const callerFor = (m: string): number => {
    const n = Number(/\d+/.exec(m.slice(m.indexOf(':') + 2))?.[0] ?? -1)
    if (m.startsWith('user:')) return n
    if (m.startsWith('serviceAccount:')) return USERS + n
    const inGroup = usersOfGroup.get(m) ?? []
    return inGroup.length > 0 ? (inGroup[int(inGroup.length)] as number) : int(principals.length)
  }
  const attributes = { timeMs: Date.UTC(2026, 11, 3, 12), host: 'svc.run.localhost', path: '/' }
  // The requests, drawn beforehand into typed arrays (service, caller, permission: 9 bytes each,
  // so the loop reads no per-request objects a gateway would not have): REQUESTS draws over the
  // million services, in draw order, so consecutive checks touch unrelated services and callers.
  const reqService = new Int32Array(REQUESTS)
  const reqCaller = new Int32Array(REQUESTS)
  const reqPermission = new Uint8Array(REQUESTS)
  for (let n = 0; n < REQUESTS;) {
    const s = int(services)
    const policy = compiled[s] as CompiledPolicy
    let principal: number
    let permission: number
    if (random() < 0.5) {
      // A caller one of the service's unconditional bindings names (directly or by group).
      const plain = policy.bindings.filter((b) => b.condition === undefined)
      const b = plain[int(plain.length)]
      if (b === undefined) continue
      principal = callerFor(b.members[int(b.members.length)] ?? '')
      permission =
        b.role === 'roles/run.viewer' || b.role === 'roles/viewer' || random() >= 0.5 ? 1 : 0
    } else {
      principal = int(principals.length)
      permission = int(PERMISSIONS.length)
    }
    reqService[n] = s
    reqCaller[n] = principal
    reqPermission[n++] = permission
  }
  // What a gateway does per request besides the decision: its request object (decideNow makes
  // one) with the caller's principal set, and the resource's chain (chainAt).
  const requestAt = (i: number): CheckRequest => {
    const k = i % REQUESTS
    return {
      principals: principals[reqCaller[k] as number] as PrincipalSet,
      permission: PERMISSIONS[reqPermission[k] as number] as string,
      // The decision reads each policy's own name; a gateway has the name from its host lookup.
      resource: RESOURCE,
      attributes,
    }
  }
  const chainAt = (i: number): PolicyChain =>
    chains[reqService[i % REQUESTS] as number] as PolicyChain
  const viaCheck = (i: number): boolean => check(requestAt(i), chainAt(i)).allowed
  const viaAllows = (i: number): boolean => allows(requestAt(i), chainAt(i))
  // The floor: the same draws, request and chain reads, no decision.
  // (It reads the chain, as the server's #chains lookup does, and touches it: a bound chain is
  // the service's policy, so its name; the JIT may drop the unused request object.)
  const floor = (i: number): boolean =>
    (chainAt(i) as CompiledPolicy).resource === '' || requestAt(i).principals === undefined
  let allowed = 0
  for (let i = 0; i < REQUESTS; i++) {
    const a = viaCheck(i)
    if (a !== viaAllows(i)) throw new Error(`allows() and check() disagree on request ${i}`)
    if (a) allowed++
  }
  // Interleaved rounds (the machine is shared): each variant's best window over all rounds.
  const best = { floor: 0, check: 0, allows: 0, checkCpu: 0, allowsCpu: 0 }
  throughput(viaCheck, budget.warmupMs / 2)
  throughput(viaAllows, budget.warmupMs / 2)
  for (let round = 0; round < ROUNDS; round++) {
    best.floor = Math.max(
      best.floor,
      throughput(floor, budget.throughputMs / ROUNDS / 3).checksPerSec,
    )
    const c = throughput(viaCheck, budget.throughputMs / ROUNDS / 3)
    const a = throughput(viaAllows, budget.throughputMs / ROUNDS / 3)
    best.check = Math.max(best.check, c.checksPerSec)
    best.allows = Math.max(best.allows, a.checksPerSec)
    best.checkCpu = Math.max(best.checkCpu, c.checksPerCpuSec)
    best.allowsCpu = Math.max(best.allowsCpu, a.checksPerCpuSec)
  }
  const l = latency(viaAllows, budget.latencyMs)
  if (process.env['SCALE_AB'] === '1') {
    // Both wrapped alike ({ members }), so both pay the same extra hop; only the pre-filter
    // differs (a plain Set has no member buckets or hashes: every pair whose role holds the
    // permission goes to the policy's member string and Set.has, as before the pre-filter).
    const plain = principals.map((p) => ({ members: new Set(p.members) }))
    const masked = principals.map((p) => ({ members: p.members }))
    const viaPlain = (i: number): boolean => {
      const r = requestAt(i)
      return allows(
        { ...r, principals: plain[reqCaller[i % REQUESTS] as number] as PrincipalSet },
        chainAt(i),
      )
    }
    const viaMasked = (i: number): boolean => {
      const r = requestAt(i)
      return allows(
        { ...r, principals: masked[reqCaller[i % REQUESTS] as number] as PrincipalSet },
        chainAt(i),
      )
    }
    for (let r = 0; r < 5; r++) {
      const a = throughput(viaPlain, 1000)
      const b = throughput(viaMasked, 1000)
      console.log(
        `AB round ${r}: plain-set(no mask) ${a.checksPerSec} (cpu ${a.checksPerCpuSec})  masked ${b.checksPerSec} (cpu ${b.checksPerCpuSec})`,
      )
    }
  }
  return {
    services,
    bindings: services * BINDINGS_PER_SERVICE,
    generateMs: Math.round(generateMs),
    loadMs: Math.round(loadMs),
    loadCpuMs: Math.round(loadCpuUs / 1000),
    parseMs: Math.round(parseMs),
    compileMs: Math.round(compileMs),
    indexMs: Math.round(indexMs),
    baseline,
    afterLoad,
    afterChecks: memory(),
    checksPerSec: best.check,
    checksPerCpuSec: best.checkCpu,
    allowsPerSec: best.allows,
    allowsPerCpuSec: best.allowsCpu,
    floorPerSec: best.floor,
    p50Ns: l.p50Ns,
    p99Ns: l.p99Ns,
    timerOverheadNs: l.timerOverheadNs,
    allowedShare: round(allowed / REQUESTS, 3),
  }
}

/** Runs the scale measurement in a child process and prints its JSON line. */
export function runScaleBench(
  services = SERVICES,
  budget: Budget = { warmupMs: 1_000, throughputMs: 3_000, latencyMs: 2_000 },
): void {
  const child = spawnSync(
    process.execPath,
    [
      '--expose-gc',
      `--max-old-space-size=${HEAP_MB}`,
      // A larger young generation: loading promotes every compiled policy, and smaller semi-spaces
      // copy them more often (~25 % less load CPU here). docs/operations.md gives a server
      // holding such an index these settings too (NODE_OPTIONS).
      `--max-semi-space-size=${SEMI_SPACE_MB}`,
      fileURLToPath(import.meta.url),
      '--child',
      String(services),
      JSON.stringify(budget),
    ],
    { encoding: 'utf8', maxBuffer: 16 * 2 ** 20, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  const last = child.stdout.trim().split('\n').pop() ?? ''
  if (child.status !== 0 || !last.startsWith('{')) {
    console.log(
      JSON.stringify({
        bench: 'scale',
        measure: 'authorizer-1m-services',
        failed: `exit ${child.status ?? child.signal}: ${child.stderr.slice(-1_000)}`,
      }),
    )
    return
  }
  const r = JSON.parse(last) as ScaleResult
  console.log(
    JSON.stringify({
      bench: 'scale',
      measure: 'authorizer-1m-services',
      services: r.services,
      serviceBindings: r.bindings,
      conditionalShare: CONDITIONAL_SHARE,
      requests: REQUESTS,
      node: process.version,
      cpus: cpus().length,
      loadAverage1m: round(loadavg()[0] ?? 0, 2),
      generateMs: r.generateMs,
      loadMs: r.loadMs,
      loadCpuMs: r.loadCpuMs,
      parseMs: r.parseMs,
      compileMs: r.compileMs,
      indexMs: r.indexMs,
      rssMB: r.afterLoad.rssMB,
      heapUsedMB: r.afterLoad.heapUsedMB,
      rssDeltaMB: round(r.afterLoad.rssMB - r.baseline.rssMB, 1),
      rssAfterChecksMB: r.afterChecks.rssMB,
      checksPerSec: r.checksPerSec,
      checksPerCpuSec: r.checksPerCpuSec,
      allowsPerSec: r.allowsPerSec,
      allowsPerCpuSec: r.allowsPerCpuSec,
      floorPerSec: r.floorPerSec,
      p50Ns: r.p50Ns,
      p99Ns: r.p99Ns,
      timerOverheadNs: r.timerOverheadNs,
      allowedShare: r.allowedShare,
      method: `child process --max-old-space-size=${HEAP_MB} --max-semi-space-size=${SEMI_SPACE_MB}; loadMs = JSON.parse + compilePolicy + Map.set (+ a service's chain) of every stored policy, in batches of ${LOAD_BATCH.toLocaleString('en-US')} (parseMs + compileMs + indexMs; generating the stored world is generateMs, not counted; loadCpuMs = this process's CPU time over the load batches, GC threads included); memory after a full GC; ${REQUESTS.toLocaleString('en-US')} requests drawn over all services × all callers (typed arrays), cycled; checksPerSec = check() (with its explanation), allowsPerSec = allows() (the boolean the gateway needs), floorPerSec = the same loop with no decision (draws, chain read, request object); ${ROUNDS} interleaved rounds, best window of each; p50/p99 of allows()`,
      goal: '≥1,000,000 unconditional checks/s, RSS < 2 GB, load < 10 s',
      met: {
        throughput: r.allowsPerSec >= 1_000_000,
        rss: r.afterLoad.rssMB < 2_048,
        load: r.loadMs < 10_000,
      },
    }),
  )
}

const childArg = process.argv.indexOf('--child')
if (childArg >= 0) {
  const services = Number(process.argv[childArg + 1])
  const budget = JSON.parse(process.argv[childArg + 2] ?? '') as Budget
  console.log(JSON.stringify(runScale(services, budget)))
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const n = process.argv.indexOf('--services')
  runScaleBench(n >= 0 ? Number(process.argv[n + 1]) : SERVICES)
}
