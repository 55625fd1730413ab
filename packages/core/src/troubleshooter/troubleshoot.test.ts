// The troubleshooter on hand-written worlds: each state of the v3 answer (granted through a
// group, by inheritance, by a condition; unknown request attributes; policies the caller may not
// see; unknown group memberships) and the v1/v2alpha1 mappings and the access tuple's checks.
import { describe, expect, it } from 'vitest'
import { principalSetFor } from '../authorizer/index.js'
import { IamError } from '../errors/iam-error.js'
import {
  readAccessTuple,
  toV1Response,
  toV2alpha1Response,
  troubleshoot,
  type AllowBindingExplanation,
  type DenyExplainer,
} from './index.js'
import type { PolicyRule } from '../deny/types.js'
import { denyExplainer } from './deny-explanation.js'
import { denyAttachmentsFor, inputFor, ORG, PROJECT, SERVICE } from './test-world.js'

const ANN = 'user:ann@example.com'
const ann = principalSetFor(ANN, { groups: ['eng@example.com'] })
const INVOKE = 'run.routes.invoke'

const bindingsOf = (
  r: ReturnType<typeof troubleshoot>,
  i: number,
): readonly AllowBindingExplanation[] =>
  r.allowPolicyExplanation.explainedPolicies[i]?.bindingExplanations ?? []

