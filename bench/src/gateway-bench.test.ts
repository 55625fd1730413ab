// parseWrk reads wrk 4's --latency report: the units it prints (us, ms, s), the non-2xx and
// socket-error lines a run may carry, and a clear error when the report is not wrk's.
import { describe, expect, it } from 'vitest'
import { combineRounds, parseWrk } from './gateway-bench.js'

const report = (
  p50: string,
  p99: string,
  extra = '',
): string => `Running 10s test @ http://127.0.0.1:8080/
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.10ms    1.02ms  40.12ms   91.00%
    Req/Sec    15.12k     1.10k   17.00k    70.00%
  Latency Distribution
     50%  ${p50}
     75%    2.40ms
     90%    3.00ms
     99%  ${p99}
  301234 requests in 10.00s, 40.12MB read
${extra}Requests/sec:  30118.52
Transfer/sec:      4.01MB
`

describe('parseWrk', () => {
  it('reads requests/s, totals and the 50%/99% lines in ms whatever unit wrk chose', () => {
    expect(parseWrk(report('812.00us', '1.25s'))).toEqual({
      requestsPerSec: 30119,
      p50Ms: 0.812,
      p99Ms: 1250,
      requests: 301234,
      non2xx: 0,
      socketErrors: 0,
    })
  })

  it('counts non-2xx answers and socket errors', () => {
    const w = parseWrk(
      report(
        '1.80ms',
        '9.10ms',
        '  Socket errors: connect 0, read 3, write 1, timeout 2\n  Non-2xx or 3xx responses: 17\n',
      ),
    )
    expect(w.p50Ms).toBe(1.8)
    expect(w.non2xx).toBe(17)
    expect(w.socketErrors).toBe(6)
  })

  it('refuses output that is not a wrk --latency report', () => {
    expect(() => parseWrk('Requests/sec: 12\n')).toThrow(/wrk output/)
    expect(() => parseWrk('  5 requests in 1.00s, 1kB read\nRequests/sec: 5\n')).toThrow(
      /no 50% line/,
    )
  })
})

describe('combineRounds', () => {
  const r = (rps: number, p99: number, cpu?: number) => ({
    requestsPerSec: rps,
    p50Ms: p99 / 2,
    p99Ms: p99,
    requests: rps * 5,
    non2xx: 1,
    socketErrors: 0,
    ...(cpu === undefined ? {} : { cpuUsPerRequest: cpu }),
  })

  it('takes each figure’s median over the rounds, one outlier round moving none of them', () => {
    const c = combineRounds([r(20_000, 6, 50), r(9_000, 40, 90), r(21_000, 5, 48)])
    expect(c).toMatchObject({ requestsPerSec: 20_000, p99Ms: 6, p50Ms: 3, cpuUsPerRequest: 50 })
    expect(c.requests).toBe(250_000)
    expect(c.non2xx).toBe(3)
    expect(c.rounds).toBe(3)
    expect(c.roundsRequestsPerSec).toEqual([20_000, 9_000, 21_000])
  })

  it('leaves the CPU figure out unless every round has one', () => {
    expect(combineRounds([r(1, 1, 5), r(2, 2)])).not.toHaveProperty('cpuUsPerRequest')
    expect(combineRounds([r(1, 1), r(3, 3)]).requestsPerSec).toBe(2)
  })
})
