// Write-time behaviour of compileCondition: what compiles, what is refused and with which message.
import { describe, expect, it } from 'vitest'
import { Code } from '../errors/code.js'
import { IamError } from '../errors/iam-error.js'
import { compileCondition } from './compile-condition.js'
import { validateConditionExpr } from './validate-condition-expr.js'

function errorOf(f: () => unknown): IamError {
  try {
    f()
  } catch (e) {
    if (e instanceof IamError) return e
    throw new Error(`expected an IamError, got ${String(e)}`, { cause: e })
  }
  throw new Error('expected an error, got none')
}

describe('compileCondition accepts IAM conditions', () => {
  const valid = [
    // Google's examples (IAM attribute reference, Policy proto, gcloud)
    "request.time < timestamp('2020-10-01T00:00:00.000Z')",
    'request.time < timestamp("2019-01-01T00:00:00Z")',
    'request.path == "/admin"',
    'request.path.startsWith("/admin")',
    'request.path.endsWith("/payroll.js")',
    '!request.path.startsWith("/admin")',
    'request.host == "www.example.com"',
    'request.host.endsWith("example.com")',
    'request.time.getDayOfWeek("Europe/Berlin") >= 1 && request.time.getDayOfWeek("Europe/Berlin") <= 5 && request.time.getHours("Europe/Berlin") >= 9 && request.time.getHours("Europe/Berlin") <= 17',
    "resource.matchTag('123456789012/env', 'prod')",
    "resource.matchTagId('tagKeys/123', 'tagValues/456')",
    "resource.hasTagKey('123456789012/env')",
    "resource.hasTagKeyId('tagKeys/123')",
    "api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly(['roles/pubsub.editor', 'roles/pubsub.publisher'])",
    // the rest of the supported surface
    'request.time > date("2026-01-01")',
    'request.time - duration("3600s") < timestamp("2030-01-01T00:00:00+05:30")',
    'request.time + duration("1h30m") >= timestamp("2030-01-01T00:00:00Z")',
    'timestamp("2030-01-01T00:00:00Z") - request.time > duration("86400s")',
    'duration("90m") + request.time > request.time',
    'request.time.getHours("+05:30") == 9',
    'request.time.getMinutes("-08:00") > 0',
    'request.time.getMonth() == 0',
    'request.time.getFullYear("UTC") >= 2026',
    'request.time.getDate("America/New_York") == 1',
    'request.time.getDayOfMonth() == 0 || request.time.getDayOfYear() == 0',
    'request.time.getSeconds() == 0 && request.time.getMilliseconds() == 0',
    'duration("3600s").getHours() == 1',
    'request.host in ["a.example.com", "b.example.com"]',
    'request.time.getDayOfWeek("Europe/Berlin") in [1, 2, 3, 4, 5]',
    'resource.name.matches("^projects/[^/]+/locations/us-central1/services/[a-z-]+$")',
    'request.path.matches("(?i)^/ADMIN")',
    'resource.name.extract("projects/{project}/") == "p1"',
    'resource.type == "run.googleapis.com/Service" && resource.service == "run.googleapis.com"',
    'size(request.path) < 100 && request.path.size() > 1',
    'true',
    '(request.path == "/a") || (request.path == "/b")',
    'request.path == "/a" // a comment\n  && request.host == "h"',
    "request.path == r'/a\\b'",
    'request.path == """/a"""',
  ]
  it.each(valid)('%s', (expression) => {
    const c = compileCondition(expression)
    expect(c.expression).toBe(expression)
  })
})

