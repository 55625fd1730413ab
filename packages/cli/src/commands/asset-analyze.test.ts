// asset analyze-iam-policy against the fake server: the request gcloud makes (scope in the path,
// analysisQuery.* parameters), its rendering of the answer and its status line, and its flag
// rules (a scope is required; edges need --show-response).
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { envelope } from '../testing/fake-google.js'
import { fixture, type Fixture } from '../testing/cli-fixture.js'

const SVC = '//run.googleapis.com/projects/p1/locations/us-central1/services/hello'
const RESPONSE = {
  mainAnalysis: {
    analysisQuery: { scope: 'organizations/123' },
    analysisResults: [
      {
        attachedResourceFullName: SVC,
        iamBinding: {
          role: 'roles/run.invoker',
          members: ['user:carol@example.com'],
          condition: { title: 'admin', expression: 'request.path.startsWith("/admin")' },
        },
        accessControlLists: [
          {
            resources: [{ fullResourceName: SVC }],
            accesses: [{ permission: 'run.routes.invoke' }],
            conditionEvaluation: { evaluationValue: 'CONDITIONAL' },
          },
        ],
        identityList: { identities: [{ name: 'user:carol@example.com' }] },
        fullyExplored: true,
      },
    ],
    fullyExplored: true,
  },
  fullyExplored: true,
}
const analyze = (r: { path: string; method: string }) =>
  r.method === 'GET' && r.path.endsWith(':analyzeIamPolicy')

let f: Fixture
beforeEach(async () => {
  f = await fixture()
})
afterEach(async () => f.close())

describe('asset analyze-iam-policy', () => {
  it("sends the query as analysisQuery.* parameters and prints gcloud's entries", async () => {
    f.fake.inject(analyze, { status: 200, body: RESPONSE })
    const r = await f.cli([
      'asset',
      'analyze-iam-policy',
      '--organization=123',
      `--full-resource-name=${SVC}`,
      '--permissions=run.routes.invoke',
      '--expand-groups',
    ])
    expect(r.code, r.stderr).toBe(0)
    const req = f.fake.requests.find(analyze)
    expect(req?.path).toBe('/v1/organizations/123:analyzeIamPolicy')
    expect(req?.query).toEqual({
      'analysisQuery.resourceSelector.fullResourceName': SVC,
      'analysisQuery.accessSelector.permissions': 'run.routes.invoke',
      'analysisQuery.options.expandGroups': 'true',
    })
    expect(r.stdout).toBe(
      [
        '---',
        'ACLs:',
        '- accesses:',
        '  - permission: run.routes.invoke',
        '  conditionEvaluationValue: CONDITIONAL',
        '  identities:',
        '  - name: user:carol@example.com',
        '  resources:',
        `  - fullResourceName: ${SVC}`,
        'policy:',
        `  attachedResource: ${SVC}`,
        '  binding:',
        '    condition:',
        '      expression: request.path.startsWith("/admin")',
        '      title: admin',
        '    members:',
        '    - user:carol@example.com',
        '    role: roles/run.invoker',
        '',
      ].join('\n'),
    )
    expect(r.stderr).toBe(
      'Your analysis request is fully explored. The ACLs matching your requests are listed per IAM policy binding, so there could be duplications.\n',
    )
  })

  it('--show-response prints the response; --project is the scope; none found is said', async () => {
    f.fake.inject(analyze, { status: 200, body: RESPONSE })
    const shown = await f.cli([
      'asset',
      'analyze-iam-policy',
      '--project=p1',
      '--identity=user:carol@example.com',
      '--show-response',
      '--output-group-edges',
      '--format=json',
    ])
    expect(shown.code, shown.stderr).toBe(0)
    expect(JSON.parse(shown.stdout)).toEqual(RESPONSE)
    expect(f.fake.requests.find(analyze)?.path).toBe('/v1/projects/p1:analyzeIamPolicy')
    f.fake.inject(analyze, {
      status: 200,
      body: { mainAnalysis: { fullyExplored: true }, fullyExplored: true },
    })
    const none = await f.cli([
      'asset',
      'analyze-iam-policy',
      '--project=p1',
      '--roles=roles/viewer',
    ])
    expect(none).toMatchObject({
      code: 0,
      stdout: '',
      stderr: 'Your analysis request is fully explored. No matching ACL is found.\n',
    })
  })

  it("gcloud's flag rules, and the server's errors as ERROR lines", async () => {
    const noScope = await f.cli(['asset', 'analyze-iam-policy', '--identity=user:a@example.com'])
    expect(noScope.code).not.toBe(0)
    expect(noScope.stderr).toContain(
      'Exactly one of (--organization | --project) must be specified.',
    )
    const edges = await f.cli([
      'asset',
      'analyze-iam-policy',
      '--project=p1',
      '--identity=user:a@example.com',
      '--output-resource-edges',
    ])
    expect(edges.stderr).toContain(
      'Invalid value for [--output-resource-edges]: Must be set together with --show-response to take effect.',
    )
    expect(f.fake.requests.filter(analyze)).toHaveLength(0)
    f.fake.inject(analyze, envelope('INVALID_ARGUMENT', 'Invalid permission "run.x"'))
    const bad = await f.cli(['asset', 'analyze-iam-policy', '--project=p1', '--permissions=run.x'])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toBe(
      'ERROR: (runiam.asset.analyze-iam-policy) INVALID_ARGUMENT: Invalid permission "run.x"\n',
    )
  })
})
