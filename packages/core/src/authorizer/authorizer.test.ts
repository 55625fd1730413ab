// Table-driven unit tests of the authorizer's semantics: who matches, which levels count, what a
// condition does, and what a Decision says about itself.
import { describe, expect, it } from 'vitest'
import type { Binding, Policy } from '../policy/types.js'
import {
  allows,
  chainOf,
  check,
  CHECK_CONDITION_BUDGET,
  compilePolicy,
  policiesOf,
  principalSetFor,
  testPermissions,
  type CompiledPolicy,
  type Decision,
  type PolicyChain,
  type PrincipalSet,
} from './index.js'
import type { RequestAttributes } from '../conditions/types.js'

const ORG = 'organizations/123'
const PROJECT = 'projects/p1'
const SERVICE = 'projects/p1/locations/us-central1/services/s1'
const INVOKE = 'run.routes.invoke'
const ATTRS: RequestAttributes = {
  timeMs: Date.UTC(2026, 0, 1),
  host: 's1-123.us-central1.run.localhost',
  path: '/admin/x',
}

const alice = principalSetFor('user:alice@example.com', { groups: ['group:eng@example.com'] })
const bob = principalSetFor('user:bob@other.org')
const robot = principalSetFor('serviceAccount:robot@p1.iam.gserviceaccount.com')
const anonymous = principalSetFor(undefined)

function policies(levels: {
  org?: Binding[]
  project?: Binding[]
  service?: Binding[]
}): CompiledPolicy[] {
  const compile = (resource: string, bindings: Binding[] | undefined): CompiledPolicy =>
    compilePolicy(resource, { version: 3, bindings: bindings ?? [], etag: 'BwX' } satisfies Policy)
  return [
    compile(SERVICE, levels.service),
    compile(PROJECT, levels.project),
    compile(ORG, levels.org),
  ]
}

function decide(
  principals: PrincipalSet,
  permission: string,
  compiled: CompiledPolicy[],
  attributes: RequestAttributes = ATTRS,
): Decision {
  return check({ principals, permission, resource: SERVICE, attributes }, compiled)
}

describe('principalSetFor', () => {
  it.each([
    [undefined, undefined, ['allUsers']],
    ['allUsers', undefined, ['allUsers']],
    [
      'user:alice@Example.COM',
      ['group:eng@example.com', 'Ops@Example.com'],
      [
        'user:alice@example.com',
        'domain:example.com',
        'allAuthenticatedUsers',
        'allUsers',
        'group:eng@example.com',
        'group:ops@example.com',
      ],
    ],
    [
      'serviceAccount:robot@p1.iam.gserviceaccount.com',
      undefined,
      ['serviceAccount:robot@p1.iam.gserviceaccount.com', 'allAuthenticatedUsers', 'allUsers'],
    ],
    [
      'principal://iam.googleapis.com/locations/global/workforcePools/p/subject/s',
      undefined,
      [
        'principal://iam.googleapis.com/locations/global/workforcePools/p/subject/s',
        'allAuthenticatedUsers',
        'allUsers',
      ],
    ],
  ])('%s with groups %j → %j', (member, groups, expected) => {
    const set = principalSetFor(member, groups === undefined ? {} : { groups })
    expect([...set.members].sort()).toEqual([...expected].sort())
  })

  it.each([
    ['user:nobody'],
    ['user:@example.com'],
    ['serviceAccount:robot'],
    ['User:alice@example.com'],
    ['group:eng@example.com'],
    ['principalSet://iam.googleapis.com/locations/global/workforcePools/p/*'],
    ['domain:example.com'],
    ['allAuthenticatedUsers'],
    ['deleted:user:a@example.com?uid=1'],
    ['alice@example.com'],
    [''],
  ])('rejects %j as a caller', (member) => {
    expect(() => principalSetFor(member)).toThrow(
      expect.objectContaining({ name: 'IamError', code: 3 }),
    )
  })

  it('rejects a non-group in groups and groups on an anonymous caller', () => {
    expect(() => principalSetFor('user:a@example.com', { groups: ['user:b@example.com'] })).toThrow(
      /Not a group: user:b@example.com/,
    )
    expect(() => principalSetFor(undefined, { groups: ['g@example.com'] })).toThrow(/anonymous/)
  })
})

