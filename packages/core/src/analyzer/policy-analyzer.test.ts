// The analyzer's answer in Google's shape (edges, condition evaluation, identities) on a small
// fixed world, and the query checks: each refusal is INVALID_ARGUMENT naming the offending value.
import { describe, expect, it } from 'vitest'
import { compilePolicy, type CompiledPolicy } from '../authorizer/index.js'
import { IamError } from '../errors/iam-error.js'
import { permissionsOf } from '../roles/catalog.js'
import { readAnalysisQuery } from './analysis-query.js'
import { PolicyAnalyzer, type AnalyzerQuery } from './policy-analyzer.js'

const NOW = Date.parse('2026-06-01T00:00:00Z')
const ORG = 'organizations/1'
const SVC = 'projects/p1/locations/l/services/s1'
const policies = new Map<string, CompiledPolicy>([
  [
    ORG,
    compilePolicy(ORG, { bindings: [{ role: 'roles/viewer', members: ['group:outer@a.com'] }] }),
  ],
  [
    SVC,
    compilePolicy(SVC, {
      version: 3,
      bindings: [
        { role: 'roles/run.invoker', members: ['user:bob@a.com'] },
        {
          role: 'roles/run.invoker',
          members: ['group:inner@a.com'],
          condition: { title: 'host', expression: 'request.host == "x"' },
        },
        {
          role: 'roles/run.invoker',
          members: ['domain:a.com'],
          condition: {
            title: 'old',
            expression: 'request.time < timestamp("2020-01-01T00:00:00Z")',
          },
        },
      ],
    }),
  ],
])
const analyzer = new PolicyAnalyzer({
  resources: [
    { name: ORG },
    { name: 'projects/p1', parent: ORG },
    { name: SVC, parent: 'projects/p1' },
  ],
  policy: (n) => policies.get(n),
  memberships: [
    { group: 'outer@a.com', member: 'group:inner@a.com' },
    { group: 'inner@a.com', member: 'user:alice@a.com' },
  ],
  rolePermissions: (role) => permissionsOf(role),
})
const OPTIONS = {
  expandGroups: false,
  expandRoles: false,
  expandResources: false,
  outputResourceEdges: false,
  outputGroupEdges: false,
}
const base: AnalyzerQuery = {
  scope: ORG,
  roles: [],
  permissions: [],
  options: OPTIONS,
  timeMs: NOW,
}

describe('PolicyAnalyzer', () => {
  it('who can invoke a service: inherited bindings, condition evaluation, resource edges', () => {
    const results = analyzer.analyze({
      ...base,
      resource: SVC,
      permissions: ['run.routes.invoke'],
      options: { ...OPTIONS, outputResourceEdges: true },
    })
    expect(results.map((r) => r.accessControlLists[0]?.conditionEvaluation)).toEqual([
      undefined,
      { evaluationValue: 'CONDITIONAL' },
      { evaluationValue: 'FALSE' },
    ])
    expect(results[0]).toEqual({
      attachedResourceFullName: `//run.googleapis.com/${SVC}`,
      iamBinding: { role: 'roles/run.invoker', members: ['user:bob@a.com'] },
      accessControlLists: [
        {
          resources: [{ fullResourceName: `//run.googleapis.com/${SVC}` }],
          accesses: [{ permission: 'run.routes.invoke' }],
          resourceEdges: [],
        },
      ],
      identityList: { identities: [{ name: 'user:bob@a.com' }] },
      fullyExplored: true,
    })
  })

  it('what alice reaches: through nested groups, with the group edges down to her', () => {
    const results = analyzer.analyze({
      ...base,
      identity: 'user:alice@a.com',
      options: {
        ...OPTIONS,
        outputGroupEdges: true,
        outputResourceEdges: true,
        expandResources: true,
      },
    })
    expect(results.map((r) => [r.attachedResourceFullName, r.iamBinding.role])).toEqual([
      ['//cloudresourcemanager.googleapis.com/organizations/1', 'roles/viewer'],
      [`//run.googleapis.com/${SVC}`, 'roles/run.invoker'],
      [`//run.googleapis.com/${SVC}`, 'roles/run.invoker'],
    ])
    expect(results[0]?.identityList).toEqual({
      identities: [{ name: 'user:alice@a.com' }],
      groupEdges: [
        { sourceNode: 'group:outer@a.com', targetNode: 'group:inner@a.com' },
        { sourceNode: 'group:inner@a.com', targetNode: 'user:alice@a.com' },
      ],
    })
    expect(results[0]?.accessControlLists[0]?.resourceEdges).toEqual([
      {
        sourceNode: '//cloudresourcemanager.googleapis.com/organizations/1',
        targetNode: '//cloudresourcemanager.googleapis.com/projects/p1',
      },
      {
        sourceNode: '//cloudresourcemanager.googleapis.com/projects/p1',
        targetNode: `//run.googleapis.com/${SVC}`,
      },
    ])
  })

  it('expandGroups lists every member of nested groups', () => {
    const [org] = analyzer.analyze({
      ...base,
      roles: ['roles/viewer'],
      options: { ...OPTIONS, expandGroups: true, outputGroupEdges: true },
    })
    expect(org?.identityList.identities.map((i) => i.name)).toEqual([
      'group:outer@a.com',
      'group:inner@a.com',
      'user:alice@a.com',
    ])
    expect(org?.accessControlLists[0]?.accesses).toEqual([{ role: 'roles/viewer' }])
  })

  it('without readGroups, no group is expanded nor followed from the identity', () => {
    const [org] = analyzer.analyze({
      ...base,
      roles: ['roles/viewer'],
      options: { ...OPTIONS, expandGroups: true },
      readGroups: false,
    })
    expect(org?.identityList.identities).toEqual([{ name: 'group:outer@a.com' }])
    const alice = analyzer.analyze({ ...base, identity: 'user:alice@a.com', readGroups: false })
    // Only the domain: binding (FALSE at this time) names her without a group.
    expect(alice.map((r) => r.iamBinding.members)).toEqual([['domain:a.com']])
  })

  it('a project scope leaves out the organization policy (Compat: only policies within the scope)', () => {
    const results = analyzer.analyze({
      ...base,
      scope: 'projects/p1',
      identity: 'user:alice@a.com',
    })
    expect(results.map((r) => r.attachedResourceFullName)).toEqual([
      `//run.googleapis.com/${SVC}`,
      `//run.googleapis.com/${SVC}`,
    ])
  })
})

