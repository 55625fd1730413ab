// Groups and domains end to end: a real `runiam serve`, the built CLI's `identity groups …`
// commands, and real HTTP to the invoker gateway. `group:` bindings grant to members and to
// members of nested groups, a membership cycle neither hangs nor grants wrongly, `domain:` grants
// to users of the domain only, a removed membership is refused on the very next request, and a
// stranger cannot manage groups.
import { parse as parseYaml } from 'yaml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  idToken,
  invokeService,
  login,
  startServer,
  type ServerProcess,
  type User,
} from './harness.js'

const PROJECT = 'groups-e2e'
let server: ServerProcess
let owner: User
let orgId: string
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

const bind = (service: string, member: string, role = 'roles/run.invoker') =>
  ok(owner, [
    'run',
    'services',
    'add-iam-policy-binding',
    service,
    `--member=${member}`,
    `--role=${role}`,
  ])

/** The gateway's answer to `email` (a dev ID token for the service URL) calling `service`. */
async function invokeAs(email: string, service: string): Promise<number> {
  const url = urls[service] ?? ''
  const token = await idToken(server, email, url)
  const r = await invokeService(server, url, '/', { authorization: `Bearer ${token}` })
  return r.status
}

const addMember = (group: string, member: string, extra: string[] = []) =>
  ok(owner, [
    'identity',
    'groups',
    'memberships',
    'add',
    `--group-email=${group}`,
    `--member-email=${member}`,
    ...extra,
  ])

const removeMember = (group: string, member: string) =>
  ok(owner, [
    'identity',
    'groups',
    'memberships',
    'delete',
    `--group-email=${group}`,
    `--member-email=${member}`,
    '--quiet',
  ])

const createGroup = (email: string, extra: string[] = []) =>
  ok(owner, [
    'identity',
    'groups',
    'create',
    email,
    `--organization=${orgId}`,
    '--with-initial-owner=empty',
    ...extra,
  ])

beforeAll(async () => {
  server = await startServer()
  owner = await login(server, 'admin@example.com', PROJECT)
  await ok(owner, ['projects', 'create', PROJECT])
  const p = await ok(owner, ['projects', 'describe', PROJECT, '--format=json'])
  orgId = (JSON.parse(p.stdout) as { parent: { id: string } }).parent.id
  for (const s of ['nested', 'ring', 'partner', 'robots']) await deploy(s)
})

afterAll(async () => {
  await server?.stop()
})

