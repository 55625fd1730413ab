// Property tests of the canonical form: it survives JSON and YAML round trips, is idempotent, and
// gives the same etag whatever the order of members and bindings.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml'
import { canonicalizePolicy } from './canonicalize-policy.js'
import { computeEtag } from './compute-etag.js'
import type { Binding, Expr, Policy } from './types.js'
import { validatePolicy } from './validate-policy.js'

const name = fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/)
const emailOf = (type: string) =>
  fc
    .tuple(name, fc.constantFrom('example.com', 'Example.COM', 'corp.example.org'), fc.boolean())
    .map(([n, d, upper]) => `${type}:${upper ? n.toUpperCase() : n}@${d}`)

const member = fc.oneof(
  fc.constantFrom('allUsers', 'allAuthenticatedUsers'),
  emailOf('user'),
  emailOf('group'),
  emailOf('serviceAccount'),
  name.map((n) => `domain:${n}.example.com`),
  name.map(
    (n) => `principal://iam.googleapis.com/locations/global/workforcePools/pool/subject/${n}`,
  ),
  name.map((n) => `principalSet://iam.googleapis.com/locations/global/workforcePools/${n}/*`),
  name.map((n) => `deleted:user:${n}@example.com?uid=123`),
)
const nonPublic = member.filter((m) => m !== 'allUsers' && m !== 'allAuthenticatedUsers')

const text = fc.string({ unit: 'binary', minLength: 1, maxLength: 20 })
const expr: fc.Arbitrary<Expr> = fc.record(
  {
    expression: text,
    title: text,
    description: fc.string({ unit: 'binary', maxLength: 10 }),
  },
  { requiredKeys: ['expression', 'title'] },
)
const role = fc.constantFrom(
  'roles/run.invoker',
  'roles/run.admin',
  'roles/run.viewer',
  'roles/run.developer',
  'roles/run.servicesInvoker',
)
const binding: fc.Arbitrary<Binding> = fc.oneof(
  fc.record({ role, members: fc.array(member, { minLength: 1, maxLength: 6 }) }),
  fc.record({
    role,
    members: fc.array(nonPublic, { minLength: 1, maxLength: 6 }),
    condition: expr,
  }),
)
const policy: fc.Arbitrary<Policy> = fc
  .record(
    {
      bindings: fc.array(binding, { maxLength: 8 }),
      auditConfigs: fc.array(
        fc.record(
          {
            service: fc.constantFrom('allServices', 'run.googleapis.com'),
            auditLogConfigs: fc.array(
              fc.record(
                {
                  logType: fc.constantFrom('ADMIN_READ', 'DATA_WRITE', 'DATA_READ'),
                  exemptedMembers: fc.array(nonPublic, { maxLength: 3 }),
                },
                { requiredKeys: ['logType'] },
              ),
              { maxLength: 3 },
            ),
          },
          { requiredKeys: ['service'] },
        ),
        { maxLength: 2 },
      ),
    },
    { requiredKeys: [] },
  )
  .map((p) => ({ ...p, version: (p.bindings ?? []).some((b) => b.condition) ? 3 : 1 }))

function shuffle<T>(xs: readonly T[], keys: readonly number[]): T[] {
  return xs
    .map((x, i) => ({ x, k: keys[i % Math.max(keys.length, 1)] ?? 0, i }))
    .sort((a, b) => a.k - b.k || a.i - b.i)
    .map((e) => e.x)
}

describe('canonical policy properties', () => {
  it('random valid policies pass validation', () => {
    fc.assert(
      fc.property(policy, (p) => {
        validatePolicy(JSON.parse(JSON.stringify(p)), { resourceType: 'service' })
      }),
    )
  })

  it('round-trips through JSON and YAML unchanged', () => {
    fc.assert(
      fc.property(policy, (p) => {
        const c = canonicalizePolicy(p)
        const viaJson = JSON.parse(JSON.stringify(c)) as Policy
        const viaYaml = parseYaml(stringifyYaml(c)) as Policy
        expect(viaJson).toEqual(c)
        expect(viaYaml).toEqual(c)
        expect(canonicalizePolicy(validatePolicy(viaYaml, { resourceType: 'service' }))).toEqual(c)
        expect(computeEtag(viaYaml)).toBe(computeEtag(c))
      }),
    )
  })

  it('is idempotent', () => {
    fc.assert(
      fc.property(policy, (p) => {
        const c = canonicalizePolicy(p)
        expect(canonicalizePolicy(c)).toEqual(c)
      }),
    )
  })

  it('gives the same etag whatever the order of members and bindings', () => {
    fc.assert(
      fc.property(policy, fc.array(fc.integer(), { minLength: 1, maxLength: 20 }), (p, keys) => {
        const reordered: Policy = {
          ...p,
          bindings: shuffle(p.bindings ?? [], keys).map((b) => ({
            ...b,
            members: shuffle(b.members, [...keys].reverse()),
          })),
        }
        const split: Policy = {
          ...p,
          bindings: (p.bindings ?? []).flatMap((b) =>
            b.members.map((m) => ({ ...b, members: [m] })),
          ),
        }
        const etag = computeEtag(canonicalizePolicy(p))
        expect(computeEtag(canonicalizePolicy(reordered))).toBe(etag)
        expect(computeEtag(canonicalizePolicy(split))).toBe(etag)
      }),
    )
  })
})
