// Timing helpers shared by the benchmarks: throughput over a time budget, per-call latency
// percentiles with the timer's own cost measured beside them, and memory snapshots.
import { performance } from 'node:perf_hooks'

export interface Throughput {
  /** The best of the windows: other processes only ever slow a window down, never speed it up. */
  readonly checksPerSec: number
  /** All checks over all wall-clock time. */
  readonly meanChecksPerSec: number
  /** All checks per second of this process's own CPU time (user + system). */
  readonly checksPerCpuSec: number
  readonly checks: number
  readonly seconds: number
}

/**
 * Calls fn(i) for i = 0, 1, … for `budgetMs`, in `windows` equal windows (the clock is read every
 * 256 calls). The machines are shared, so the best window is the headline figure and the mean and
 * the per-CPU-second rate are printed beside it.
 */
export function throughput(fn: (i: number) => unknown, budgetMs: number, windows = 5): Throughput {
  let sink = 0
  let i = 0
  let best = 0
  const cpu0 = process.cpuUsage()
  const start = performance.now()
  let now = start
  for (let w = 0; w < windows; w++) {
    const windowStart = now
    const first = i
    while (now - windowStart < budgetMs / windows) {
      for (let k = 0; k < 256; k++, i++) if (fn(i) === true) sink++
      now = performance.now()
    }
    best = Math.max(best, ((i - first) * 1000) / (now - windowStart))
  }
  const cpu = process.cpuUsage(cpu0)
  keep(sink)
  const seconds = (now - start) / 1000
  return {
    checksPerSec: Math.round(best),
    meanChecksPerSec: Math.round(i / seconds),
    checksPerCpuSec: Math.round(i / ((cpu.user + cpu.system) / 1e6)),
    checks: i,
    seconds: round(seconds, 3),
  }
}

export interface Latency {
  readonly p50Ns: number
  readonly p99Ns: number
  readonly samples: number
  /** The median cost of an empty pair of hrtime.bigint() calls: included in p50/p99 above. */
  readonly timerOverheadNs: number
}

/** Times each call individually with process.hrtime.bigint(), for `budgetMs` or `max` calls. */
export function latency(fn: (i: number) => unknown, budgetMs: number, max = 200_000): Latency {
  const times = new Float64Array(max)
  const deadline = performance.now() + budgetMs
  let n = 0
  let sink = 0
  while (n < max && (n % 256 !== 0 || performance.now() < deadline)) {
    const t0 = process.hrtime.bigint()
    if (fn(n) === true) sink++
    times[n++] = Number(process.hrtime.bigint() - t0)
  }
  keep(sink)
  const sorted = times.subarray(0, n).sort()
  const overhead = new Float64Array(10_000)
  for (let k = 0; k < overhead.length; k++) {
    const t0 = process.hrtime.bigint()
    overhead[k] = Number(process.hrtime.bigint() - t0)
  }
  overhead.sort()
  return {
    p50Ns: percentile(sorted, 0.5),
    p99Ns: percentile(sorted, 0.99),
    samples: n,
    timerOverheadNs: percentile(overhead, 0.5),
  }
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number)
}

export interface Memory {
  readonly rssMB: number
  readonly heapUsedMB: number
  readonly externalMB: number
}

/** Memory after a full collection when the process runs with --expose-gc. */
export function memory(): Memory {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc !== undefined) {
    gc()
    gc()
  }
  const m = process.memoryUsage()
  return {
    rssMB: round(m.rss / 2 ** 20, 1),
    heapUsedMB: round(m.heapUsed / 2 ** 20, 1),
    externalMB: round((m.external + m.arrayBuffers) / 2 ** 20, 1),
  }
}

/** The median of `xs` (not empty): the middle value, or the mean of the middle two. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

/** x rounded to `digits` decimals (default 2). */
export function round(x: number, digits = 2): number {
  const f = 10 ** digits
  return Math.round(x * f) / f
}

let blackhole = 0
/** Keeps results observable so the JIT cannot drop the measured work. */
function keep(x: number): void {
  blackhole ^= x
  if (blackhole === 0x7fffffff) console.log('')
}
