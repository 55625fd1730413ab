// `run jobs …` against the fake server over real HTTP: the request each command sends (gcloud's
// job IAM calls: v1, no requestedPolicyVersion, no forced version, no --condition), the flag
// grammars gcloud uses for lists, dicts and durations, and the prompts and messages.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { fixture, type Fixture } from '../testing/cli-fixture.js'
import { parseArgList, parseEnvVars, parseTimeout } from './run-jobs.js'

const JOB = 'projects/p1/locations/us-central1/jobs/nightly'
const base = ['--project=p1', '--region=us-central1']
let f: Fixture

beforeEach(async () => {
  f = await fixture()
})
afterEach(async () => f.close())

describe('flag grammars', () => {
  it("parses gcloud's lists, with ^DELIM^ for another delimiter", () => {
    expect(parseArgList('a,b,c')).toEqual(['a', 'b', 'c'])
    expect(parseArgList('^;^-e;console.log(1,2)')).toEqual(['-e', 'console.log(1,2)'])
    expect(parseArgList('')).toEqual([])
  })

  it('parses KEY=VALUE dicts and refuses a pair without =', () => {
    expect(parseEnvVars('set-env-vars', 'A=1,B=x=y')).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: 'x=y' },
    ])
    expect(() => parseEnvVars('set-env-vars', 'A')).toThrow(/--set-env-vars: Bad syntax/)
  })

  it('parses durations as google.protobuf.Duration strings', () => {
    expect(parseTimeout('task-timeout', '600')).toBe('600s')
    expect(parseTimeout('task-timeout', '10m')).toBe('600s')
    expect(parseTimeout('task-timeout', '1h30m')).toBe('5400s')
    expect(() => parseTimeout('task-timeout', 'soon')).toThrow(/--task-timeout/)
  })
})

describe('run jobs IAM', () => {
  it('get-iam-policy GETs the v1 policy without a requested version', async () => {
    f.fake.inject((r) => r.path === `/v1/${JOB}:getIamPolicy`, {
      status: 200,
      body: {
        bindings: [{ role: 'roles/run.invoker', members: ['user:a@example.com'] }],
        etag: 'BwE=',
      },
    })
    const r = await f.cli(['run', 'jobs', 'get-iam-policy', 'nightly', ...base])
    expect(r.code, r.stderr).toBe(0)
    expect(f.fake.requests[0]).toMatchObject({ method: 'GET', query: {} })
    expect(r.stdout).toBe(
      'bindings:\n- members:\n  - user:a@example.com\n  role: roles/run.invoker\netag: BwE=\n',
    )
  })

  it('add-iam-policy-binding writes the policy back with its etag and no forced version', async () => {
    f.fake.inject((r) => r.path === `/v1/${JOB}:getIamPolicy`, {
      status: 200,
      body: { version: 1, etag: 'BwE=' },
    })
    f.fake.inject((r) => r.path === `/v1/${JOB}:setIamPolicy`, {
      status: 200,
      body: {
        version: 1,
        bindings: [{ role: 'roles/run.invoker', members: ['user:b@example.com'] }],
        etag: 'BwI=',
      },
    })
    const r = await f.cli([
      'run',
      'jobs',
      'add-iam-policy-binding',
      'nightly',
      '--member=user:b@example.com',
      '--role=roles/run.invoker',
      ...base,
    ])
    expect(r.code, r.stderr).toBe(0)
    expect(f.fake.requests[1]?.body).toEqual({
      policy: {
        version: 1,
        bindings: [{ role: 'roles/run.invoker', members: ['user:b@example.com'] }],
        etag: 'BwE=',
      },
    })
    expect(r.stderr).toBe('Updated IAM policy for job [nightly].\n')
  })

  it('takes no --condition (gcloud has none for jobs)', async () => {
    const r = await f.cli([
      'run',
      'jobs',
      'add-iam-policy-binding',
      'nightly',
      '--member=user:b@example.com',
      '--role=roles/run.invoker',
      '--condition=None',
      ...base,
    ])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('unrecognized arguments: --condition=None')
    expect(f.fake.requests).toHaveLength(0)
  })
})