describe('check: unconditional bindings', () => {
  const cases: {
    name: string
    who: PrincipalSet
    permission?: string
    levels: Parameters<typeof policies>[0]
    allowed: boolean
    member?: string
    resource?: string
  }[] = [
    {
      name: 'the user itself on the service',
      who: alice,
      levels: { service: [{ role: 'roles/run.invoker', members: ['user:alice@example.com'] }] },
      allowed: true,
      member: 'user:alice@example.com',
      resource: SERVICE,
    },
    {
      name: 'a group of the caller',
      who: alice,
      levels: { service: [{ role: 'roles/run.invoker', members: ['group:eng@example.com'] }] },
      allowed: true,
      member: 'group:eng@example.com',
    },
    {
      name: 'the domain of a user',
      who: alice,
      levels: { project: [{ role: 'roles/run.developer', members: ['domain:example.com'] }] },
      allowed: true,
      member: 'domain:example.com',
      resource: PROJECT,
    },
    {
      name: 'another domain',
      who: bob,
      levels: { project: [{ role: 'roles/run.developer', members: ['domain:example.com'] }] },
      allowed: false,
    },
    {
      name: 'a service account never matches domain:',
      who: robot,
      levels: {
        service: [
          {
            role: 'roles/run.invoker',
            members: ['domain:gserviceaccount.com', 'domain:p1.iam.gserviceaccount.com'],
          },
        ],
      },
      allowed: false,
    },
    {
      name: 'allUsers lets anonymous in',
      who: anonymous,
      levels: { service: [{ role: 'roles/run.invoker', members: ['allUsers'] }] },
      allowed: true,
      member: 'allUsers',
    },
    {
      name: 'allAuthenticatedUsers does not let anonymous in',
      who: anonymous,
      levels: { service: [{ role: 'roles/run.invoker', members: ['allAuthenticatedUsers'] }] },
      allowed: false,
    },
    {
      name: 'allAuthenticatedUsers lets a service account in',
      who: robot,
      levels: { service: [{ role: 'roles/run.invoker', members: ['allAuthenticatedUsers'] }] },
      allowed: true,
      member: 'allAuthenticatedUsers',
    },
    {
      name: 'inherited from the organization',
      who: bob,
      levels: { org: [{ role: 'roles/owner', members: ['user:bob@other.org'] }] },
      allowed: true,
      resource: ORG,
      member: 'user:bob@other.org',
    },
    {
      name: 'a role without the permission',
      who: alice,
      levels: { service: [{ role: 'roles/run.viewer', members: ['user:alice@example.com'] }] },
      allowed: false,
    },
    {
      name: 'an unknown role grants nothing',
      who: alice,
      levels: { service: [{ role: 'roles/run.superuser', members: ['user:alice@example.com'] }] },
      allowed: false,
    },
    {
      name: 'an unknown permission is never granted',
      who: alice,
      permission: 'run.services.teleport',
      levels: { service: [{ role: 'roles/owner', members: ['user:alice@example.com'] }] },
      allowed: false,
    },
    {
      name: 'a binding for someone else',
      who: alice,
      levels: { service: [{ role: 'roles/run.invoker', members: ['user:bob@other.org'] }] },
      allowed: false,
    },
    {
      name: 'emails and domains match case-insensitively (both sides normalised)',
      who: principalSetFor('user:Alice@Example.com'),
      levels: { service: [{ role: 'roles/run.invoker', members: ['user:ALICE@example.COM'] }] },
      allowed: true,
      member: 'user:alice@example.com',
    },
    {
      name: 'a legacy GKE service account is a caller',
      who: principalSetFor('serviceAccount:p1.svc.id.goog[ns/ksa]'),
      levels: { service: [{ role: 'roles/run.invoker', members: ['allAuthenticatedUsers'] }] },
      allowed: true,
    },
    {
      name: 'federated principal:// identities are case-sensitive',
      who: principalSetFor(
        'principal://iam.googleapis.com/locations/global/workforcePools/p/subject/Sub',
      ),
      levels: {
        service: [
          {
            role: 'roles/run.invoker',
            members: [
              'principal://iam.googleapis.com/locations/global/workforcePools/p/subject/sub',
            ],
          },
        ],
      },
      allowed: false,
    },
  ]
  it.each(cases)('$name', (c) => {
    const decision = decide(c.who, c.permission ?? INVOKE, policies(c.levels))
    expect(decision.allowed).toBe(c.allowed)
    expect(decision.conditionErrors).toEqual([])
    if (!c.allowed) {
      expect(decision.grantedBy).toEqual([])
      return
    }
    expect(decision.grantedBy).toHaveLength(1)
    const grant = decision.grantedBy[0]
    expect(grant?.condition).toBeUndefined()
    if (c.member !== undefined) expect(grant?.member).toBe(c.member)
    if (c.resource !== undefined) expect(grant?.resource).toBe(c.resource)
  })

  it('explains the grant: resource, role, member', () => {
    const compiled = policies({
      project: [{ role: 'roles/run.developer', members: ['group:eng@example.com'] }],
    })
    expect(decide(alice, 'run.services.update', compiled)).toEqual({
      allowed: true,
      grantedBy: [
        { resource: PROJECT, role: 'roles/run.developer', member: 'group:eng@example.com' },
      ],
      conditionErrors: [],
    })
  })

  it('answers repeated checks with the same frozen decision object', () => {
    const compiled = policies({
      service: [{ role: 'roles/run.invoker', members: ['user:alice@example.com'] }],
    })
    const first = decide(alice, INVOKE, compiled)
    expect(decide(alice, INVOKE, compiled)).toBe(first)
    expect(Object.isFrozen(first)).toBe(true)
    expect(Object.isFrozen(first.grantedBy)).toBe(true)
    const denied = decide(bob, INVOKE, compiled)
    expect(decide(robot, INVOKE, compiled)).toBe(denied)
  })

  it('keeps resource and etag on the compiled policy', () => {
    const compiled = compilePolicy(SERVICE, { etag: 'BwYZ', bindings: [] })
    expect(compiled.resource).toBe(SERVICE)
    expect(compiled.etag).toBe('BwYZ')
    expect(compilePolicy(SERVICE, {}).etag).toBeUndefined()
    expect(
      check({ principals: alice, permission: INVOKE, resource: SERVICE, attributes: ATTRS }, []),
    ).toEqual({
      allowed: false,
      grantedBy: [],
      conditionErrors: [],
    })
  })
})

