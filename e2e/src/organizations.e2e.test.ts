// The organization-level procedures of the access-control guide with `runiam` for `gcloud`,
// against a real `runiam serve`: organizations list/describe, the four organization IAM commands
// and projects get-ancestors-iam-policy, checking the access each grant gives and takes away, and
// that callers without access see nothing more than gcloud would show them.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { login, startServer, type ServerProcess, type User } from './harness.js'

const PROJECT = 'org-e2e'
let server: ServerProcess
let owner: User
let carol: User
let stranger: User
let orgId: string
const files = mkdtempSync(join(tmpdir(), 'runiam-org-files-'))

beforeAll(async () => {
  server = await startServer()
  owner = await login(server, 'admin@example.com', PROJECT)
  carol = await login(server, 'carol@example.com', PROJECT)
  stranger = await login(server, 'stranger@example.com', PROJECT)
  expect((await owner.run(['projects', 'create', PROJECT])).code).toBe(0)
  const deployed = await owner.run(['run', 'deploy', 'web', '--no-allow-unauthenticated'])
  expect(deployed.code, deployed.stderr).toBe(0)
  const ids = await owner.run(['organizations', 'list', '--format=value(name.segment())'])
  expect(ids.code, ids.stderr).toBe(0)
  orgId = ids.stdout.trim()
  expect(orgId).toMatch(/^\d+$/)
})

afterAll(async () => {
  await server?.stop()
})

describe('organizations list and describe', () => {
  it("lists the organization in gcloud's table, and describes it by id or domain", async () => {
    const list = await owner.run(['organizations', 'list'])
    expect(list.stdout).toMatch(
      new RegExp(
        `^DISPLAY_NAME +ID +DIRECTORY_CUSTOMER_ID\\nexample\\.com +${orgId} +C${orgId}\\n$`,
      ),
    )
    const byId = await owner.run(['organizations', 'describe', orgId])
    const byDomain = await owner.run(['organizations', 'describe', 'example.com'])
    expect(byId.code, byId.stderr).toBe(0)
    expect(byDomain.stdout).toBe(byId.stdout)
    expect(parseYaml(byId.stdout)).toMatchObject({
      name: `organizations/${orgId}`,
      displayName: 'example.com',
      lifecycleState: 'ACTIVE',
    })
  })

  it('shows a caller without access no organization, and no way to find it by domain', async () => {
    const list = await stranger.run(['organizations', 'list'])
    expect(list).toMatchObject({ code: 0, stdout: '', stderr: 'Listed 0 items.\n' })
    const byDomain = await stranger.run(['organizations', 'describe', 'example.com'])
    expect(byDomain.code).toBe(1)
    expect(byDomain.stderr).toContain('Cannot determine Organization ID from [example.com]')
    const byId = await stranger.run(['organizations', 'describe', orgId])
    expect(byId.stderr).toContain(
      `PERMISSION_DENIED: Permission 'resourcemanager.organizations.get'`,
    )
  })
})