describe('troubleshoot', () => {
  it('grants through a group on the project and explains every policy on the path', () => {
    const r = troubleshoot(
      inputFor({
        principal: 'ann@example.com',
        principals: ann,
        permission: INVOKE,
        levels: [
          {
            resource: SERVICE,
            policy: { bindings: [{ role: 'roles/run.viewer', members: [ANN] }] },
          },
          {
            resource: PROJECT,
            policy: {
              bindings: [
                {
                  role: 'roles/run.invoker',
                  members: ['group:eng@example.com', 'user:bob@example.com'],
                },
              ],
            },
          },
          { resource: ORG, policy: {} },
        ],
      }),
    )
    expect(r.overallAccessState).toBe('CAN_ACCESS')
    expect(r.allowPolicyExplanation.allowAccessState).toBe('ALLOW_ACCESS_STATE_GRANTED')
    const [service, project, org] = r.allowPolicyExplanation.explainedPolicies
    expect(service?.fullResourceName).toBe(`//run.googleapis.com/${SERVICE}`)
    expect(service?.allowAccessState).toBe('ALLOW_ACCESS_STATE_NOT_GRANTED')
    expect(bindingsOf(r, 0)[0]).toMatchObject({
      rolePermission: 'ROLE_PERMISSION_NOT_INCLUDED',
      combinedMembership: { membership: 'MEMBERSHIP_MATCHED' },
    })
    expect(project?.fullResourceName).toBe('//cloudresourcemanager.googleapis.com/projects/p0')
    expect(bindingsOf(r, 1)[0]).toMatchObject({
      allowAccessState: 'ALLOW_ACCESS_STATE_GRANTED',
      rolePermission: 'ROLE_PERMISSION_INCLUDED',
      relevance: 'HEURISTIC_RELEVANCE_HIGH',
      memberships: {
        'group:eng@example.com': { membership: 'MEMBERSHIP_MATCHED' },
        'user:bob@example.com': { membership: 'MEMBERSHIP_NOT_MATCHED' },
      },
    })
    expect(org).toMatchObject({ allowAccessState: 'ALLOW_ACCESS_STATE_NOT_GRANTED', policy: {} })
    expect(r.denyPolicyExplanation.denyAccessState).toBe('DENY_ACCESS_STATE_NOT_DENIED')
    expect(r.denyPolicyExplanation.explainedResources).toEqual([])
  })

  it('says CANNOT_ACCESS when nothing grants', () => {
    const r = troubleshoot(
      inputFor({
        principal: 'ann@example.com',
        principals: ann,
        permission: INVOKE,
        levels: [{ resource: SERVICE, policy: {} }],
      }),
    )
    expect(r.overallAccessState).toBe('CANNOT_ACCESS')
  })

  const conditional = {
    resource: SERVICE,
    policy: {
      version: 3,
      bindings: [
        {
          role: 'roles/run.invoker',
          members: [ANN],
          condition: { title: 'admin', expression: 'request.path.startsWith("/admin")' },
        },
      ],
    },
  }

  it('evaluates conditions with the supplied request attributes', () => {
    const yes = troubleshoot(
      inputFor({
        principal: 'ann@example.com',
        principals: ann,
        permission: INVOKE,
        levels: [conditional],
        attributes: { path: '/admin/x' },
      }),
    )
    expect(yes.overallAccessState).toBe('CAN_ACCESS')
    expect(bindingsOf(yes, 0)[0]?.conditionExplanation).toEqual({
      value: true,
      evaluationStates: [{ start: 0, end: 32, value: true }],
    })
    const no = troubleshoot(
      inputFor({
        principal: 'ann@example.com',
        principals: ann,
        permission: INVOKE,
        levels: [conditional],
        attributes: { path: '/public' },
      }),
    )
    expect(no.overallAccessState).toBe('CANNOT_ACCESS')
    expect(bindingsOf(no, 0)[0]?.conditionExplanation?.value).toBe(false)
  })

  it('is UNKNOWN_CONDITIONAL when a condition reads an attribute not supplied', () => {
    const r = troubleshoot(
      inputFor({
        principal: 'ann@example.com',
        principals: ann,
        permission: INVOKE,
        levels: [conditional],
      }),
    )
    expect(r.overallAccessState).toBe('UNKNOWN_CONDITIONAL')
    const b = bindingsOf(r, 0)[0]
    expect(b?.allowAccessState).toBe('ALLOW_ACCESS_STATE_UNKNOWN_CONDITIONAL')
    expect(b?.conditionExplanation?.value).toBeUndefined()
    expect(b?.conditionExplanation?.errors?.[0]?.message).toContain('request.path')
  })

  it('decides without an unknown attribute when the condition does not need it', () => {
    const policy = {
      version: 3,
      bindings: [
        {
          role: 'roles/run.invoker',
          members: [ANN],
          condition: { expression: 'request.host == "x" || request.path == "/"' },
        },
      ],
    }
    const r = troubleshoot(
      inputFor({
        principal: 'ann@example.com',
        principals: ann,
        permission: INVOKE,
        levels: [{ resource: SERVICE, policy }],
        attributes: { path: '/' },
      }),
    )
    expect(r.overallAccessState).toBe('CAN_ACCESS')
  })

  it('decides admin permissions without request.host/path, as admin calls carry none', () => {
    const r = troubleshoot(
      inputFor({
        principal: 'ann@example.com',
        principals: ann,
        permission: 'run.services.get',
        levels: [
          {
            resource: SERVICE,
            policy: {
              version: 3,
              bindings: [
                {
                  role: 'roles/run.viewer',
                  members: [ANN],
                  condition: { expression: 'request.path.startsWith("/")' },
                },
              ],
            },
          },
        ],
        attributes: { path: '/' },
      }),
    )
    expect(r.overallAccessState).toBe('CANNOT_ACCESS')
    expect(bindingsOf(r, 0)[0]?.conditionExplanation?.errors?.length).toBe(1)
  })

  it('reports a condition that does not evaluate as an error, never a grant', () => {
    const policy = {
      version: 3,
      bindings: [
        {
          role: 'roles/run.invoker',
          members: [ANN],
          condition: { expression: 'request.path.startsWith(' },
        },
      ],
    }
    const r = troubleshoot(
      inputFor({
        principal: 'ann@example.com',
        principals: ann,
        permission: INVOKE,
        levels: [{ resource: SERVICE, policy }],
        attributes: { path: '/' },
      }),
    )
    expect(r.overallAccessState).toBe('CANNOT_ACCESS')
    expect(bindingsOf(r, 0)[0]?.conditionExplanation?.errors?.length).toBe(1)
  })

  it('hides policies the caller may not read and never decides on them', () => {
    const hidden = {
      resource: PROJECT,
      policy: { bindings: [{ role: 'roles/run.invoker', members: [ANN] }] },
      visible: false,
    }
    const r = troubleshoot(
      inputFor({
        principal: 'ann@example.com',
        principals: ann,
        permission: INVOKE,
        levels: [{ resource: SERVICE, policy: {} }, hidden],
      }),
    )
    expect(r.overallAccessState).toBe('UNKNOWN_INFO')
    const shown = r.allowPolicyExplanation.explainedPolicies[1]
    expect(shown).toEqual({
      allowAccessState: 'ALLOW_ACCESS_STATE_UNKNOWN_INFO',
      relevance: 'HEURISTIC_RELEVANCE_HIGH',
    })
    expect(JSON.stringify(r)).not.toContain('run.invoker')
  })

  it('marks group members UNKNOWN_INFO when group memberships are not known', () => {
    const r = troubleshoot(
      inputFor({
        principal: 'ann@example.com',
        principals: principalSetFor(ANN),
        groupsKnown: false,
        permission: INVOKE,
        levels: [
          {
            resource: SERVICE,
            policy: {
              bindings: [{ role: 'roles/run.invoker', members: ['group:eng@example.com'] }],
            },
          },
        ],
      }),
    )
    expect(r.overallAccessState).toBe('UNKNOWN_INFO')
    expect(bindingsOf(r, 0)[0]?.combinedMembership.membership).toBe('MEMBERSHIP_UNKNOWN_INFO')
  })

  it('resolves custom roles as the policies were compiled', () => {
    const r = troubleshoot(
      inputFor({
        principal: 'ann@example.com',
        principals: ann,
        permission: INVOKE,
        levels: [
          {
            resource: SERVICE,
            policy: { bindings: [{ role: 'projects/p0/roles/invoker', members: [ANN] }] },
          },
        ],
      }),
    )
    expect(r.overallAccessState).toBe('CAN_ACCESS')
  })

  it('lets an injected deny explainer refuse what allow grants', () => {
    const deny: DenyExplainer = () => ({
      denyAccessState: 'DENY_ACCESS_STATE_DENIED',
      explainedResources: [],
      relevance: 'HEURISTIC_RELEVANCE_HIGH',
      permissionDeniable: true,
    })
    const input = inputFor({
      principal: 'ann@example.com',
      principals: ann,
      permission: INVOKE,
      levels: [
        {
          resource: SERVICE,
          policy: { bindings: [{ role: 'roles/run.invoker', members: [ANN] }] },
        },
      ],
    })
    const r = troubleshoot({ ...input, deny })
    expect(r.overallAccessState).toBe('CANNOT_ACCESS')
    expect(r.allowPolicyExplanation.allowAccessState).toBe('ALLOW_ACCESS_STATE_GRANTED')
    // v1 is allow-only.
    expect(toV1Response(r).access).toBe('GRANTED')
  })

  it('maps to v1 and v2alpha1', () => {
    const r = troubleshoot(
      inputFor({
        principal: 'ann@example.com',
        principals: ann,
        permission: INVOKE,
        levels: [conditional],
        attributes: { path: '/admin' },
      }),
    )
    const v1 = toV1Response(r)
    expect(v1.access).toBe('GRANTED')
    expect(v1.errors).toEqual([])
    expect(v1.explainedPolicies[0]?.bindingExplanations?.[0]).toMatchObject({
      access: 'GRANTED',
      rolePermission: 'ROLE_PERMISSION_INCLUDED',
      relevance: 'HIGH',
      memberships: { [ANN]: { membership: 'MEMBERSHIP_INCLUDED', relevance: 'HIGH' } },
    })
    expect(v1.explainedPolicies[0]?.bindingExplanations?.[0]?.conditionExplanation).toBeUndefined()
    const v2 = toV2alpha1Response(r)
    expect(v2.errors).toBeUndefined()
    expect(v2.explainedPolicies[0]?.bindingExplanations?.[0]?.conditionExplanation?.value).toBe(
      true,
    )
  })
})

