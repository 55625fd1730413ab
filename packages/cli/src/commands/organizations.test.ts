// organizations list|describe|…-iam-policy(-binding) and projects get-ancestors-iam-policy
// against the fake server: the requests gcloud makes, its output and its messages.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { envelope } from '../testing/fake-google.js'
import { fixture, type Fixture } from '../testing/cli-fixture.js'

const ORG = {
  name: 'organizations/123456789012',
  displayName: 'example.com',
  owner: { directoryCustomerId: 'C123456789012' },
  creationTime: '2026-01-01T00:00:00Z',
  lifecycleState: 'ACTIVE',
}
const search = (r: { path: string; method: string }) =>
  r.method === 'POST' && r.path === '/v1/organizations:search'
const found = { status: 200, body: { organizations: [ORG] } }

let f: Fixture
beforeEach(async () => {
  f = await fixture()
})
afterEach(async () => f.close())

describe('organizations list', () => {
  it("POSTs organizations:search and prints gcloud's table", async () => {
    f.fake.inject(search, found)
    const r = await f.cli(['organizations', 'list'])
    expect(r.code).toBe(0)
    expect(f.fake.requests[0]?.body).toEqual({})
    expect(r.stdout).toBe(
      'DISPLAY_NAME            ID  DIRECTORY_CUSTOMER_ID\nexample.com   123456789012          C123456789012\n',
    )
  })

  it('follows page tokens, and says Listed 0 items. when there is nothing', async () => {
    f.fake.inject(search, { status: 200, body: { organizations: [ORG], nextPageToken: 't2' } })
    f.fake.inject(search, { status: 200, body: {} })
    const r = await f.cli(['organizations', 'list', '--format=value(name)'])
    expect(r.stdout).toBe('organizations/123456789012\n')
    expect(f.fake.requests.map((q) => q.body)).toEqual([{}, { pageToken: 't2' }])
    f.fake.inject(search, { status: 200, body: {} })
    const none = await f.cli(['organizations', 'list'])
    expect(none).toMatchObject({ code: 0, stdout: '', stderr: 'Listed 0 items.\n' })
  })
})