describe('organization IAM', () => {
  it('a grant on the organization reaches every project below it, and removing it takes it away', async () => {
    const before = await carol.run(['run', 'services', 'list'])
    expect(before.stderr).toContain("Permission 'run.services.list' denied")
    const add = await owner.run([
      'organizations',
      'add-iam-policy-binding',
      orgId,
      '--member=user:carol@example.com',
      '--role=roles/run.viewer',
    ])
    expect(add.code, add.stderr).toBe(0)
    expect(add.stderr).toBe(`Updated IAM policy for organization [${orgId}].\n`)
    const after = await carol.run(['run', 'services', 'list', '--format=value(name)'])
    expect(after.code, after.stderr).toBe(0)
    expect(after.stdout).toContain(`projects/${PROJECT}/locations/us-central1/services/web`)

    const roles = await owner.run([
      'organizations',
      'get-iam-policy',
      orgId,
      '--flatten=bindings[].members',
      '--format=table(bindings.role, bindings.members)',
      '--filter=bindings.members:carol@example.com',
    ])
    expect(roles.stdout).toBe(
      'ROLE              MEMBERS\nroles/run.viewer  user:carol@example.com\n',
    )

    const remove = await owner.run([
      'organizations',
      'remove-iam-policy-binding',
      `organizations/${orgId}`,
      '--member=user:carol@example.com',
      '--role=roles/run.viewer',
    ])
    expect(remove.code, remove.stderr).toBe(0)
    const gone = await carol.run(['run', 'services', 'list'])
    expect(gone.stderr).toContain("Permission 'run.services.list' denied")
  })

  it('set-iam-policy from a JSON file with the etag; a stale etag is ABORTED', async () => {
    const current = await owner.run(['organizations', 'get-iam-policy', orgId, '--format=json'])
    const policy = JSON.parse(current.stdout) as {
      etag: string
      bindings: { role: string; members: string[] }[]
    }
    const file = join(files, 'org-policy.json')
    writeFileSync(
      file,
      JSON.stringify({
        ...policy,
        bindings: [
          ...policy.bindings,
          { role: 'roles/run.invoker', members: ['domain:example.com'] },
        ],
      }),
    )
    const set = await owner.run(['organizations', 'set-iam-policy', orgId, file])
    expect(set.code, set.stderr).toBe(0)
    expect(set.stderr).toBe(`Updated IAM policy for organization [${orgId}].\n`)
    const again = await owner.run(['organizations', 'set-iam-policy', orgId, file])
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('ABORTED')
  })

  it('refuses allUsers on the organization, and a stranger may not change it', async () => {
    const pub = await owner.run([
      'organizations',
      'add-iam-policy-binding',
      orgId,
      '--member=allUsers',
      '--role=roles/run.invoker',
    ])
    expect(pub.code).toBe(1)
    expect(pub.stderr).toMatch(/INVALID_ARGUMENT|FAILED_PRECONDITION/)
    const grab = await stranger.run([
      'organizations',
      'add-iam-policy-binding',
      orgId,
      '--member=user:stranger@example.com',
      '--role=roles/owner',
    ])
    expect(grab.code).toBe(1)
    expect(grab.stderr).toContain(
      "PERMISSION_DENIED: Permission 'resourcemanager.organizations.getIamPolicy'",
    )
    const policy = await owner.run(['organizations', 'get-iam-policy', orgId])
    expect(policy.stdout).not.toContain('stranger@example.com')
  })
})

describe('projects get-ancestors-iam-policy', () => {
  it('prints the project policy, then the organization policy', async () => {
    const r = await owner.run(['projects', 'get-ancestors-iam-policy', PROJECT])
    expect(r.code, r.stderr).toBe(0)
    const docs = r.stdout
      .split(/^---\n/m)
      .filter((d) => d !== '')
      .map((d) => parseYaml(d) as { type: string; id: string; policy: { bindings: unknown[] } })
    expect(docs.map((d) => [d.type, d.id])).toEqual([
      ['project', PROJECT],
      ['organization', orgId],
    ])
    expect(docs[1]?.policy.bindings).toContainEqual({
      members: ['user:admin@example.com'],
      role: 'roles/owner',
    })
  })

  it('a project viewer may not read the organization policy: gcloud’s message', async () => {
    const grant = await owner.run([
      'projects',
      'add-iam-policy-binding',
      PROJECT,
      '--member=user:stranger@example.com',
      '--role=roles/viewer',
    ])
    expect(grant.code, grant.stderr).toBe(0)
    const r = await stranger.run(['projects', 'get-ancestors-iam-policy', PROJECT])
    expect(r.code).toBe(1)
    expect(r.stderr).toBe(
      'ERROR: (runiam.projects.get-ancestors-iam-policy) User is not permitted to access IAM policy for one or more of the ancestors\n',
    )
    const nobody = await login(server, 'nobody@example.com', PROJECT)
    const denied = await nobody.run(['projects', 'get-ancestors-iam-policy', PROJECT])
    expect(denied.stderr).toContain("PERMISSION_DENIED: Permission 'resourcemanager.projects.get'")
  })
})
