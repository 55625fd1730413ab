// runiam org-policies set-policy / describe / list / delete against the CLI's fake server: the
// requests gcloud's org-policies group makes, its messages and output.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { fixture, type Fixture } from '../testing/cli-fixture.js'
import { envelope, type RecordedRequest } from '../testing/fake-google.js'

let f: Fixture
beforeEach(async () => {
  f = await fixture()
})
afterEach(async () => f.close())

const RII = 'run.managed.requireInvokerIam'
const STORED = {
  name: `projects/123/policies/${RII}`,
  spec: { etag: 'E1', updateTime: '2026-01-01T00:00:00Z', rules: [{ enforce: true }] },
  etag: 'E1',
}
const ok = (body: unknown) => ({ status: 200, body })
const is = (method: string, path: string) => (r: RecordedRequest) =>
  r.method === method && r.path === path

async function policyFile(name: string, text: string): Promise<string> {
  const path = join(f.dir, name)
  await writeFile(path, text)
  return path
}

describe('org-policies set-policy', () => {
  it('creates a policy that does not exist yet (YAML file)', async () => {
    const file = await policyFile(
      'p.yaml',
      `name: projects/p1/policies/constraints/${RII}\nspec:\n  rules:\n  - enforce: true\n`,
    )
    f.fake.inject(
      is('GET', `/v2/projects/p1/policies/${RII}`),
      envelope('NOT_FOUND', 'Requested entity was not found.'),
    )
    f.fake.inject(is('POST', '/v2/projects/p1/policies'), ok(STORED))
    const r = await f.cli(['org-policies', 'set-policy', file])
    expect(r.stderr).toBe(`Created policy [projects/p1/policies/${RII}].\n`)
    expect(r.code).toBe(0)
    expect(f.fake.calls()).toEqual([
      `GET /v2/projects/p1/policies/${RII}`,
      'POST /v2/projects/p1/policies',
    ])
    expect(f.fake.requests.at(-1)?.body).toEqual({
      name: `projects/p1/policies/${RII}`,
      spec: { rules: [{ enforce: true }] },
    })
    expect(r.stdout).toBe(
      `etag: E1\nname: projects/123/policies/${RII}\nspec:\n  etag: E1\n  rules:\n  - enforce: true\n  updateTime: '2026-01-01T00:00:00Z'\n`,
    )
  })

  it('updates an existing policy with --update-mask (JSON file, --format=json)', async () => {
    const file = await policyFile(
      'p.json',
      JSON.stringify({
        name: `organizations/9/policies/${RII}`,
        spec: { rules: [{ enforce: false }] },
      }),
    )
    f.fake.inject(is('GET', `/v2/organizations/9/policies/${RII}`), ok(STORED))
    const updated = { ...STORED, spec: { ...STORED.spec, rules: [{ enforce: false }] } }
    f.fake.inject(is('PATCH', `/v2/organizations/9/policies/${RII}`), ok(updated))
    const r = await f.cli([
      'org-policies',
      'set-policy',
      file,
      '--update-mask=spec',
      '--format=json',
    ])
    expect(r.code).toBe(0)
    expect(r.stderr).toBe(`Updated policy [organizations/9/policies/${RII}].\n`)
    const patch = f.fake.requests.at(-1)
    expect(patch?.query).toEqual({ updateMask: 'spec' })
    expect(JSON.parse(r.stdout)).toEqual(updated)
  })

  it('refuses a file without a name, as gcloud does', async () => {
    const file = await policyFile('p.yaml', 'spec:\n  rules:\n  - enforce: true\n')
    const r = await f.cli(['org-policies', 'set-policy', file])
    expect(r.code).toBe(1)
    expect(r.stderr).toBe(
      'ERROR: (runiam.org-policies.set-policy) Name field not present in the organization policy.\n',
    )
    expect(f.fake.calls()).toEqual([])
  })

  it("renders the server's refusal gcloud's way", async () => {
    const file = await policyFile('p.yaml', `name: projects/p1/policies/compute.nope\n`)
    f.fake.inject(
      is('GET', '/v2/projects/p1/policies/compute.nope'),
      envelope('INVALID_ARGUMENT', 'Constraint constraints/compute.nope is not supported.'),
    )
    const r = await f.cli(['org-policies', 'set-policy', file])
    expect(r.code).toBe(1)
    expect(r.stderr).toBe(
      'ERROR: (runiam.org-policies.set-policy) INVALID_ARGUMENT: Constraint constraints/compute.nope is not supported.\n',
    )
  })
})

