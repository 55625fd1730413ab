// Custom roles and a service account's own policy, end to end: the built `runiam serve` and CLI
// as real processes. A custom role grants exactly its permissions at the admin API and
// run.routes.invoke at the invoker gateway; an update or a delete decides the very next request;
// undelete restores; gcloud's `iam roles` grammar and messages; and the service account policy
// commands grant token creation on one account only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  idToken,
  invokeService,
  login,
  startServer,
  type ServerProcess,
  type User,
} from './harness.js'

const PROJECT = 'roles-e2e'
const ROLE = `projects/${PROJECT}/roles/invoker_lite`
const ROBOT_A = `robot-aaa@${PROJECT}.iam.gserviceaccount.com`
const ROBOT_B = `robot-bbb@${PROJECT}.iam.gserviceaccount.com`

let server: ServerProcess
let owner: User
let alice: User
let serviceUrl: string

async function invokeAsAlice(): Promise<number> {
  const token = await idToken(server, 'alice@example.com', serviceUrl)
  return (await invokeService(server, serviceUrl, '/', { authorization: `Bearer ${token}` })).status
}

beforeAll(async () => {
  server = await startServer()
  owner = await login(server, 'admin@example.com', PROJECT)
  alice = await login(server, 'alice@example.com', PROJECT)
  expect((await owner.run(['projects', 'create', PROJECT])).code).toBe(0)
  const d = await owner.run(['run', 'deploy', 'hello', '--no-allow-unauthenticated'])
  expect(d.code, d.stderr).toBe(0)
  const described = await owner.run(['run', 'services', 'describe', 'hello', '--format=json'])
  serviceUrl = (JSON.parse(described.stdout) as { uri: string }).uri
}, 60_000)

afterAll(async () => {
  await server?.stop()
})

describe('iam roles with gcloud’s grammar', () => {
  it('lists and describes predefined roles', async () => {
    const d = await alice.run(['iam', 'roles', 'describe', 'roles/run.invoker'])
    expect(d.code, d.stderr).toBe(0)
    expect(d.stdout).toContain('name: roles/run.invoker')
    expect(d.stdout).toContain('- run.routes.invoke')
    const l = await alice.run(['iam', 'roles', 'list', '--format=value(name)'])
    expect(l.stdout.split('\n')).toContain('roles/run.invoker')
  })

  it('create needs an explicit --project or --organization, and checks the id and stage', async () => {
    const none = await owner.run(['iam', 'roles', 'create', 'x_role'])
    expect(none).toMatchObject({
      code: 2,
      stderr:
        'ERROR: (runiam.iam.roles.create) Exactly one of (--organization | --project) must be specified.\n',
    })
    const bad = await owner.run(['iam', 'roles', 'create', 'bad-id', `--project=${PROJECT}`])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain('INVALID_ARGUMENT: The role_id "bad-id" is invalid.')
    const stage = await owner.run([
      'iam',
      'roles',
      'create',
      'x_role',
      `--project=${PROJECT}`,
      '--stage=prod',
    ])
    expect(stage.stderr).toBe(
      'ERROR: (runiam.iam.roles.create) Invalid value for [stage]: The stage should be one of alpha,beta,deprecated,disabled,ga.\n',
    )
    const prefixed = await owner.run([
      'iam',
      'roles',
      'describe',
      `projects/${PROJECT}/roles/x`,
      `--project=${PROJECT}`,
    ])
    expect(prefixed.stderr).toContain(
      "Invalid value for [ROLE_ID]: The role id should not include any 'projects/' or 'organizations/' prefix.",
    )
  })

  it('creates a project role, printed as gcloud prints it', async () => {
    const c = await owner.run([
      'iam',
      'roles',
      'create',
      'invoker_lite',
      `--project=${PROJECT}`,
      '--title=Invoker lite',
      '--description=Invoke and read services',
      '--permissions=run.routes.invoke,run.services.get',
      '--stage=GA',
    ])
    expect(c.code, c.stderr).toBe(0)
    expect(c.stderr).toBe('Created role [invoker_lite].\n')
    expect(c.stdout).toMatch(
      /^description: Invoke and read services\netag: \S+\nincludedPermissions:\n- run\.routes\.invoke\n- run\.services\.get\nname: projects\/roles-e2e\/roles\/invoker_lite\nstage: GA\ntitle: Invoker lite\n$/,
    )
    // Without --title gcloud titles the role after its id; without --stage it shows ALPHA.
    const bare = await owner.run(['iam', 'roles', 'create', 'bare_role', `--project=${PROJECT}`])
    expect(bare.stdout).toContain('title: bare_role')
    expect(bare.stdout).toContain('stage: ALPHA')
    const list = await owner.run([
      'iam',
      'roles',
      'list',
      `--project=${PROJECT}`,
      '--format=value(name)',
    ])
    expect(list.stdout.split('\n').filter((x) => x !== '')).toEqual([
      `projects/${PROJECT}/roles/bare_role`,
      ROLE,
    ])
  })
})