describe('compileCondition rejects invalid conditions with a clear message', () => {
  const cases: [expression: string, message: string][] = [
    [
      "request.hots == 'x'",
      `Condition expression "request.hots == 'x'" is invalid: undefined attribute 'request.hots' at column 8.`,
    ],
    [
      'origin.ip == "10.0.0.1"',
      'Condition expression "origin.ip == \\"10.0.0.1\\"" is invalid: undeclared reference to \'origin\' at column 1.',
    ],
    [
      'request.host == 1',
      `Condition expression "request.host == 1" is invalid: no matching overload for '==' applied to (string, int) at column 14.`,
    ],
    [
      'request.time < "2030-01-01"',
      `Condition expression "request.time < \\"2030-01-01\\"" is invalid: no matching overload for '<' applied to (timestamp, string) at column 14.`,
    ],
    [
      'request.time < timestamp("2026-02-30T00:00:00Z")',
      `Condition expression "request.time < timestamp(\\"2026-02-30T00:00:00Z\\")" is invalid: day out of range in "2026-02-30T00:00:00Z" at column 26.`,
    ],
    [
      'request.time.getHours("Europe/Berlín") >= 9',
      `Condition expression "request.time.getHours(\\"Europe/Berlín\\") >= 9" is invalid: unknown time zone "Europe/Berlín" at column 23.`,
    ],
    ['resource.name.matches("f(?=o)")', 'is invalid: invalid RE2 pattern "f(?=o)": '],
    [
      'resource.name',
      `Condition expression "resource.name" is invalid: the condition must evaluate to bool, not string at column 9.`,
    ],
    ['request.path.extract("/{x}/")', 'must evaluate to bool, not string'],
    [
      '[1, 2].exists(x, x > 1)',
      'macros and comprehensions (all, exists, exists_one, map and filter) are not supported',
    ],
    ['has(request.path)', 'the has() macro is not supported'],
    ['request.path.contains("x")', "function 'contains' is not supported in IAM conditions"],
    ['int(request.path) == 1', "function 'int' is not supported"],
    ['request.path == "a" ? true : false', "the conditional operator '? :' is not supported"],
    ['["a"][0] == "a"', "indexing with '[]' is not supported"],
    ['{"a": 1}["a"] == 1', 'not supported'],
    ['request == 1', "'request' is not a value; use one of its attributes, e.g. request.time"],
    ['request.path.x == 1', "type 'string' does not support field selection ('.x')"],
    ['resource.foo(1)', "undeclared reference to 'resource.foo'"],
    ['request.time < timestamp("2026-01-01")', 'invalid RFC 3339 timestamp "2026-01-01"'],
    ['request.time < timestamp("2026-13-01T00:00:00Z")', 'month out of range'],
    ['request.time < timestamp("2026-01-01T24:00:00Z")', 'time of day out of range'],
    ['request.time < date("2025-02-29")', 'day out of range in "2025-02-29"'],
    ['request.time < date("2025/01/01")', 'invalid date "2025/01/01", expected YYYY-MM-DD'],
    ['request.time - duration("1 hour") < request.time', 'invalid duration "1 hour"'],
    ['request.time.getHours("+25:00") == 1', 'invalid time zone offset "+25:00"'],
    ['request.time.getHours("Mars/Olympus") == 1', 'unknown time zone "Mars/Olympus"'],
    ['request.path.matches(request.host)', 'the pattern of matches() must be a string literal'],
    ['request.path.extract("no-placeholder") == ""', 'invalid extract() template "no-placeholder"'],
    ['request.path.startsWith(1)', "no matching overload for 'startsWith' applied to string.(int)"],
    [
      'request.time.getHours(1) == 1',
      "no matching overload for 'getHours' applied to timestamp.(int)",
    ],
    [
      'request.time + request.time > request.time',
      "no matching overload for '+' applied to (timestamp, timestamp)",
    ],
    ['1 + 1 == 2', "no matching overload for '+' applied to (int, int)"],
    ['request.path in "abc"', "no matching overload for 'in' applied to (string, string)"],
    ['request.path == null', 'null is not supported'],
    ["request.path == b'x'", 'bytes literals are not supported'],
    ['request.path == "a" &&& true', 'syntax error: '],
    ['request.path.startsWith("/a"', "unclosed '(' at column 24."],
    ['request.path == "/a")', "unmatched ')' at column 21."],
    ['request.path == "/a', 'unterminated string literal at column 17.'],
    ['request.path ==\n  "/a" &&& true', 'at line 2, column'],
  ]
  it.each(cases)('%s', (expression, message) => {
    const e = errorOf(() => compileCondition(expression))
    expect(e.code).toBe(Code.INVALID_ARGUMENT)
    expect(e.reason).toBe('INVALID_CONDITION')
    expect(e.message).toContain(message)
    expect(e.message).toContain(`Condition expression ${JSON.stringify(expression)} is invalid: `)
  })

  it('rejects an empty expression', () => {
    expect(errorOf(() => compileCondition('  ')).message).toBe(
      'Condition expression must not be empty.',
    )
  })
})

