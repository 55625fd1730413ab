// The authorizer with custom roles: a compiled policy grants a custom role's permissions exactly
// as its resolver states them, nothing when the resolver knows the role not (deleted, disabled,
// unknown), and compiling again is what makes a changed role take effect.
import { describe, expect, it } from 'vitest'
import type { RequestAttributes } from '../conditions/types.js'
import type { Policy } from '../policy/types.js'
import {
  check,
  compilePolicy,
  principalSetFor,
  testPermissions,
  type CustomRoleResolver,
} from './index.js'

const PROJECT = 'projects/p1'
const SERVICE = 'projects/p1/locations/us-central1/services/s1'
const ROLE = 'projects/p1/roles/invoker'
const ATTRS: RequestAttributes = { timeMs: Date.UTC(2026, 0, 1), path: '/x' }
const alice = principalSetFor('user:alice@example.com')

const policy = (role = ROLE, condition?: string): Policy => ({
  version: 3,
  bindings: [
    condition === undefined
      ? { role, members: ['user:alice@example.com'] }
      : {
          role,
          members: ['user:alice@example.com'],
          condition: { title: 't', expression: condition },
        },
  ],
  etag: 'BwX',
})

const resolver =
  (roles: Record<string, readonly string[]>): CustomRoleResolver =>
  (name) => {
    const perms = roles[name]
    return perms === undefined ? undefined : new Set(perms)
  }

const allowed = (p: Policy, customRoles: CustomRoleResolver | undefined, permission: string) =>
  check({ principals: alice, permission, resource: SERVICE, attributes: ATTRS }, [
    compilePolicy(PROJECT, p, customRoles === undefined ? {} : { customRoles }),
  ]).allowed

describe('custom roles in the authorizer', () => {
  it('grant exactly the permissions the resolver gives', () => {
    const r = resolver({ [ROLE]: ['run.routes.invoke', 'run.services.get'] })
    expect(allowed(policy(), r, 'run.routes.invoke')).toBe(true)
    expect(allowed(policy(), r, 'run.services.get')).toBe(true)
    expect(allowed(policy(), r, 'run.services.update')).toBe(false)
    expect(allowed(policy(), r, 'run.services.setIamPolicy')).toBe(false)
  })

  it('grant nothing without a resolver, or when it does not know the role', () => {
    expect(allowed(policy(), undefined, 'run.routes.invoke')).toBe(false)
    expect(allowed(policy(), resolver({}), 'run.routes.invoke')).toBe(false)
  })

  it('report the custom role as the deciding binding', () => {
    const d = check(
      { principals: alice, permission: 'run.routes.invoke', resource: SERVICE, attributes: ATTRS },
      [
        compilePolicy(PROJECT, policy(), {
          customRoles: resolver({ [ROLE]: ['run.routes.invoke'] }),
        }),
      ],
    )
    expect(d.grantedBy).toEqual([
      { resource: PROJECT, role: ROLE, member: 'user:alice@example.com' },
    ])
  })

  it('honour conditions like any binding', () => {
    const r = resolver({ [ROLE]: ['run.routes.invoke'] })
    expect(allowed(policy(ROLE, 'request.path.startsWith("/x")'), r, 'run.routes.invoke')).toBe(
      true,
    )
    expect(allowed(policy(ROLE, 'request.path.startsWith("/y")'), r, 'run.routes.invoke')).toBe(
      false,
    )
  })

  it('a compiled policy keeps what it resolved; compiling again sees the change', () => {
    const roles: Record<string, readonly string[]> = { [ROLE]: ['run.routes.invoke'] }
    const live: CustomRoleResolver = (name) => {
      const perms = roles[name]
      return perms === undefined ? undefined : new Set(perms)
    }
    const first = compilePolicy(PROJECT, policy(), { customRoles: live })
    const req = { principals: alice, resource: SERVICE, attributes: ATTRS }
    expect(check({ ...req, permission: 'run.routes.invoke' }, [first]).allowed).toBe(true)
    delete roles[ROLE]
    // The index built for run.routes.invoke stays; a new compile answers for the deleted role.
    expect(check({ ...req, permission: 'run.routes.invoke' }, [first]).allowed).toBe(true)
    const again = compilePolicy(PROJECT, policy(), { customRoles: live })
    expect(check({ ...req, permission: 'run.routes.invoke' }, [again]).allowed).toBe(false)
  })

  it('testPermissions answers the subset a custom role holds', () => {
    const compiled = compilePolicy(PROJECT, policy(), {
      customRoles: resolver({ [ROLE]: ['run.services.get'] }),
    })
    expect(
      testPermissions(
        { principals: alice, resource: SERVICE, attributes: ATTRS },
        ['run.routes.invoke', 'run.services.get'],
        [compiled],
      ),
    ).toEqual(['run.services.get'])
  })

  it('a predefined role name is never sent to the resolver', () => {
    const asked: string[] = []
    const spy: CustomRoleResolver = (name) => {
      asked.push(name)
      return undefined
    }
    expect(allowed(policy('roles/run.invoker'), spy, 'run.routes.invoke')).toBe(true)
    expect(asked).toEqual([])
  })
})
