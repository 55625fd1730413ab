// Deny policies end to end: the built `runiam serve` and CLI as real processes. A deny policy on
// run.googleapis.com/routes.invoke refuses invokers at the gateway on the very next request (a
// user, a group member and public:all), an exception principal passes, an update and a delete
// decide the next request too; a deny on run.googleapis.com/services.setIamPolicy stops an owner.
import { writeFile } from 'node:fs/promises'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  idToken,
  invokeService,
  login,
  startServer,
  type ServerProcess,
  type User,
} from './harness.js'

const PROJECT = 'deny-e2e'
const GROUP = 'blocked@example.com'
let server: ServerProcess
let owner: User
let orgId: string
let files: string
const urls: Record<string, string> = {}

async function ok(user: User, args: string[]): Promise<{ stdout: string; stderr: string }> {
  const r = await user.run(args)
  expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(0)
  return r
}

async function deploy(name: string): Promise<void> {
  await ok(owner, ['run', 'deploy', name, '--no-allow-unauthenticated'])
  const d = await ok(owner, ['run', 'services', 'describe', name, '--format=json'])
  urls[name] = (JSON.parse(d.stdout) as { uri: string }).uri
}

const bind = (service: string, member: string) =>
  ok(owner, [
    'run',
    'services',
    'add-iam-policy-binding',
    service,
    `--member=${member}`,
    '--role=roles/run.invoker',
  ])

async function invokeAs(email: string | undefined, service: string): Promise<number> {
  const url = urls[service] ?? ''
  const headers: Record<string, string> =
    email === undefined ? {} : { authorization: `Bearer ${await idToken(server, email, url)}` }
  return (await invokeService(server, url, '/', headers)).status
}

async function policyFile(name: string, rules: unknown[]): Promise<string> {
  const path = join(files, name)
  await writeFile(path, JSON.stringify({ displayName: name, rules }))
  return path
}

const PROJECT_AP = `cloudresourcemanager.googleapis.com/projects/${PROJECT}`
const policies = (verb: string, ap: string, ...rest: string[]) => [
  'iam',
  'policies',
  verb,
  ...rest,
  '--kind=denypolicies',
  `--attachment-point=${ap}`,
]

beforeAll(async () => {
  files = mkdtempSync(join(tmpdir(), 'runiam-deny-e2e-'))
  server = await startServer()
  owner = await login(server, 'admin@example.com', PROJECT)
  await ok(owner, ['projects', 'create', PROJECT])
  const p = await ok(owner, ['projects', 'describe', PROJECT, '--format=json'])
  orgId = (JSON.parse(p.stdout) as { parent: { id: string } }).parent.id
  await ok(owner, [
    'identity',
    'groups',
    'create',
    GROUP,
    `--organization=${orgId}`,
    '--with-initial-owner=empty',
  ])
  await ok(owner, [
    'identity',
    'groups',
    'memberships',
    'add',
    `--group-email=${GROUP}`,
    '--member-email=bob@example.com',
  ])
  await deploy('hello')
  for (const m of ['user:alice@example.com', 'user:carol@example.com', `group:${GROUP}`]) {
    await bind('hello', m)
  }
  await deploy('pub')
  await bind('pub', 'allUsers')
}, 120_000)

afterAll(async () => {
  await server?.stop()
})

describe('deny policies at the gateway and the admin API', () => {
  it('the organization owner cannot write deny policies until granted roles/iam.denyAdmin', async () => {
    const file = await policyFile('early', [])
    const r = await owner.run(policies('create', PROJECT_AP, 'early', `--policy-file=${file}`))
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("PERMISSION_DENIED: Permission 'iam.denypolicies.create' denied")
    await ok(owner, [
      'organizations',
      'add-iam-policy-binding',
      orgId,
      '--member=user:admin@example.com',
      '--role=roles/iam.denyAdmin',
    ])
  })

  it('a deny on routes.invoke refuses at the gateway on the next request; exceptions pass', async () => {
    expect(await invokeAs('alice@example.com', 'hello')).toBe(200)
    expect(await invokeAs('bob@example.com', 'hello')).toBe(200)
    expect(await invokeAs(undefined, 'pub')).toBe(200)
    const file = await policyFile('no-invoke', [
      {
        denyRule: {
          deniedPrincipals: ['principalSet://goog/public:all'],
          exceptionPrincipals: ['principal://goog/subject/carol@example.com'],
          deniedPermissions: ['run.googleapis.com/routes.invoke'],
        },
      },
    ])
    const c = await ok(owner, policies('create', PROJECT_AP, 'no-invoke', `--policy-file=${file}`))
    expect(c.stderr).toBe('Created [no-invoke].\n')
    expect(await invokeAs('alice@example.com', 'hello')).toBe(403)
    expect(await invokeAs('bob@example.com', 'hello')).toBe(403)
    expect(await invokeAs(undefined, 'pub')).toBe(403)
    expect(await invokeAs('carol@example.com', 'hello')).toBe(200)
    const got = await ok(owner, policies('get', PROJECT_AP, 'no-invoke', '--format=json'))
    expect(JSON.parse(got.stdout)).toMatchObject({
      kind: 'DenyPolicy',
      name: expect.stringMatching(
        /^policies\/cloudresourcemanager\.googleapis\.com%2Fprojects%2F\d+\/denypolicies\/no-invoke$/,
      ),
    })
  })

  it('an update to a group-only rule and a delete decide the next request too', async () => {
    const file = await policyFile('group-only', [
      {
        denyRule: {
          deniedPrincipals: [`principalSet://goog/group/${GROUP}`],
          deniedPermissions: ['run.googleapis.com/routes.invoke'],
        },
      },
    ])
    await ok(owner, policies('update', PROJECT_AP, 'no-invoke', `--policy-file=${file}`))
    expect(await invokeAs('alice@example.com', 'hello')).toBe(200)
    expect(await invokeAs(undefined, 'pub')).toBe(200)
    expect(await invokeAs('bob@example.com', 'hello')).toBe(403)
    const list = await ok(owner, policies('list', PROJECT_AP, '--format=value(name)'))
    expect(list.stdout).toMatch(/denypolicies\/no-invoke\n$/)
    await ok(owner, policies('delete', PROJECT_AP, 'no-invoke'))
    expect(await invokeAs('bob@example.com', 'hello')).toBe(200)
  })

  it('a deny on services.setIamPolicy at the organization stops the owner', async () => {
    const file = await policyFile('no-iam', [
      {
        denyRule: {
          deniedPrincipals: ['principal://goog/subject/admin@example.com'],
          deniedPermissions: ['run.googleapis.com/services.setIamPolicy'],
        },
      },
    ])
    const orgAp = `cloudresourcemanager.googleapis.com/organizations/${orgId}`
    await ok(owner, policies('create', orgAp, 'no-iam', `--policy-file=${file}`))
    const r = await owner.run([
      'run',
      'services',
      'add-iam-policy-binding',
      'hello',
      '--member=user:dave@example.com',
      '--role=roles/run.invoker',
    ])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("Permission 'run.services.setIamPolicy' denied")
    await ok(owner, policies('delete', orgAp, 'no-iam'))
    await bind('hello', 'user:dave@example.com')
  })
})