describe('organizations describe', () => {
  it('GETs the organization by id or organizations/ID and prints YAML', async () => {
    f.fake.inject((r) => r.path === '/v1/organizations/123456789012', { status: 200, body: ORG })
    const r = await f.cli(['organizations', 'describe', 'organizations/123456789012'])
    expect(r.stdout).toBe(
      "creationTime: '2026-01-01T00:00:00Z'\ndisplayName: example.com\nlifecycleState: ACTIVE\nname: organizations/123456789012\nowner:\n  directoryCustomerId: C123456789012\n",
    )
  })

  it('finds an organization by domain, and says so when it cannot', async () => {
    f.fake.inject(search, found)
    const r = await f.cli(['organizations', 'describe', 'example.com', '--format=value(name)'])
    expect(r.stdout).toBe('organizations/123456789012\n')
    expect(f.fake.requests[0]?.body).toEqual({ filter: 'domain:example.com' })
    f.fake.inject(search, { status: 200, body: {} })
    const missing = await f.cli(['organizations', 'describe', 'nowhere.example'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toBe(
      'ERROR: (runiam.organizations.describe) Invalid value for [ORGANIZATION_ID]: Cannot determine Organization ID from [nowhere.example]. Try `runiam organizations list` to find your Organization ID.\n',
    )
  })
})

describe('organizations IAM commands', () => {
  it('get-iam-policy POSTs getIamPolicy at version 3', async () => {
    f.fake.inject((r) => r.path === '/v1/organizations/42:getIamPolicy', {
      status: 200,
      body: { bindings: [{ role: 'roles/owner', members: ['user:a@example.com'] }], etag: 'E' },
    })
    const r = await f.cli(['organizations', 'get-iam-policy', '42'])
    expect(f.fake.requests[0]?.body).toEqual({ options: { requestedPolicyVersion: 3 } })
    expect(r.stdout).toBe(
      'bindings:\n- members:\n  - user:a@example.com\n  role: roles/owner\netag: E\n',
    )
  })

  it('add-iam-policy-binding reads, adds and writes back with the etag, naming the id', async () => {
    const policy = {
      bindings: [{ role: 'roles/owner', members: ['user:a@example.com'] }],
      etag: 'E1',
    }
    f.fake.inject(search, found)
    f.fake.inject((r) => r.path.endsWith(':getIamPolicy'), { status: 200, body: policy })
    f.fake.inject((r) => r.path.endsWith(':setIamPolicy'), {
      status: 200,
      body: { ...policy, etag: 'E2' },
    })
    const r = await f.cli([
      'organizations',
      'add-iam-policy-binding',
      'example.com',
      '--member=user:b@example.com',
      '--role=roles/run.viewer',
    ])
    expect(r.code, r.stderr).toBe(0)
    expect(f.fake.calls()).toEqual([
      'POST /v1/organizations:search',
      'POST /v1/organizations/123456789012:getIamPolicy',
      'POST /v1/organizations/123456789012:setIamPolicy',
    ])
    expect(f.fake.requests[2]?.body).toEqual({
      policy: {
        bindings: [
          { role: 'roles/owner', members: ['user:a@example.com'] },
          { role: 'roles/run.viewer', members: ['user:b@example.com'] },
        ],
        etag: 'E1',
        version: 3,
      },
    })
    expect(r.stderr).toBe('Updated IAM policy for organization [123456789012].\n')
  })

  it('set-iam-policy sends the file with the sorted keys plus bindings and etag as the mask', async () => {
    const file = join(f.dir, 'policy.yaml')
    await writeFile(file, 'version: 1\nauditConfigs: []\nbindings: []\n')
    f.fake.inject((r) => r.path.endsWith(':setIamPolicy'), { status: 200, body: { etag: 'E' } })
    const r = await f.cli(['organizations', 'set-iam-policy', '42', file, '--quiet'])
    expect(r.code, r.stderr).toBe(0)
    expect((f.fake.requests[0]?.body as { updateMask: string }).updateMask).toBe(
      'auditConfigs,bindings,version,etag',
    )
  })
})

describe('projects get-ancestors-iam-policy', () => {
  const ancestry = {
    status: 200,
    body: {
      ancestor: [
        { resourceId: { type: 'project', id: 'p1' } },
        { resourceId: { type: 'organization', id: '42' } },
      ],
    },
  }

  it('prints each ancestor as {id, policy, type}, the project first', async () => {
    f.fake.projects.set('p1', { projectId: 'p1' })
    f.fake.setPolicy('projects/p1', {
      bindings: [{ role: 'roles/owner', members: ['user:a@x.com'] }],
    })
    f.fake.inject((r) => r.path === '/v1/projects/p1:getAncestry', ancestry)
    f.fake.inject((r) => r.path === '/v1/organizations/42:getIamPolicy', {
      status: 200,
      body: { etag: 'O' },
    })
    const r = await f.cli(['projects', 'get-ancestors-iam-policy', 'p1'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toBe(
      `---\nid: p1\npolicy:\n  bindings:\n  - members:\n    - user:a@x.com\n    role: roles/owner\n  etag: ${f.fake.policyOf('projects/p1')['etag']}\ntype: project\n---\nid: '42'\npolicy:\n  etag: O\ntype: organization\n`,
    )
    expect(f.fake.requests[1]?.query).toEqual({})
    expect(f.fake.requests[1]?.body).toEqual({ options: { requestedPolicyVersion: 3 } })
  })

  it('says the user may not read an ancestor’s policy when one is denied', async () => {
    f.fake.projects.set('p1', { projectId: 'p1' })
    f.fake.inject((r) => r.path === '/v1/projects/p1:getAncestry', ancestry)
    f.fake.inject(
      (r) => r.path === '/v1/organizations/42:getIamPolicy',
      envelope(
        'PERMISSION_DENIED',
        "Permission 'resourcemanager.organizations.getIamPolicy' denied",
      ),
    )
    const r = await f.cli(['projects', 'get-ancestors-iam-policy', 'p1'])
    expect(r.code).toBe(1)
    expect(r.stderr).toBe(
      'ERROR: (runiam.projects.get-ancestors-iam-policy) User is not permitted to access IAM policy for one or more of the ancestors\n',
    )
  })
})