describe('check: conditional bindings', () => {
  const adminOnly = {
    title: 'admin paths',
    expression: 'request.path.startsWith("/admin")',
  }
  const otherHost = { title: 'other host', expression: 'request.host == "elsewhere.example"' }

  it('grants when the condition is true, and says which condition', () => {
    const compiled = policies({
      service: [
        { role: 'roles/run.invoker', members: ['user:alice@example.com'], condition: adminOnly },
      ],
    })
    expect(decide(alice, INVOKE, compiled)).toEqual({
      allowed: true,
      grantedBy: [
        {
          resource: SERVICE,
          role: 'roles/run.invoker',
          member: 'user:alice@example.com',
          condition: adminOnly,
        },
      ],
      conditionErrors: [],
    })
    expect(decide(alice, INVOKE, compiled, { ...ATTRS, path: '/public' })).toEqual({
      allowed: false,
      grantedBy: [],
      conditionErrors: [],
    })
  })

  it('omits the title when the condition has none', () => {
    const compiled = policies({
      service: [
        {
          role: 'roles/run.invoker',
          members: ['allUsers'],
          condition: { expression: adminOnly.expression },
        },
      ],
    })
    expect(decide(anonymous, INVOKE, compiled).grantedBy).toEqual([
      {
        resource: SERVICE,
        role: 'roles/run.invoker',
        member: 'allUsers',
        condition: { expression: adminOnly.expression },
      },
    ])
  })

  it('denies and reports a condition that errors (absent request.path)', () => {
    const compiled = policies({
      project: [
        { role: 'roles/run.invoker', members: ['group:eng@example.com'], condition: adminOnly },
      ],
    })
    const decision = decide(alice, INVOKE, compiled, { timeMs: ATTRS.timeMs })
    expect(decision.allowed).toBe(false)
    expect(decision.grantedBy).toEqual([])
    expect(decision.conditionErrors).toEqual([
      {
        resource: PROJECT,
        role: 'roles/run.invoker',
        expression: adminOnly.expression,
        error: expect.any(String),
      },
    ])
    expect(decision.conditionErrors[0]?.error).not.toBe('')
  })

  it('reports a stored condition that does not compile, at check time, without throwing', () => {
    const broken = { title: 'broken', expression: 'request.path.startsWith(' }
    let compiled: CompiledPolicy[] = []
    expect(() => {
      compiled = policies({
        service: [
          { role: 'roles/run.invoker', members: ['user:alice@example.com'], condition: broken },
        ],
      })
    }).not.toThrow()
    const decision = decide(alice, INVOKE, compiled)
    expect(decision.allowed).toBe(false)
    expect(decision.conditionErrors).toEqual([
      {
        resource: SERVICE,
        role: 'roles/run.invoker',
        expression: broken.expression,
        error: expect.stringContaining('does not compile'),
      },
    ])
  })

  it('an unconditional grant at any level wins before any condition is evaluated', () => {
    const broken = { title: 'broken', expression: 'request.path.startsWith(' }
    const compiled = policies({
      service: [
        { role: 'roles/run.invoker', members: ['user:alice@example.com'], condition: broken },
      ],
      org: [{ role: 'roles/run.invoker', members: ['domain:example.com'] }],
    })
    expect(decide(alice, INVOKE, compiled)).toEqual({
      allowed: true,
      grantedBy: [{ resource: ORG, role: 'roles/run.invoker', member: 'domain:example.com' }],
      conditionErrors: [],
    })
  })

  it('an erroring binding does not stop a later true one; the error is kept', () => {
    const compiled = policies({
      service: [
        { role: 'roles/run.invoker', members: ['user:alice@example.com'], condition: adminOnly },
        {
          role: 'roles/run.servicesInvoker',
          members: ['user:alice@example.com'],
          condition: { title: 't', expression: 'request.time < timestamp("2030-01-01T00:00:00Z")' },
        },
      ],
    })
    const decision = decide(alice, INVOKE, compiled, { timeMs: ATTRS.timeMs })
    expect(decision.allowed).toBe(true)
    expect(decision.grantedBy[0]?.role).toBe('roles/run.servicesInvoker')
    expect(decision.conditionErrors.map((e) => e.role)).toEqual(['roles/run.invoker'])
  })

  it('reports one error per binding even when it names several of the caller’s members', () => {
    const compiled = policies({
      service: [
        {
          role: 'roles/run.invoker',
          members: ['user:alice@example.com', 'group:eng@example.com', 'domain:example.com'],
          condition: adminOnly,
        },
        { role: 'roles/run.invoker', members: ['user:alice@example.com'], condition: otherHost },
      ],
    })
    const decision = decide(alice, INVOKE, compiled, { timeMs: ATTRS.timeMs })
    expect(decision.allowed).toBe(false)
    expect(decision.conditionErrors.map((e) => e.expression)).toEqual([
      adminOnly.expression,
      otherHost.expression,
    ])
  })

  it('a later unconditional binding for the same member wins over an earlier conditional one', () => {
    const broken = { title: 'broken', expression: 'request.path.startsWith(' }
    const compiled = policies({
      service: [
        { role: 'roles/run.admin', members: ['user:alice@example.com'], condition: broken },
        { role: 'roles/run.invoker', members: ['user:alice@example.com'] },
      ],
    })
    expect(decide(alice, INVOKE, compiled)).toEqual({
      allowed: true,
      grantedBy: [
        { resource: SERVICE, role: 'roles/run.invoker', member: 'user:alice@example.com' },
      ],
      conditionErrors: [],
    })
    // A permission only the conditional binding holds: its compile error is reported.
    expect(decide(alice, 'run.services.setIamPolicy', compiled).conditionErrors).toHaveLength(1)
  })

  it('false conditions deny without errors', () => {
    const compiled = policies({
      service: [
        { role: 'roles/run.invoker', members: ['user:alice@example.com'], condition: otherHost },
      ],
    })
    expect(decide(alice, INVOKE, compiled)).toEqual({
      allowed: false,
      grantedBy: [],
      conditionErrors: [],
    })
  })
})

