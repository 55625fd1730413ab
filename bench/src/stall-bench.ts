// Stall benchmark (security issue "no single request may block the event loop for more than a few
// milliseconds"): the event loop's longest block while the heaviest condition that passes
// validation is evaluated on the longest path that reaches the authorizer (8 KiB), beside the same
// measurement with a trivial condition. Two measurements:
//   1. server: a real `runiam serve --dev` process behind its gateway; the figure is the
//      server's own `runiam_nodejs_eventloop_lag_max_seconds` (prom-client's default metrics:
//      perf_hooks.monitorEventLoopDelay, 10 ms resolution, reset at each /metrics scrape), read
//      after each phase of invocations. A tick is ~10 ms apart when the loop is free, so the
//      longest block is estimated as max − 10 ms; an idle server shows a few ms of noise.
//   2. in-process: the core authorizer's check() (synchronous: its duration is the block), per
//      call with process.hrtime.bigint(): the first calls (before V8 optimises) and the steady
//      state, and the work units the conditions spent.
// Goal: longest block ≤ 5 ms with the heaviest condition. One JSON line per measurement, no
// asserts; `skipped` if the CLI is not built.
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { check, compilePolicy, principalSetFor } from '@runiam/core/authorizer'
import { compileCondition, EVALUATION_BUDGET } from '@runiam/core/conditions'
import { round } from './measure.js'
import {
  BIN,
  cliEnv,
  devLogin,
  failureReason,
  runiamCli,
  startServe,
  stop,
  type Serve,
} from './processes.js'

const PROJECT = 'stall-bench'
const REGION = 'us-central1'
const CALLER = 'bench@example.com'
const PATH_LENGTH = 8192
/**
 * Requests per phase, phases per condition (alternating), warm-up requests. One request in
 * flight at a time: the monitor cannot tell one long block from several requests handled in the
 * same turn of the loop, and the issue is about what one request may cost.
 */
const REQUESTS = 300
const CONCURRENCY = 1
const ROUNDS = 3
const WARMUP = 200
const GOAL_MS = 5
/** prom-client's eventLoopMonitoringPrecision default: the interval the monitor ticks at. */
const MONITOR_RESOLUTION_MS = 10

/**
 * The heaviest condition validation accepts: two patterns of 996 RE2 instructions (the cap is
 * 2,000 per condition) whose state sets grow with every a/b character, so on the path below each
 * evaluation runs until its work budget is spent and the binding grants nothing (403).
 */
const HEAVIEST =
  'request.path.startsWith("/ok") || request.path.matches("[ab]*a[ab]{990}$") || request.path.matches("[ab]*b[ab]{990}$")'
/** Same decision (403) on the same path, for almost no work. */
const TRIVIAL = 'request.path.startsWith("/ok")'

/** An 8 KiB path of a/b, different per seed. */
function abPath(seed: number, length = PATH_LENGTH): string {
  let x = seed * 7919 + 1
  let s = '/'
  while (s.length < length) {
    x = (x * 1103515245 + 12345) & 0x7fffffff
    s += (x >> 16) & 1 ? 'a' : 'b'
  }
  return s
}

function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN
}

function summary(ms: number[]): { p50Ms: number; p99Ms: number; maxMs: number } {
  const sorted = [...ms].sort((a, b) => a - b)
  return {
    p50Ms: round(percentile(sorted, 0.5), 3),
    p99Ms: round(percentile(sorted, 0.99), 3),
    maxMs: round(sorted.at(-1) ?? Number.NaN, 3),
  }
}

// ---------- 2. in-process: the authorizer ----------