describe('a custom role’s grants, at the admin API and the gateway', () => {
  it('grants exactly its permissions', async () => {
    expect(await invokeAsAlice()).toBe(403)
    const g = await owner.run([
      'projects',
      'add-iam-policy-binding',
      PROJECT,
      '--member=user:alice@example.com',
      `--role=${ROLE}`,
    ])
    expect(g.code, g.stderr).toBe(0)
    expect(g.stdout).toContain(`role: ${ROLE}`)
    expect(await invokeAsAlice()).toBe(200)
    expect((await alice.run(['run', 'services', 'describe', 'hello'])).code).toBe(0)
    const policy = await alice.run(['run', 'services', 'get-iam-policy', 'hello'])
    expect(policy.code).toBe(1)
    expect(policy.stderr).toContain("Permission 'run.services.getIamPolicy' denied")
    const del = await alice.run(['run', 'services', 'delete', 'hello', '--quiet'])
    expect(del.stderr).toContain("Permission 'run.services.delete' denied")
  })

  it('an update takes effect on the next request', async () => {
    const u = await owner.run([
      'iam',
      'roles',
      'update',
      'invoker_lite',
      `--project=${PROJECT}`,
      '--remove-permissions=run.routes.invoke',
    ])
    expect(u.code, u.stderr).toBe(0)
    expect(u.stdout).not.toContain('run.routes.invoke')
    expect(await invokeAsAlice()).toBe(403)
    expect((await alice.run(['run', 'services', 'describe', 'hello'])).code).toBe(0)
    const back = await owner.run([
      'iam',
      'roles',
      'update',
      'invoker_lite',
      `--project=${PROJECT}`,
      '--add-permissions=run.routes.invoke',
    ])
    expect(back.code, back.stderr).toBe(0)
    expect(await invokeAsAlice()).toBe(200)
  })

  it('a delete takes effect on the next request; undelete restores', async () => {
    const d = await owner.run(['iam', 'roles', 'delete', 'invoker_lite', `--project=${PROJECT}`])
    expect(d.code, d.stderr).toBe(0)
    expect(d.stdout).toContain('deleted: true')
    expect(await invokeAsAlice()).toBe(403)
    expect((await alice.run(['run', 'services', 'describe', 'hello'])).code).toBe(1)
    const hidden = await owner.run([
      'iam',
      'roles',
      'list',
      `--project=${PROJECT}`,
      '--format=value(name)',
    ])
    expect(hidden.stdout).not.toContain(ROLE)
    const shown = await owner.run([
      'iam',
      'roles',
      'list',
      `--project=${PROJECT}`,
      '--show-deleted',
      '--format=value(name,deleted)',
    ])
    expect(shown.stdout).toContain(`${ROLE}\ttrue`)
    const again = await owner.run([
      'iam',
      'roles',
      'delete',
      'invoker_lite',
      `--project=${PROJECT}`,
    ])
    expect(again.stderr).toContain(
      `FAILED_PRECONDITION: You can't delete role_id (${ROLE}) as it is already deleted.`,
    )
    const u = await owner.run(['iam', 'roles', 'undelete', 'invoker_lite', `--project=${PROJECT}`])
    expect(u.code, u.stderr).toBe(0)
    expect(u.stdout).not.toContain('deleted')
    expect(await invokeAsAlice()).toBe(200)
  })

  it('update --file: a stale etag is gcloud’s message; no etag asks first (--quiet proceeds)', async () => {
    const described = await owner.run([
      'iam',
      'roles',
      'describe',
      'invoker_lite',
      `--project=${PROJECT}`,
      '--format=json',
    ])
    const role = JSON.parse(described.stdout) as Record<string, unknown>
    const { mkdtempSync, writeFileSync } = await import('node:fs')
    const { join } = await import('node:path')
    const { tmpdir } = await import('node:os')
    const dir = mkdtempSync(join(tmpdir(), 'runiam-role-file-'))
    const file = join(dir, 'role.yaml')
    writeFileSync(file, JSON.stringify({ ...role, title: 'From file' }))
    const ok = await owner.run([
      'iam',
      'roles',
      'update',
      'invoker_lite',
      `--project=${PROJECT}`,
      `--file=${file}`,
    ])
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.stdout).toContain('title: From file')
    const stale = await owner.run([
      'iam',
      'roles',
      'update',
      'invoker_lite',
      `--project=${PROJECT}`,
      `--file=${file}`,
    ])
    expect(stale.stderr).toBe(
      'ERROR: (runiam.iam.roles.update) Stale "etag": Please use the etag from your latest describe response. Or new changes have been made since your latest describe operation. Please retry the whole describe-update process. Or you can leave the etag blank to overwrite concurrent role changes.\n',
    )
    const { etag: _drop, ...noEtag } = role
    writeFileSync(file, JSON.stringify(noEtag))
    const blind = await owner.run([
      'iam',
      'roles',
      'update',
      'invoker_lite',
      `--project=${PROJECT}`,
      `--file=${file}`,
      '--quiet',
    ])
    expect(blind.code, blind.stderr).toBe(0)
    expect(await invokeAsAlice()).toBe(200)
  })

  it('list-testable-permissions answers by kind of resource', async () => {
    const s = await alice.run([
      'iam',
      'list-testable-permissions',
      `//run.googleapis.com/projects/${PROJECT}/locations/us-central1/services/hello`,
      '--format=value(name)',
    ])
    expect(s.code, s.stderr).toBe(0)
    const names = s.stdout.split('\n')
    expect(names).toContain('run.routes.invoke')
    expect(names).not.toContain('run.jobs.run')
    const p = await alice.run([
      'iam',
      'list-testable-permissions',
      `https://cloudresourcemanager.googleapis.com/v1/projects/${PROJECT}`,
      '--format=value(name)',
    ])
    expect(p.stdout.split('\n')).toContain('iam.roles.create')
    const bad = await alice.run(['iam', 'list-testable-permissions', `projects/${PROJECT}`])
    expect(bad.stderr).toBe(
      'ERROR: (runiam.iam.list-testable-permissions) The given resource is not a valid full resource name or URL.\n',
    )
  })
})

