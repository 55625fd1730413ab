// `run deploy` against the fake server: create vs update through v2, the upstream annotation,
// and gcloud's --[no-]allow-unauthenticated handling including its prompt.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { envelope } from '../testing/fake-google.js'
import { fixture, type Fixture } from '../testing/cli-fixture.js'

const SVC = 'projects/p1/locations/us-central1/services/hello'
const base = ['--project=p1', '--region=us-central1']
let f: Fixture

beforeEach(async () => {
  f = await fixture()
  f.fake.projects.set('p1', { projectId: 'p1' })
})
afterEach(async () => f.close())

describe('run deploy', () => {
  it('creates a new service with the upstream annotation and prints gcloud-like lines', async () => {
    const r = await f.cli([
      'run',
      'deploy',
      'hello',
      '--upstream',
      'http://127.0.0.1:9000',
      ...base,
    ])
    expect(r.code).toBe(0)
    expect(f.fake.calls()).toEqual([
      `GET /v2/${SVC}`,
      'POST /v2/projects/p1/locations/us-central1/services',
    ])
    const create = f.fake.requests[1]
    expect(create?.query).toEqual({ serviceId: 'hello' })
    expect(create?.body).toEqual({
      template: { containers: [{ image: 'us-docker.pkg.dev/cloudrun/container/hello' }] },
      annotations: { 'runiam.dev/upstream': 'http://127.0.0.1:9000' },
    })
    expect(r.stderr).toContain('This service will require authentication to be invoked.\n')
    expect(r.stderr).toContain(
      'Deploying container to Cloud Run service [hello] in project [p1] region [us-central1]\n',
    )
    expect(r.stderr).toContain(
      'Service [hello] revision [hello-00001-abc] has been deployed and is serving 100 percent of traffic.\n',
    )
    expect(r.stderr).toContain(
      'Service URL: http://hello-123456789012.us-central1.run.localhost:8080\n',
    )
  })

  it('updates an existing service with PATCH and an updateMask, keeping other annotations', async () => {
    f.fake.addService('p1', 'us-central1', 'hello', {
      annotations: { keep: 'me' },
      template: { containers: [{ image: 'img:1' }] },
    })
    const r = await f.cli([
      'run',
      'deploy',
      'hello',
      '--upstream=http://u:1',
      '--image=img:2',
      ...base,
    ])
    expect(r.code).toBe(0)
    const patch = f.fake.requests[1]
    expect(patch?.method).toBe('PATCH')
    expect(patch?.query).toEqual({ updateMask: 'annotations,template' })
    expect(patch?.body).toEqual({
      annotations: { keep: 'me', 'runiam.dev/upstream': 'http://u:1' },
      template: { containers: [{ image: 'img:2' }] },
    })
    expect(r.stderr).not.toContain('require authentication')
  })

  it('--allow-unauthenticated adds allUsers as invoker via v1 without a version param', async () => {
    const r = await f.cli(['run', 'deploy', 'hello', '--allow-unauthenticated', ...base])
    expect(r.code).toBe(0)
    expect(f.fake.calls().slice(2)).toEqual([
      `GET /v1/${SVC}:getIamPolicy`,
      `POST /v1/${SVC}:setIamPolicy`,
    ])
    expect(f.fake.requests[2]?.query).toEqual({})
    expect(f.fake.requests[3]?.body).toEqual({
      policy: { etag: 'ACAB', bindings: [{ role: 'roles/run.invoker', members: ['allUsers'] }] },
    })
  })

  it('--no-allow-unauthenticated on an existing service removes allUsers; on a new one does nothing', async () => {
    const fresh = await f.cli(['run', 'deploy', 'hello', '--no-allow-unauthenticated', ...base])
    expect(fresh.code).toBe(0)
    expect(f.fake.calls().some((c) => c.includes('IamPolicy'))).toBe(false)
    f.fake.setPolicy(SVC, {
      bindings: [{ role: 'roles/run.invoker', members: ['allUsers', 'user:a@example.com'] }],
    })
    f.fake.requests.length = 0
    const r = await f.cli(['run', 'deploy', 'hello', '--no-allow-unauthenticated', ...base])
    expect(r.code).toBe(0)
    expect(f.fake.policyOf(SVC)['bindings']).toEqual([
      { role: 'roles/run.invoker', members: ['user:a@example.com'] },
    ])
  })

  it('prompts "Allow unauthenticated invocations" when interactive and permitted', async () => {
    const r = await f.cli(['run', 'deploy', 'hello', ...base], { answers: ['y'] })
    expect(r.code).toBe(0)
    expect(r.stderr).toContain('Allow unauthenticated invocations to [hello] (y/N)?  ')
    expect(f.fake.calls()).toContain('POST /v1/projects/p1:testIamPermissions')
    expect(f.fake.policyOf(SVC)['bindings']).toEqual([
      { role: 'roles/run.invoker', members: ['allUsers'] },
    ])
  })

  it('does not prompt without the permission, nor with --quiet', async () => {
    f.fake.grantedPermissions = []
    const r = await f.cli(['run', 'deploy', 'hello', ...base], { answers: [] })
    expect(r.stderr).not.toContain('Allow unauthenticated')
    expect(r.stderr).toContain('This service will require authentication to be invoked.')
    const q = await f.cli(['run', 'deploy', 'other', ...base, '-q'], { tty: true })
    expect(q.stderr).not.toContain('Allow unauthenticated')
  })

  it('treats a failed permission check as not permitted', async () => {
    f.fake.projects.clear()
    const r = await f.cli(['run', 'deploy', 'hello', ...base], { answers: [] })
    expect(r.code).toBe(0)
    expect(r.stderr).toContain('This service will require authentication to be invoked.')
  })

  it('warns but succeeds when setting the policy fails', async () => {
    f.fake.inject((q) => q.path.endsWith(':setIamPolicy'), envelope('PERMISSION_DENIED', 'no'))
    const r = await f.cli(['run', 'deploy', 'hello', '--allow-unauthenticated', ...base])
    expect(r.code).toBe(0)
    expect(r.stderr).toContain(
      'WARNING: Setting IAM policy failed, try "runiam run services add-iam-policy-binding --region=us-central1 --member=allUsers --role=roles/run.invoker hello"',
    )
  })

  it('--no-invoker-iam-check sets invokerIamDisabled and skips the prompt', async () => {
    const r = await f.cli(['run', 'deploy', 'hello', '--no-invoker-iam-check', ...base], {
      answers: [],
    })
    expect(r.code).toBe(0)
    expect(f.fake.requests[1]?.body).toMatchObject({ invokerIamDisabled: true })
    expect(r.stderr).not.toContain('Allow unauthenticated')
  })

  it('rejects an upstream that is not an http(s) URL', async () => {
    const r = await f.cli(['run', 'deploy', 'hello', '--upstream=ftp://x', ...base])
    expect(r.code).toBe(2)
    expect(f.fake.requests).toHaveLength(0)
  })
})
