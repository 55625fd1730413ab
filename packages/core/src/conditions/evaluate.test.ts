// Request-time behaviour of CompiledCondition.evaluate: truth tables for Google's example
// conditions, errors as results (never thrown), and the IAM-only functions.
import { describe, expect, it } from 'vitest'
import { compileCondition } from './compile-condition.js'
import { EVALUATION_BUDGET, MAX_MATCH_INPUT_LENGTH } from './limits.js'
import { matchesPattern } from './runtime-env.js'
import type { ConditionResult, RequestAttributes } from './types.js'

const T0 = Date.UTC(2026, 10, 28, 12, 0, 0) // Saturday 2026-11-28 12:00:00Z

function attrs(extra: Partial<RequestAttributes> = {}): RequestAttributes {
  return { timeMs: T0, ...extra }
}

function run(expression: string, a: RequestAttributes): ConditionResult {
  return compileCondition(expression).evaluate(a)
}

function value(expression: string, a: RequestAttributes): boolean {
  const r = run(expression, a)
  if (!r.ok) throw new Error(`evaluation of ${expression} failed: ${r.error}`)
  return r.value
}

describe('request.path and request.host (Google examples)', () => {
  const table: [expression: string, path: string, host: string, expected: boolean][] = [
    ['request.path == "/admin"', '/admin', 'h', true],
    ['request.path == "/admin"', '/admin/', 'h', false],
    ['request.path.startsWith("/admin")', '/admin/users', 'h', true],
    ['request.path.startsWith("/admin")', '/public', 'h', false],
    ['!request.path.startsWith("/admin")', '/public', 'h', true],
    ['!request.path.startsWith("/admin")', '/admin', 'h', false],
    ['request.path.endsWith("/payroll.js")', '/static/payroll.js', 'h', true],
    ['request.path.endsWith("/payroll.js")', '/static/payroll.jsx', 'h', false],
    ['request.host == "www.example.com"', '/', 'www.example.com', true],
    ['request.host == "www.example.com"', '/', 'example.com', false],
    ['request.host.endsWith("example.com")', '/', 'api.example.com', true],
    ['request.host.endsWith("example.com")', '/', 'example.org', false],
    ['request.path.startsWith("/admin") && request.host == "x"', '/admin', 'x', true],
    ['request.path.startsWith("/admin") && request.host == "x"', '/admin', 'y', false],
    ['request.path.startsWith("/admin") || request.host == "x"', '/b', 'x', true],
    ['request.path.startsWith("/admin") || request.host == "x"', '/b', 'y', false],
    ['request.host in ["a.example.com", "b.example.com"]', '/', 'b.example.com', true],
    ['request.host in ["a.example.com", "b.example.com"]', '/', 'c.example.com', false],
    ['request.path.matches("^/api/v[0-9]+/")', '/api/v2/x', 'h', true],
    ['request.path.matches("^/api/v[0-9]+/")', '/api/vx/x', 'h', false],
    ['request.path.matches("(?i)^/ADMIN")', '/admin', 'h', true],
    ['size(request.path) == 6', '/admin', 'h', true],
    ['request.path.size() == 6', '/admïn', 'h', true],
  ]
  it.each(table)('%s with path=%s host=%s is %s', (expression, path, host, expected) => {
    expect(value(expression, attrs({ path, host }))).toBe(expected)
  })
})