describe('a service account’s own policy from the CLI', () => {
  it('grants Token Creator on one account only', async () => {
    for (const id of ['robot-aaa', 'robot-bbb']) {
      expect((await owner.run(['iam', 'service-accounts', 'create', id])).code).toBe(0)
    }
    const mint = (sa: string) =>
      alice.run([
        'auth',
        'print-identity-token',
        `--impersonate-service-account=${sa}`,
        `--audiences=${serviceUrl}`,
      ])
    expect((await mint(ROBOT_A)).code).toBe(1)
    const add = await owner.run([
      'iam',
      'service-accounts',
      'add-iam-policy-binding',
      ROBOT_A,
      '--member=user:alice@example.com',
      '--role=roles/iam.serviceAccountTokenCreator',
    ])
    expect(add.code, add.stderr).toBe(0)
    expect(add.stderr).toBe(`Updated IAM policy for serviceAccount [${ROBOT_A}].\n`)
    expect(add.stdout).toContain('role: roles/iam.serviceAccountTokenCreator')
    const a = await mint(ROBOT_A)
    expect(a.code, a.stderr).toBe(0)
    expect(a.stdout.trim().split('.')).toHaveLength(3)
    const b = await mint(ROBOT_B)
    expect(b.code).toBe(1)
    expect(b.stderr).toContain("Permission 'iam.serviceAccounts.getOpenIdToken' denied")
    const got = await owner.run([
      'iam',
      'service-accounts',
      'get-iam-policy',
      ROBOT_A,
      '--format=json',
    ])
    const policy = JSON.parse(got.stdout) as { bindings: { role: string; members: string[] }[] }
    expect(policy.bindings).toEqual([
      { members: ['user:alice@example.com'], role: 'roles/iam.serviceAccountTokenCreator' },
    ])
    const rm = await owner.run([
      'iam',
      'service-accounts',
      'remove-iam-policy-binding',
      ROBOT_A,
      '--member=user:alice@example.com',
      '--role=roles/iam.serviceAccountTokenCreator',
    ])
    expect(rm.code, rm.stderr).toBe(0)
    expect((await mint(ROBOT_A)).code).toBe(1)
  })

  it('set-iam-policy from a file, and a custom role on the account', async () => {
    const r = await owner.run([
      'iam',
      'roles',
      'create',
      'minter',
      `--project=${PROJECT}`,
      '--permissions=iam.serviceAccounts.getOpenIdToken',
    ])
    expect(r.code, r.stderr).toBe(0)
    const { mkdtempSync, writeFileSync } = await import('node:fs')
    const { join } = await import('node:path')
    const { tmpdir } = await import('node:os')
    const file = join(mkdtempSync(join(tmpdir(), 'runiam-sa-policy-')), 'policy.json')
    writeFileSync(
      file,
      JSON.stringify({
        bindings: [
          { role: `projects/${PROJECT}/roles/minter`, members: ['user:alice@example.com'] },
        ],
      }),
    )
    const set = await owner.run([
      'iam',
      'service-accounts',
      'set-iam-policy',
      ROBOT_B,
      file,
      '--quiet',
    ])
    expect(set.code, set.stderr).toBe(0)
    expect(set.stderr).toContain(`Updated IAM policy for service account [${ROBOT_B}].`)
    const b = await alice.run([
      'auth',
      'print-identity-token',
      `--impersonate-service-account=${ROBOT_B}`,
      `--audiences=${serviceUrl}`,
    ])
    expect(b.code, b.stderr).toBe(0)
    const a = await alice.run([
      'auth',
      'print-identity-token',
      `--impersonate-service-account=${ROBOT_A}`,
      `--audiences=${serviceUrl}`,
    ])
    expect(a.code).toBe(1)
  })
})