describe('identity groups through the CLI', () => {
  it('create, describe, list and delete a group with gcloud’s grammar and output', async () => {
    const created = await ok(owner, [
      'identity',
      'groups',
      'create',
      'Eng-Discuss@example.com',
      `--organization=${orgId}`,
      '--display-name=Engineer Discuss',
      '--description=Group for engineering discussions',
    ])
    expect(created.stderr).toContain('Created.')
    const group = parseYaml(created.stdout) as Record<string, unknown>
    expect(group).toMatchObject({
      '@type': 'type.googleapis.com/google.apps.cloudidentity.groups.v1.Group',
      groupKey: { id: 'eng-discuss@example.com' },
      parent: `customers/C${orgId}`,
      displayName: 'Engineer Discuss',
      description: 'Group for engineering discussions',
      labels: { 'cloudidentity.googleapis.com/groups.discussion_forum': '' },
    })
    // gcloud's default --with-initial-owner: the creator owns the group.
    const members = await ok(owner, [
      'identity',
      'groups',
      'memberships',
      'list',
      '--group-email=eng-discuss@example.com',
      '--format=json',
    ])
    expect(JSON.parse(members.stdout)).toEqual([
      expect.objectContaining({
        preferredMemberKey: { id: 'admin@example.com' },
        roles: [{ name: 'OWNER' }, { name: 'MEMBER' }],
      }),
    ])
    const described = await ok(owner, ['identity', 'groups', 'describe', 'eng-discuss@example.com'])
    expect(parseYaml(described.stdout)).toMatchObject({
      name: group['name'],
      displayName: 'Engineer Discuss',
    })
    // --organization may be the domain; --group-type=security adds the security label.
    const sec = await ok(owner, [
      'identity',
      'groups',
      'create',
      'sec@example.com',
      '--organization=example.com',
      '--group-type=security',
    ])
    expect((parseYaml(sec.stdout) as { labels: Record<string, string> }).labels).toEqual({
      'cloudidentity.googleapis.com/groups.discussion_forum': '',
      'cloudidentity.googleapis.com/groups.security': '',
    })
    const listed = await ok(owner, [
      'identity',
      'groups',
      'list',
      `--customer=C${orgId}`,
      '--format=value(groupKey.id)',
    ])
    expect(listed.stdout.split('\n')).toEqual(
      expect.arrayContaining(['eng-discuss@example.com', 'sec@example.com']),
    )
    const deleted = await ok(owner, ['identity', 'groups', 'delete', 'sec@example.com', '--quiet'])
    expect(deleted.stderr).toContain('Deleted.')
    const gone = await owner.run(['identity', 'groups', 'describe', 'sec@example.com'])
    expect(gone.code).toBe(1)
    expect(gone.stderr).toContain(
      'ERROR: (runiam.identity.groups.describe) Invalid value for [EMAIL]: There is no such a group associated with the specified argument:sec@example.com',
    )
  })

  it("reports gcloud's errors: missing organization, duplicate group, unknown membership", async () => {
    const noOrg = await owner.run(['identity', 'groups', 'create', 'x@example.com'])
    expect(noOrg.code).toBe(2)
    expect(noOrg.stderr).toContain(
      'Exactly one of (--customer | --organization) must be specified.',
    )
    await createGroup('dup@example.com')
    const dup = await owner.run([
      'identity',
      'groups',
      'create',
      'dup@example.com',
      `--organization=${orgId}`,
    ])
    expect(dup.code).toBe(1)
    expect(dup.stderr).toContain('ALREADY_EXISTS: Error(4003): Entity already exists.')
    const missing = await owner.run([
      'identity',
      'groups',
      'memberships',
      'delete',
      '--group-email=dup@example.com',
      '--member-email=nobody@example.com',
      '--quiet',
    ])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain(
      'There is no such membership associated with the specified arguments: dup@example.com, nobody@example.com',
    )
  })
})

