// Property tests of policyDelta: applying the delta to the old policy gives the new one, each
// delta names one member, identical policies have no delta, and the delta reversed undoes it.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { canonicalizePolicy } from './canonicalize-policy.js'
import { applyPolicyDelta, policyDelta, type PolicyDelta } from './policy-delta.js'
import type { AuditConfig, Binding, Policy } from './types.js'

const member = fc.constantFrom(
  'allUsers',
  'user:alice@example.com',
  'user:bob@example.com',
  'group:g@example.com',
  'serviceAccount:sa@p.iam.gserviceaccount.com',
  'domain:example.com',
  // Not yet normalised: the delta names them as the canonical policy does.
  'user:Alice@Example.com',
  'group:G@EXAMPLE.com',
)
const condition = fc.option(
  fc.constantFrom(
    { expression: 'request.time < timestamp("2030-01-01T00:00:00Z")', title: 'until 2030' },
    { expression: 'request.time < timestamp("2030-01-01T00:00:00Z")', title: 'other title' },
    { expression: 'resource.name.startsWith("projects/p")', title: 'p', description: 'd' },
    { expression: 'resource.name.startsWith("projects/p")', title: 'p', description: '' },
  ),
  { nil: undefined },
)
const binding: fc.Arbitrary<Binding> = fc
  .record({
    role: fc.constantFrom('roles/run.invoker', 'roles/run.admin', 'roles/viewer'),
    members: fc.array(member, { maxLength: 4 }),
    condition,
  })
  .map(({ condition: c, ...b }) => (c === undefined ? b : { ...b, condition: c }))
const auditConfig: fc.Arbitrary<AuditConfig> = fc.record({
  service: fc.constantFrom('allServices', 'run.googleapis.com'),
  auditLogConfigs: fc.array(
    fc.record({
      logType: fc.constantFrom('ADMIN_READ' as const, 'DATA_READ' as const, 'DATA_WRITE' as const),
      exemptedMembers: fc.array(member, { maxLength: 2 }),
    }),
    { minLength: 1, maxLength: 2 },
  ),
})
const policy: fc.Arbitrary<Policy | undefined> = fc.option(
  fc.record({
    bindings: fc.array(binding, { maxLength: 6 }),
    auditConfigs: fc.array(auditConfig, { maxLength: 2 }),
  }),
  { nil: undefined },
)

const reverse = (d: PolicyDelta): PolicyDelta => ({
  bindingDeltas: (d.bindingDeltas ?? []).map((x) => ({
    ...x,
    action: x.action === 'ADD' ? ('REMOVE' as const) : ('ADD' as const),
  })),
  auditConfigDeltas: (d.auditConfigDeltas ?? []).map((x) => ({
    ...x,
    action: x.action === 'ADD' ? ('REMOVE' as const) : ('ADD' as const),
  })),
})

describe('policyDelta', () => {
  it('applied to the old policy gives the new one, and reversed gives the old one back', () => {
    fc.assert(
      fc.property(policy, policy, (before, after) => {
        const delta = policyDelta(before, after)
        expect(applyPolicyDelta(before, delta)).toEqual(canonicalizePolicy(after ?? {}))
        expect(applyPolicyDelta(after, reverse(delta))).toEqual(canonicalizePolicy(before ?? {}))
      }),
      { numRuns: 500 },
    )
  })

  it('is empty for the same policy and never repeats a (role, condition, member)', () => {
    fc.assert(
      fc.property(policy, policy, (before, after) => {
        expect(policyDelta(before, before)).toEqual({})
        const keys = (policyDelta(before, after).bindingDeltas ?? []).map((d) =>
          JSON.stringify([d.role, d.condition, d.member]),
        )
        expect(new Set(keys).size).toBe(keys.length)
      }),
    )
  })

  it('is the delta of the canonical policies, field order included (what the audit entry stores)', () => {
    fc.assert(
      fc.property(policy, policy, (before, after) => {
        const canonical = (p: Policy | undefined) => (p === undefined ? p : canonicalizePolicy(p))
        expect(JSON.stringify(policyDelta(before, after))).toBe(
          JSON.stringify(policyDelta(canonical(before), canonical(after))),
        )
      }),
      { numRuns: 500 },
    )
  })

  it('names exactly what a single grant adds', () => {
    const before: Policy = { bindings: [{ role: 'roles/run.invoker', members: ['user:a@x.com'] }] }
    const after: Policy = {
      bindings: [{ role: 'roles/run.invoker', members: ['user:a@x.com', 'allUsers'] }],
    }
    expect(policyDelta(before, after)).toEqual({
      bindingDeltas: [{ action: 'ADD', role: 'roles/run.invoker', member: 'allUsers' }],
    })
  })
})