// Each conditional binding's evaluation is bounded by EVALUATION_BUDGET; a policy may hold many
// (20 per role and member, several roles, several levels), so one check shares one budget.
describe('check: the condition budget of one check', () => {
  let x = 7
  let long = '/'
  for (let i = 1; i < 8192; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff
    long += (x >> 16) & 1 ? 'a' : 'b'
  }
  const heavy = (i: number): Binding => ({
    role: 'roles/run.invoker',
    members: ['user:alice@example.com'],
    condition: {
      title: `heavy ${i}`,
      expression: `request.path.matches("[ab]*a[ab]{${900 + i}}$")`,
    },
  })
  const cheap: Binding = {
    role: 'roles/run.invoker',
    members: ['user:alice@example.com'],
    condition: { title: 'cheap', expression: 'request.path.startsWith("/")' },
  }

  it('stops evaluating conditions once the check has spent its budget, and says so', () => {
    const compiled = policies({ service: [heavy(0), heavy(1), heavy(2), cheap] })
    const decision = decide(alice, INVOKE, compiled, { ...ATTRS, path: long })
    expect(decision.allowed).toBe(false)
    expect(decision.conditionErrors.map((e) => e.error)).toEqual([
      'evaluation stopped: the condition needs more than its budget of 100,000 units of work for this request',
      expect.stringMatching(
        /^evaluation stopped: the condition needs more than its budget of [\d,]+ units/,
      ),
      `not evaluated: the conditions evaluated before it used up this check's budget of ${CHECK_CONDITION_BUDGET.toLocaleString('en-US')} units of work`,
      `not evaluated: the conditions evaluated before it used up this check's budget of ${CHECK_CONDITION_BUDGET.toLocaleString('en-US')} units of work`,
    ])
  })

  it('does not touch checks that stay within it', () => {
    const compiled = policies({ service: [heavy(0), cheap] })
    expect(decide(alice, INVOKE, compiled, { ...ATTRS, path: long }).allowed).toBe(true)
    expect(decide(alice, INVOKE, compiled, { ...ATTRS, path: '/a' }).allowed).toBe(true)
  })
})