describe('request.time', () => {
  const table: [expression: string, timeMs: number, expected: boolean][] = [
    ["request.time < timestamp('2020-10-01T00:00:00.000Z')", Date.UTC(2020, 8, 30), true],
    ["request.time < timestamp('2020-10-01T00:00:00.000Z')", Date.UTC(2020, 9, 1), false],
    ['request.time < timestamp("2026-11-28T13:00:00+01:00")', T0 - 1, true],
    ['request.time < timestamp("2026-11-28T13:00:00+01:00")', T0, false],
    ['request.time >= date("2026-11-28")', T0, true],
    ['request.time >= date("2026-11-29")', T0, false],
    ['request.time + duration("3600s") > timestamp("2026-11-28T12:59:59Z")', T0, true],
    ['request.time - duration("1h") < timestamp("2026-11-28T11:00:00Z")', T0, false],
    ['request.time - duration("1h") <= timestamp("2026-11-28T11:00:00Z")', T0, true],
    ['timestamp("2026-11-29T12:00:00Z") - request.time == duration("24h")', T0, true],
    ['timestamp("2026-11-29T12:00:00Z") - request.time > duration("86400s")', T0, false],
    ['request.time.getMilliseconds() == 123', T0 + 123, true],
    // Google's business-hours example: Saturday is outside it, Monday 10:00 Berlin inside.
    [
      'request.time.getDayOfWeek("Europe/Berlin") >= 1 && request.time.getDayOfWeek("Europe/Berlin") <= 5 && request.time.getHours("Europe/Berlin") >= 9 && request.time.getHours("Europe/Berlin") <= 17',
      T0,
      false,
    ],
    [
      'request.time.getDayOfWeek("Europe/Berlin") >= 1 && request.time.getDayOfWeek("Europe/Berlin") <= 5 && request.time.getHours("Europe/Berlin") >= 9 && request.time.getHours("Europe/Berlin") <= 17',
      Date.UTC(2026, 10, 30, 9, 0, 0),
      true,
    ],
  ]
  it.each(table)('%s at %d is %s', (expression, timeMs, expected) => {
    expect(value(expression, { timeMs })).toBe(expected)
  })

  it('re-binds request.time on every evaluation', () => {
    const c = compileCondition('request.time.getFullYear() == 2026')
    expect(c.evaluate({ timeMs: T0 })).toEqual({ ok: true, value: true })
    expect(c.evaluate({ timeMs: Date.UTC(2027, 0, 1) })).toEqual({ ok: true, value: false })
    expect(c.evaluate({ timeMs: T0 })).toEqual({ ok: true, value: true })
  })
})

describe('errors are results, never exceptions', () => {
  it('a missing attribute (request.path on an admin call) is ok:false naming it', () => {
    const r = run('request.path.startsWith("/admin")', attrs())
    expect(r).toEqual({
      ok: false,
      error: "attribute 'request.path' is not available in this request",
    })
  })

  it('a missing attribute is absorbed by || when the other side is true (CEL semantics)', () => {
    expect(run('request.host == "x" || request.path == "/a"', attrs({ host: 'x' }))).toEqual({
      ok: true,
      value: true,
    })
    expect(run('request.host == "y" || request.path == "/a"', attrs({ host: 'x' })).ok).toBe(false)
    expect(run('request.host == "y" && request.path == "/a"', attrs({ host: 'x' }))).toEqual({
      ok: true,
      value: false,
    })
  })

  it('resource attributes are absent unless given', () => {
    expect(run('resource.name.startsWith("projects/")', attrs()).ok).toBe(false)
    expect(
      value('resource.name.startsWith("projects/")', attrs({ resourceName: 'projects/p' })),
    ).toBe(true)
    expect(
      value(
        'resource.type == "run.googleapis.com/Service"',
        attrs({ resourceType: 'run.googleapis.com/Service' }),
      ),
    ).toBe(true)
    expect(
      value(
        'resource.service == "run.googleapis.com"',
        attrs({ resourceService: 'run.googleapis.com' }),
      ),
    ).toBe(true)
  })

  it('a bad runtime value is ok:false', () => {
    // timestamp() of a non-literal is parsed at request time with the same strict rules.
    const r = run('timestamp(request.path) < request.time', attrs({ path: '2026-02-30T00:00:00Z' }))
    expect(r).toEqual({ ok: false, error: 'day out of range in "2026-02-30T00:00:00Z"' })
    expect(
      value('timestamp(request.path) < request.time', attrs({ path: '2026-02-28T00:00:00Z' })),
    ).toBe(true)
  })

  it('a time zone from a runtime value cannot reach evaluation: it must be a literal', () => {
    expect(() => compileCondition('request.time.getHours(request.path) == 1')).toThrow(
      'the time zone argument must be a string literal',
    )
  })

  it('a non-finite request.time is ok:false', () => {
    expect(run('request.time < date("2030-01-01")', { timeMs: Number.NaN }).ok).toBe(false)
  })

  it('a non-bool result cannot reach evaluation: the checker refuses it at write time', () => {
    expect(() => compileCondition("api.getAttribute('x', [])")).toThrow(
      'the condition must evaluate to bool, not list(dyn)',
    )
    expect(() => compileCondition('request.path')).toThrow('must evaluate to bool, not string')
  })
})