describe('readAccessTuple', () => {
  const tuple = (t: Record<string, unknown>): unknown => ({
    accessTuple: {
      principal: 'Ann@Example.com',
      fullResourceName: `//run.googleapis.com/${SERVICE}`,
      permission: 'run.googleapis.com/routes.invoke',
      ...t,
    },
  })
  const refusal = (body: unknown): IamError => {
    try {
      readAccessTuple(body)
    } catch (e) {
      if (e instanceof IamError) return e
      throw e
    }
    throw new Error('accepted')
  }

  it('reads v1 and v2 permissions, emails and the condition context', () => {
    const r = readAccessTuple(
      tuple({
        conditionContext: {
          request: { receiveTime: '2026-01-01T00:00:00Z', host: 'h', path: '/p' },
        },
      }),
    )
    expect(r.member).toBe('user:ann@example.com')
    expect(r.permission).toBe(INVOKE)
    expect(r.accessTuple.permissionFqdn).toBe('run.googleapis.com/routes.invoke')
    expect(r.resource).toMatchObject({ type: 'service', name: SERVICE })
    expect(r.attributes).toEqual({ timeMs: Date.UTC(2026, 0, 1), host: 'h', path: '/p' })
    expect(readAccessTuple(tuple({ principal: 'sa@p.iam.gserviceaccount.com' })).member).toBe(
      'serviceAccount:sa@p.iam.gserviceaccount.com',
    )
  })

  it('refuses bad values, naming them', () => {
    for (const [t, field, text] of [
      [{ principal: 'group:eng@example.com' }, 'accessTuple.principal', 'group:eng@example.com'],
      [{ principal: undefined }, 'accessTuple.principal', 'required'],
      [
        { fullResourceName: '//run.googleapis.com/projects/p/services/s' },
        'accessTuple.fullResourceName',
        '//run.googleapis.com/projects/p/services/s',
      ],
      [{ fullResourceName: 'projects/p0' }, 'accessTuple.fullResourceName', 'projects/p0'],
      [{ permission: 'run.services.teleport' }, 'accessTuple.permission', 'run.services.teleport'],
      [{ permission: 7 }, 'accessTuple.permission', 'string'],
      [{ principal: `${'a'.repeat(400)}@example.com` }, 'accessTuple.principal', '320'],
      [
        { fullResourceName: `//run.googleapis.com/${'x'.repeat(2000)}` },
        'accessTuple.fullResourceName',
        '1024',
      ],
      [
        { conditionContext: { request: { path: 'x'.repeat(9000) } } },
        'accessTuple.conditionContext.request.path',
        '8192',
      ],
      [
        { conditionContext: { request: { receiveTime: 'yesterday' } } },
        'accessTuple.conditionContext.request.receiveTime',
        'yesterday',
      ],
      [{ extra: 1 }, 'accessTuple.extra', 'Unknown'],
    ] as const) {
      const e = refusal(tuple(t))
      expect(e.reason).toBe('INVALID_ACCESS_TUPLE')
      expect(e.metadata?.['field']).toBe(field)
      expect(e.message).toContain(text)
    }
    expect(refusal([]).reason).toBe('INVALID_ACCESS_TUPLE')
    expect(refusal({}).message).toContain('accessTuple is required')
  })
})

