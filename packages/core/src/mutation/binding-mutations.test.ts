import { describe, expect, it } from 'vitest'
import { isIamError } from '../errors/iam-error.js'
import type { Expr, Policy } from '../policy/types.js'
import {
  addBinding,
  policyHasConditions,
  removeBinding,
  type BindingChange,
} from './binding-mutations.js'

const c1: Expr = { expression: 'request.path.startsWith("/a")', title: 'a' }
const c2: Expr = { expression: 'request.path.startsWith("/b")', title: 'b', description: 'd' }

const plain: Policy = {
  version: 1,
  etag: 'BwYabc123xY=',
  bindings: [{ role: 'roles/run.invoker', members: ['user:a@example.com'] }],
}
const withConds: Policy = {
  version: 3,
  etag: 'BwYabc123xY=',
  bindings: [
    { role: 'roles/run.invoker', members: ['user:a@example.com'] },
    {
      role: 'roles/run.invoker',
      members: ['user:a@example.com', 'user:b@example.com'],
      condition: c1,
    },
    { role: 'roles/run.viewer', members: ['user:a@example.com'], condition: c2 },
  ],
}

function updated(r: BindingChange): Policy {
  if (r.kind !== 'updated') throw new Error(`expected updated, got ${r.kind}`)
  return r.policy
}

function errorOf(f: () => unknown): { reason: string; message: string } {
  try {
    f()
  } catch (e) {
    if (isIamError(e)) return { reason: e.reason, message: e.message }
    throw e
  }
  throw new Error('expected a throw')
}

describe('addBinding', () => {
  it('appends to the binding with the same role and no condition', () => {
    const p = updated(
      addBinding(plain, { member: 'allUsers', role: 'roles/run.invoker', conditionsEnabled: true }),
    )
    expect(p).toEqual({
      version: 1,
      etag: 'BwYabc123xY=',
      bindings: [{ role: 'roles/run.invoker', members: ['user:a@example.com', 'allUsers'] }],
    })
    expect(plain.bindings?.[0]?.members).toEqual(['user:a@example.com'])
  })

  it('is a no-op for a member already bound (case-insensitive email)', () => {
    expect(
      updated(
        addBinding(plain, {
          member: 'user:A@example.com',
          role: 'roles/run.invoker',
          conditionsEnabled: true,
        }),
      ).bindings,
    ).toEqual(plain.bindings)
  })

  it('creates a new binding for a new role', () => {
    expect(
      updated(
        addBinding({}, { member: 'allUsers', role: 'roles/run.invoker', conditionsEnabled: true }),
      ),
    ).toEqual({ bindings: [{ role: 'roles/run.invoker', members: ['allUsers'] }] })
  })

  it('adds a conditional binding and warns the first time', () => {
    const r = addBinding(plain, {
      member: 'user:c@example.com',
      role: 'roles/run.invoker',
      condition: c1,
      conditionsEnabled: true,
    })
    expect(r.kind === 'updated' && r.warning).toContain(
      'will change the behavior of add-iam-policy-binding',
    )
    expect(updated(r).bindings?.[1]).toEqual({
      role: 'roles/run.invoker',
      members: ['user:c@example.com'],
      condition: c1,
    })
    const again = addBinding(updated(r), {
      member: 'user:d@example.com',
      role: 'roles/run.invoker',
      condition: { ...c1 },
      conditionsEnabled: true,
    })
    expect(again.kind === 'updated' && again.warning).toBeUndefined()
    expect(updated(again).bindings?.[1]?.members).toEqual([
      'user:c@example.com',
      'user:d@example.com',
    ])
  })

  it('with --condition=None on a conditional policy, targets the unconditional binding', () => {
    const p = updated(
      addBinding(withConds, {
        member: 'user:c@example.com',
        role: 'roles/run.invoker',
        condition: 'None',
        conditionsEnabled: true,
      }),
    )
    expect(p.bindings?.[0]?.members).toEqual(['user:a@example.com', 'user:c@example.com'])
    expect(p.bindings?.[1]?.members).toEqual(['user:a@example.com', 'user:b@example.com'])
  })

  it('asks for a condition when the policy has conditions and none was given', () => {
    const r = addBinding(withConds, {
      member: 'user:c@example.com',
      role: 'roles/run.invoker',
      conditionsEnabled: true,
    })
    expect(r.kind).toBe('conditionRequired')
    if (r.kind !== 'conditionRequired') return
    expect(r.choices).toEqual([undefined, c1, c2])
    expect(r.error.reason).toBe('CONDITION_REQUIRED')
    expect(r.error.message).toBe(
      'Adding a binding without specifying a condition to a policy containing conditions is prohibited in non-interactive mode. Run the command again with `--condition=None`',
    )
  })

  it('refuses a condition on a basic role', () => {
    expect(
      errorOf(() =>
        addBinding(
          {},
          {
            member: 'user:a@example.com',
            role: 'roles/owner',
            condition: c1,
            conditionsEnabled: true,
          },
        ),
      ),
    ).toEqual({
      reason: 'CONDITION_ON_BASIC_ROLE',
      message:
        'Binding with a condition and a basic role is not allowed. Basic roles are `roles/editor`, `roles/owner`, and `roles/viewer`.',
    })
  })

  it('without condition support: no-op if bound under any condition, else first binding of the role', () => {
    expect(
      updated(
        addBinding(withConds, {
          member: 'user:b@example.com',
          role: 'roles/run.invoker',
          conditionsEnabled: false,
        }),
      ),
    ).toEqual(withConds)
    const p = updated(
      addBinding(withConds, {
        member: 'user:z@example.com',
        role: 'roles/run.viewer',
        conditionsEnabled: false,
      }),
    )
    expect(p.bindings?.[2]).toEqual({
      role: 'roles/run.viewer',
      members: ['user:a@example.com', 'user:z@example.com'],
      condition: c2,
    })
  })
})