describe('testPermissions', () => {
  it('returns the permissions held, in request order', () => {
    const compiled = policies({
      service: [{ role: 'roles/run.invoker', members: ['user:alice@example.com'] }],
      project: [{ role: 'roles/run.viewer', members: ['group:eng@example.com'] }],
    })
    const asked = [
      'run.services.setIamPolicy',
      'run.routes.invoke',
      'nonsense.permission',
      'run.services.get',
      'run.services.delete',
      'resourcemanager.projects.get',
    ]
    expect(
      testPermissions({ principals: alice, resource: SERVICE, attributes: ATTRS }, asked, compiled),
    ).toEqual(['run.routes.invoke', 'run.services.get', 'resourcemanager.projects.get'])
    expect(
      testPermissions({ principals: bob, resource: SERVICE, attributes: ATTRS }, asked, compiled),
    ).toEqual([])
  })
})

describe('allows: the verdict without the explanation', () => {
  const adminOnly = { title: 'admin paths', expression: 'request.path.startsWith("/admin")' }
  const ask = (principals: PrincipalSet, permission: string, compiled: CompiledPolicy[]) =>
    allows({ principals, permission, resource: SERVICE, attributes: ATTRS }, compiled)

  it('says what check says on unconditional grants at any level', () => {
    const compiled = policies({
      org: [{ role: 'roles/run.invoker', members: ['domain:other.org'] }],
      project: [{ role: 'roles/run.viewer', members: ['group:eng@example.com'] }],
    })
    for (const who of [alice, bob, robot, anonymous]) {
      for (const permission of [INVOKE, 'run.services.get', 'run.services.delete']) {
        expect(ask(who, permission, compiled)).toBe(decide(who, permission, compiled).allowed)
      }
    }
    expect(ask(bob, INVOKE, compiled)).toBe(true)
    expect(ask(alice, INVOKE, compiled)).toBe(false)
  })

  it('evaluates conditions only when no unconditional grant decides, and an error grants nothing', () => {
    const compiled = policies({
      service: [
        { role: 'roles/run.invoker', members: ['user:alice@example.com'], condition: adminOnly },
      ],
    })
    expect(ask(alice, INVOKE, compiled)).toBe(true)
    expect(
      allows(
        {
          principals: alice,
          permission: INVOKE,
          resource: SERVICE,
          attributes: { ...ATTRS, path: '/x' },
        },
        compiled,
      ),
    ).toBe(false)
    // request.path absent: the condition errors, and an erroring condition never allows.
    expect(
      allows(
        {
          principals: alice,
          permission: INVOKE,
          resource: SERVICE,
          attributes: { timeMs: ATTRS.timeMs },
        },
        compiled,
      ),
    ).toBe(false)
  })

  it('denies what no role holds, a look-alike member, and an empty chain', () => {
    const compiled = policies({
      service: [
        {
          role: 'roles/owner',
          members: ['user:alice@example.com.evil.org', 'group:eng@example.co'],
        },
      ],
    })
    expect(ask(alice, 'nonsense.permission', compiled)).toBe(false)
    expect(ask(alice, INVOKE, compiled)).toBe(false)
    expect(ask(alice, INVOKE, [])).toBe(false)
  })
})

