// What audit entries keep of a body: no secret field, nothing over MAX_AUDITED_BODY_BYTES of JSON,
// and a huge body refused without being serialised.
import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { MAX_AUDITED_BODY_BYTES, redactBody } from './audit-redact.js'

afterEach(() => {
  vi.restoreAllMocks()
})

/** redactBody as first written: copy without secrets, stringify the copy, compare its bytes. */
function reference(body: unknown): Record<string, unknown> | undefined {
  const secrets = new Set(['privateKeyData', 'privateKey', 'accessToken', 'token', 'idToken'])
  for (const s of ['refreshToken', 'signedJwt', 'signedBlob', 'clientSecret', 'password'])
    secrets.add(s)
  const strip = (value: unknown, depth: number): unknown => {
    if (depth > 40) return undefined
    if (Array.isArray(value)) return value.map((v) => strip(v, depth + 1))
    if (typeof value !== 'object' || value === null) return value
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) if (!secrets.has(k)) out[k] = strip(v, depth + 1)
    return out
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined
  const copy = strip(body, 0) as Record<string, unknown>
  return Buffer.byteLength(JSON.stringify(copy)) > MAX_AUDITED_BODY_BYTES ? undefined : copy
}

/** An object whose JSON is exactly `bytes` bytes long, its text made of `unit`. */
function sized(bytes: number, unit: string): Record<string, unknown> {
  const overhead = Buffer.byteLength('{"t":""}')
  const unitBytes = Buffer.byteLength(unit)
  return { t: unit.repeat(Math.floor((bytes - overhead) / unitBytes)) }
}

describe('redactBody', () => {
  it('drops secret fields at any depth and keeps the rest', () => {
    expect(
      redactBody({
        name: 'k',
        privateKeyData: 'secret',
        nested: [{ token: 't', keep: 1 }, null, { deeper: { password: 'p', ok: true } }],
      }),
    ).toEqual({ name: 'k', nested: [{ keep: 1 }, null, { deeper: { ok: true } }] })
    expect(redactBody([1])).toBeUndefined()
    expect(redactBody('text')).toBeUndefined()
  })

  it('keeps a body of exactly the limit and drops one byte more, multi-byte text included', () => {
    for (const unit of ['a', 'é', '😀']) {
      const fits = sized(MAX_AUDITED_BODY_BYTES, unit)
      expect(Buffer.byteLength(JSON.stringify(fits)) <= MAX_AUDITED_BODY_BYTES).toBe(true)
      expect(redactBody(fits), unit).toEqual(fits)
      const over = { ...fits, x: 1 }
      expect(redactBody(over), unit).toBeUndefined()
    }
    // Secrets do not count: a huge private key with a small rest is kept, without it.
    expect(
      redactBody({ name: 'n', privateKeyData: 'k'.repeat(10 * MAX_AUDITED_BODY_BYTES) }),
    ).toEqual({ name: 'n' })
  })

  it('refuses a huge body without serialising it', () => {
    const huge = {
      items: Array.from({ length: 200_000 }, (_, i) => ({ id: i, name: `item-${i}` })),
    }
    const stringify = vi.spyOn(JSON, 'stringify')
    expect(redactBody(huge)).toBeUndefined()
    expect(redactBody({ text: 'x'.repeat(5_000_000) })).toBeUndefined()
    expect(stringify).not.toHaveBeenCalled()
    // A body that may fit is still measured exactly.
    expect(redactBody({ small: true })).toEqual({ small: true })
    expect(stringify).toHaveBeenCalledTimes(1)
  })

  it('answers as the full copy-and-stringify did, for any JSON body', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'é', '😀', '"', '\n', '\u0001') })
    const big = fc.integer({ min: 0, max: 3 }).map((n) => 'x'.repeat(n * 30_000))
    const leaf = fc.oneof(text, big, fc.integer(), fc.double(), fc.boolean(), fc.constant(null))
    const key = fc.constantFrom('a', 'token', 'name', 'password', 'é', 'privateKeyData', 'x')
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc.array(tie('value'), { maxLength: 5 }),
        fc.dictionary(key, tie('value'), { maxKeys: 5 }),
      ),
    }))
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 6 }), (body) => {
        expect(redactBody(body)).toEqual(reference(body))
      }),
      { numRuns: 500 },
    )
  })
})
