// The IAM policy commands against the fake server over real HTTP: request shapes, output,
// messages, exit codes, prompts and the whole-cycle retry on ABORTED.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { envelope } from '../testing/fake-google.js'
import { fixture, type Fixture } from '../testing/cli-fixture.js'

const SVC = 'projects/p1/locations/us-central1/services/hello'
const base = ['--project=p1', '--region=us-central1']
let f: Fixture

beforeEach(async () => {
  f = await fixture()
  f.fake.addService('p1', 'us-central1', 'hello')
  f.fake.projects.set('p1', { projectId: 'p1', name: 'p1', projectNumber: '123456789012' })
})
afterEach(async () => f.close())

describe('run services get-iam-policy', () => {
  it('GETs the v1 policy at version 3 and prints YAML', async () => {
    f.fake.setPolicy(SVC, {
      version: 1,
      bindings: [{ role: 'roles/run.invoker', members: ['allUsers'] }],
    })
    const r = await f.cli(['run', 'services', 'get-iam-policy', 'hello', ...base])
    expect(r.code).toBe(0)
    expect(f.fake.requests[0]?.method).toBe('GET')
    expect(f.fake.requests[0]?.path).toBe(`/v1/${SVC}:getIamPolicy`)
    expect(f.fake.requests[0]?.query).toEqual({ 'options.requestedPolicyVersion': '3' })
    expect(f.fake.requests[0]?.headers.authorization).toBe('Bearer access-alice@example.com')
    expect(r.stdout).toBe(
      `bindings:\n- members:\n  - allUsers\n  role: roles/run.invoker\netag: ${f.fake.policyOf(SVC)['etag']}\nversion: 1\n`,
    )
  })

  it('prints an empty policy as etag: ACAB, and JSON with --format=json', async () => {
    const y = await f.cli(['run', 'services', 'get-iam-policy', 'hello', ...base])
    expect(y.stdout).toBe('etag: ACAB\n')
    const j = await f.cli(['run', 'services', 'get-iam-policy', 'hello', ...base, '--format=json'])
    expect(JSON.parse(j.stdout)).toEqual({ etag: 'ACAB' })
  })

  it('takes project and region from the environment and from config', async () => {
    await f.cli(['config', 'set', 'run/region', 'us-central1'])
    const r = await f.cli(['run', 'services', 'get-iam-policy', 'hello'], {})
    expect(r.stderr).toContain('The required property [project] is not currently set.')
    f.env['RUNIAM_PROJECT'] = 'p1'
    const ok = await f.cli(['run', 'services', 'get-iam-policy', 'hello'])
    expect(ok.code).toBe(0)
    expect(f.fake.requests.at(-1)?.path).toBe(`/v1/${SVC}:getIamPolicy`)
  })

  it('says which argument is missing when there is no region', async () => {
    const r = await f.cli(['run', 'services', 'get-iam-policy', 'hello', '--project=p1'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(
      /^ERROR: \(runiam\.run\.services\.get-iam-policy\) Missing required argument \[--region\]: /,
    )
    expect(f.fake.requests).toHaveLength(0)
  })

  it("renders the server's error as STATUS: message, exit 1", async () => {
    f.fake.inject(
      () => true,
      envelope(
        'PERMISSION_DENIED',
        `Permission 'run.services.getIamPolicy' denied on resource '${SVC}' (or it may not exist).`,
      ),
    )
    const r = await f.cli(['run', 'services', 'get-iam-policy', 'hello', ...base])
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toBe(
      `ERROR: (runiam.run.services.get-iam-policy) PERMISSION_DENIED: Permission 'run.services.getIamPolicy' denied on resource '${SVC}' (or it may not exist).\n`,
    )
  })
})

describe('run services add-iam-policy-binding', () => {
  it('reads at v3, appends the binding, forces version 3, sends the etag and no updateMask', async () => {
    const etag = f.fake.setPolicy(SVC, {
      bindings: [{ role: 'roles/run.viewer', members: ['user:b@example.com'] }],
    })
    const r = await f.cli([
      'run',
      'services',
      'add-iam-policy-binding',
      'hello',
      ...base,
      '--member=allUsers',
      '--role=roles/run.invoker',
    ])
    expect(r.code).toBe(0)
    expect(f.fake.calls()).toEqual([`GET /v1/${SVC}:getIamPolicy`, `POST /v1/${SVC}:setIamPolicy`])
    expect(f.fake.requests[1]?.body).toEqual({
      policy: {
        bindings: [
          { role: 'roles/run.viewer', members: ['user:b@example.com'] },
          { role: 'roles/run.invoker', members: ['allUsers'] },
        ],
        etag,
        version: 3,
      },
    })
    expect(r.stderr).toBe('Updated IAM policy for service [hello].\n')
    expect(r.stdout).toContain('- members:\n  - allUsers\n  role: roles/run.invoker\n')
    expect(r.stdout).toContain('version: 3\n')
  })

  it('adds a conditional binding from --condition and warns the first time', async () => {
    const r = await f.cli([
      'run',
      'services',
      'add-iam-policy-binding',
      'hello',
      ...base,
      '--principal=user:a@example.com',
      '--role=roles/run.invoker',
      '--condition=^;^title=admin;expression=request.path.startsWith("/admin") || request.path == "/a,b"',
    ])
    expect(r.code).toBe(0)
    const sent = (f.fake.requests[1]?.body as { policy: { bindings: unknown[] } }).policy.bindings
    expect(sent).toEqual([
      {
        role: 'roles/run.invoker',
        members: ['user:a@example.com'],
        condition: {
          title: 'admin',
          expression: 'request.path.startsWith("/admin") || request.path == "/a,b"',
        },
      },
    ])
    expect(r.stderr).toContain(
      'WARNING: Adding binding with condition to a policy without condition',
    )
  })

  it('reads --condition-from-file (YAML)', async () => {
    const file = join(f.dir, 'cond.yaml')
    await writeFile(file, 'title: t\nexpression: request.host == "x"\ndescription: d\n')
    const r = await f.cli([
      'run',
      'services',
      'add-iam-policy-binding',
      'hello',
      ...base,
      '--member=user:a@example.com',
      '--role=roles/run.invoker',
      `--condition-from-file=${file}`,
    ])
    expect(r.code).toBe(0)
    const sent = (f.fake.requests[1]?.body as { policy: { bindings: { condition: unknown }[] } })
      .policy
    expect(sent.bindings[0]?.condition).toEqual({
      title: 't',
      expression: 'request.host == "x"',
      description: 'd',
    })
  })

  it('rejects a bad --condition before any request, exit 2', async () => {
    const r = await f.cli([
      'run',
      'services',
      'add-iam-policy-binding',
      'hello',
      ...base,
      '--member=allUsers',
      '--role=roles/run.invoker',
      '--condition=title=only',
    ])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('argument --condition: condition must be either `None`')
    expect(f.fake.requests).toHaveLength(0)
  })

  it('retries the whole read-modify-write on 409 ABORTED', async () => {
    f.fake.inject(
      (q) => q.path.endsWith(':setIamPolicy'),
      envelope('ABORTED', 'There were concurrent policy changes.'),
    )
    const r = await f.cli([
      'run',
      'services',
      'add-iam-policy-binding',
      'hello',
      ...base,
      '--member=allUsers',
      '--role=roles/run.invoker',
    ])
    expect(r.code).toBe(0)
    expect(f.fake.calls()).toEqual([
      `GET /v1/${SVC}:getIamPolicy`,
      `POST /v1/${SVC}:setIamPolicy`,
      `GET /v1/${SVC}:getIamPolicy`,
      `POST /v1/${SVC}:setIamPolicy`,
    ])
    expect(f.fake.policyOf(SVC)['bindings']).toEqual([
      { role: 'roles/run.invoker', members: ['allUsers'] },
    ])
  })

  it('refuses, non-interactively, to add without --condition to a policy with conditions', async () => {
    f.fake.setPolicy(SVC, {
      version: 3,
      bindings: [
        {
          role: 'roles/run.invoker',
          members: ['user:a@example.com'],
          condition: { title: 't', expression: 'true' },
        },
      ],
    })
    const r = await f.cli([
      'run',
      'services',
      'add-iam-policy-binding',
      'hello',
      ...base,
      '--member=allUsers',
      '--role=roles/run.invoker',
    ])
    expect(r.code).toBe(1)
    expect(r.stderr).toBe(
      'ERROR: (runiam.run.services.add-iam-policy-binding) Adding a binding without specifying a condition to a policy containing conditions is prohibited in non-interactive mode. Run the command again with `--condition=None`\n',
    )
    expect(f.fake.calls()).toEqual([`GET /v1/${SVC}:getIamPolicy`])
  })

  it('asks which condition when interactive', async () => {
    f.fake.setPolicy(SVC, {
      version: 3,
      bindings: [
        {
          role: 'roles/run.invoker',
          members: ['user:a@example.com'],
          condition: { title: 't', expression: 'true' },
        },
      ],
    })
    const r = await f.cli(
      [
        'run',
        'services',
        'add-iam-policy-binding',
        'hello',
        ...base,
        '--member=user:b@example.com',
        '--role=roles/run.invoker',
      ],
      { answers: ['1'] },
    )
    expect(r.code).toBe(0)
    expect(r.stderr).toContain(
      ' [1] expression=true, title=t\n [2] None\n [3] Specify a new condition\n',
    )
    expect(f.fake.policyOf(SVC)['bindings']).toEqual([
      {
        role: 'roles/run.invoker',
        members: ['user:a@example.com', 'user:b@example.com'],
        condition: { title: 't', expression: 'true' },
      },
    ])
  })

  it('answers an unknown flag with a usage error, exit 2', async () => {
    const r = await f.cli([
      'run',
      'services',
      'add-iam-policy-binding',
      'hello',
      '--member=m',
      '--role=r',
      '--x',
    ])
    expect(r.code).toBe(2)
    expect(r.stderr.split('\n')[0]).toBe(
      'ERROR: (runiam.run.services.add-iam-policy-binding) unrecognized arguments: --x',
    )
    const m = await f.cli(['run', 'services', 'add-iam-policy-binding', 'hello', '--member=m'])
    expect(m.code).toBe(2)
    expect(m.stderr.split('\n')[0]).toBe(
      'ERROR: (runiam.run.services.add-iam-policy-binding) argument --role: Must be specified.',
    )
  })
})

describe('run services remove-iam-policy-binding', () => {
  it('removes the member and drops empty bindings', async () => {
    f.fake.setPolicy(SVC, {
      bindings: [
        { role: 'roles/run.invoker', members: ['allUsers'] },
        { role: 'roles/run.viewer', members: ['user:a@example.com'] },
      ],
    })
    const r = await f.cli([
      'run',
      'services',
      'remove-iam-policy-binding',
      'hello',
      ...base,
      '--member=allUsers',
      '--role=roles/run.invoker',
    ])
    expect(r.code).toBe(0)
    expect((f.fake.requests[1]?.body as { policy: unknown }).policy).toMatchObject({
      bindings: [{ role: 'roles/run.viewer', members: ['user:a@example.com'] }],
      version: 3,
    })
    expect(r.stderr).toBe('Updated IAM policy for service [hello].\n')
  })

  it("says gcloud's not-found message without a status word", async () => {
    const r = await f.cli([
      'run',
      'services',
      'remove-iam-policy-binding',
      'hello',
      ...base,
      '--member=allUsers',
      '--role=roles/run.invoker',
    ])
    expect(r.code).toBe(1)
    expect(r.stderr).toBe(
      'ERROR: (runiam.run.services.remove-iam-policy-binding) Policy binding with the specified principal, role, and condition not found!\n',
    )
  })

  it('--all removes the member from every conditional binding of the role', async () => {
    f.fake.setPolicy(SVC, {
      version: 3,
      bindings: [
        {
          role: 'roles/run.invoker',
          members: ['user:a@example.com'],
          condition: { title: 't1', expression: 'true' },
        },
        {
          role: 'roles/run.invoker',
          members: ['user:a@example.com', 'user:b@example.com'],
          condition: { title: 't2', expression: 'false' },
        },
      ],
    })
    const r = await f.cli([
      'run',
      'services',
      'remove-iam-policy-binding',
      'hello',
      ...base,
      '--member=user:a@example.com',
      '--role=roles/run.invoker',
      '--all',
    ])
    expect(r.code).toBe(0)
    expect(f.fake.policyOf(SVC)['bindings']).toEqual([
      {
        role: 'roles/run.invoker',
        members: ['user:b@example.com'],
        condition: { title: 't2', expression: 'false' },
      },
    ])
  })
})

describe('run services set-iam-policy', () => {
  it('sends the file with version 3 and updateMask = sorted top-level keys', async () => {
    const etag = f.fake.policyOf(SVC)['etag']
    const file = join(f.dir, 'policy.json')
    await writeFile(
      file,
      JSON.stringify({ etag, bindings: [{ role: 'roles/run.invoker', members: ['allUsers'] }] }),
    )
    const r = await f.cli(['run', 'services', 'set-iam-policy', 'hello', file, ...base])
    expect(r.code).toBe(0)
    expect(f.fake.requests[0]?.body).toEqual({
      policy: {
        etag,
        bindings: [{ role: 'roles/run.invoker', members: ['allUsers'] }],
        version: 3,
      },
      updateMask: 'bindings,etag',
    })
    expect(r.stderr).toBe('Updated IAM policy for service [hello].\n')
  })

  it('reads YAML, and without an etag warns then proceeds when not interactive', async () => {
    const file = join(f.dir, 'policy.yaml')
    await writeFile(
      file,
      'version: 1\nbindings:\n- members:\n  - allUsers\n  role: roles/run.invoker\n',
    )
    const r = await f.cli(['run', 'services', 'set-iam-policy', 'hello', file, ...base])
    expect(r.code).toBe(0)
    expect(r.stderr).toContain('The specified policy does not contain an "etag" field')
    expect(f.fake.requests[0]?.body).toMatchObject({ updateMask: 'bindings,version' })
  })

  it('asks "Replace existing policy" when interactive; no cancels', async () => {
    const file = join(f.dir, 'policy.yaml')
    await writeFile(file, 'bindings:\n- members:\n  - allUsers\n  role: roles/run.invoker\n')
    const r = await f.cli(['run', 'services', 'set-iam-policy', 'hello', file, ...base], {
      answers: ['n'],
    })
    expect(r.stderr).toContain('Replace existing policy (Y/n)?  ')
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('ERROR: (runiam.run.services.set-iam-policy) Aborted by user.')
    expect(f.fake.requests).toHaveLength(0)
    const q = await f.cli(
      ['run', 'services', 'set-iam-policy', 'hello', file, ...base, '--quiet'],
      { tty: true },
    )
    expect(q.code).toBe(0)
    expect(q.stderr).not.toContain('Replace existing policy')
  })

  it('rejects a malformed etag and an unreadable file client-side', async () => {
    const file = join(f.dir, 'bad.json')
    await writeFile(file, JSON.stringify({ etag: 'not base64!', bindings: [] }))
    const r = await f.cli(['run', 'services', 'set-iam-policy', 'hello', file, ...base])
    expect(r.stderr).toBe(
      `ERROR: (runiam.run.services.set-iam-policy) The etag of policy file [${file}] is not properly formatted.\n`,
    )
    const missing = await f.cli([
      'run',
      'services',
      'set-iam-policy',
      'hello',
      join(f.dir, 'nope.json'),
      ...base,
    ])
    expect(missing.stderr).toContain('Unable to read file [')
    expect(f.fake.requests).toHaveLength(0)
  })

  it('surfaces a stale etag as ABORTED (set-iam-policy does not retry)', async () => {
    const file = join(f.dir, 'policy.json')
    await writeFile(file, JSON.stringify({ etag: 'BwYAAAAAAAA=', bindings: [] }))
    const r = await f.cli(['run', 'services', 'set-iam-policy', 'hello', file, ...base])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(
      /^ERROR: \(runiam\.run\.services\.set-iam-policy\) ABORTED: There were concurrent/,
    )
  })
})

describe('projects IAM commands', () => {
  it('uses Resource Manager v1 POST getIamPolicy with options in the body', async () => {
    const r = await f.cli([
      'projects',
      'add-iam-policy-binding',
      'p1',
      '--member=user:a@example.com',
      '--role=roles/run.admin',
    ])
    expect(r.code).toBe(0)
    expect(f.fake.requests[0]?.method).toBe('POST')
    expect(f.fake.requests[0]?.path).toBe('/v1/projects/p1:getIamPolicy')
    expect(f.fake.requests[0]?.body).toEqual({ options: { requestedPolicyVersion: 3 } })
    expect(f.fake.requests[1]?.path).toBe('/v1/projects/p1:setIamPolicy')
    expect(r.stderr).toBe('Updated IAM policy for project [p1].\n')
    const g = await f.cli(['projects', 'get-iam-policy', 'p1', '--format=json'])
    expect(JSON.parse(g.stdout).bindings).toEqual([
      { members: ['user:a@example.com'], role: 'roles/run.admin' },
    ])
  })

  it('set-iam-policy always includes bindings and etag in the mask', async () => {
    const file = join(f.dir, 'p.yaml')
    await writeFile(file, 'version: 3\nauditConfigs: []\n')
    const r = await f.cli(['projects', 'set-iam-policy', 'p1', file, '--quiet'])
    expect(r.code).toBe(0)
    expect(f.fake.requests[0]?.body).toMatchObject({
      updateMask: 'auditConfigs,bindings,etag,version',
    })
  })
})
