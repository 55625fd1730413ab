// Admin write throughput (issue 8): setIamPolicy calls per second through the REST API of a real
// `runiam serve --dev` (access log on, to a file), on SQLite and on PostgreSQL. CLIENTS concurrent
// clients, each on its own service (no etag conflicts by design), run the etag flow: every
// setIamPolicy carries the etag the previous response returned, and the policy alternates between
// two sets of 10 bindings (a member added and removed), so every call is a real change: validated,
// compared on the etag, written, appended to the change feed, applied to the decision index and
// acknowledged only after it committed. A warm-up, then WINDOW_MS measured; p50/p99 per call.
// Goal: ≥ 2,000 setIamPolicy/s on SQLite. `skipped` for PostgreSQL when it is not reachable.
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Policy } from '@runiam/core'
import { createBenchDatabase } from './bench-database.js'
import { JsonClient, quantileMs } from './http-client.js'
import { round } from './measure.js'
import { failureReason, processCpuMs, stop } from './processes.js'
import { seededServer, seedPolicyBindings } from './seed-services.js'

const CLIENTS = 16
const WARMUP_MS = 1_500
const WINDOW_MS = 5_000

interface Flow {
  readonly calls: number
  readonly failures: number
  readonly firstFailure?: string
  readonly latenciesMs: number[]
}

/** One client's etag flow on one service until `until` (performance.now()). */
async function flow(
  client: JsonClient,
  service: string,
  index: number,
  until: number,
): Promise<Flow> {
  const path = `/v2/${service}`
  const got = await client.send('GET', `${path}:getIamPolicy`)
  let etag = (got.body as Policy).etag
  const base = seedPolicyBindings(index)
  const added = { role: 'roles/run.invoker', members: [`user:writer${index}@example.com`] }
  // The added member joins the invoker binding (canonical form: one binding per role).
  let calls = 0
  let failures = 0
  let firstFailure: string | undefined
  const latenciesMs: number[] = []
  while (performance.now() < until) {
    const bindings = calls % 2 === 0 ? [...base, added] : base
    const t0 = performance.now()
    const r = await client.send('POST', `${path}:setIamPolicy`, {
      policy: { version: 1, etag, bindings },
    })
    latenciesMs.push(performance.now() - t0)
    calls++
    if (r.status !== 200) {
      failures++
      firstFailure ??= `${r.status} ${JSON.stringify(r.body).slice(0, 300)}`
      etag = ((await client.send('GET', `${path}:getIamPolicy`)).body as Policy).etag
      continue
    }
    etag = (r.body as Policy).etag
  }
  return { calls, failures, latenciesMs, ...(firstFailure === undefined ? {} : { firstFailure }) }
}

async function measureEngine(
  engine: 'sqlite' | 'postgres',
  cpuProfDir?: string,
): Promise<Record<string, unknown>> {
  const db = engine === 'postgres' ? createBenchDatabase('write') : undefined
  if (db !== undefined && 'skipped' in db) return { skipped: db.skipped }
  const dir = mkdtempSync(join(tmpdir(), `runiam-write-bench-${engine}-`))
  try {
    const seeded = await seededServer(
      dir,
      CLIENTS,
      db?.url,
      cpuProfDir === undefined ? undefined : join(cpuProfDir, engine),
    )
    const client = new JsonClient(seeded.serve.api, seeded.adminToken, CLIENTS)
    try {
      const run = (ms: number) => {
        const until = performance.now() + ms
        return Promise.all(seeded.services.map((s, i) => flow(client, s, i, until)))
      }
      await run(WARMUP_MS)
      const cpu0 = process.cpuUsage()
      const serverCpu0 = processCpuMs(seeded.serve.child.pid)
      const t0 = performance.now()
      const flows = await run(WINDOW_MS)
      const seconds = (performance.now() - t0) / 1000
      const clientCpu = process.cpuUsage(cpu0)
      const serverCpu1 = processCpuMs(seeded.serve.child.pid)
      const serverCpuMs =
        serverCpu0 === undefined || serverCpu1 === undefined ? undefined : serverCpu1 - serverCpu0
      const calls = flows.reduce((n, f) => n + f.calls, 0)
      const failures = flows.reduce((n, f) => n + f.failures, 0)
      const latencies = flows.flatMap((f) => f.latenciesMs).sort((a, b) => a - b)
      return {
        setIamPolicyPerSec: Math.round((calls - failures) / seconds),
        calls,
        failures,
        ...(failures > 0 ? { firstFailure: flows.find((f) => f.firstFailure)?.firstFailure } : {}),
        p50Ms: quantileMs(latencies, 0.5),
        p99Ms: quantileMs(latencies, 0.99),
        clientCpuShare: round((clientCpu.user + clientCpu.system) / 1e6 / seconds, 2),
        ...(serverCpuMs === undefined
          ? {}
          : {
              serverCpuShare: round(serverCpuMs / 1000 / seconds, 2),
              serverCpuMsPerCall: round(serverCpuMs / calls, 3),
            }),
      }
    } finally {
      client.close()
      await stop(seeded.serve.child)
    }
  } catch (error) {
    return { failed: failureReason(error, dir) }
  } finally {
    db?.drop()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** setIamPolicy/s on SQLite and PostgreSQL; one JSON line. */
export async function runWriteBench(options: { cpuProfDir?: string } = {}): Promise<void> {
  const sqlite = await measureEngine('sqlite', options.cpuProfDir)
  const postgres = await measureEngine('postgres', options.cpuProfDir)
  const perSec = sqlite['setIamPolicyPerSec']
  console.log(
    JSON.stringify({
      bench: 'admin-write',
      measure: 'setIamPolicy-throughput',
      clients: CLIENTS,
      windowMs: WINDOW_MS,
      cpus: cpus().length,
      loadAverage1m: round(loadavg()[0] ?? 0, 2),
      method: `${CLIENTS} concurrent clients (node:http keep-alive, this process), each its own service, etag flow (each call carries the etag the last one returned), 10 bindings ± 1 member per call; runiam serve --dev with the access log on; clientCpuShare = this process's CPU seconds per second, serverCpuShare the same for runiam (from /proc; PostgreSQL's own backends not included), serverCpuMsPerCall = runiam's CPU per setIamPolicy, a figure other processes on the machine disturb less`,
      sqlite,
      postgres,
      goal: '≥2,000 setIamPolicy/s on SQLite',
      met: { sqlite: typeof perSec === 'number' && perSec >= 2_000 },
    }),
  )
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const prof = process.argv.indexOf('--cpu-prof')
  await runWriteBench(prof >= 0 ? { cpuProfDir: process.argv[prof + 1] ?? 'profiles' } : {})
}