describe('deny explanation', () => {
  const invokeGrant = [
    {
      resource: SERVICE,
      policy: { bindings: [{ role: 'roles/run.admin', members: [ANN] }] },
    },
  ]
  const withDeny = (
    rules: readonly PolicyRule[],
    options: { permission?: string; groupsKnown?: boolean; visible?: boolean } = {},
  ) =>
    troubleshoot({
      ...inputFor({
        principal: 'ann@example.com',
        principals: options.groupsKnown === false ? principalSetFor(ANN) : ann,
        permission: options.permission ?? INVOKE,
        levels: invokeGrant,
        groupsKnown: options.groupsKnown ?? true,
      }),
      deny: denyExplainer(
        denyAttachmentsFor([
          { point: 'project', rules, ...(options.visible === false ? { visible: false } : {}) },
          { point: 'organization', rules: [] },
        ]),
      ),
    })
  const ruleOf = (r: ReturnType<typeof troubleshoot>) =>
    r.denyPolicyExplanation.explainedResources[0]?.explainedPolicies?.[0]?.ruleExplanations[0]
  const groupRule: PolicyRule = {
    denyRule: {
      deniedPrincipals: ['principalSet://goog/group/eng@example.com'],
      deniedPermissions: ['run.googleapis.com/routes.invoke'],
    },
  }

  it('a group the caller may not read makes a matching rule UNKNOWN_INFO, not NOT_DENIED', () => {
    const r = withDeny([groupRule], { groupsKnown: false })
    expect(ruleOf(r)?.denyAccessState).toBe('DENY_ACCESS_STATE_UNKNOWN_INFO')
    expect(ruleOf(r)?.combinedDeniedPrincipal.membership).toBe('MEMBERSHIP_UNKNOWN_INFO')
    expect(r.overallAccessState).toBe('UNKNOWN_INFO')
    expect(withDeny([groupRule]).overallAccessState).toBe('CANNOT_ACCESS')
  })

  it('a condition that errors denies (fail closed), as the real decision does', () => {
    // Admin calls carry no request.path: the rule denies run.services.get.
    const r = withDeny(
      [
        {
          denyRule: {
            deniedPrincipals: ['principalSet://goog/public:all'],
            deniedPermissions: ['run.googleapis.com/services.*'],
            denialCondition: { expression: 'request.path.startsWith("/admin")' },
          },
        },
      ],
      { permission: 'run.services.get' },
    )
    expect(ruleOf(r)?.denyAccessState).toBe('DENY_ACCESS_STATE_DENIED')
    expect(ruleOf(r)?.conditionExplanation?.errors).toHaveLength(1)
    expect(r.overallAccessState).toBe('CANNOT_ACCESS')
    expect(r.denyPolicyExplanation.permissionDeniable).toBe(true)
  })

  it('exception permissions and principals win, and are explained per pattern', () => {
    const r = withDeny([
      {
        denyRule: {
          deniedPrincipals: ['principalSet://goog/public:all'],
          exceptionPrincipals: ['principal://goog/subject/bob@example.com'],
          deniedPermissions: ['run.googleapis.com/*.*'],
          exceptionPermissions: ['run.googleapis.com/routes.*'],
        },
      },
    ])
    expect(ruleOf(r)).toMatchObject({
      denyAccessState: 'DENY_ACCESS_STATE_NOT_DENIED',
      combinedDeniedPermission: { permissionMatchingState: 'PERMISSION_PATTERN_MATCHED' },
      exceptionPermissions: {
        'run.googleapis.com/routes.*': { permissionMatchingState: 'PERMISSION_PATTERN_MATCHED' },
      },
      deniedPrincipals: { 'principalSet://goog/public:all': { membership: 'MEMBERSHIP_MATCHED' } },
      exceptionPrincipals: {
        'principal://goog/subject/bob@example.com': { membership: 'MEMBERSHIP_NOT_MATCHED' },
      },
    })
    expect(r.overallAccessState).toBe('CAN_ACCESS')
  })

  it('an attachment point the caller may not read is UNKNOWN_INFO, nameless and rule-less', () => {
    const r = withDeny([groupRule], { visible: false })
    expect(r.denyPolicyExplanation.explainedResources[0]).toEqual({
      denyAccessState: 'DENY_ACCESS_STATE_UNKNOWN_INFO',
      relevance: 'HEURISTIC_RELEVANCE_HIGH',
    })
    expect(r.overallAccessState).toBe('UNKNOWN_INFO')
  })
})