describe('chainOf: a policy bound to the policies it inherits', () => {
  const compile = (resource: string, bindings: Binding[]): CompiledPolicy =>
    compilePolicy(resource, { bindings })
  const service = compile(SERVICE, [{ role: 'roles/run.viewer', members: ['user:bob@other.org'] }])
  const grantingProject = compile(PROJECT, [
    { role: 'roles/run.invoker', members: ['group:eng@example.com'] },
  ])
  const emptyProject = compile(PROJECT, [])
  const org = compile(ORG, [{ role: 'roles/run.invoker', members: ['domain:other.org'] }])
  const ask = (principals: PrincipalSet, policies: PolicyChain): Decision =>
    check({ principals, permission: INVOKE, resource: SERVICE, attributes: ATTRS }, policies)

  it('decides as the list [own, ...inherited], and explains with the level that granted', () => {
    const chain = chainOf(service, [grantingProject, org])
    expect(policiesOf(chain)).toEqual([service, grantingProject, org])
    for (const who of [alice, bob, robot, anonymous]) {
      expect(ask(who, chain)).toEqual(ask(who, [service, grantingProject, org]))
    }
    expect(ask(alice, chain).grantedBy[0]?.resource).toBe(PROJECT)
    expect(ask(bob, chain).grantedBy[0]?.resource).toBe(ORG)
    expect(ask(robot, chain).allowed).toBe(false)
    // Its own policy alone, bound to nothing.
    expect(ask(alice, chainOf(compile(SERVICE, []), [])).allowed).toBe(false)
  })

  it('binding again replaces the ancestors: a revoked grant above no longer allows', () => {
    const chain = chainOf(service, [grantingProject, org])
    expect(
      allows(
        { principals: alice, permission: INVOKE, resource: SERVICE, attributes: ATTRS },
        chain,
      ),
    ).toBe(true)
    const again = chainOf(service, [emptyProject, org])
    expect(again).toBe(chain)
    expect(
      allows(
        { principals: alice, permission: INVOKE, resource: SERVICE, attributes: ATTRS },
        chain,
      ),
    ).toBe(false)
    expect(ask(alice, chain).allowed).toBe(false)
    expect(policiesOf(chain)).toEqual([service, emptyProject, org])
  })

  it('in a plain list a bound policy counts alone: its ancestors are read only through its chain', () => {
    chainOf(service, [grantingProject, org])
    expect(ask(alice, [service]).allowed).toBe(false)
    expect(ask(alice, [service, grantingProject]).allowed).toBe(true)
    expect(
      testPermissions(
        { principals: alice, resource: SERVICE, attributes: ATTRS },
        [INVOKE],
        chainOf(service, [grantingProject]),
      ),
    ).toEqual([INVOKE])
  })
})
