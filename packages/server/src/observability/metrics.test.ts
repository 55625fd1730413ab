// The plain-number metrics render exactly what prom-client's own Counter and Histogram render for
// the same observations (so dashboards and the e2e scrapes see no change), buckets are inclusive
// at their bound, and resetMetrics() zeroes series that callers still hold.
import { Counter, Histogram, Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { createMetrics } from './metrics.js'

const OURS = [
  'runiam_http_requests_total',
  'runiam_http_request_duration_seconds',
  'runiam_gateway_decisions_total',
  'runiam_gateway_check_duration_seconds',
  'runiam_gateway_upstream_duration_seconds',
]

/** The blocks of the exposition text for our metric names, keyed by name. */
function blocks(text: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const block of text.split('\n\n')) {
    const name = /^# HELP (\S+)/.exec(block)?.[1]
    if (name !== undefined && OURS.includes(name)) out.set(name, block.trim())
  }
  return out
}

/** The same metrics built with prom-client's classes, fed the same observations. */
function reference() {
  const registry = new Registry()
  const requests = new Counter({
    name: 'runiam_http_requests_total',
    help: 'HTTP requests served, by route (Google method id, gateway, identity, health) and status code.',
    labelNames: ['route', 'status'],
    registers: [registry],
  })
  const requestSeconds = new Histogram({
    name: 'runiam_http_request_duration_seconds',
    help: 'Time to serve a request (for the gateway: until the response headers and body are sent).',
    labelNames: ['route'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  })
  const decisions = new Counter({
    name: 'runiam_gateway_decisions_total',
    help: 'Invoker-check decisions, by outcome (forward, reject) and reason.',
    labelNames: ['outcome', 'reason'],
    registers: [registry],
  })
  const checkSeconds = new Histogram({
    name: 'runiam_gateway_check_duration_seconds',
    help: 'Time of the invoker check: token verification and run.routes.invoke.',
    labelNames: ['outcome'],
    buckets: [
      0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05,
    ],
    registers: [registry],
  })
  const upstreamSeconds = new Histogram({
    name: 'runiam_gateway_upstream_duration_seconds',
    help: 'Time spent with the upstream (or built-in responder), by status class.',
    labelNames: ['status'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
    registers: [registry],
  })
  return {
    registry,
    request(route: string, status: number, seconds: number) {
      requests.inc({ route, status: String(status) })
      requestSeconds.observe({ route }, seconds)
    },
    decision(kind: string, reason: string, seconds: number) {
      decisions.inc({ outcome: kind, reason })
      checkSeconds.observe({ outcome: kind }, seconds)
    },
    upstream(status: number, seconds: number) {
      upstreamSeconds.observe({ status: `${Math.floor(status / 100)}xx` }, seconds)
    },
  }
}

describe('metrics', () => {
  it("renders what prom-client's Counter and Histogram render for the same observations", async () => {
    const ours = createMetrics()
    const ref = reference()
    // Values on bucket bounds (inclusive), between them, above all of them, and zero.
    const seconds = [0, 0.0005, 0.0007, 0.001, 0.05, 3, 10, 11, 120, 0.00001, 0.000011]
    const routes = ['gateway', 'run.projects.locations.services.getIamPolicy', 'healthz']
    const statuses = [200, 403, 404, 503]
    let i = 0
    for (const s of seconds) {
      for (const route of routes) {
        const status = statuses[i++ % statuses.length] ?? 200
        ours.request(route, status, s)
        ref.request(route, status, s)
      }
      for (const [kind, reason] of [
        ['forward', 'allowed'],
        ['reject', 'invalid-token'],
        ['reject', 'denied'],
      ] as const) {
        ours.gateway.decision(undefined, { kind, reason }, s)
        ref.decision(kind, reason, s)
      }
      for (const status of [200, 502, 499]) {
        ours.gateway.upstream(undefined, status, s)
        ref.upstream(status, s)
      }
    }
    const got = blocks(await ours.registry.metrics())
    const want = blocks(await ref.registry.metrics())
    expect([...got.keys()].sort()).toEqual([...OURS].sort())
    for (const name of OURS) expect(got.get(name), name).toBe(want.get(name))
    // And as JSON (what a cluster aggregator collects from each worker).
    const json = (await ours.registry.getMetricsAsJSON()).filter((m) => OURS.includes(m.name))
    const wantJson = (await ref.registry.getMetricsAsJSON()).filter((m) => OURS.includes(m.name))
    const norm = (ms: typeof json) =>
      ms
        .map((m) => ({
          name: m.name,
          type: String(m.type),
          aggregator: m.aggregator,
          values: m.values
            .map((v) =>
              JSON.stringify([
                (v as { metricName?: string }).metricName ?? m.name,
                Object.entries(v.labels).sort(([a], [b]) => a.localeCompare(b)),
                v.value,
              ]),
            )
            .sort((a, b) => a.localeCompare(b)),
        }))
        .sort((a, b) => a.name.localeCompare(b.name))
    expect(norm(json)).toEqual(norm(wantJson))
  })

  it('counts every request, and resetMetrics() zeroes the series still in use', async () => {
    const m = createMetrics()
    for (let n = 0; n < 5; n++) m.request('gateway', 200, 0.002)
    expect(await m.registry.metrics()).toContain(
      'runiam_http_requests_total{route="gateway",status="200"} 5',
    )
    m.registry.resetMetrics()
    m.request('gateway', 200, 0.002)
    const text = await m.registry.metrics()
    expect(text).toContain('runiam_http_requests_total{route="gateway",status="200"} 1')
    expect(text).toContain('runiam_http_request_duration_seconds_count{route="gateway"} 1')
  })
})
