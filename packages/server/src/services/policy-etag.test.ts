// The server's etags (node:crypto) must be byte-identical to core's pure ones: stored etags are
// compared on every write, and either form may have computed them.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { computeEtag, sha256, toHex, type Binding, type Policy } from '@runiam/core'
import { nodeSha256, policyEtag } from './policy-etag.js'

// Any UTF-16 unit, lone surrogates included, and whole astral code points.
const unit = fc.oneof(
  fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)),
)
const text = fc.string({ unit, maxLength: 40 })
const binding: fc.Arbitrary<Binding> = fc.record(
  {
    role: text,
    members: fc.array(text, { maxLength: 6 }),
    condition: fc.record(
      { expression: text, title: text, description: text, location: text },
      { requiredKeys: ['expression'] },
    ),
  },
  { requiredKeys: ['role', 'members'] },
)
const policy: fc.Arbitrary<Policy> = fc.record(
  {
    version: fc.constantFrom(1, 3),
    bindings: fc.array(binding, { maxLength: 8 }),
    auditConfigs: fc.array(
      fc.record({
        service: text,
        auditLogConfigs: fc.array(
          fc.record({
            logType: fc.constantFrom('ADMIN_READ', 'DATA_READ', 'DATA_WRITE'),
            exemptedMembers: fc.array(text, { maxLength: 3 }),
          }),
          { maxLength: 3 },
        ),
      }),
      { maxLength: 2 },
    ),
  },
  { requiredKeys: ['bindings'] },
)

describe('policyEtag (node:crypto)', () => {
  it('gives the etag core computes, byte for byte, for random policies', () => {
    fc.assert(
      fc.property(policy, (p) => {
        const etag = policyEtag(p)
        expect(etag).toBe(computeEtag(p))
        expect(etag).toMatch(/^[A-Za-z0-9+/]{11}=$/)
      }),
      { numRuns: 2000 },
    )
  })

  it('hashes the same UTF-8 bytes as core for any string, lone surrogates included', () => {
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 200 }), (s) => {
        expect(toHex(nodeSha256(s))).toBe(toHex(sha256(s)))
      }),
      { numRuns: 2000 },
    )
  })

  it('a different policy gives a different etag', () => {
    const a: Policy = {
      version: 1,
      bindings: [{ role: 'roles/run.invoker', members: ['user:a@example.com'] }],
    }
    const b: Policy = {
      version: 1,
      bindings: [{ role: 'roles/run.invoker', members: ['user:b@example.com'] }],
    }
    expect(policyEtag(a)).not.toBe(policyEtag(b))
  })
})