describe('org-policies describe, list, delete', () => {
  it('describe reads the policy, or the effective one with --effective', async () => {
    f.fake.inject(is('GET', `/v2/projects/p1/policies/${RII}`), ok(STORED))
    const r = await f.cli(['org-policies', 'describe', `constraints/${RII}`, '--project=p1'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('- enforce: true')
    f.fake.inject(
      is('GET', `/v2/organizations/9/policies/${RII}:getEffectivePolicy`),
      ok({ name: `organizations/9/policies/${RII}`, spec: { rules: [{ enforce: false }] } }),
    )
    const e = await f.cli(['org-policies', 'describe', RII, '--organization=9', '--effective'])
    expect(e.code).toBe(0)
    expect(e.stdout).toBe(
      `name: organizations/9/policies/${RII}\nspec:\n  rules:\n  - enforce: false\n`,
    )
    expect(f.fake.calls()).toEqual([
      `GET /v2/projects/p1/policies/${RII}`,
      `GET /v2/organizations/9/policies/${RII}:getEffectivePolicy`,
    ])
  })

  it('describe needs a resource, and at most one', async () => {
    const none = await f.cli(['org-policies', 'describe', RII])
    expect(none.code).toBe(2)
    expect(none.stderr).toContain('Exactly one of (--organization | --project) must be specified.')
    const both = await f.cli(['org-policies', 'describe', RII, '--organization=9', '--project=p'])
    expect(both.code).toBe(2)
    expect(both.stderr).toContain('At most one of --organization | --project may be specified.')
    const missing = await f.cli(['org-policies', 'describe', RII, '--project=p1'])
    expect(missing.stderr).toBe(
      'ERROR: (runiam.org-policies.describe) NOT_FOUND: No route for GET /v2/projects/p1/policies/run.managed.requireInvokerIam\n',
    )
  })

  it("list prints gcloud's table, --show-unset adds the constraints without a policy", async () => {
    f.fake.inject(is('GET', '/v2/projects/p1/policies'), ok({ policies: [STORED] }))
    const r = await f.cli(['org-policies', 'list', '--project=p1'])
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(
      `CONSTRAINT                                 LIST_POLICY  BOOLEAN_POLICY  ETAG\nconstraints/${RII}  -            SET             E1\n`,
    )
    f.fake.inject(is('GET', '/v2/projects/p1/policies'), ok({ policies: [STORED] }))
    f.fake.inject(
      is('GET', '/v2/projects/p1/constraints'),
      ok({
        constraints: [
          { name: 'projects/123/constraints/iam.allowedPolicyMemberDomains' },
          { name: `projects/123/constraints/${RII}` },
        ],
      }),
    )
    const all = await f.cli([
      'org-policies',
      'list',
      '--project=p1',
      '--show-unset',
      '--format=value(name)',
    ])
    expect(all.stdout).toBe(
      `projects/123/policies/${RII}\nprojects/p1/policies/iam.allowedPolicyMemberDomains\n`,
    )
    f.fake.inject(is('GET', '/v2/organizations/9/policies'), ok({}))
    const empty = await f.cli(['org-policies', 'list', '--organization=9'])
    expect(empty.stderr).toBe('Listed 0 items.\n')
  })

  it('delete sends DELETE and says so', async () => {
    f.fake.inject(is('DELETE', `/v2/projects/p1/policies/${RII}`), ok({}))
    const r = await f.cli(['org-policies', 'delete', `constraints/${RII}`, '--project=p1'])
    expect(r.code).toBe(0)
    expect(r.stdout).toBe('')
    expect(r.stderr).toBe(`Deleted policy [projects/p1/policies/${RII}].\n`)
    expect(f.fake.calls()).toEqual([`DELETE /v2/projects/p1/policies/${RII}`])
  })
})