function refusal(query: unknown): IamError {
  try {
    readAnalysisQuery(query)
  } catch (err) {
    if (err instanceof IamError) return err
    throw err
  }
  throw new Error('accepted')
}

describe('readAnalysisQuery', () => {
  it.each([
    [{ scope: 'projects/p1' }, 'Specify at least one of'],
    [{ scope: 'folders/1', identitySelector: { identity: 'user:a@a.com' } }, '"folders/1"'],
    [
      { scope: 'projects/p1', resourceSelector: { fullResourceName: '//run.googleapis.com/x' } },
      '"//run.googleapis.com/x"',
    ],
    [{ scope: 'projects/p1', accessSelector: { permissions: ['run.nope'] } }, '"run.nope"'],
    [{ scope: 'projects/p1', accessSelector: { roles: ['roles/nope'] } }, '"roles/nope"'],
    [{ scope: 'projects/p1', identitySelector: { identity: 'bob' } }, '"bob"'],
    [
      {
        scope: 'projects/p1',
        identitySelector: { identity: 'user:a@a.com' },
        options: { expandGroups: true },
      },
      'expandGroups is not allowed',
    ],
    [
      {
        scope: 'projects/p1',
        accessSelector: { roles: ['roles/viewer'] },
        options: { expandRoles: 'yes' },
      },
      '"yes"',
    ],
    [
      {
        scope: 'projects/p1',
        identitySelector: { identity: 'user:a@a.com' },
        conditionContext: { accessTime: 'tomorrow' },
      },
      '"tomorrow"',
    ],
  ])('refuses %j', (query, words) => {
    const err = refusal(query)
    expect(err.status).toBe('INVALID_ARGUMENT')
    expect(err.reason).toBe('INVALID_ANALYSIS_QUERY')
    expect(err.message).toContain(words)
  })

  it('accepts GET parameters as strings and echoes the query', () => {
    const req = readAnalysisQuery({
      scope: 'organizations/1',
      identitySelector: { identity: 'user:Alice@A.com' },
      accessSelector: { permissions: 'run.routes.invoke' },
      options: { expandResources: 'true', outputGroupEdges: 'false' },
    })
    expect(req.identity).toBe('user:alice@a.com')
    expect(req.permissions).toEqual(['run.routes.invoke'])
    expect(req.query).toEqual({
      scope: 'organizations/1',
      identitySelector: { identity: 'user:Alice@A.com' },
      accessSelector: { permissions: ['run.routes.invoke'] },
      options: { expandResources: true },
    })
  })
})