describe('limits', () => {
  const clauses = (n: number): string =>
    Array.from({ length: n }, (_, i) => `request.path == "/p${i}"`).join(' || ')

  it('accepts 12 logical operators and rejects 13', () => {
    expect(() => compileCondition(clauses(13))).not.toThrow()
    const e = errorOf(() => compileCondition(clauses(14)))
    expect(e.message).toBe('The condition expression has 13 logical operators; the maximum is 12.')
    expect(e.reason).toBe('INVALID_CONDITION')
  })

  it('does not count ! towards the 12', () => {
    const expr = `!(!(${clauses(13)}))`
    expect(() => compileCondition(expr)).not.toThrow()
  })

  it('does not count && inside string literals', () => {
    const expr = `${clauses(13)} || request.path == "&&||&&"`
    expect(errorOf(() => compileCondition(expr)).message).toContain('has 13 logical operators')
  })

  it('rejects deep nesting before parsing (no stack overflow)', () => {
    const deep = `${'('.repeat(1000)}true${')'.repeat(1000)}`
    const e = errorOf(() => compileCondition(deep))
    expect(e.message).toContain('is invalid: expression nests deeper than 32 levels at column 33.')
    expect(() => compileCondition(`${'('.repeat(32)}true${')'.repeat(32)}`)).not.toThrow()
  })

  it('rejects expressions longer than 2,048 characters', () => {
    const long = `request.path == "${'a'.repeat(5000)}"`
    expect(errorOf(() => compileCondition(long)).message).toBe(
      'The condition expression is 5,018 characters long; the maximum is 2,048.',
    )
    const atLimit = `request.path == "${'a'.repeat(2048 - 18)}"`
    expect(atLimit).toHaveLength(2048)
    expect(() => compileCondition(atLimit)).not.toThrow()
    expect(errorOf(() => compileCondition(`${atLimit} `)).message).toBe(
      'The condition expression is 2,049 characters long; the maximum is 2,048.',
    )
  })

  it('accepts 13 long resource.name.startsWith clauses (Google accepts them; ~1,100 characters)', () => {
    const expr = Array.from(
      { length: 13 },
      (_, i) =>
        `resource.name.startsWith("projects/_/buckets/exampleco-site-assets/objects/folder-${i}/")`,
    ).join(' || ')
    expect(expr.length).toBeGreaterThan(1100)
    expect(() => compileCondition(expr)).not.toThrow()
  })

  it('quotes at most 200 characters of the expression', () => {
    const e = errorOf(() => compileCondition(`request.path == "${'a'.repeat(300)}" && x`))
    expect(e.message).toContain(`${'a'.repeat(183)}…" is invalid: undeclared reference to 'x'`)
  })

  it('survives a long chain of unary operators', () => {
    expect(() => compileCondition(`${'!'.repeat(2000)}true`)).not.toThrow()
  })
})

