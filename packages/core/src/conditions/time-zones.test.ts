// The timestamp accessors in several zones, evaluated while the HOST time zone is changed, with
// expected values from explicit UTC arithmetic: results must not depend on the process TZ.
import { describe, expect, it } from 'vitest'
import { compileCondition } from './compile-condition.js'
import { TIME_ACCESSORS } from './signatures.js'
import type { TimeAccessor } from './signatures.js'

// The point of this test is the host TZ, which only the environment sets; core is pure and has
// no @types/node, so reach the variable through globalThis here and nowhere else.
const hostEnv = (globalThis as unknown as { process: { env: Record<string, string | undefined> } })
  .process.env

function withHostTimeZone<T>(tz: string, f: () => T): T {
  const saved = hostEnv['TZ']
  hostEnv['TZ'] = tz
  try {
    return f()
  } finally {
    if (saved === undefined) delete hostEnv['TZ']
    else hostEnv['TZ'] = saved
  }
}

/** CEL's accessor values for an instant in a zone whose UTC offset then is `offsetMinutes`. */
function expected(epochMs: number, offsetMinutes: number): Record<TimeAccessor, number> {
  const d = new Date(epochMs + offsetMinutes * 60_000) // read with getUTC* only
  const startOfYear = Date.UTC(d.getUTCFullYear(), 0, 1)
  const dayStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())
  return {
    getFullYear: d.getUTCFullYear(),
    getMonth: d.getUTCMonth(),
    getDate: d.getUTCDate(),
    getDayOfMonth: d.getUTCDate() - 1,
    getDayOfWeek: d.getUTCDay(),
    getDayOfYear: Math.round((dayStart - startOfYear) / 86_400_000),
    getHours: d.getUTCHours(),
    getMinutes: d.getUTCMinutes(),
    getSeconds: d.getUTCSeconds(),
    getMilliseconds: d.getUTCMilliseconds(),
  }
}

const cases: [label: string, zone: string | undefined, iso: string, offsetMinutes: number][] = [
  ['UTC by default', undefined, '2024-12-31T23:59:59.987Z', 0],
  ['UTC by name', 'UTC', '2024-02-29T12:34:56.789Z', 0],
  ['Berlin, just before the spring-forward switch', 'Europe/Berlin', '2026-03-29T00:30:00Z', 60],
  ['Berlin, just after it', 'Europe/Berlin', '2026-03-29T01:30:00Z', 120],
  ['New York, first 01:30 (EDT)', 'America/New_York', '2026-11-01T05:30:00Z', -240],
  ['New York, second 01:30 (EST)', 'America/New_York', '2026-11-01T06:30:00Z', -300],
  ['Kolkata, already next year', 'Asia/Kolkata', '2026-12-31T20:00:00Z', 330],
  ['Chatham (+13:45 in summer)', 'Pacific/Chatham', '2026-11-28T12:00:00Z', 825],
  ['Los Angeles, previous day', 'America/Los_Angeles', '2026-01-01T03:00:00Z', -480],
  ['fixed +05:30', '+05:30', '2026-06-15T20:45:00Z', 330],
  ['fixed -08:00', '-08:00', '2026-01-01T07:59:59Z', -480],
  // Wall-clock times that do not exist in some host zones (their spring-forward gap): an
  // implementation going through a local-time Date would shift them by an hour.
  ["UTC wall time inside New York's DST gap", 'UTC', '2026-03-08T02:30:00Z', 0],
  ["UTC wall time inside Berlin's DST gap", undefined, '2026-03-29T02:30:00Z', 0],
  ["Tokyo wall time inside New York's DST gap", 'Asia/Tokyo', '2026-03-07T17:30:00Z', 540],
  ['alias US/Central', 'US/Central', '2026-07-04T04:00:00Z', -300],
]

const hostZones = [
  'UTC',
  'America/New_York',
  'Europe/Berlin',
  'America/St_Johns',
  'Pacific/Kiritimati',
  'Asia/Kathmandu',
]

describe('timestamp accessors are correct in every zone, whatever the host TZ', () => {
  it('the host zone really changes under the test (so the next test can fail)', () => {
    const offsets = hostZones.map((tz) =>
      withHostTimeZone(tz, () => new Date(0).getTimezoneOffset()),
    )
    expect(new Set(offsets).size).toBe(hostZones.length)
  })

  for (const host of hostZones) {
    describe(`host TZ=${host}`, () => {
      it.each(cases)('%s (%s at %s)', (_label, zone, iso, offsetMinutes) => {
        withHostTimeZone(host, () => {
          const timeMs = Date.parse(iso)
          const want = expected(timeMs, offsetMinutes)
          for (const accessor of TIME_ACCESSORS) {
            const call =
              zone === undefined ? `${accessor}()` : `${accessor}(${JSON.stringify(zone)})`
            const c = compileCondition(`request.time.${call} == ${want[accessor]}`)
            const r = c.evaluate({ timeMs })
            expect({ accessor, r }).toEqual({ accessor, r: { ok: true, value: true } })
            // and a wrong value is false, so the equality above is not vacuous
            const wrong = compileCondition(`request.time.${call} == ${want[accessor] + 1}`)
            expect(wrong.evaluate({ timeMs })).toEqual({ ok: true, value: false })
          }
        })
      })
    })
  }
})

describe('accessors through the zone caches', () => {
  it('gives different answers for different instants in the same zone', () => {
    const c = compileCondition('request.time.getHours("Europe/Berlin") == 9')
    expect(c.evaluate({ timeMs: Date.parse('2026-07-01T07:00:00Z') })).toEqual({
      ok: true,
      value: true,
    })
    expect(c.evaluate({ timeMs: Date.parse('2026-07-01T08:00:00Z') })).toEqual({
      ok: true,
      value: false,
    })
    expect(c.evaluate({ timeMs: Date.parse('2026-01-01T08:00:00Z') })).toEqual({
      ok: true,
      value: true,
    })
  })

  it('handles instants before 1970 and in the first centuries', () => {
    const c = compileCondition(
      'request.time.getFullYear("Europe/London") == 1969 && request.time.getDayOfYear("Europe/London") == 364',
    )
    expect(c.evaluate({ timeMs: Date.parse('1969-12-31T12:00:00Z') })).toEqual({
      ok: true,
      value: true,
    })
    const early = compileCondition(
      'request.time.getFullYear("UTC") == 50 && request.time.getMonth("UTC") == 1',
    )
    const ts = new Date(0)
    ts.setUTCFullYear(50, 1, 3)
    expect(early.evaluate({ timeMs: ts.getTime() })).toEqual({ ok: true, value: true })
  })
})