describe('IAM-only functions', () => {
  const name =
    'projects/_/buckets/acme-orders-aaa/objects/data_lake/orders/order_date=2019-11-03/aef87g87ae0876'
  // Compat: the extract() table of Google's attribute reference.
  const extracts: [template: string, expected: string][] = [
    ['/order_date={date}/', '2019-11-03'],
    ['buckets/{name}/', 'acme-orders-aaa'],
    ['/orders/{empty}order_date', ''],
    ['{start}/data_lake', 'projects/_/buckets/acme-orders-aaa/objects'],
    ['orders/{end}', 'order_date=2019-11-03/aef87g87ae0876'],
    ['{all}', name],
    ['/orders/{none}/order_date=', ''],
    ['/orders/order_date=2019-11-03/{id}/data_lake', ''],
  ]
  it.each(extracts)('extract("%s") is "%s"', (template, expected) => {
    expect(
      value(
        `resource.name.extract(${JSON.stringify(template)}) == ${JSON.stringify(expected)}`,
        attrs({ resourceName: name }),
      ),
    ).toBe(true)
  })

  it('api.getAttribute returns its default (runiam has no API attributes)', () => {
    expect(
      value(
        "api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly(['roles/run.invoker'])",
        attrs(),
      ),
    ).toBe(true)
    expect(value("api.getAttribute('k', ['a', 'b']).hasOnly(['a'])", attrs())).toBe(false)
    expect(value("api.getAttribute('k', ['a', 'b']).hasOnly(['b', 'a'])", attrs())).toBe(true)
  })

  it('tag functions are false (runiam has no resource tags)', () => {
    for (const e of [
      "resource.matchTag('123456789012/env', 'prod')",
      "resource.matchTagId('tagKeys/1', 'tagValues/2')",
      "resource.hasTagKey('123456789012/env')",
      "resource.hasTagKeyId('tagKeys/1')",
    ]) {
      expect(value(e, attrs())).toBe(false)
      expect(value(`!${e}`, attrs())).toBe(true)
    }
  })
})

describe('RE2', () => {
  it('evaluates the ReDoS pattern ^(a+)+$ in linear time (the test timeout is the guard)', () => {
    const c = compileCondition('request.path.matches("^(a+)+$")')
    expect(c.evaluate(attrs({ path: `${'a'.repeat(5000)}!` }))).toEqual({ ok: true, value: false })
    expect(c.evaluate(attrs({ path: 'a'.repeat(5000) }))).toEqual({ ok: true, value: true })
  })

  it('uses RE2 syntax (\\A, \\z, [[:alpha:]], \\pL)', () => {
    expect(value('request.path.matches("\\\\A/[[:alpha:]]+\\\\z")', attrs({ path: '/abc' }))).toBe(
      true,
    )
    expect(value('request.path.matches("^/\\\\pL+$")', attrs({ path: '/été' }))).toBe(true)
    expect(value('request.path.matches("^/\\\\pL+$")', attrs({ path: '/1' }))).toBe(false)
  })
})

/** A deterministic mix of 'a' and 'b': the input on which RE2JS's lazy DFA explodes. */
function abPath(n: number): string {
  let x = 42
  let s = '/'
  for (let i = 1; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff
    s += (x >> 16) & 1 ? 'a' : 'b'
  }
  return s
}