// Conditions that made one request (a policy write, or an invocation) block the event loop.
// Each was accepted before the cost limits (base 06dfdac): the regex below compiled to 200,002
// RE2 instructions in ~150 ms when the policy was written, and `(a{10}){10}){10}`-style
// expansions were accepted at any size RE2 allows.
describe('cost limits at write time', () => {
  const heavy = (k: number): string => `request.path.matches("[ab]*a[ab]{${k}}$")`

  it('refuses a pattern that expands past 1,000 instructions, naming it, before compiling it', () => {
    const pattern = `(?:${'abcdefghij'.repeat(20)}){1000}`
    const e = errorOf(() => compileCondition(`request.path.matches("${pattern}")`))
    expect(e.reason).toBe('INVALID_CONDITION')
    expect(e.message).toContain(
      `the regular expression "${pattern.slice(0, 80)}…" expands to more than 4,000 instructions (counted repetitions multiply); the maximum is 1,000 at column 22.`,
    )
  })

  it('refuses nested counted repetitions, counted after expansion', () => {
    const e = errorOf(() => compileCondition('resource.name.matches("((a{10}){10}){10}")'))
    expect(e.message).toContain(
      'the regular expression "((a{10}){10}){10}" compiles to 1,222 instructions (counted repetitions multiply); the maximum is 1,000',
    )
  })

  it('caps the regular expressions of one condition at 2,000 instructions together', () => {
    // [ab]*a[ab]{990}$ is 996 instructions: two fit, three do not.
    expect(() => compileCondition(`${heavy(990)} || ${heavy(991)}`)).not.toThrow()
    const e = errorOf(() => compileCondition(`${heavy(990)} || ${heavy(991)} || ${heavy(992)}`))
    expect(e.message).toContain(
      'the regular expressions of this condition compile to 2,991 instructions together; the maximum is 2,000 at column',
    )
    // The same pattern twice is compiled, and counted, once.
    expect(() => compileCondition(`${heavy(990)} || ${heavy(990)} || ${heavy(991)}`)).not.toThrow()
  })

  it('refuses more than 256 names and literals before parsing', () => {
    const hours = Array.from({ length: 300 }, (_, i) => i % 24).join(',')
    const e = errorOf(() => compileCondition(`request.time.getHours() in [${hours}]`))
    expect(e.message).toContain(
      'is invalid: the expression has more than 256 parts (it has 304 literals and names); the maximum is 256.',
    )
    const fifty = Array.from({ length: 50 }, (_, i) => `"h${i}.example.com"`).join(', ')
    expect(() => compileCondition(`request.host in [${fifty}]`)).not.toThrow()
  })

  it('refuses more than 256 AST nodes after parsing', () => {
    const expr = Array.from({ length: 100 }, () => '(1 == 1)').join(' == ')
    expect(errorOf(() => compileCondition(expr)).message).toContain(
      'is invalid: the expression has 399 parts (literals, attributes, operators and calls); the maximum is 256.',
    )
  })

  it('refuses a time zone read from the request (it would build a zone per request)', () => {
    expect(
      errorOf(() => compileCondition('request.time.getHours(request.path) == 1')).message,
    ).toContain(
      'the time zone argument must be a string literal, e.g. "Europe/Berlin" at column 30.',
    )
  })
})

describe('compile cache', () => {
  it('returns the same compiled condition for the same text', () => {
    const a = compileCondition('request.path == "/cached"')
    const b = compileCondition('request.path == "/cached"')
    expect(b).toBe(a)
  })

  it('does not cache failures as successes', () => {
    expect(() => compileCondition('request.hots == "x"')).toThrow(IamError)
    expect(() => compileCondition('request.hots == "x"')).toThrow(IamError)
  })
})

describe('validateConditionExpr', () => {
  it('requires a title', () => {
    const e = errorOf(() => validateConditionExpr({ expression: 'true' }))
    expect(e.message).toBe('Condition title is required.')
    expect(e.code).toBe(Code.INVALID_ARGUMENT)
    expect(errorOf(() => validateConditionExpr({ expression: 'true', title: ' ' })).message).toBe(
      'Condition title is required.',
    )
  })

  it('requires an expression', () => {
    expect(errorOf(() => validateConditionExpr({ title: 'expires' })).message).toBe(
      'Condition expression is required (condition "expires").',
    )
  })

  it('compiles the expression', () => {
    expect(() =>
      validateConditionExpr({ title: 't', expression: 'request.path == "/a"' }),
    ).not.toThrow()
    expect(
      errorOf(() => validateConditionExpr({ title: 't', expression: 'request.hots == "x"' }))
        .reason,
    ).toBe('INVALID_CONDITION')
  })

  it('is usable as a policy-validator hook', () => {
    const hook = (e: { expression: string }): unknown => compileCondition(e.expression)
    expect(() => hook({ expression: 'request.host == "h"' })).not.toThrow()
  })
})
