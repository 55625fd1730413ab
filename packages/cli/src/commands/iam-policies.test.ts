// runiam iam policies create / get / list / update / delete --kind denypolicies against the CLI's
// fake server: the requests gcloud's iam policies group makes (the attachment point as one
// URL-encoded segment), its messages and output.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { fixture, type Fixture } from '../testing/cli-fixture.js'
import type { RecordedRequest } from '../testing/fake-google.js'

let f: Fixture
beforeEach(async () => {
  f = await fixture()
})
afterEach(async () => f.close())

const AP = 'cloudresourcemanager.googleapis.com/projects/p1'
// The fake server records decoded paths (the attachment point's %2F included).
const PARENT = '/v2/policies/cloudresourcemanager.googleapis.com/projects/p1/denypolicies'
const FLAGS = ['--kind', 'denypolicies', '--attachment-point', AP]
const POLICY = {
  name: 'policies/cloudresourcemanager.googleapis.com%2Fprojects%2F123/denypolicies/d1',
  kind: 'DenyPolicy',
  etag: 'E1',
  rules: [
    {
      denyRule: {
        deniedPrincipals: ['principalSet://goog/public:all'],
        deniedPermissions: ['run.googleapis.com/routes.invoke'],
      },
    },
  ],
}
const OP = { name: `${POLICY.name}/operations/abc`, done: true, response: POLICY }
const ok = (body: unknown) => ({ status: 200, body })
const is = (method: string, path: string) => (r: RecordedRequest) =>
  r.method === method && r.path.split('?')[0] === path

async function file(name: string, text: string): Promise<string> {
  const path = join(f.dir, name)
  await writeFile(path, text)
  return path
}

describe('iam policies', () => {
  it('create sends the file with ?policyId and logs Created', async () => {
    const path = await file(
      'deny.yaml',
      'displayName: d\nrules:\n- denyRule:\n    deniedPrincipals: [principalSet://goog/public:all]\n    deniedPermissions: [run.googleapis.com/routes.invoke]\n',
    )
    f.fake.inject(is('POST', PARENT), ok(OP))
    const r = await f.cli(['iam', 'policies', 'create', 'd1', ...FLAGS, '--policy-file', path])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toBe('Created [d1].\n')
    expect(r.stdout).toBe('')
    const req = f.fake.requests.at(-1)
    expect(req?.path).toBe(PARENT)
    expect(req?.query).toEqual({ policyId: 'd1' })
    expect(req?.body).toEqual({ displayName: 'd', rules: POLICY.rules })
  })

  it('get prints YAML; list pages; --format=json on delete shows the operation', async () => {
    f.fake.inject(is('GET', `${PARENT}/d1`), ok(POLICY))
    const g = await f.cli(['iam', 'policies', 'get', 'd1', ...FLAGS])
    expect(g.code, g.stderr).toBe(0)
    expect(g.stdout).toContain('kind: DenyPolicy\n')
    f.fake.inject(is('GET', PARENT), ok({ policies: [{ name: POLICY.name }] }))
    const l = await f.cli(['iam', 'policies', 'list', ...FLAGS])
    expect(l.stdout).toContain(`name: ${POLICY.name}`)
    f.fake.inject(is('DELETE', `${PARENT}/d1`), ok(OP))
    const d = await f.cli(['iam', 'policies', 'delete', 'd1', ...FLAGS, '--format=json'])
    expect(d.code, d.stderr).toBe(0)
    expect(JSON.parse(d.stdout)).toMatchObject({ name: OP.name, done: true })
  })

  it('update sends the name and the etag of the file unless --etag is given', async () => {
    const path = await file('u.json', JSON.stringify({ etag: 'FROMFILE', rules: [] }))
    f.fake.inject(is('PUT', `${PARENT}/d1`), ok(OP))
    const r = await f.cli(['iam', 'policies', 'update', 'd1', ...FLAGS, '--policy-file', path])
    expect(r.code, r.stderr).toBe(0)
    expect(f.fake.requests.at(-1)?.body).toEqual({
      etag: 'FROMFILE',
      rules: [],
      name: 'policies/cloudresourcemanager.googleapis.com%2Fprojects%2Fp1/denypolicies/d1',
    })
    f.fake.inject(is('PUT', `${PARENT}/d1`), ok(OP))
    await f.cli(['iam', 'policies', 'update', 'd1', ...FLAGS, '--policy-file', path, '--etag', 'X'])
    expect((f.fake.requests.at(-1)?.body as { etag: string }).etag).toBe('X')
  })

  it('refuses other kinds and bad policy files', async () => {
    const k = await f.cli([
      'iam',
      'policies',
      'get',
      'd1',
      '--kind',
      'principalaccessboundarypolicies',
      '--attachment-point',
      AP,
    ])
    expect(k.code).toBe(2)
    expect(k.stderr).toContain("Invalid choice: 'principalaccessboundarypolicies'")
    const path = await file('bad.yaml', '- just\n- a list\n')
    const b = await f.cli(['iam', 'policies', 'create', 'd1', ...FLAGS, '--policy-file', path])
    expect(b.code).toBe(1)
    expect(b.stderr).toContain(
      `Policy file [${path}] is not a properly formatted YAML or JSON policy file.`,
    )
  })
})
