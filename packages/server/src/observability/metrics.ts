// Prometheus metrics for /metrics: requests by route and status, gateway decisions by outcome
// and reason, and latency histograms for the invoker check and the upstream. Labels never carry
// identities or tokens (bounded cardinality: route ids, services, outcomes).
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/** What the gateway reports (gateway/gateway-app.ts's GatewayObserver has this shape). */
export interface GatewayMetrics {
  decision(
    route: unknown,
    outcome: { readonly kind: string; readonly reason: string },
    seconds: number,
  ): void
  upstream(route: unknown, status: number, seconds: number): void
}

export interface Metrics {
  readonly registry: Registry
  request(route: string, status: number, seconds: number): void
  readonly gateway: GatewayMetrics
}

const statusClass = (status: number): string => `${Math.floor(status / 100)}xx`

export function createMetrics(): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'runiam_' })
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
    request(route, status, seconds) {
      requests.inc({ route, status: String(status) })
      requestSeconds.observe({ route }, seconds)
    },
    gateway: {
      decision(_route, outcome, seconds) {
        decisions.inc({ outcome: outcome.kind, reason: outcome.reason })
        checkSeconds.observe({ outcome: outcome.kind }, seconds)
      },
      upstream(_route, status, seconds) {
        upstreamSeconds.observe({ status: statusClass(status) }, seconds)
      },
    },
  }
}