describe('what groups and domains grant, at the gateway and the admin API', () => {
  it('a group binding reaches members of nested groups; removing the membership refuses the very next request', async () => {
    await createGroup('readers@example.com')
    await createGroup('team@example.com')
    await addMember('readers@example.com', 'team@example.com')
    const add = await addMember('team@example.com', 'alice@example.com')
    expect(add.stderr).toContain('Created.')
    expect(parseYaml(add.stdout)).toMatchObject({
      done: true,
      response: {
        '@type': 'type.googleapis.com/google.apps.cloudidentity.groups.v1.Membership',
        preferredMemberKey: { id: 'alice@example.com' },
        roles: [{ name: 'MEMBER' }],
      },
    })
    await bind('nested', 'group:readers@example.com')
    expect(await invokeAs('alice@example.com', 'nested')).toBe(200)
    expect(await invokeAs('bob@example.com', 'nested')).toBe(403)
    await removeMember('team@example.com', 'alice@example.com')
    expect(await invokeAs('alice@example.com', 'nested')).toBe(403)
    // And back: the next request after adding her again is allowed.
    await addMember('team@example.com', 'alice@example.com')
    expect(await invokeAs('alice@example.com', 'nested')).toBe(200)
  })

  it('a group binding on the project grants admin calls to members', async () => {
    await createGroup('ops@example.com')
    await addMember('ops@example.com', 'erin@example.com')
    await ok(owner, [
      'projects',
      'add-iam-policy-binding',
      PROJECT,
      '--member=group:ops@example.com',
      '--role=roles/run.viewer',
    ])
    const erin = await login(server, 'erin@example.com', PROJECT)
    const listed = await erin.run(['run', 'services', 'list'])
    expect(listed.code, listed.stderr).toBe(0)
    expect(listed.stdout).toContain('nested')
    const frank = await login(server, 'frank@example.com', PROJECT)
    const denied = await frank.run(['run', 'services', 'list'])
    expect(denied.code).toBe(1)
    expect(denied.stderr).toContain('PERMISSION_DENIED')
    await removeMember('ops@example.com', 'erin@example.com')
    const after = await erin.run(['run', 'services', 'list'])
    expect(after.code).toBe(1)
    expect(after.stderr).toContain('PERMISSION_DENIED')
  })

  it('a membership cycle neither hangs nor grants to anyone outside it', async () => {
    await createGroup('ring-a@example.com')
    await createGroup('ring-b@example.com')
    await addMember('ring-a@example.com', 'ring-b@example.com')
    await addMember('ring-b@example.com', 'ring-a@example.com')
    await addMember('ring-a@example.com', 'gail@example.com')
    await bind('ring', 'group:ring-b@example.com')
    expect(await invokeAs('gail@example.com', 'ring')).toBe(200)
    expect(await invokeAs('hank@example.com', 'ring')).toBe(403)
    await removeMember('ring-a@example.com', 'gail@example.com')
    expect(await invokeAs('gail@example.com', 'ring')).toBe(403)
  })

  it('domain: grants to every user of the domain, not to other domains, not to service accounts', async () => {
    await bind('partner', 'domain:partner.test')
    expect(await invokeAs('ivy@partner.test', 'partner')).toBe(200)
    expect(await invokeAs('jay@other.test', 'partner')).toBe(403)
    expect(await invokeAs('kim@sub.partner.test', 'partner')).toBe(403)
    await bind('robots', `domain:${PROJECT}.iam.gserviceaccount.com`)
    expect(await invokeAs(`robot@${PROJECT}.iam.gserviceaccount.com`, 'robots')).toBe(403)
    // A service account in a group gets the group's grants.
    await createGroup('robots@example.com')
    await addMember('robots@example.com', `robot@${PROJECT}.iam.gserviceaccount.com`)
    await bind('robots', 'group:robots@example.com')
    expect(await invokeAs(`robot@${PROJECT}.iam.gserviceaccount.com`, 'robots')).toBe(200)
  })

  it('a domain: binding on the project grants admin calls to users of the domain', async () => {
    await ok(owner, [
      'projects',
      'add-iam-policy-binding',
      PROJECT,
      '--member=domain:partner.test',
      '--role=roles/viewer',
    ])
    const ivy = await login(server, 'ivy@partner.test', PROJECT)
    expect((await ivy.run(['projects', 'describe', PROJECT])).code).toBe(0)
    const jay = await login(server, 'jay@other.test', PROJECT)
    expect((await jay.run(['projects', 'describe', PROJECT])).code).toBe(1)
  })
})

describe('a stranger cannot manage groups', () => {
  it('cannot add itself to a group that grants access, through the CLI or the REST API', async () => {
    await createGroup('vault@example.com')
    await bind('nested', 'group:vault@example.com')
    const mallory = await login(server, 'mallory@example.com', PROJECT)
    const viaCli = await mallory.run([
      'identity',
      'groups',
      'memberships',
      'add',
      '--group-email=vault@example.com',
      '--member-email=mallory@example.com',
    ])
    expect(viaCli.code).toBe(1)
    expect(viaCli.stderr).toContain(
      `PERMISSION_DENIED: Permission 'cloudidentity.groups.get' denied on resource 'organizations/${orgId}'`,
    )
    const name = JSON.parse(
      (await ok(owner, ['identity', 'groups', 'describe', 'vault@example.com', '--format=json']))
        .stdout,
    ) as { name: string }
    const token = (await mallory.run(['auth', 'print-access-token'])).stdout.trim()
    const viaRest = await fetch(`${server.url}/v1/${name.name}/memberships`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ preferredMemberKey: { id: 'mallory@example.com' } }),
    })
    expect(viaRest.status).toBe(403)
    expect(await viaRest.text()).toContain('cloudidentity.groups.memberships.create')
    const create = await mallory.run([
      'identity',
      'groups',
      'create',
      'mine@example.com',
      `--organization=${orgId}`,
    ])
    expect(create.code).toBe(1)
    expect(await invokeAs('mallory@example.com', 'nested')).toBe(403)
  })
})
