// policy-troubleshoot iam against the fake server: the v3 request it sends (access tuple and the
// request attributes given), the YAML response and the verdict line naming the deciding binding
// and deny rules, and gcloud's required flags.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { fixture, type Fixture } from '../testing/cli-fixture.js'

const SVC = '//run.googleapis.com/projects/p1/locations/us-central1/services/hello'
const RESPONSE = {
  overallAccessState: 'CAN_ACCESS',
  accessTuple: {
    principal: 'alice@example.com',
    fullResourceName: SVC,
    permission: 'run.routes.invoke',
  },
  allowPolicyExplanation: {
    allowAccessState: 'ALLOW_ACCESS_STATE_GRANTED',
    relevance: 'HEURISTIC_RELEVANCE_HIGH',
    explainedPolicies: [
      {
        allowAccessState: 'ALLOW_ACCESS_STATE_GRANTED',
        fullResourceName: SVC,
        relevance: 'HEURISTIC_RELEVANCE_HIGH',
        policy: {},
        bindingExplanations: [
          {
            allowAccessState: 'ALLOW_ACCESS_STATE_GRANTED',
            role: 'roles/run.invoker',
            rolePermission: 'ROLE_PERMISSION_INCLUDED',
            rolePermissionRelevance: 'HEURISTIC_RELEVANCE_HIGH',
            combinedMembership: {
              membership: 'MEMBERSHIP_MATCHED',
              relevance: 'HEURISTIC_RELEVANCE_HIGH',
            },
            memberships: {
              'group:eng@example.com': {
                membership: 'MEMBERSHIP_MATCHED',
                relevance: 'HEURISTIC_RELEVANCE_HIGH',
              },
              'user:bob@example.com': {
                membership: 'MEMBERSHIP_NOT_MATCHED',
                relevance: 'HEURISTIC_RELEVANCE_NORMAL',
              },
            },
            relevance: 'HEURISTIC_RELEVANCE_HIGH',
          },
        ],
      },
      {
        allowAccessState: 'ALLOW_ACCESS_STATE_UNKNOWN_INFO',
        relevance: 'HEURISTIC_RELEVANCE_HIGH',
      },
    ],
  },
  denyPolicyExplanation: {
    denyAccessState: 'DENY_ACCESS_STATE_NOT_DENIED',
    explainedResources: [],
    relevance: 'HEURISTIC_RELEVANCE_NORMAL',
    permissionDeniable: false,
  },
}
const troubleshoot = (r: { path: string; method: string }) =>
  r.method === 'POST' && r.path === '/v3/iam:troubleshoot'

let f: Fixture
beforeEach(async () => {
  f = await fixture()
})
afterEach(async () => f.close())

