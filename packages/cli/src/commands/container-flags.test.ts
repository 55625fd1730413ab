// run deploy --command/--args: gcloud's ArgList splitting, sent as the first container's command
// and args on create and on redeploy (where only the given fields change).
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { fixture, type Fixture } from '../testing/cli-fixture.js'
import { splitArgList } from './container-flags.js'

const SVC = 'projects/p1/locations/us-central1/services/api'
const base = ['--project=p1', '--region=us-central1']
let f: Fixture

beforeEach(async () => {
  f = await fixture()
  f.fake.projects.set('p1', { projectId: 'p1', name: 'p1', projectNumber: '123456789012' })
})
afterEach(async () => f.close())

describe('splitArgList', () => {
  it('splits on commas, honours ^D^, and an empty value is an empty list', () => {
    expect(splitArgList('-m,http.server')).toEqual(['-m', 'http.server'])
    expect(splitArgList('^|^-e|a,b')).toEqual(['-e', 'a,b'])
    expect(splitArgList('')).toEqual([])
  })
})

describe('run deploy --command --args', () => {
  it('creates the service with the command and arguments on its first container', async () => {
    const r = await f.cli([
      'run',
      'deploy',
      'api',
      '--command=node',
      '--args=/srv/app/server.js,--verbose',
      '--no-allow-unauthenticated',
      ...base,
    ])
    expect(r.code, r.stderr).toBe(0)
    expect(f.fake.requests[1]?.body).toEqual({
      template: {
        containers: [
          {
            image: 'us-docker.pkg.dev/cloudrun/container/hello',
            command: ['node'],
            args: ['/srv/app/server.js', '--verbose'],
          },
        ],
      },
    })
  })

  it('a redeploy with --args changes only the arguments; --args= clears them', async () => {
    f.fake.addService('p1', 'us-central1', 'api', {
      template: { containers: [{ image: 'img', command: ['node'], args: ['a.js'] }] },
    })
    await f.cli(['run', 'deploy', 'api', '--args=b.js', ...base])
    const patch = f.fake.requests.find((q) => q.method === 'PATCH')
    expect(patch?.path).toBe(`/v2/${SVC}`)
    expect((patch?.body as { template: unknown }).template).toMatchObject({
      containers: [{ image: 'img', command: ['node'], args: ['b.js'] }],
    })
    f.fake.requests.length = 0
    await f.cli(['run', 'deploy', 'api', '--args=', ...base])
    const cleared = f.fake.requests.find((q) => q.method === 'PATCH')
    expect((cleared?.body as { template: unknown }).template).toMatchObject({
      containers: [{ image: 'img', command: ['node'], args: [] }],
    })
  })
})