describe('removeBinding', () => {
  it('removes the member and drops the emptied binding', () => {
    expect(
      updated(
        removeBinding(plain, {
          member: 'user:A@example.com',
          role: 'roles/run.invoker',
          conditionsEnabled: true,
        }),
      ),
    ).toEqual({ version: 1, etag: 'BwYabc123xY=' })
  })

  it('removes from the binding with the given condition only', () => {
    const p = updated(
      removeBinding(withConds, {
        member: 'user:a@example.com',
        role: 'roles/run.invoker',
        condition: c1,
        conditionsEnabled: true,
      }),
    )
    expect(p.bindings?.map((b) => b.members)).toEqual([
      ['user:a@example.com'],
      ['user:b@example.com'],
      ['user:a@example.com'],
    ])
  })

  it('--condition=None removes from the unconditional binding', () => {
    const p = updated(
      removeBinding(withConds, {
        member: 'user:a@example.com',
        role: 'roles/run.invoker',
        condition: 'None',
        conditionsEnabled: true,
      }),
    )
    expect(p.bindings).toHaveLength(2)
    expect(p.bindings?.[0]?.condition).toEqual(c1)
  })

  it('--all removes the member from every binding of the role', () => {
    const p = updated(
      removeBinding(withConds, {
        member: 'user:a@example.com',
        role: 'roles/run.invoker',
        all: true,
        conditionsEnabled: true,
      }),
    )
    expect(p.bindings).toEqual([
      { role: 'roles/run.invoker', members: ['user:b@example.com'], condition: c1 },
      { role: 'roles/run.viewer', members: ['user:a@example.com'], condition: c2 },
    ])
  })

  it('asks for a condition, offering the conditions that hold the member', () => {
    const r = removeBinding(withConds, {
      member: 'user:a@example.com',
      role: 'roles/run.invoker',
      conditionsEnabled: true,
    })
    expect(r.kind).toBe('conditionRequired')
    if (r.kind !== 'conditionRequired') return
    expect(r.choices).toEqual([undefined, c1])
    expect(r.error.message).toContain('prohibited in non-interactive mode')
    expect(r.error.message).toContain('run command with `--all` to remove all bindings')
  })

  it.each<[string, Policy, Parameters<typeof removeBinding>[1], string]>([
    [
      'conditional',
      withConds,
      {
        member: 'user:b@example.com',
        role: 'roles/run.invoker',
        condition: c2,
        conditionsEnabled: true,
      },
      'Policy binding with the specified principal, role, and condition not found!',
    ],
    [
      'None',
      withConds,
      {
        member: 'user:b@example.com',
        role: 'roles/run.invoker',
        condition: 'None',
        conditionsEnabled: true,
      },
      'Policy binding with the specified principal, role, and condition not found!',
    ],
    [
      '--all',
      withConds,
      {
        member: 'user:z@example.com',
        role: 'roles/run.invoker',
        all: true,
        conditionsEnabled: true,
      },
      'Policy bindings with the specified principal and role not found!',
    ],
    [
      'without conditions',
      plain,
      { member: 'user:z@example.com', role: 'roles/run.invoker', conditionsEnabled: false },
      'Policy binding with the specified principal and role not found!',
    ],
  ])('not found (%s)', (_n, policy, req, message) => {
    expect(errorOf(() => removeBinding(policy, req))).toEqual({
      reason: 'BINDING_NOT_FOUND',
      message,
    })
  })

  it('without condition support removes the member from every binding of the role', () => {
    const p = updated(
      removeBinding(withConds, {
        member: 'user:a@example.com',
        role: 'roles/run.invoker',
        conditionsEnabled: false,
      }),
    )
    expect(p.bindings?.map((b) => b.role)).toEqual(['roles/run.invoker', 'roles/run.viewer'])
  })
})

describe('policyHasConditions', () => {
  it('detects conditions', () => {
    expect(policyHasConditions(withConds)).toBe(true)
    expect(policyHasConditions(plain)).toBe(false)
    expect(policyHasConditions({})).toBe(false)
  })
})
