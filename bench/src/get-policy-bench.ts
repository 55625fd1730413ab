// getIamPolicy at scale (issue 8): p50/p99 of REST getIamPolicy on a real `runiam serve --dev`
// (SQLite, access log on) holding 100 services and then one holding 100,000 (each with a 10-binding
// allow policy; seed-services.ts), one request in flight, each on a service drawn at random, so
// with 100,000 almost every request reads a policy (and authorizes on an ancestry) no earlier
// request touched. Goal: p99 with 100,000 services within 2× the p99 with 100.
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Policy } from '@runiam/core'
import { rng } from './dataset.js'
import { JsonClient, quantileMs } from './http-client.js'
import { round } from './measure.js'
import { failureReason, processCpuMs, stop } from './processes.js'
import { seededServer } from './seed-services.js'

const SIZES = [100, 100_000] as const
const WARMUP = 300
const REQUESTS = 3_000

async function measureSize(count: number): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), `runiam-get-bench-${count}-`))
  try {
    const seeded = await seededServer(dir, count)
    const client = new JsonClient(seeded.serve.api, seeded.adminToken, 1)
    try {
      const random = rng(count)
      const one = async (): Promise<number> => {
        const service = seeded.services[Math.floor(random() * count)] as string
        const t0 = performance.now()
        const r = await client.send('GET', `/v2/${service}:getIamPolicy`)
        const ms = performance.now() - t0
        if (r.status !== 200 || (r.body as Policy).bindings?.length !== 10) {
          throw new Error(`getIamPolicy ${service}: ${r.status} ${JSON.stringify(r.body)}`)
        }
        return ms
      }
      for (let i = 0; i < WARMUP; i++) await one()
      const cpu0 = processCpuMs(seeded.serve.child.pid)
      const times: number[] = []
      for (let i = 0; i < REQUESTS; i++) times.push(await one())
      const cpu1 = processCpuMs(seeded.serve.child.pid)
      times.sort((a, b) => a - b)
      return {
        services: count,
        p50Ms: quantileMs(times, 0.5),
        p99Ms: quantileMs(times, 0.99),
        maxMs: quantileMs(times, 1),
        ...(cpu0 === undefined || cpu1 === undefined
          ? {}
          : { serverCpuMsPerCall: round((cpu1 - cpu0) / REQUESTS, 3) }),
        seedSeconds: round(seeded.seedSeconds, 1),
        serverStartSeconds: round(seeded.startSeconds, 1),
      }
    } finally {
      client.close()
      await stop(seeded.serve.child)
    }
  } catch (error) {
    return { services: count, failed: failureReason(error, dir) }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** getIamPolicy p50/p99 with 100 and 100,000 services; one JSON line. */
export async function runGetPolicyBench(): Promise<void> {
  const [small, large] = [await measureSize(SIZES[0]), await measureSize(SIZES[1])]
  const p99 = (r: Record<string, unknown>): number | undefined =>
    typeof r['p99Ms'] === 'number' ? r['p99Ms'] : undefined
  const a = p99(small)
  const b = p99(large)
  const ratio = a === undefined || b === undefined ? undefined : round(b / a, 2)
  console.log(
    JSON.stringify({
      bench: 'admin-read',
      measure: 'getIamPolicy-latency-by-store-size',
      requests: REQUESTS,
      cpus: cpus().length,
      loadAverage1m: round(loadavg()[0] ?? 0, 2),
      method: `runiam serve --dev (SQLite, access log on); ${WARMUP} warm-up then ${REQUESTS} getIamPolicy calls one at a time (node:http keep-alive) on services drawn at random; each service has a 10-binding policy`,
      small,
      large,
      ratio: { 'p99 large/small': ratio },
      goal: 'p99 with 100,000 services ≤ 2× p99 with 100',
      met: { p99: ratio !== undefined && ratio <= 2 },
    }),
  )
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runGetPolicyBench()
