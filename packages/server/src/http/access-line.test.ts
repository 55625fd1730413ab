// The access-log text is exactly JSON.stringify of the entry object, key order included, for any
// field values (escapes, lone surrogates, missing host or method, surface fields of any type), and
// stays exact while values repeat and alternate (each field remembers its last encoding).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { accessEntry, accessLineWriter, type AccessFields } from './access-line.js'

/** What a client can put in a path, host or token: JSON's every escape, lone surrogates too. */
const hostile = fc.constantFrom(
  '"',
  '\\',
  '\u0000',
  '\u001f',
  '\u007f',
  '\n',
  '\u2028',
  '\u2029',
  '\ud800',
  '\udfff',
  '\ud83d\ude00',
  '\ude00\ud83d',
  'é',
  '/',
)
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ unit: fc.oneof(hostile, fc.string({ maxLength: 2 })), maxLength: 6 }),
)
/** Strings drawn from a few, so that values repeat and alternate between requests. */
const repeating = fc.constantFrom('a', 'b"\\', 'ü\u2028', '\ud800', '')
/**
 * A copy of a string made at run time, as a parsed request gives (equal text, another string):
 * what the writer remembers must be matched by text, not by the string it was made from.
 */
const fresh = (s: string): string => (s.length === 0 ? s : `${s.slice(0, 1)}${s.slice(1)}`)

const fields: fc.Arbitrary<AccessFields> = fc.record({
  ctx: fc.record({
    requestId: fc.stringMatching(/^[0-9a-z]{1,6}-[0-9a-z]{1,6}$/),
    route: fc.oneof(repeating, text),
    caller: fc.option(
      fc.record(
        {
          member: fc.oneof(repeating, text),
          credential: fc.constantFrom('id-token', 'access-token', 'self-signed-jwt'),
        },
        { requiredKeys: ['member'] },
      ),
      { nil: undefined },
    ),
    log: fc.dictionary(
      fc.constantFrom('service', 'decision', 'reason', 'detail', 'upstreamRefused', 'why'),
      fc.oneof(
        repeating,
        text,
        fc.integer(),
        fc.constant(undefined),
        fc.constant(null),
        fc.array(text),
      ),
    ),
  }),
  method: fc.option(fc.constantFrom('GET', 'POST'), { nil: undefined }),
  host: fc.option(fc.oneof(repeating, text), { nil: undefined }),
  path: fc.option(fc.oneof(repeating, text), { nil: null }),
  status: fc.integer({ min: 100, max: 599 }),
  ms: fc.oneof(
    fc.double({ noNaN: true }),
    fc.constant(0.001),
    fc.constant(1.678),
    // What the front door gives: whole microseconds, as milliseconds.
    fc.nat().map((us) => Math.round(us) / 1000),
    fc.integer({ min: 0, max: 2 ** 45 }).map((us) => us / 1000),
  ),
}) as fc.Arbitrary<AccessFields>

describe('access line', () => {
  it('is JSON.stringify of the entry, for any fields, request after request', () => {
    const line = accessLineWriter()
    fc.assert(
      fc.property(fc.array(fields, { minLength: 1, maxLength: 20 }), (requests) => {
        for (const f of requests) {
          expect(line(f)).toBe(JSON.stringify(accessEntry(f)).slice(1, -1))
          const copy: AccessFields = {
            ...f,
            host: f.host === undefined ? undefined : fresh(f.host),
            path: f.path === null ? null : fresh(f.path),
          }
          expect(line(copy)).toBe(JSON.stringify(accessEntry(copy)).slice(1, -1))
        }
      }),
      { numRuns: 300 },
    )
  })

  it('keeps the object semantics when a surface field repeats a fixed one', () => {
    const f: AccessFields = {
      ctx: { requestId: 'a-1', route: 'gateway', log: { status: 'overridden', service: 's' } },
      method: 'GET',
      host: 'h',
      path: '/',
      status: 200,
      ms: 1,
    }
    const out = accessLineWriter()(f)
    expect(out).toBe(JSON.stringify(accessEntry(f)).slice(1, -1))
    expect(JSON.parse(`{${out}}`)).toMatchObject({ status: 'overridden', service: 's' })
  })

  it('never repeats a remembered text when anything it was made from differs', () => {
    const line = accessLineWriter()
    const ctx = {
      requestId: 'a-1',
      route: 'gateway',
      caller: { member: 'user:a@example.com', credential: 'id-token' as const },
      log: { service: 's', decision: 'forward', reason: 'allowed' } as Record<string, unknown>,
    }
    const base: AccessFields = { ctx, method: 'GET', host: 'h', path: '/', status: 200, ms: 1 }
    const variants: AccessFields[] = [
      base,
      { ...base, status: 403 },
      { ...base, host: undefined },
      { ...base, host: '' },
      { ...base, method: undefined },
      { ...base, path: null },
      { ...base, path: '/\u2028' },
      { ...base, ctx: { ...ctx, route: 'authz' } },
      { ...base, ctx: { requestId: 'a-1', route: 'gateway', log: ctx.log } },
      { ...base, ctx: { ...ctx, caller: { member: 'user:a@example.com' } } },
      {
        ...base,
        ctx: { ...ctx, caller: { member: 'user:b@example.com', credential: 'id-token' } },
      },
      { ...base, ctx: { ...ctx, log: { service: 's', decision: 'forward' } } },
      { ...base, ctx: { ...ctx, log: { service: 's', decision: 'forward', reason: 'other' } } },
      { ...base, ctx: { ...ctx, log: { decision: 'forward', service: 's', reason: 'allowed' } } },
      { ...base, ctx: { ...ctx, log: { ...ctx.log, detail: undefined } } },
      { ...base, ctx: { ...ctx, log: { ...ctx.log, detail: null } } },
      { ...base, ctx: { ...ctx, log: { ...ctx.log, check: 1 } } },
    ]
    for (const a of variants) {
      for (const b of variants) {
        expect(line(a)).toBe(JSON.stringify(accessEntry(a)).slice(1, -1))
        expect(line(b)).toBe(JSON.stringify(accessEntry(b)).slice(1, -1))
      }
    }
  })

  it('writes an object field as it is now, even when the same object comes again', () => {
    const line = accessLineWriter()
    const detail: string[] = ['first']
    const f: AccessFields = {
      ctx: { requestId: 'a-1', route: 'gateway', log: { service: 's', detail } },
      method: 'GET',
      host: 'h',
      path: '/',
      status: 200,
      ms: 1,
    }
    expect(line(f)).toContain('"detail":["first"]')
    detail[0] = 'second'
    expect(line(f)).toContain('"detail":["second"]')
  })
})