function inProcess(): void {
  const resource = `projects/${PROJECT}/locations/${REGION}/services/s`
  const principals = principalSetFor(`user:${CALLER}`)
  const measureOne = (expression: string) => {
    const policy = compilePolicy(resource, {
      version: 3,
      bindings: [
        {
          role: 'roles/run.invoker',
          members: [`user:${CALLER}`],
          condition: { title: 'bench', expression },
        },
      ],
    })
    const run = (i: number): { ms: number; allowed: boolean } => {
      const attributes = { timeMs: Date.now(), host: 'h', path: abPath(i) }
      const t0 = process.hrtime.bigint()
      const d = check({ principals, permission: 'run.routes.invoke', resource, attributes }, [
        policy,
      ])
      return { ms: Number(process.hrtime.bigint() - t0) / 1e6, allowed: d.allowed }
    }
    const first = [run(0), run(1), run(2)]
    for (let i = 3; i < 200; i++) run(i)
    const steady: number[] = []
    let allowed = 0
    for (let i = 200; i < 1200; i++) {
      const r = run(i)
      steady.push(r.ms)
      if (r.allowed) allowed++
    }
    const cost = compileCondition(expression).evaluateMetered({
      timeMs: Date.now(),
      path: abPath(9),
    }).cost
    return {
      expression,
      firstCallsMs: first.map((r) => round(r.ms, 3)),
      steady: { ...summary(steady), calls: steady.length, allowed },
      workUnitsPerEvaluation: cost,
    }
  }
  // The trivial one first, so the heavy one does not profit from code the trivial one warmed.
  const trivial = measureOne(TRIVIAL)
  const heaviest = measureOne(HEAVIEST)
  console.log(
    JSON.stringify({
      bench: 'stall',
      measure: 'authorizer-in-process',
      pathLength: PATH_LENGTH,
      evaluationBudgetUnits: EVALUATION_BUDGET,
      heaviest,
      trivial,
      ratio: { 'steady max heaviest/trivial': round(heaviest.steady.maxMs / trivial.steady.maxMs) },
      goal: `one check (= one block of the event loop) ≤ ${GOAL_MS} ms with the heaviest accepted condition on an 8 KiB path, once warm`,
      met: heaviest.steady.maxMs <= GOAL_MS,
      node: process.version,
      cpus: cpus().length,
      loadAverage1m: round(loadavg()[0] ?? 0),
    }),
  )
}

// ---------- 1. server: runiam serve's own event-loop monitor ----------

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY })

/** One GET with a Host header (fetch cannot set Host): its status and client-side time. */
function get(
  port: number,
  host: string,
  path: string,
  token: string,
): Promise<{ status: number; ms: number }> {
  return new Promise((res, rej) => {
    const t0 = process.hrtime.bigint()
    const req = request(
      { host: '127.0.0.1', port, path, agent, headers: { host, authorization: `Bearer ${token}` } },
      (r) => {
        r.resume()
        r.on('end', () =>
          res({ status: r.statusCode ?? 0, ms: Number(process.hrtime.bigint() - t0) / 1e6 }),
        )
      },
    )
    req.on('error', rej)
    req.end()
  })
}

/** The server's event-loop delay gauges (seconds) from /metrics; each scrape resets them. */
async function eventLoop(api: string): Promise<{ maxMs: number; p99Ms: number; minMs: number }> {
  const text = await (await fetch(`${api}/metrics`)).text()
  const read = (name: string): number => {
    const m = new RegExp(`^runiam_nodejs_eventloop_lag_${name}_seconds ([\\d.e+-]+)$`, 'm').exec(
      text,
    )
    if (m?.[1] === undefined) throw new Error(`/metrics has no eventloop_lag_${name}_seconds`)
    return round(Number(m[1]) * 1000, 3)
  }
  return { maxMs: read('max'), p99Ms: read('p99'), minMs: read('min') }
}

interface Target {
  readonly host: string
  readonly token: string
}