describe('policy-troubleshoot iam', () => {
  it('sends the access tuple with the request attributes and prints the verdict', async () => {
    f.fake.inject(troubleshoot, { status: 200, body: RESPONSE })
    const r = await f.cli([
      'policy-troubleshoot',
      'iam',
      SVC,
      '--principal-email=alice@example.com',
      '--permission=run.routes.invoke',
      '--resource-request-path=/admin',
      '--request-host=hello.run.localhost',
    ])
    expect(r.code, r.stderr).toBe(0)
    const req = f.fake.requests.find(troubleshoot)
    expect(req?.body).toEqual({
      accessTuple: {
        principal: 'alice@example.com',
        fullResourceName: SVC,
        permission: 'run.routes.invoke',
        conditionContext: { request: { host: 'hello.run.localhost', path: '/admin' } },
      },
    })
    expect(r.stdout).toContain('overallAccessState: CAN_ACCESS')
    expect(r.stderr).toBe(
      `CAN_ACCESS — granted by roles/run.invoker on ${SVC} (group:eng@example.com) — 1 policy you may not read\n`,
    )
  })

  it('sends no condition context without request flags, and prints JSON with --format=json', async () => {
    f.fake.inject(troubleshoot, { status: 200, body: RESPONSE })
    const r = await f.cli([
      'policy-troubleshoot',
      'iam',
      SVC,
      '--principal-email=alice@example.com',
      '--permission=run.routes.invoke',
      '--format=json',
    ])
    expect(r.code, r.stderr).toBe(0)
    expect(f.fake.requests.find(troubleshoot)?.body).toEqual({
      accessTuple: {
        principal: 'alice@example.com',
        fullResourceName: SVC,
        permission: 'run.routes.invoke',
      },
    })
    expect(JSON.parse(r.stdout)).toMatchObject({ overallAccessState: 'CAN_ACCESS' })
  })

  it('names the denying deny rule and the deny policies the caller may not read', async () => {
    const rule = (denyAccessState: string) => ({
      denyAccessState,
      combinedDeniedPermission: {
        permissionMatchingState: 'PERMISSION_PATTERN_MATCHED',
        relevance: 'HEURISTIC_RELEVANCE_HIGH',
      },
      deniedPermissions: {},
      combinedExceptionPermission: {
        permissionMatchingState: 'PERMISSION_PATTERN_NOT_MATCHED',
        relevance: 'HEURISTIC_RELEVANCE_NORMAL',
      },
      exceptionPermissions: {},
      combinedDeniedPrincipal: {
        membership: 'MEMBERSHIP_MATCHED',
        relevance: 'HEURISTIC_RELEVANCE_HIGH',
      },
      deniedPrincipals: {},
      combinedExceptionPrincipal: {
        membership: 'MEMBERSHIP_NOT_MATCHED',
        relevance: 'HEURISTIC_RELEVANCE_NORMAL',
      },
      exceptionPrincipals: {},
      relevance: 'HEURISTIC_RELEVANCE_HIGH',
    })
    const name = 'policies/cloudresourcemanager.googleapis.com%2Fprojects%2F1/denypolicies/lock'
    f.fake.inject(troubleshoot, {
      status: 200,
      body: {
        ...RESPONSE,
        overallAccessState: 'CANNOT_ACCESS',
        denyPolicyExplanation: {
          denyAccessState: 'DENY_ACCESS_STATE_DENIED',
          relevance: 'HEURISTIC_RELEVANCE_HIGH',
          permissionDeniable: true,
          explainedResources: [
            {
              denyAccessState: 'DENY_ACCESS_STATE_DENIED',
              fullResourceName: '//cloudresourcemanager.googleapis.com/projects/1',
              relevance: 'HEURISTIC_RELEVANCE_HIGH',
              explainedPolicies: [
                {
                  denyAccessState: 'DENY_ACCESS_STATE_DENIED',
                  relevance: 'HEURISTIC_RELEVANCE_HIGH',
                  policy: { name, rules: [] },
                  ruleExplanations: [
                    rule('DENY_ACCESS_STATE_NOT_DENIED'),
                    rule('DENY_ACCESS_STATE_DENIED'),
                    rule('DENY_ACCESS_STATE_UNKNOWN_CONDITIONAL'),
                  ],
                },
              ],
            },
            {
              denyAccessState: 'DENY_ACCESS_STATE_UNKNOWN_INFO',
              relevance: 'HEURISTIC_RELEVANCE_HIGH',
            },
          ],
        },
      },
    })
    const r = await f.cli([
      'policy-troubleshoot',
      'iam',
      SVC,
      '--principal-email=alice@example.com',
      '--permission=run.routes.invoke',
    ])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toBe(
      `CANNOT_ACCESS — granted by roles/run.invoker on ${SVC} (group:eng@example.com) — 1 policy you may not read — denied by rule 1 of ${name} — deny undecided: rule 2 of ${name} — deny policies of 1 resource you may not read\n`,
    )
  })

  it('requires the resource, the principal and the permission', async () => {
    const noPrincipal = await f.cli([
      'policy-troubleshoot',
      'iam',
      SVC,
      '--permission=run.routes.invoke',
    ])
    expect(noPrincipal.code).toBe(2)
    expect(noPrincipal.stderr).toContain('--principal-email')
    const noResource = await f.cli([
      'policy-troubleshoot',
      'iam',
      '--principal-email=a@example.com',
      '--permission=run.routes.invoke',
    ])
    expect(noResource.code).toBe(2)
    expect(noResource.stderr).toContain('RESOURCE')
  })
})
