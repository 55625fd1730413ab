// The access-log text is exactly JSON.stringify of the entry object, key order included, for any
// field values (escapes, lone surrogates, missing host or method, surface fields of any type), and
// stays exact while values repeat and alternate (each field remembers its last encoding).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { accessEntry, accessLineWriter, type AccessFields } from './access-line.js'

const text = fc.string({ unit: 'binary', maxLength: 12 })
/** Strings drawn from a few, so that values repeat and alternate between requests. */
const repeating = fc.constantFrom('a', 'b"\\', 'ü\u2028', '\ud800', '')

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
})