// Each of these evaluated without bound before the evaluation budget (base 06dfdac): the first
// took 30–250 ms per request on an 8 KiB path, the 12-clause one up to ~240 ms. Now each is an
// error (the binding grants nothing) after at most EVALUATION_BUDGET units plus one charging
// slice. No timings here: the bound is asserted on the meter.
describe('the evaluation budget', () => {
  const SLICE = 4096
  const long = abPath(8192)

  it('stops an exploding regex on an 8 KiB path: an error, never a hang', () => {
    const c = compileCondition('request.path.matches("[ab]*a[ab]{900}$")')
    const { result, cost } = c.evaluateMetered(attrs({ path: long }))
    expect(result).toEqual({
      ok: false,
      error:
        'evaluation stopped: the condition needs more than its budget of 100,000 units of work for this request',
    })
    expect(cost).toBeGreaterThan(EVALUATION_BUDGET)
    expect(cost).toBeLessThanOrEqual(EVALUATION_BUDGET + SLICE + 1000)
    // The same condition on a short path is an ordinary answer.
    expect(c.evaluateMetered(attrs({ path: '/a' })).result).toEqual({ ok: true, value: false })
  })

  it('shares one budget across all calls of the condition', () => {
    const twelve = Array.from(
      { length: 12 },
      (_, i) => `request.path.matches("[ab]*a[ab]{${20 + i}}c")`,
    ).join(' || ')
    const { result, cost } = compileCondition(twelve).evaluateMetered(attrs({ path: long }))
    expect(result.ok).toBe(false)
    expect(cost).toBeLessThanOrEqual(EVALUATION_BUDGET + SLICE + 100)
  })

  it('fails the evaluation even when || would absorb the error', () => {
    const c = compileCondition('request.path.matches("[ab]*a[ab]{900}$") || true')
    expect(c.evaluate(attrs({ path: long })).ok).toBe(false)
    expect(c.evaluate(attrs({ path: '/a' }))).toEqual({ ok: true, value: true })
  })

  it('leaves room for a realistic regex without a literal prefix on an 8 KiB path', () => {
    const c = compileCondition('request.path.matches("[0-9]+/users/[^/]+$")')
    const { result, cost } = c.evaluateMetered(attrs({ path: `/${'x'.repeat(8180)}/1/users/a` }))
    expect(result).toEqual({ ok: true, value: true })
    expect(cost).toBeLessThan(EVALUATION_BUDGET / 2)
  })

  it('counts size() of an 8 KiB path without building an array, and counts code points', () => {
    const c = compileCondition('size(request.path) == 8192')
    const { result, cost } = c.evaluateMetered(attrs({ path: long }))
    expect(result).toEqual({ ok: true, value: true })
    expect(cost).toBeLessThan(1000)
    expect(value('size(request.path) == 3', attrs({ path: '/😀é' }))).toBe(true)
    expect(value('request.path.size() == 2', attrs({ path: '\ud83d' + 'x' }))).toBe(true)
  })

  it('can be lowered per evaluation (the authorizer passes what is left of its own)', () => {
    const c = compileCondition('request.path.startsWith("/a") && request.host == "h"')
    expect(c.evaluateMetered(attrs({ path: '/a', host: 'h' }), 10).result.ok).toBe(false)
    expect(c.evaluateMetered(attrs({ path: '/a', host: 'h' }), 1000).result).toEqual({
      ok: true,
      value: true,
    })
  })
})

describe('attribute and input length caps', () => {
  it('makes a condition reading a longer attribute an error', () => {
    const c = compileCondition('request.path.startsWith("/")')
    expect(c.evaluate(attrs({ path: `/${'a'.repeat(8191)}` }))).toEqual({ ok: true, value: true })
    expect(c.evaluate(attrs({ path: `/${'a'.repeat(8192)}` }))).toEqual({
      ok: false,
      error: "attribute 'request.path' is 8,193 characters long; conditions read at most 8,192",
    })
    const host = compileCondition('request.host.endsWith(".run.app")')
    expect(host.evaluate(attrs({ host: `${'a'.repeat(9000)}.run.app` })).ok).toBe(false)
    // Not absorbed by || as CEL errors otherwise are: the condition must not read it at all.
    const either = compileCondition('request.path.startsWith("/") || request.host == "h"')
    expect(either.evaluate(attrs({ path: `/${'a'.repeat(8192)}`, host: 'h' })).ok).toBe(false)
    expect(either.evaluate(attrs({ path: '/', host: 'h' }))).toEqual({ ok: true, value: true })
  })

  it('refuses matches() input longer than 8,192 characters', () => {
    expect(MAX_MATCH_INPUT_LENGTH).toBe(8192)
    // Attributes are capped at the same length, so call the function itself with a longer input.
    expect(() => matchesPattern('a'.repeat(8193), '^/a')).toThrow(
      'matches() input is 8,193 characters long; the maximum is 8,192',
    )
  })
})

describe('time zones', () => {
  it('evaluates a zone as written and by its canonical name alike', () => {
    for (const [written, canonical] of [
      ['europe/berlin', 'Europe/Berlin'],
      ['US/Central', 'America/Chicago'],
      ['Etc/UTC', 'UTC'],
    ] as const) {
      for (const t of [T0, Date.UTC(2026, 6, 1, 23, 30)]) {
        const a = attrs({ timeMs: t })
        const hours = (zone: string): boolean =>
          value(`request.time.getHours("${zone}") == ${new Date(t).getUTCHours()}`, a)
        expect(hours(written)).toBe(hours(canonical))
        expect(
          value(`request.time.getHours("${written}") == request.time.getHours("${canonical}")`, a),
        ).toBe(true)
      }
    }
  })
})
