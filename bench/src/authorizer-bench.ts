// Authorizer benchmark: runiam against casbin and cedar-wasm on the same generated world
// (dataset.ts). Each peer runs in its own child process (same world, same seed), so memory
// figures are its own and one peer's garbage or JIT state cannot slow another; this process
// gathers their results and prints one JSON line per measurement with the peers side by side,
// the ratios, and the goals from the issue. Nothing here asserts: it reports.
import { spawnSync } from 'node:child_process'
import { cpus, loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { generateWorld, type Request } from './dataset.js'
import {
  latency,
  memory,
  round,
  throughput,
  type Latency,
  type Memory,
  type Throughput,
} from './measure.js'
import { casbinPeer } from './peers/casbin.js'
import { cedarPeer } from './peers/cedar.js'
import type { Peer } from './peers/peer.js'
import { runiamPeer } from './peers/runiam.js'

const PEERS: readonly Peer[] = [runiamPeer, casbinPeer, cedarPeer]
const AGREEMENT_SAMPLE = 2_000

interface Workload {
  readonly throughput: Throughput
  readonly latency: Latency
  /** Decisions on the first AGREEMENT_SAMPLE requests, as a string of 0/1. */
  readonly decisions: string
  readonly allowedShare: number
}

interface PeerResult {
  readonly peer: string
  readonly loadMs: number
  readonly baseline: Memory
  readonly afterLoad: Memory
  readonly afterChecks: Memory
  readonly unconditional: Workload
  readonly conditional: Workload | { readonly skipped: string }
}

interface Budget {
  readonly warmupMs: number
  readonly throughputMs: number
  readonly latencyMs: number
}

async function runPeer(name: string, budget: Budget): Promise<PeerResult> {
  const peer = PEERS.find((p) => p.name === name)
  if (peer === undefined) throw new Error(`unknown peer ${name}`)
  const world = generateWorld()
  const baseline = memory()
  const t0 = performance.now()
  const loaded = await peer.load(world)
  const loadMs = Math.round(performance.now() - t0)
  const afterLoad = memory()

  const workload = (requests: readonly Request[]): Workload => {
    const prepared = requests.map((r) => loaded.prepare(r))
    const n = prepared.length
    const one = (i: number): boolean => loaded.check(prepared[i % n])
    let decisions = ''
    let allowed = 0
    for (let i = 0; i < Math.min(AGREEMENT_SAMPLE, n); i++) {
      const d = one(i)
      decisions += d ? '1' : '0'
      if (d) allowed++
    }
    throughput(one, budget.warmupMs)
    return {
      throughput: throughput(one, budget.throughputMs),
      latency: latency(one, budget.latencyMs),
      decisions,
      allowedShare: round(allowed / Math.min(AGREEMENT_SAMPLE, n), 3),
    }
  }
  const unconditional = workload(world.unconditional)
  const conditional =
    loaded.conditions === true
      ? workload(world.conditional)
      : { skipped: String(loaded.conditions) }
  return {
    peer: name,
    loadMs,
    baseline,
    afterLoad,
    afterChecks: memory(),
    unconditional,
    conditional,
  }
}

function spawnPeer(name: string, budget: Budget): PeerResult {
  const child = spawnSync(
    process.execPath,
    [
      '--expose-gc',
      fileURLToPath(import.meta.url),
      '--peer',
      name,
      '--budget',
      JSON.stringify(budget),
    ],
    { encoding: 'utf8', maxBuffer: 64 * 2 ** 20, stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const last = child.stdout.trim().split('\n').pop() ?? ''
  if (child.status !== 0 || !last.startsWith('{')) {
    throw new Error(`peer ${name} failed (exit ${child.status}): ${child.stdout}`)
  }
  return JSON.parse(last) as PeerResult
}

const ratio = (a: number, b: number): number => round(a / b, 1)

/** Runs every peer and prints the comparison lines. */
export function runAuthorizerBench(
  budget: Budget = { warmupMs: 1_000, throughputMs: 3_000, latencyMs: 2_000 },
): void {
  const world = generateWorld()
  const bindings = (ps: readonly { policy: { bindings?: readonly { condition?: unknown }[] } }[]) =>
    ps.reduce((n, p) => n + (p.policy.bindings?.length ?? 0), 0)
  const conditionalBindings = world.services.reduce(
    (n, s) => n + (s.policy.bindings?.filter((b) => b.condition !== undefined).length ?? 0),
    0,
  )
  console.log(
    JSON.stringify({
      bench: 'authorizer',
      measure: 'dataset',
      services: world.services.length,
      serviceBindings: bindings(world.services),
      conditionalServiceBindings: conditionalBindings,
      projects: world.projects.length,
      projectBindings: bindings(world.projects),
      orgBindings: bindings([world.org]),
      principals: world.principals.length,
      requestsPerWorkload: world.unconditional.length,
      node: process.version,
      cpus: cpus().length,
      loadAverage1m: round(loadavg()[0] ?? 0, 2),
      method:
        'checksPerSec = best of 5 windows over 3 s (shared machine: interference only slows a window); mean and per-CPU-second rates beside it; p50/p99 from one hrtime.bigint() pair per check',
    }),
  )
  const results = new Map(PEERS.map((p) => [p.name, spawnPeer(p.name, budget)] as const))
  const r = results.get('runiam') as PeerResult
  const casbin = results.get('casbin') as PeerResult
  const cedar = results.get('cedar-wasm') as PeerResult

  const figures = (w: Workload | { skipped: string }) =>
    'skipped' in w
      ? w
      : {
          checksPerSec: w.throughput.checksPerSec,
          meanChecksPerSec: w.throughput.meanChecksPerSec,
          checksPerCpuSec: w.throughput.checksPerCpuSec,
          p50Ns: w.latency.p50Ns,
          p99Ns: w.latency.p99Ns,
          latencySamples: w.latency.samples,
          timerOverheadNs: w.latency.timerOverheadNs,
          allowedShare: w.allowedShare,
        }
  const u = r.unconditional
  console.log(
    JSON.stringify({
      bench: 'authorizer',
      measure: 'unconditional-checks',
      runiam: figures(u),
      casbin: figures(casbin.unconditional),
      'cedar-wasm': figures(cedar.unconditional),
      ratio: {
        'runiam/casbin': ratio(
          u.throughput.checksPerSec,
          casbin.unconditional.throughput.checksPerSec,
        ),
        'runiam/cedar-wasm': ratio(
          u.throughput.checksPerSec,
          cedar.unconditional.throughput.checksPerSec,
        ),
      },
      goal: '≥1,000,000 checks/s, p99 < 5 µs, ≥50× casbin, ≥150× cedar-wasm',
      met: {
        throughput: u.throughput.checksPerSec >= 1_000_000,
        p99: u.latency.p99Ns < 5_000,
        casbin: u.throughput.checksPerSec / casbin.unconditional.throughput.checksPerSec >= 50,
        cedar: u.throughput.checksPerSec / cedar.unconditional.throughput.checksPerSec >= 150,
      },
    }),
  )
  const c = r.conditional
  const cc = cedar.conditional
  if ('skipped' in c) throw new Error('runiam skipped the conditional workload')
  console.log(
    JSON.stringify({
      bench: 'authorizer',
      measure: 'conditional-checks',
      runiam: figures(c),
      casbin: figures(casbin.conditional),
      'cedar-wasm': figures(cc),
      ratio: {
        'runiam/cedar-wasm':
          'skipped' in cc ? null : ratio(c.throughput.checksPerSec, cc.throughput.checksPerSec),
      },
      goal: '≥200,000 conditional checks/s',
      met: { throughput: c.throughput.checksPerSec >= 200_000 },
    }),
  )
  const mem = (p: PeerResult) => ({
    loadMs: p.loadMs,
    rssMB: p.afterLoad.rssMB,
    heapUsedMB: p.afterLoad.heapUsedMB,
    externalMB: p.afterLoad.externalMB,
    rssDeltaMB: round(p.afterLoad.rssMB - p.baseline.rssMB, 1),
    heapUsedDeltaMB: round(p.afterLoad.heapUsedMB - p.baseline.heapUsedMB, 1),
    rssAfterChecksMB: p.afterChecks.rssMB,
    heapUsedAfterChecksMB: p.afterChecks.heapUsedMB,
  })
  console.log(
    JSON.stringify({
      bench: 'authorizer',
      measure: 'memory-after-load',
      note: 'each peer in its own process; delta = after loading and compiling all policies minus after generating the dataset',
      runiam: mem(r),
      casbin: mem(casbin),
      'cedar-wasm': mem(cedar),
      ratio: {
        'runiam/casbin heapUsedDelta': ratio(mem(r).heapUsedDeltaMB, mem(casbin).heapUsedDeltaMB),
        'runiam/cedar-wasm rssDelta': ratio(mem(r).rssDeltaMB, mem(cedar).rssDeltaMB),
      },
    }),
  )
  const agree = (a: string, b: string): number => {
    let same = 0
    for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++
    return round(same / a.length, 4)
  }
  console.log(
    JSON.stringify({
      bench: 'authorizer',
      measure: 'decision-agreement',
      sample: AGREEMENT_SAMPLE,
      unconditional: {
        'runiam~casbin': agree(u.decisions, casbin.unconditional.decisions),
        'runiam~cedar-wasm': agree(u.decisions, cedar.unconditional.decisions),
      },
      conditional: {
        'runiam~cedar-wasm': 'skipped' in cc ? null : agree(c.decisions, cc.decisions),
      },
    }),
  )
}

const peerArg = process.argv.indexOf('--peer')
if (peerArg >= 0) {
  const budget = JSON.parse(process.argv[process.argv.indexOf('--budget') + 1] ?? '') as Budget
  const result = await runPeer(process.argv[peerArg + 1] ?? '', budget)
  console.log(JSON.stringify(result))
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runAuthorizerBench()
}