describe('run jobs create, execute, executions', () => {
  it('create sends the v2 Job with command, args, env, tasks, parallelism, timeout, retries', async () => {
    f.fake.inject((r) => r.path === '/v2/projects/p1/locations/us-central1/jobs', {
      status: 200,
      body: { name: 'op', done: true, response: { name: JOB } },
    })
    const r = await f.cli([
      'run',
      'jobs',
      'create',
      'nightly',
      '--command=node',
      '--args=^;^-e;console.log(1,2)',
      '--set-env-vars=A=1,B=2',
      '--tasks=4',
      '--parallelism=2',
      '--task-timeout=5m',
      '--max-retries=1',
      ...base,
    ])
    expect(r.code, r.stderr).toBe(0)
    expect(f.fake.requests[0]).toMatchObject({ method: 'POST', query: { jobId: 'nightly' } })
    expect(f.fake.requests[0]?.body).toEqual({
      template: {
        taskCount: 4,
        parallelism: 2,
        template: {
          containers: [
            {
              image: 'us-docker.pkg.dev/cloudrun/container/job',
              command: ['node'],
              args: ['-e', 'console.log(1,2)'],
              env: [
                { name: 'A', value: '1' },
                { name: 'B', value: '2' },
              ],
            },
          ],
          maxRetries: 1,
          timeout: '300s',
        },
      },
    })
    expect(r.stderr).toContain('Job [nightly] has successfully been created.')
  })

  it('execute sends overrides only when asked, and reports the started execution', async () => {
    const started = {
      status: 200,
      body: {
        name: 'op',
        done: false,
        metadata: { name: `${JOB}/executions/nightly-abcde`, conditions: [] },
      },
    }
    f.fake.inject((r) => r.path === `/v2/${JOB}:run`, started)
    const plain = await f.cli(['run', 'jobs', 'execute', 'nightly', ...base])
    expect(plain.code, plain.stderr).toBe(0)
    expect(f.fake.requests[0]?.body).toEqual({})
    expect(plain.stderr).toContain('Execution [nightly-abcde] has successfully started running.')
    f.fake.inject((r) => r.path === `/v2/${JOB}:run`, started)
    await f.cli([
      'run',
      'jobs',
      'execute',
      'nightly',
      '--args=x,y',
      '--update-env-vars=K=v',
      '--tasks=2',
      '--task-timeout=30',
      ...base,
    ])
    expect(f.fake.requests[1]?.body).toEqual({
      overrides: {
        containerOverrides: [{ args: ['x', 'y'], env: [{ name: 'K', value: 'v' }] }],
        taskCount: 2,
        timeout: '30s',
      },
    })
  })

  it('execute --wait fails with the reason when the execution fails', async () => {
    f.fake.inject((r) => r.path === `/v2/${JOB}:run`, {
      status: 200,
      body: {
        name: 'op',
        done: true,
        response: {
          name: `${JOB}/executions/nightly-abcde`,
          completionTime: '2026-01-01T00:00:00Z',
          conditions: [
            {
              type: 'Completed',
              state: 'CONDITION_FAILED',
              message: 'Task nightly-abcde-task0 failed with message: boom.',
            },
          ],
        },
      },
    })
    const r = await f.cli(['run', 'jobs', 'execute', 'nightly', '--wait', ...base])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('Task nightly-abcde-task0 failed with message: boom.\n')
    expect(r.stderr).toContain(
      'ERROR: (runiam.run.jobs.execute) The execution failed.\nView details about this execution by running:\nruniam run jobs executions describe nightly-abcde\n',
    )
  })

  it('executions cancel names the job from the execution id, and asks first', async () => {
    f.fake.inject((r) => r.path === `/v2/${JOB}/executions/nightly-abcde:cancel`, {
      status: 200,
      body: { name: 'op', done: true, response: {} },
    })
    const unattended = await f.cli([
      'run',
      'jobs',
      'executions',
      'cancel',
      'nightly-abcde',
      ...base,
    ])
    expect(unattended.code).toBe(1)
    expect(unattended.stderr).toContain('not in an interactive session')
    const r = await f.cli([
      'run',
      'jobs',
      'executions',
      'cancel',
      'nightly-abcde',
      '--quiet',
      ...base,
    ])
    expect(r.code, r.stderr).toBe(0)
    expect(f.fake.requests.at(-1)).toMatchObject({
      method: 'POST',
      path: `/v2/${JOB}/executions/nightly-abcde:cancel`,
    })
    expect(r.stderr).toBe('Execution [nightly-abcde] has been cancelled.\n')
  })
})
