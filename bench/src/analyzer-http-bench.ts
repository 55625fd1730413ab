// analyzeIamPolicy over HTTP (issue 10, line 3): a real `runiam serve --dev` (SQLite) holding
// 100,000 services with a 10-binding policy each (seed-services.ts), asked by the organization's
// owner, one request in flight:
//   - first:  the first query, which reads every policy into the analysis snapshot;
//   - who:    "who has run.routes.invoke on service S" (a random service per request);
//   - reach:  "what can user X reach" (a random seeded user per request);
//   - afterWrite: a query right after a setIamPolicy (the snapshot takes the write in place).
// Goal: p99 < 200 ms per query. No peer: Google's analyzer is a remote service, and no
// open-source server answers this query (the in-process brute force is in analyzer-bench.ts).
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { rng } from './dataset.js'
import { JsonClient, quantileMs } from './http-client.js'
import { round } from './measure.js'
import { failureReason, stop } from './processes.js'
import { SEED_PROJECT, seededServer, seedPolicyBindings } from './seed-services.js'

const SERVICES = 100_000
const REQUESTS = 200
const WRITES = 20

function summary(times: number[]): Record<string, number> {
  const sorted = [...times].sort((a, b) => a - b)
  return {
    p50Ms: quantileMs(sorted, 0.5),
    p99Ms: quantileMs(sorted, 0.99),
    maxMs: quantileMs(sorted, 1),
    requests: sorted.length,
  }
}

export async function runAnalyzerHttpBench(count = SERVICES): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'runiam-analyze-bench-'))
  const common = {
    bench: 'analyzer',
    measure: 'analyzeIamPolicy-http',
    services: count,
    serviceBindings: count * 10,
    cpus: cpus().length,
  }
  try {
    const seeded = await seededServer(dir, count)
    const client = new JsonClient(seeded.serve.api, seeded.adminToken, 1)
    try {
      const random = rng(count + 7)
      const scope = `/v1/projects/${SEED_PROJECT}:analyzeIamPolicy`
      const timed = async (query: string): Promise<[number, number]> => {
        const t0 = performance.now()
        const r = await client.send('GET', `${scope}?${query}`)
        const ms = performance.now() - t0
        if (r.status !== 200) throw new Error(`${query}: ${r.status} ${JSON.stringify(r.body)}`)
        const results = (r.body as { mainAnalysis: { analysisResults?: unknown[] } }).mainAnalysis
        return [ms, results.analysisResults?.length ?? 0]
      }
      const who = (): Promise<[number, number]> => {
        const s = seeded.services[Math.floor(random() * count)] as string
        return timed(
          `analysisQuery.resourceSelector.fullResourceName=${encodeURIComponent(`//run.googleapis.com/${s}`)}&analysisQuery.accessSelector.permissions=run.routes.invoke`,
        )
      }
      const reach = (): Promise<[number, number]> =>
        timed(
          `analysisQuery.identitySelector.identity=${encodeURIComponent(`user:u${Math.floor(random() * 5_000)}@example.com`)}`,
        )
      const [firstMs] = await reach()
      const whoTimes: number[] = []
      const reachTimes: number[] = []
      const counts: number[] = []
      for (let i = 0; i < REQUESTS; i++) {
        const [a] = await who()
        whoTimes.push(a)
        const [b, n] = await reach()
        reachTimes.push(b)
        counts.push(n)
      }
      const afterWrite: number[] = []
      for (let i = 0; i < WRITES; i++) {
        const s = seeded.services[Math.floor(random() * count)] as string
        const set = await client.send('POST', `/v2/${s}:setIamPolicy`, {
          policy: { bindings: seedPolicyBindings(i + 1) },
        })
        if (set.status !== 200) throw new Error(`setIamPolicy: ${JSON.stringify(set.body)}`)
        afterWrite.push((await reach())[0])
      }
      console.log(
        JSON.stringify({
          ...common,
          loadAverage1m: round(loadavg()[0] ?? 0, 2),
          firstQueryMs: round(firstMs, 0),
          who: summary(whoTimes),
          reach: {
            ...summary(reachTimes),
            meanResults: round(counts.reduce((s, n) => s + n, 0) / counts.length, 1),
          },
          afterWrite: summary(afterWrite),
          seedSeconds: round(seeded.seedSeconds, 1),
          method:
            'one request in flight over keep-alive HTTP, wall time from request to parsed JSON; firstQueryMs includes reading every policy from SQLite and compiling it (the snapshot); afterWrite = a reach query right after a setIamPolicy',
          goal: 'p99 < 200 ms per query',
          met:
            Math.max(
              quantileMs(
                [...whoTimes].sort((a, b) => a - b),
                0.99,
              ),
              quantileMs(
                [...reachTimes].sort((a, b) => a - b),
                0.99,
              ),
            ) < 200,
        }),
      )
    } finally {
      client.close()
      await stop(seeded.serve.child)
    }
  } catch (error) {
    console.log(JSON.stringify({ ...common, failed: failureReason(error, dir) }))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const n = process.argv.indexOf('--services')
  await runAnalyzerHttpBench(n >= 0 ? Number(process.argv[n + 1]) : SERVICES)
}
