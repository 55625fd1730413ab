// auth, config, projects and run services list/describe/delete against the fake server.
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { fixture, type Fixture } from '../testing/cli-fixture.js'

let f: Fixture
beforeEach(async () => {
  f = await fixture('')
})
afterEach(async () => f.close())

describe('auth', () => {
  it('logs in with the dev-login grant, stores the token 0600 and activates the account', async () => {
    const r = await f.cli(['auth', 'login', 'alice@example.com'])
    expect(r.code).toBe(0)
    expect(r.stderr).toContain('You are now logged in as [alice@example.com].')
    expect(f.fake.requests[0]?.body).toEqual({
      grant_type: 'urn:runiam:params:oauth:grant-type:dev-login',
      subject: 'alice@example.com',
    })
    const credFile = join(f.env['RUNIAM_CONFIG_DIR'] as string, 'credentials.json')
    expect((await stat(credFile)).mode & 0o777).toBe(0o600)
    expect(await readFile(credFile, 'utf8')).toContain('access-alice@example.com')
    const t = await f.cli(['auth', 'print-access-token'])
    expect(t.stdout).toBe('access-alice@example.com\n')
  })

  it("lists accounts in gcloud's table with the active one starred, and revokes", async () => {
    await f.cli(['auth', 'login', 'bob@example.com'])
    await f.cli(['auth', 'login', 'alice@example.com'])
    const l = await f.cli(['auth', 'list'])
    expect(l.stdout).toBe(
      '    Credentialed Accounts\nACTIVE  ACCOUNT\n*       alice@example.com\n        bob@example.com\n',
    )
    const r = await f.cli(['auth', 'revoke'])
    expect(r.stderr).toBe('Revoked credentials:\n - alice@example.com\n')
    const after = await f.cli(['auth', 'list'])
    expect(after.stdout).toBe(
      '    Credentialed Accounts\nACTIVE  ACCOUNT\n        bob@example.com\n',
    )
    const bad = await f.cli(['auth', 'revoke', 'zed@example.com'])
    expect(bad.code).toBe(1)
  })

  it('asks for a login when no account is active', async () => {
    const r = await f.cli(['projects', 'list'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(
      'ERROR: (runiam.projects.list) You do not currently have an active account selected.',
    )
  })

  it('--account picks another stored account', async () => {
    await f.cli(['auth', 'login', 'bob@example.com'])
    await f.cli(['auth', 'login', 'alice@example.com'])
    f.fake.projects.set('p1', { projectId: 'p1' })
    await f.cli(['projects', 'describe', 'p1', '--account=bob@example.com'])
    expect(f.fake.requests.at(-1)?.headers.authorization).toBe('Bearer access-bob@example.com')
  })

  it('renews an expired dev-login token before calling the API', async () => {
    await f.cli(['auth', 'login', 'alice@example.com'])
    const credFile = join(f.env['RUNIAM_CONFIG_DIR'] as string, 'credentials.json')
    const stored = JSON.parse(await readFile(credFile, 'utf8'))
    stored.accounts['alice@example.com'].access_token = 'stale'
    stored.accounts['alice@example.com'].expires_at = Date.now() - 1000
    await writeFile(credFile, JSON.stringify(stored))
    f.fake.projects.set('p1', { projectId: 'p1' })
    f.fake.requests.length = 0
    const r = await f.cli(['projects', 'describe', 'p1'])
    expect(r.code).toBe(0)
    expect(f.fake.requests.map((q) => q.path)).toEqual(['/token', '/v1/projects/p1'])
    expect(f.fake.requests[1]?.headers.authorization).toBe('Bearer access-alice@example.com')
  })

  it('reports a refused login in the OAuth error form', async () => {
    f.fake.inject((q) => q.path === '/token', {
      status: 400,
      body: { error: 'invalid_grant', error_description: 'dev login is disabled' },
    })
    const r = await f.cli(['auth', 'login', 'alice@example.com'])
    expect(r.code).toBe(1)
    expect(r.stderr).toBe(
      'ERROR: (runiam.auth.login) INVALID_ARGUMENT: invalid_grant: dev login is disabled\n',
    )
  })
})

describe('config', () => {
  it('sets, gets and lists properties; flag > env > file', async () => {
    expect((await f.cli(['config', 'set', 'project', 'from-file'])).stderr).toBe(
      'Updated property [core/project].\n',
    )
    await f.cli(['config', 'set', 'run/region', 'europe-west1'])
    expect((await f.cli(['config', 'get', 'project'])).stdout).toBe('from-file\n')
    const l = await f.cli(['config', 'list'])
    expect(l.stdout).toContain('[core]\n')
    expect(l.stdout).toContain('project = from-file\n')
    expect(l.stdout).toContain('[run]\nregion = europe-west1\n')
    f.env['RUNIAM_PROJECT'] = 'from-env'
    expect((await f.cli(['config', 'get', 'core/project'])).stdout).toBe('from-env\n')
    const unset = await f.cli(['config', 'get', 'account'])
    expect(unset.stderr).toBe('(unset)\n')
    const bad = await f.cli(['config', 'set', 'core/nope', 'x'])
    expect(bad.stderr).toBe('ERROR: (runiam.config.set) Section [core] has no property [nope].\n')
  })

  it('api_endpoint from config is where requests go', async () => {
    delete f.env['RUNIAM_API_ENDPOINT']
    await f.cli(['config', 'set', 'api_endpoint', f.fake.endpoint])
    const r = await f.cli(['auth', 'login', 'alice@example.com'])
    expect(r.code).toBe(0)
    expect(f.fake.requests).toHaveLength(1)
  })

  it('names the endpoint when nothing listens there', async () => {
    f.env['RUNIAM_API_ENDPOINT'] = 'http://127.0.0.1:1'
    const r = await f.cli(['auth', 'login', 'alice@example.com'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('Could not reach the runiam server at [http://127.0.0.1:1]')
  })
})

describe('projects and run services', () => {
  beforeEach(async () => {
    await f.cli(['auth', 'login', 'alice@example.com'])
    f.fake.requests.length = 0
  })

  it('creates, describes and lists projects', async () => {
    const c = await f.cli(['projects', 'create', 'p9', '--name=Nine'])
    expect(c.code).toBe(0)
    expect(f.fake.requests[0]?.body).toEqual({ projectId: 'p9', name: 'Nine' })
    expect(c.stderr).toContain(`Create in progress for [${f.fake.endpoint}/v1/projects/p9].`)
    const d = await f.cli(['projects', 'describe', 'p9'])
    expect(d.stdout).toContain("projectNumber: '123456789012'\n")
    const l = await f.cli(['projects', 'list'])
    expect(l.stdout).toBe('PROJECT_ID  NAME  PROJECT_NUMBER\np9          Nine  123456789012\n')
    const again = await f.cli(['projects', 'create', 'p9'])
    expect(again.stderr).toContain('ALREADY_EXISTS: Requested entity already exists')
  })

  it('lists, describes and deletes services (delete asks, or needs --quiet)', async () => {
    f.fake.addService('p1', 'r1', 'a')
    f.fake.addService('p1', 'r2', 'b')
    const all = await f.cli(['run', 'services', 'list', '--project=p1', '--format=value(name)'])
    expect(f.fake.requests[0]?.path).toBe('/v2/projects/p1/locations/-/services')
    expect(all.stdout).toBe(
      'projects/p1/locations/r1/services/a\nprojects/p1/locations/r2/services/b\n',
    )
    const table = await f.cli(['run', 'services', 'list', '--project=p1', '--region=r1'])
    expect(table.stdout.split('\n')[1]).toMatch(/^✔  a +r1 +http:\/\/a-/)
    const d = await f.cli([
      'run',
      'services',
      'describe',
      'a',
      '--project=p1',
      '--region=r1',
      '--format=json',
    ])
    expect(JSON.parse(d.stdout).name).toBe('projects/p1/locations/r1/services/a')
    // gcloud guides read v1 fields: value(status.url) and friends answer from the v2 Service.
    const v1 = await f.cli([
      'run',
      'services',
      'describe',
      'a',
      '--project=p1',
      '--region=r1',
      '--format=value(status.url,metadata.name,metadata.namespace,uri)',
    ])
    const [statusUrl, name, namespace, uri] = v1.stdout.trim().split('\t')
    expect(statusUrl).toMatch(/^http:\/\/a-/)
    expect(statusUrl).toBe(uri)
    expect([name, namespace]).toEqual(['a', 'p1'])

    const unattended = await f.cli([
      'run',
      'services',
      'delete',
      'a',
      '--project=p1',
      '--region=r1',
    ])
    expect(unattended.code).toBe(1)
    expect(unattended.stderr).toContain('not in an interactive session')
    const no = await f.cli(['run', 'services', 'delete', 'a', '--project=p1', '--region=r1'], {
      answers: ['n'],
    })
    expect(no.stderr).toContain('Service [a] will be deleted.\n\nDo you want to continue (Y/n)?  ')
    expect(no.code).toBe(1)
    expect(f.fake.services.has('projects/p1/locations/r1/services/a')).toBe(true)
    const yes = await f.cli([
      'run',
      'services',
      'delete',
      'a',
      '--project=p1',
      '--region=r1',
      '--quiet',
    ])
    expect(yes.code).toBe(0)
    expect(yes.stderr).toBe('Deleted service [a].\n')
    expect(f.fake.services.has('projects/p1/locations/r1/services/a')).toBe(false)
  })
})