/** REQUESTS invocations, CONCURRENCY at a time, each with its own 8 KiB path. */
async function phase(port: number, target: Target, count: number, seed: number) {
  const statuses = new Map<number, number>()
  const times: number[] = []
  let next = 0
  const worker = async () => {
    while (next < count) {
      const i = next++
      const r = await get(port, target.host, abPath(seed + i), target.token)
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1)
      times.push(r.ms)
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  return { statuses: Object.fromEntries(statuses), times }
}

async function server(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'runiam-stall-bench-'))
  let serve: Serve | undefined
  try {
    serve = await startServe(dir, { dev: true })
    const { port, api } = serve
    const cli = runiamCli(cliEnv(dir, api, { RUNIAM_PROJECT: PROJECT, RUNIAM_REGION: REGION }))
    cli(['auth', 'login', 'admin@example.com'])
    cli(['projects', 'create', PROJECT])
    const admin = (await devLogin(api, 'admin@example.com')).access_token
    const deploy = async (name: string, expression: string): Promise<Target> => {
      cli(['run', 'deploy', name, '--no-allow-unauthenticated'])
      const uri = (
        JSON.parse(cli(['run', 'services', 'describe', name, '--format=json'])) as { uri: string }
      ).uri
      const set = await fetch(
        `${api}/v2/projects/${PROJECT}/locations/${REGION}/services/${name}:setIamPolicy`,
        {
          method: 'POST',
          headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            policy: {
              version: 3,
              bindings: [
                {
                  role: 'roles/run.invoker',
                  members: [`user:${CALLER}`],
                  condition: { title: name, expression },
                },
              ],
            },
          }),
        },
      )
      if (set.status !== 200) throw new Error(`setIamPolicy ${set.status}: ${await set.text()}`)
      return { host: new URL(uri).hostname, token: (await devLogin(api, CALLER, uri)).id_token }
    }
    const heavy = await deploy('heaviest', HEAVIEST)
    const trivial = await deploy('trivial', TRIVIAL)
    const ok = await get(port, heavy.host, '/ok', heavy.token)
    if (ok.status !== 200) throw new Error(`gateway refused /ok: ${ok.status}`)

    const idle = await (async () => {
      await eventLoop(api)
      await new Promise((r) => setTimeout(r, 1000))
      return eventLoop(api)
    })()
    await phase(port, trivial, WARMUP, 1)
    await phase(port, heavy, WARMUP, 1)
    const results = {
      heaviest: { lagMaxMs: [] as number[], lagP99Ms: [] as number[], times: [] as number[] },
      trivial: { lagMaxMs: [] as number[], lagP99Ms: [] as number[], times: [] as number[] },
    }
    const statuses: Record<string, Record<number, number>> = {}
    for (let r = 0; r < ROUNDS; r++) {
      for (const [name, target] of [
        ['trivial', trivial],
        ['heaviest', heavy],
      ] as const) {
        await eventLoop(api) // resets the monitor
        const p = await phase(port, target, REQUESTS, 10_000 * (r + 1))
        const lag = await eventLoop(api)
        results[name].lagMaxMs.push(lag.maxMs)
        results[name].lagP99Ms.push(lag.p99Ms)
        results[name].times.push(...p.times)
        statuses[name] = p.statuses
      }
    }
    const report = (name: 'heaviest' | 'trivial', expression: string) => {
      const r = results[name]
      const lagMaxMs = Math.max(...r.lagMaxMs)
      return {
        expression,
        eventLoopLagMaxMs: lagMaxMs,
        eventLoopLagMaxMsPerRound: r.lagMaxMs,
        eventLoopLagP99MsPerRound: r.lagP99Ms,
        longestBlockEstimateMs: round(Math.max(0, lagMaxMs - MONITOR_RESOLUTION_MS), 3),
        clientRequests: r.times.length,
        clientLatency: summary(r.times),
        statuses: statuses[name],
      }
    }
    const h = report('heaviest', HEAVIEST)
    const t = report('trivial', TRIVIAL)
    console.log(
      JSON.stringify({
        bench: 'stall',
        measure: 'server-event-loop',
        pathLength: PATH_LENGTH,
        requestsPerPhase: REQUESTS,
        concurrency: CONCURRENCY,
        rounds: ROUNDS,
        heaviest: h,
        trivial: t,
        idle: { eventLoopLagMaxMs: idle.maxMs, eventLoopLagMinMs: idle.minMs },
        ratio: {
          'lag max heaviest/trivial': round(h.eventLoopLagMaxMs / t.eventLoopLagMaxMs),
          'client p50 heaviest/trivial': round(h.clientLatency.p50Ms / t.clientLatency.p50Ms),
          'client p99 heaviest/trivial': round(h.clientLatency.p99Ms / t.clientLatency.p99Ms),
        },
        excessOverTrivialMs: round(h.eventLoopLagMaxMs - t.eventLoopLagMaxMs, 3),
        goal: `longest event-loop block while the heaviest accepted condition is evaluated ≤ ${GOAL_MS} ms (server's monitorEventLoopDelay max − its ${MONITOR_RESOLUTION_MS} ms tick)`,
        met: h.longestBlockEstimateMs <= GOAL_MS,
        source: 'runiam_nodejs_eventloop_lag_max_seconds from GET /metrics, reset by each scrape',
        node: process.version,
        cpus: cpus().length,
        loadAverage1m: round(loadavg()[0] ?? 0),
      }),
    )
  } catch (error) {
    console.log(
      JSON.stringify({
        bench: 'stall',
        measure: 'server-event-loop',
        skipped: failureReason(error, dir),
      }),
    )
  } finally {
    agent.destroy()
    if (serve !== undefined) await stop(serve.child)
    rmSync(dir, { recursive: true, force: true })
  }
}

export async function runStallBench(): Promise<void> {
  if (!existsSync(BIN)) {
    console.log(
      JSON.stringify({
        bench: 'stall',
        skipped: `CLI not built: ${BIN} missing (run npm run build)`,
      }),
    )
  } else {
    await server()
  }
  inProcess()
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await runStallBench()
}
