// Prometheus metrics for /metrics: requests by route and status, gateway decisions by outcome
// and reason, and latency histograms for the invoker check and the upstream. Labels never carry
// identities or tokens (bounded cardinality: route ids, services, outcomes).
//
// The per-request series are counted in plain numbers, one series object per label tuple found
// with a Map lookup, and turned into Prometheus samples only when /metrics is scraped. prom-client's
// own Counter and Histogram hash their label objects on every inc/observe, which was a visible
// share of the gateway's per-request CPU; they stay for the process's default metrics. The series
// are registered in the same prom-client Registry (they answer get() as its metrics do), so the
// text format, and cluster aggregation over getMetricsAsJSON(), are prom-client's.
import { Registry, collectDefaultMetrics, type Metric } from 'prom-client'

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

type Labels = Readonly<Record<string, string>>

interface Sample {
  readonly value: number
  readonly labels: Record<string, string | number>
  readonly metricName?: string
}

/** One metric (all its label tuples) as prom-client's Registry reads it. */
abstract class PlainMetric<S> {
  readonly name: string
  readonly help: string
  readonly aggregator = 'sum'
  abstract readonly type: 'counter' | 'histogram'
  readonly #series = new Map<string, { readonly labels: Labels; readonly series: S }>()

  constructor(name: string, help: string) {
    this.name = name
    this.help = help
  }

  protected abstract create(): S
  protected abstract samples(labels: Labels, series: S): Sample[]
  protected abstract zero(series: S): void

  /** The series for a label tuple; `key` must identify the tuple (callers keep what it returns). */
  series(key: string, labels: Labels): S {
    let found = this.#series.get(key)
    if (found === undefined) {
      found = { labels, series: this.create() }
      this.#series.set(key, found)
    }
    return found.series
  }

  /** prom-client's Registry calls this on scrape (metrics(), getMetricsAsJSON()). */
  get(): Promise<{
    name: string
    help: string
    type: string
    aggregator: string
    values: Sample[]
  }> {
    const values: Sample[] = []
    for (const { labels, series } of this.#series.values()) {
      values.push(...this.samples(labels, series))
    }
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values,
    })
  }

  /** Registry's resetMetrics(): zero every series in place (callers keep references to them). */
  reset(): void {
    for (const { series } of this.#series.values()) this.zero(series)
  }
}

/** A monotonically increasing count. */
export interface CounterSeries {
  value: number
}

export class PlainCounter extends PlainMetric<CounterSeries> {
  readonly type = 'counter'
  protected create(): CounterSeries {
    return { value: 0 }
  }
  protected samples(labels: Labels, s: CounterSeries): Sample[] {
    return [{ value: s.value, labels: { ...labels } }]
  }
  protected zero(s: CounterSeries): void {
    s.value = 0
  }
}

/** Observations in fixed buckets (non-cumulative here; cumulative when rendered). */
export interface HistogramSeries {
  readonly counts: number[]
  sum: number
  count: number
}

export class PlainHistogram extends PlainMetric<HistogramSeries> {
  readonly type = 'histogram'
  readonly #bounds: readonly number[]

  constructor(name: string, help: string, buckets: readonly number[]) {
    super(name, help)
    this.#bounds = [...buckets].sort((a, b) => a - b)
  }

  protected create(): HistogramSeries {
    return { counts: new Array<number>(this.#bounds.length).fill(0), sum: 0, count: 0 }
  }

  observe(s: HistogramSeries, value: number): void {
    const bounds = this.#bounds
    // le is inclusive (Prometheus); a value above every bound is counted in +Inf only.
    for (let i = 0; i < bounds.length; i++) {
      if (value <= (bounds[i] as number)) {
        s.counts[i] = (s.counts[i] as number) + 1
        break
      }
    }
    s.sum += value
    s.count++
  }

  protected zero(s: HistogramSeries): void {
    s.counts.fill(0)
    s.sum = 0
    s.count = 0
  }

  protected samples(labels: Labels, s: HistogramSeries): Sample[] {
    const bucket = `${this.name}_bucket`
    const out: Sample[] = []
    let acc = 0
    this.#bounds.forEach((le, i) => {
      acc += s.counts[i] as number
      out.push({ value: acc, labels: { le, ...labels }, metricName: bucket })
    })
    out.push(
      { value: s.count, labels: { le: '+Inf', ...labels }, metricName: bucket },
      { value: s.sum, labels: { ...labels }, metricName: `${this.name}_sum` },
      { value: s.count, labels: { ...labels }, metricName: `${this.name}_count` },
    )
    return out
  }
}

