// The organization-policy model: spec validation per constraint kind and the evaluation of the
// effective policy down the hierarchy (organization first).
import { describe, expect, it } from 'vitest'
import { isIamError } from '@runiam/core'
import {
  ALLOWED_POLICY_MEMBER_DOMAINS,
  constraintOf,
  effectiveBoolean,
  effectiveList,
  effectiveRules,
  readSpec,
  REQUIRE_INVOKER_IAM,
  type PolicySpec,
} from './org-policy-model.js'

const drs = constraintOf(`constraints/${ALLOWED_POLICY_MEMBER_DOMAINS}`)
const rii = constraintOf(REQUIRE_INVOKER_IAM)
const allow = (...allowedValues: string[]): PolicySpec => ({
  rules: [{ values: { allowedValues } }],
})

function errorOf(fn: () => unknown): { reason: string; message: string } {
  try {
    fn()
  } catch (e) {
    if (isIamError(e)) return { reason: e.reason, message: e.message }
    throw e
  }
  throw new Error('expected an IamError')
}

describe('constraintOf', () => {
  it('accepts the bare name and the constraints/ prefix; anything else is UNKNOWN_CONSTRAINT', () => {
    expect(drs.kind).toBe('list')
    expect(rii.kind).toBe('boolean')
    expect(errorOf(() => constraintOf('constraints/gcp.resourceLocations'))).toEqual({
      reason: 'UNKNOWN_CONSTRAINT',
      message:
        'Constraint constraints/gcp.resourceLocations is not supported: runiam knows only constraints/iam.allowedPolicyMemberDomains and constraints/run.managed.requireInvokerIam.',
    })
  })
})

describe('readSpec', () => {
  it('keeps what the constraint accepts, drops output-only fields and false flags', () => {
    expect(
      readSpec(
        drs,
        {
          etag: 'x',
          updateTime: 't',
          inheritFromParent: false,
          reset: false,
          rules: [{ values: { allowedValues: ['C0abc12', 'C0abc12', 'is:example.com'] } }],
        },
        'spec',
      ),
    ).toEqual({ rules: [{ values: { allowedValues: ['C0abc12', 'is:example.com'] } }] })
    expect(readSpec(rii, { rules: [{ enforce: false }] }, 'spec')).toEqual({
      rules: [{ enforce: false }],
    })
    expect(readSpec(rii, undefined, 'spec')).toEqual({})
    expect(readSpec(drs, { reset: true }, 'spec')).toEqual({ reset: true })
  })

  it('names the offending field', () => {
    expect(errorOf(() => readSpec(rii, { rules: [{ enforce: 'yes' }] }, 'policy.spec'))).toEqual({
      reason: 'INVALID_FIELD',
      message: `Invalid value at 'policy.spec.rules[0].enforce' (TYPE_BOOL), "yes"`,
    })
    expect(
      errorOf(() => readSpec(drs, { rules: [{ allowAll: true }, { denyAll: true }] }, 'spec'))
        .message,
    ).toBe("'spec.rules': a rule with allowAll or denyAll must be the only rule of the policy.")
    expect(
      errorOf(() => readSpec(rii, { rules: [{ enforce: true }, { enforce: false }] }, 's')).message,
    ).toMatch(/at most one rule/)
    expect(errorOf(() => readSpec(drs, { rules: [{ values: {} }] }, 's')).message).toBe(
      "'s.rules[0].values' must list at least one allowed or denied value.",
    )
    expect(errorOf(() => readSpec(drs, { rules: [{ allowAll: false }] }, 's')).message).toBe(
      "'s.rules[0].allowAll' must be true when it is set.",
    )
  })
})

describe('effective evaluation', () => {
  it('boolean: nearest policy with rules decides; reset returns to not enforced', () => {
    const on: PolicySpec = { rules: [{ enforce: true }] }
    const off: PolicySpec = { rules: [{ enforce: false }] }
    expect(effectiveBoolean([])).toBe(false)
    expect(effectiveBoolean([on, undefined])).toBe(true)
    expect(effectiveBoolean([on, {}])).toBe(true)
    expect(effectiveBoolean([on, off])).toBe(false)
    expect(effectiveBoolean([off, on])).toBe(true)
    expect(effectiveBoolean([on, { reset: true }])).toBe(false)
  })

  it('list: inherit, replace, merge, reset, allowAll and denyAll', () => {
    expect(effectiveList([undefined, undefined])).toMatchObject({ allowAll: true, denyAll: false })
    expect(effectiveList([allow('a.com'), undefined])).toEqual({
      allowAll: false,
      denyAll: false,
      allowed: ['a.com'],
      denied: [],
    })
    expect(effectiveList([allow('a.com'), allow('b.com')]).allowed).toEqual(['b.com'])
    expect(
      effectiveList([allow('a.com'), { ...allow('b.com', 'a.com'), inheritFromParent: true }])
        .allowed,
    ).toEqual(['a.com', 'b.com'])
    expect(effectiveList([allow('a.com'), { reset: true }]).allowAll).toBe(true)
    expect(effectiveList([{ rules: [{ denyAll: true }] }, allow('b.com')]).allowed).toEqual([
      'b.com',
    ])
    expect(
      effectiveList([
        { rules: [{ denyAll: true }] },
        { ...allow('b.com'), inheritFromParent: true },
      ]),
    ).toEqual({ allowAll: false, denyAll: false, allowed: ['b.com'], denied: [] })
    expect(
      effectiveList([
        { rules: [{ allowAll: true }] },
        { ...allow('b.com'), inheritFromParent: true },
      ]).allowAll,
    ).toBe(true)
    expect(
      effectiveList([allow('a.com'), { rules: [{ denyAll: true }], inheritFromParent: true }])
        .denyAll,
    ).toBe(true)
  })

  it('renders the effective rules as getEffectivePolicy answers them', () => {
    expect(effectiveRules(rii, [])).toEqual([{ enforce: false }])
    expect(effectiveRules(drs, [])).toEqual([{ allowAll: true }])
    expect(effectiveRules(drs, [{ rules: [{ denyAll: true }] }])).toEqual([{ denyAll: true }])
    expect(effectiveRules(drs, [allow('C0abc12')])).toEqual([
      { values: { allowedValues: ['C0abc12'] } },
    ])
  })
})
