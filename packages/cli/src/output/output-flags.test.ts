// --flatten and --filter are global flags: any command that prints resources through the
// formatter honours them, e.g. the guides' `projects get-iam-policy P --flatten=… --format=table(…)`.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { fixture, type Fixture } from '../testing/cli-fixture.js'

let f: Fixture
beforeEach(async () => {
  f = await fixture()
  f.fake.projects.set('p1', { projectId: 'p1', name: 'p1', projectNumber: '123456789012' })
  f.fake.setPolicy('projects/p1', {
    version: 1,
    bindings: [
      { role: 'roles/owner', members: ['user:alice@example.com'] },
      { role: 'roles/run.invoker', members: ['user:bob@example.com', 'user:alice@example.com'] },
    ],
  })
})
afterEach(async () => f.close())

describe('--flatten, --filter and table(…) on get-iam-policy', () => {
  it('prints ROLE and MEMBERS, one row per member', async () => {
    const r = await f.cli([
      'projects',
      'get-iam-policy',
      'p1',
      '--flatten=bindings[].members',
      '--format=table(bindings.role, bindings.members)',
    ])
    expect(r.stderr).toBe('')
    expect(r.stdout).toBe(
      'ROLE               MEMBERS\nroles/owner        user:alice@example.com\nroles/run.invoker  user:bob@example.com\nroles/run.invoker  user:alice@example.com\n',
    )
  })

  it('lists the roles granted to one principal', async () => {
    const r = await f.cli([
      'projects',
      'get-iam-policy',
      'p1',
      '--flatten',
      'bindings[].members',
      '--filter',
      'bindings.members:user:bob@example.com',
      '--format',
      'value(bindings.role)',
    ])
    expect(r).toMatchObject({ code: 0, stdout: 'roles/run.invoker\n' })
  })

  it('refuses a malformed --filter with exit status 1 before calling the server', async () => {
    const r = await f.cli(['projects', 'get-iam-policy', 'p1', '--filter=(bindings.role:x'])
    expect(r.code).toBe(1)
    expect(r.stderr).toBe(
      'ERROR: (runiam.projects.get-iam-policy) Invalid value for [--filter]: Right parenthesis expected [(bindings.role:x *HERE* ].\n',
    )
  })

  it('filters a list command whose default output is a table, printing YAML', async () => {
    f.fake.projects.set('p2', { projectId: 'p2', name: 'two', projectNumber: '2' })
    const r = await f.cli(['projects', 'list', '--filter=name=two'])
    expect(r.stdout).toBe("---\nname: two\nprojectId: p2\nprojectNumber: '2'\n")
  })
})