/** How often the event loop's delay is sampled (runiam_nodejs_eventloop_lag_*), ms. */
export const EVENT_LOOP_SAMPLE_MS = 1000

const statusClass = (status: number): string => `${Math.floor(status / 100)}xx`

/** What one route's requests update, found once per request with one Map lookup. */
interface RouteSeries {
  readonly seconds: HistogramSeries
  readonly byStatus: Map<number, CounterSeries>
}

export function createMetrics(): Metrics {
  const registry = new Registry()
  // The event loop delay is sampled once a second (prom-client's default, every 10 ms, was a
  // timer waking an idle server 100 times a second, ~200 event-loop turns): a block still shows
  // at its full length (the late timer measures it), only the number of samples is smaller.
  collectDefaultMetrics({
    register: registry,
    prefix: 'runiam_',
    eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS,
  })
  const register = <M>(m: M): M => {
    // These answer what the Registry asks of a metric (name, type, get, reset); prom-client's
    // type names only its own classes.
    registry.registerMetric(m as unknown as Metric)
    return m
  }
  const requests = register(
    new PlainCounter(
      'runiam_http_requests_total',
      'HTTP requests served, by route (Google method id, gateway, identity, health) and status code.',
    ),
  )
  const requestSeconds = register(
    new PlainHistogram(
      'runiam_http_request_duration_seconds',
      'Time to serve a request (for the gateway: until the response headers and body are sent).',
      [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    ),
  )
  const decisions = register(
    new PlainCounter(
      'runiam_gateway_decisions_total',
      'Invoker-check decisions, by outcome (forward, reject) and reason.',
    ),
  )
  const checkSeconds = register(
    new PlainHistogram(
      'runiam_gateway_check_duration_seconds',
      'Time of the invoker check: token verification and run.routes.invoke.',
      [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05],
    ),
  )
  const upstreamSeconds = register(
    new PlainHistogram(
      'runiam_gateway_upstream_duration_seconds',
      'Time spent with the upstream (or built-in responder), by status class.',
      [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
    ),
  )

  const routes = new Map<string, RouteSeries>()
  const routeSeries = (route: string): RouteSeries => {
    let r = routes.get(route)
    if (r === undefined) {
      r = { seconds: requestSeconds.series(route, { route }), byStatus: new Map() }
      routes.set(route, r)
    }
    return r
  }
  const decisionSeries = new Map<
    string,
    Map<string, { n: CounterSeries; seconds: HistogramSeries }>
  >()
  const upstreamSeries = new Map<number, HistogramSeries>()

  return {
    registry,
    request(route, status, seconds) {
      const r = routeSeries(route)
      let n = r.byStatus.get(status)
      if (n === undefined) {
        n = requests.series(`${route}\n${status}`, { route, status: String(status) })
        r.byStatus.set(status, n)
      }
      n.value++
      requestSeconds.observe(r.seconds, seconds)
    },
    gateway: {
      decision(_route, outcome, seconds) {
        // Two lookups by the outcome's own (constant) strings: a key built per request would be
        // a new string to hash every time.
        let byReason = decisionSeries.get(outcome.kind)
        if (byReason === undefined) decisionSeries.set(outcome.kind, (byReason = new Map()))
        let d = byReason.get(outcome.reason)
        if (d === undefined) {
          d = {
            n: decisions.series(`${outcome.kind}\n${outcome.reason}`, {
              outcome: outcome.kind,
              reason: outcome.reason,
            }),
            seconds: checkSeconds.series(outcome.kind, { outcome: outcome.kind }),
          }
          byReason.set(outcome.reason, d)
        }
        d.n.value++
        checkSeconds.observe(d.seconds, seconds)
      },
      upstream(_route, status, seconds) {
        const klass = Math.floor(status / 100)
        let s = upstreamSeries.get(klass)
        if (s === undefined) {
          s = upstreamSeconds.series(String(klass), { status: statusClass(status) })
          upstreamSeries.set(klass, s)
        }
        upstreamSeconds.observe(s, seconds)
      },
    },
  }
}
