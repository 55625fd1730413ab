// Cloud Run v2 jobs, executions and tasks through the admin API over a real socket, SQLite and
// real local processes (the JobRunner): CRUD as operations that read back, job IAM on the v2 and
// v1 paths (allUsers refused with Google's message, project and organization policies
// inherited), jobs.run with and without overrides and the permissions each needs, executions
// whose tasks really run (files they leave), fail, retry and are cancelled (their processes
// gone), tasks, the job's output through entries:list, and what an outsider cannot do.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '@runiam/store'
import { openSqliteStore } from '@runiam/store/sqlite'
import { JobRunner } from '../runtime/job-runner.js'
import { ServiceLogs } from '../runtime/service-logs.js'
import { errorOf, OWNER, startHarness, type CallResult, type Harness } from './test-harness.js'

const P = 'jobs-proj'
const LOC = `projects/${P}/locations/us-central1`
const ALICE = 'user:alice@example.com'
const BOB = 'user:bob@example.com'
const CAROL = 'user:carol@example.com'
const STRANGER = 'user:stranger@example.com'

let dir: string
let out: string
let store: Store
let h: Harness
let runner: JobRunner
let jobLogs: ServiceLogs
let projectNumber: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'runiam-jobs-api-'))
  out = join(dir, 'out')
  store = await openSqliteStore({ path: join(dir, 'runiam.db') })
  jobLogs = new ServiceLogs({ now: () => Date.now() })
  runner = new JobRunner({ logs: jobLogs, workDir: join(dir, 'jobs'), stopGraceMs: 500 })
  h = await startHarness(store, undefined, { jobs: { launcher: runner, logs: jobLogs } })
  const created = await h.call('POST', '/v1/projects', { as: OWNER, body: { projectId: P } })
  expect(created.status).toBe(200)
  projectNumber = String((created.json['response'] as Record<string, unknown>)['projectNumber'])
})

afterAll(async () => {
  await runner.close()
  await h.services.jobs.executions.flush()
  await h.close()
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

const ok = (r: CallResult): Record<string, unknown> => {
  expect(r.status, JSON.stringify(r.json)).toBe(200)
  return r.json
}

/** A job whose one container runs `node -e script` with OUT set. */
function jobBody(script: string, template: Record<string, unknown> = {}, extraEnv: object[] = []) {
  return {
    template: {
      ...template,
      template: {
        containers: [
          {
            image: 'local',
            command: [process.execPath],
            args: ['-e', script],
            env: [{ name: 'OUT', value: out }, ...extraEnv],
          },
        ],
        ...((template['template'] as object | undefined) ?? {}),
      },
    },
  }
}

async function createJob(id: string, body: unknown): Promise<Record<string, unknown>> {
  const r = await h.call('POST', `/v2/${LOC}/jobs?jobId=${id}`, { as: OWNER, body })
  return ok(r)
}

/** Polls the run operation until done (operations.get), as Google's clients do. */
async function finished(opName: string, as = OWNER): Promise<Record<string, unknown>> {
  const limit = Date.now() + 30_000
  for (;;) {
    const op = ok(await h.call('GET', `/v2/${opName}`, { as }))
    if (op['done'] === true) return op['response'] as Record<string, unknown>
    if (Date.now() > limit) throw new Error(`operation ${opName} did not finish`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

async function until(what: string, fn: () => boolean): Promise<void> {
  const limit = Date.now() + 15_000
  while (!fn()) {
    if (Date.now() > limit) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

async function grant(resource: string, role: string, member: string): Promise<void> {
  const path = resource.includes('/locations/')
    ? `/v2/${resource}:setIamPolicy`
    : `/v1/${resource}:setIamPolicy`
  const get = resource.includes('/locations/')
    ? await h.call('GET', `/v2/${resource}:getIamPolicy`, { as: OWNER })
    : await h.call('POST', `/v1/${resource}:getIamPolicy`, { as: OWNER, body: {} })
  const policy = ok(get) as { bindings?: { role: string; members: string[] }[]; etag: string }
  const bindings = [...(policy.bindings ?? []), { role, members: [member] }]
  ok(await h.call('POST', path, { as: OWNER, body: { policy: { bindings, etag: policy.etag } } }))
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('jobs: create, get, list, patch, delete', () => {
  it('creates a job as a finished operation that operations.get reads back, with defaults', async () => {
    const op = await createJob('hello', jobBody('console.log(1)'))
    expect(op).toMatchObject({ done: true, name: expect.stringMatching(`^${LOC}/operations/`) })
    const job = op['response'] as Record<string, unknown>
    expect(job).toMatchObject({
      '@type': 'type.googleapis.com/google.cloud.run.v2.Job',
      name: `${LOC}/jobs/hello`,
      generation: '1',
      creator: 'owner@example.com',
      launchStage: 'GA',
      template: {
        taskCount: 1,
        template: { maxRetries: 3, timeout: '600s', containers: [{ image: 'local' }] },
      },
      terminalCondition: { type: 'Ready', state: 'CONDITION_SUCCEEDED' },
    })
    expect(ok(await h.call('GET', `/v2/${String(op['name'])}`, { as: OWNER }))).toEqual(op)
    const got = ok(await h.call('GET', `/v2/${LOC}/jobs/hello`, { as: OWNER }))
    expect(got['etag']).toBe(job['etag'])
    // The project as the caller spelled it.
    const byNumber = ok(
      await h.call('GET', `/v2/projects/${projectNumber}/locations/us-central1/jobs/hello`, {
        as: OWNER,
      }),
    )
    expect(byNumber['name']).toBe(`projects/${projectNumber}/locations/us-central1/jobs/hello`)
  })

  it('refuses what Google refuses, naming the value', async () => {
    const cases: [string, unknown, RegExp][] = [
      ['no-template', {}, /job\.template: Required field is not set/],
      ['bad-field', { ...jobBody('1'), colour: 'red' }, /Unknown name "colour"/],
      [
        'reserved-env',
        jobBody('1', {}, [{ name: 'CLOUD_RUN_TASK_INDEX', value: '7' }]),
        /The following reserved env names were provided: CLOUD_RUN_TASK_INDEX\. These values are automatically set by the system\./,
      ],
      [
        'reserved-annotation',
        { ...jobBody('1'), annotations: { 'run.googleapis.com/x': 'y' } },
        /run\.googleapis\.com namespace are reserved/,
      ],
      ['bad-count', jobBody('1', { taskCount: 10_001 }), /task_count must be between 0 and 10000/],
      [
        'bad-timeout',
        jobBody('1', { template: { timeout: '10 minutes' } }),
        /google\.protobuf\.Duration\), "10 minutes"/,
      ],
    ]
    for (const [id, body, message] of cases) {
      const r = await h.call('POST', `/v2/${LOC}/jobs?jobId=${id}`, { as: OWNER, body })
      expect(r.status, id).toBe(400)
      expect(errorOf(r).message, id).toMatch(message)
    }
    for (const id of ['Bad', '../x', '9lives', 'a'.repeat(50)]) {
      const r = await h.call('POST', `/v2/${LOC}/jobs?jobId=${encodeURIComponent(id)}`, {
        as: OWNER,
        body: jobBody('1'),
      })
      expect(r.status, id).toBe(400)
      expect(errorOf(r).message).toContain('jobId')
    }
    const dup = await h.call('POST', `/v2/${LOC}/jobs?jobId=hello`, {
      as: OWNER,
      body: jobBody('1'),
    })
    expect(dup.status).toBe(409)
  })

  it('lists, patches with a mask and an etag, creates with allowMissing, deletes', async () => {
    await createJob('second', jobBody('1'))
    const list = ok(await h.call('GET', `/v2/${LOC}/jobs`, { as: OWNER }))
    expect((list['jobs'] as { name: string }[]).map((j) => j.name)).toEqual([
      `${LOC}/jobs/hello`,
      `${LOC}/jobs/second`,
    ])
    const everywhere = ok(await h.call('GET', `/v2/projects/${P}/locations/-/jobs`, { as: OWNER }))
    expect((everywhere['jobs'] as unknown[]).length).toBe(2)
    const paged = ok(await h.call('GET', `/v2/${LOC}/jobs?pageSize=1`, { as: OWNER }))
    expect(paged['nextPageToken']).toBeTypeOf('string')

    const before = ok(await h.call('GET', `/v2/${LOC}/jobs/second`, { as: OWNER }))
    const patched = ok(
      await h.call('PATCH', `/v2/${LOC}/jobs/second?updateMask=labels`, {
        as: OWNER,
        body: { labels: { team: 'data' }, etag: before['etag'] },
      }),
    )
    const job = patched['response'] as Record<string, unknown>
    expect(job).toMatchObject({ labels: { team: 'data' }, generation: '2' })
    expect((job['template'] as { taskCount: number }).taskCount).toBe(1)
    const stale = await h.call('PATCH', `/v2/${LOC}/jobs/second`, {
      as: OWNER,
      body: { ...jobBody('2'), etag: before['etag'] },
    })
    expect(stale.status).toBe(409)
    expect(errorOf(stale).status).toBe('ABORTED')

    const missing = await h.call('PATCH', `/v2/${LOC}/jobs/third`, {
      as: OWNER,
      body: jobBody('1'),
    })
    expect(missing.status).toBe(404)
    expect(errorOf(missing).message).toBe(
      `Resource 'third' of kind 'JOB' in region 'us-central1' in project '${P}' does not exist.`,
    )
    ok(
      await h.call('PATCH', `/v2/${LOC}/jobs/third?allowMissing=true`, {
        as: OWNER,
        body: jobBody('1'),
      }),
    )
    const deleted = ok(await h.call('DELETE', `/v2/${LOC}/jobs/third`, { as: OWNER }))
    expect((deleted['response'] as Record<string, unknown>)['deleteTime']).toBeTypeOf('string')
    expect((await h.call('GET', `/v2/${LOC}/jobs/third`, { as: OWNER })).status).toBe(404)
  })
})

describe('job IAM', () => {
  it('serves one policy on the v2 and v1 paths; GET getIamPolicy; etags', async () => {
    const empty = ok(await h.call('GET', `/v2/${LOC}/jobs/hello:getIamPolicy`, { as: OWNER }))
    expect(empty).toEqual({ etag: 'ACAB' })
    const set = ok(
      await h.call('POST', `/v1/${LOC}/jobs/hello:setIamPolicy`, {
        as: OWNER,
        body: { policy: { bindings: [{ role: 'roles/run.invoker', members: [CAROL] }] } },
      }),
    )
    const v2 = ok(await h.call('GET', `/v2/${LOC}/jobs/hello:getIamPolicy`, { as: OWNER }))
    expect(v2['etag']).toBe(set['etag'])
    expect(v2['bindings']).toEqual([{ role: 'roles/run.invoker', members: [CAROL] }])
    const stale = await h.call('POST', `/v2/${LOC}/jobs/hello:setIamPolicy`, {
      as: OWNER,
      body: { policy: { bindings: [], etag: 'ACAB' } },
    })
    expect(stale.status).toBe(409)
    const tested = ok(
      await h.call('POST', `/v1/${LOC}/jobs/hello:testIamPermissions`, {
        as: CAROL,
        body: { permissions: ['run.jobs.run', 'run.jobs.get', 'run.jobs.update'] },
      }),
    )
    expect(tested).toEqual({ permissions: ['run.jobs.run'] })
  })

  it("refuses allUsers and allAuthenticatedUsers with Google's message", async () => {
    for (const member of ['allUsers', 'allAuthenticatedUsers']) {
      const r = await h.call('POST', `/v2/${LOC}/jobs/hello:setIamPolicy`, {
        as: OWNER,
        body: { policy: { bindings: [{ role: 'roles/run.invoker', members: [member] }] } },
      })
      expect(r.status).toBe(400)
      expect(errorOf(r)).toMatchObject({
        status: 'INVALID_ARGUMENT',
        message: `Member ${member} is invalid due to membership type restrictions on the resource.`,
      })
    }
    const svcRole = await h.call('POST', `/v2/${LOC}/jobs/hello:setIamPolicy`, {
      as: OWNER,
      body: { policy: { bindings: [{ role: 'roles/owner', members: [CAROL] }] } },
    })
    expect(errorOf(svcRole).message).toBe('Role roles/owner is not supported for this resource.')
  })

  it('inherits project and organization grants; a job grant stays on that job', async () => {
    await grant(`projects/${P}`, 'roles/run.viewer', ALICE)
    ok(await h.call('GET', `/v2/${LOC}/jobs/hello`, { as: ALICE }))
    ok(await h.call('GET', `/v2/${LOC}/jobs`, { as: ALICE }))
    const denied = await h.call('POST', `/v2/${LOC}/jobs/hello:run`, { as: ALICE, body: {} })
    expect(denied.status).toBe(403)
    expect(errorOf(denied).message).toBe(
      `Permission 'run.jobs.run' denied on resource '${LOC}/jobs/hello' (or it may not exist).`,
    )
    await grant(`organizations/${h.orgId}`, 'roles/run.jobsExecutor', BOB)
    const tested = ok(
      await h.call('POST', `/v2/${LOC}/jobs/second:testIamPermissions`, {
        as: BOB,
        body: { permissions: ['run.jobs.run', 'run.executions.cancel', 'run.jobs.get'] },
      }),
    )
    expect(tested).toEqual({ permissions: ['run.jobs.run', 'run.executions.cancel'] })
    // Carol is an invoker of hello only.
    const other = await h.call('POST', `/v2/${LOC}/jobs/second:testIamPermissions`, {
      as: CAROL,
      body: { permissions: ['run.jobs.run'] },
    })
    expect(ok(other)).toEqual({})
  })

  it('answers a stranger the same 403 whether or not the job exists (AIP-211)', async () => {
    for (const id of ['hello', 'nope']) {
      for (const [method, suffix, body] of [
        ['GET', '', undefined],
        ['POST', ':run', {}],
        ['GET', ':getIamPolicy', undefined],
        ['GET', '/executions', undefined],
        ['DELETE', '', undefined],
      ] as const) {
        const r = await h.call(method, `/v2/${LOC}/jobs/${id}${suffix}`, {
          as: STRANGER,
          ...(body === undefined ? {} : { body }),
        })
        expect(r.status, `${method} ${id}${suffix}`).toBe(403)
      }
    }
  })
})

describe('jobs.run: executions that really run', () => {
  const writeTask = `const e=process.env,fs=require('fs'),p=require('path');fs.mkdirSync(e.OUT,{recursive:true});fs.writeFileSync(p.join(e.OUT,e.CLOUD_RUN_EXECUTION+'-'+e.CLOUD_RUN_TASK_INDEX),JSON.stringify({args:process.argv.slice(1),greeting:e.GREETING,count:e.CLOUD_RUN_TASK_COUNT}));console.log('task',e.CLOUD_RUN_TASK_INDEX,'of',e.CLOUD_RUN_TASK_COUNT)`

  it('runs taskCount tasks; the operation finishes with the succeeded Execution', async () => {
    await createJob(
      'writer',
      jobBody(writeTask, { taskCount: 3, parallelism: 2 }, [{ name: 'GREETING', value: 'hi' }]),
    )
    const op = ok(await h.call('POST', `/v2/${LOC}/jobs/writer:run`, { as: OWNER, body: {} }))
    expect(op['done']).toBe(false)
    const meta = op['metadata'] as Record<string, unknown>
    expect(meta).toMatchObject({
      '@type': 'type.googleapis.com/google.cloud.run.v2.Execution',
      job: `${LOC}/jobs/writer`,
      taskCount: 3,
      parallelism: 2,
      reconciling: true,
    })
    const name = String(meta['name'])
    const executionId = name.split('/').at(-1) ?? ''
    expect(executionId).toMatch(/^writer-[a-z0-9]{5}$/)
    const execution = await finished(String(op['name']))
    expect(execution).toMatchObject({ name, succeededCount: 3, completionTime: expect.any(String) })
    expect(execution['failedCount']).toBeUndefined()
    expect(execution['reconciling']).toBeUndefined()
    expect((execution['conditions'] as { type: string; state: string }[])[0]).toMatchObject({
      type: 'Completed',
      state: 'CONDITION_SUCCEEDED',
    })
    for (const i of [0, 1, 2]) {
      const file = JSON.parse(readFileSync(join(out, `${executionId}-${i}`), 'utf8')) as {
        greeting: string
        count: string
      }
      expect(file).toMatchObject({ greeting: 'hi', count: '3' })
    }
    const tasks = ok(await h.call('GET', `/v2/${name}/tasks`, { as: OWNER }))
    const list = tasks['tasks'] as Record<string, unknown>[]
    expect(list.map((t) => t['name'])).toEqual(
      [0, 1, 2].map((i) => `${name}/tasks/${executionId}-task${i}`),
    )
    expect(list.map((t) => t['index'] ?? 0)).toEqual([0, 1, 2])
    expect(list[1]).toMatchObject({
      job: `${LOC}/jobs/writer`,
      execution: name,
      lastAttemptResult: { status: {} },
      conditions: [{ type: 'Completed', state: 'CONDITION_SUCCEEDED' }, { type: 'Started' }],
    })
    ok(await h.call('GET', `/v2/${name}/tasks/${executionId}-task2`, { as: OWNER }))
    const job = ok(await h.call('GET', `/v2/${LOC}/jobs/writer`, { as: OWNER }))
    expect(job).toMatchObject({
      executionCount: 1,
      latestCreatedExecution: { name, completionStatus: 'EXECUTION_SUCCEEDED' },
    })
    const got = ok(await h.call('GET', `/v2/${name}`, { as: OWNER }))
    expect(got['etag']).toBe(execution['etag'])
  })

  it('overrides args, env and taskCount, and needs run.jobs.runWithOverrides for them', async () => {
    await grant(`${LOC}/jobs/writer`, 'roles/run.jobsExecutor', CAROL)
    const body = {
      overrides: {
        containerOverrides: [
          { args: ['-e', writeTask, 'extra'], env: [{ name: 'GREETING', value: 'hey' }] },
        ],
        taskCount: 1,
      },
    }
    const denied = await h.call('POST', `/v2/${LOC}/jobs/writer:run`, { as: CAROL, body })
    expect(denied.status).toBe(403)
    expect(errorOf(denied).message).toContain("'run.jobs.runWithOverrides'")
    // Nothing ran for the denied request.
    expect(
      (
        (ok(await h.call('GET', `/v2/${LOC}/jobs/writer/executions`, { as: OWNER }))[
          'executions'
        ] ?? []) as unknown[]
      ).length,
    ).toBe(1)
    await grant(`${LOC}/jobs/writer`, 'roles/run.jobsExecutorWithOverrides', CAROL)
    const op = ok(await h.call('POST', `/v2/${LOC}/jobs/writer:run`, { as: CAROL, body }))
    const execution = await finished(String(op['name']), OWNER)
    expect(execution).toMatchObject({
      taskCount: 1,
      succeededCount: 1,
      creator: 'carol@example.com',
    })
    const id = String(execution['name']).split('/').at(-1) ?? ''
    expect(JSON.parse(readFileSync(join(out, `${id}-0`), 'utf8'))).toMatchObject({
      args: ['extra'],
      greeting: 'hey',
    })
    // A reserved name cannot be overridden either.
    const reserved = await h.call('POST', `/v2/${LOC}/jobs/writer:run`, {
      as: OWNER,
      body: {
        overrides: { containerOverrides: [{ env: [{ name: 'CLOUD_RUN_EXECUTION', value: 'x' }] }] },
      },
    })
    expect(reserved.status).toBe(400)
    const list = ok(await h.call('GET', `/v2/${LOC}/jobs/writer/executions`, { as: OWNER }))
    expect((list['executions'] as { name: string }[]).map((e) => e.name)).toContain(
      execution['name'],
    )
  })

  it('validateOnly answers the execution that would run, and runs nothing', async () => {
    const before = ok(await h.call('GET', `/v2/${LOC}/jobs/writer`, { as: OWNER }))
    const op = ok(
      await h.call('POST', `/v2/${LOC}/jobs/writer:run`, {
        as: OWNER,
        body: { validateOnly: true, overrides: { taskCount: 5 } },
      }),
    )
    expect(op['done']).toBe(true)
    const execution = op['response'] as Record<string, unknown>
    expect(execution).toMatchObject({ taskCount: 5 })
    expect((await h.call('GET', `/v2/${String(execution['name'])}`, { as: OWNER })).status).toBe(
      404,
    )
    const after = ok(await h.call('GET', `/v2/${LOC}/jobs/writer`, { as: OWNER }))
    expect(after['executionCount']).toBe(before['executionCount'])
    const stale = await h.call('POST', `/v2/${LOC}/jobs/writer:run`, {
      as: OWNER,
      body: { etag: 'not-the-etag' },
    })
    expect(stale.status).toBe(409)
  })

  it('fails after the retries, naming the task; records exit codes', async () => {
    await createJob(
      'failing',
      jobBody('console.error("boom");process.exit(3)', { template: { maxRetries: 1 } }),
    )
    const op = ok(await h.call('POST', `/v2/${LOC}/jobs/failing:run`, { as: OWNER, body: {} }))
    // operations.wait returns once the execution has completed.
    const waited = ok(
      await h.call('POST', `/v2/${String(op['name'])}:wait`, {
        as: OWNER,
        body: { timeout: '30s' },
      }),
    )
    expect(waited['done']).toBe(true)
    const execution = waited['response'] as Record<string, unknown>
    const id = String(execution['name']).split('/').at(-1) ?? ''
    expect(execution).toMatchObject({ failedCount: 1, retriedCount: 1 })
    expect((execution['conditions'] as Record<string, unknown>[])[0]).toMatchObject({
      type: 'Completed',
      state: 'CONDITION_FAILED',
      executionReason: 'NON_ZERO_EXIT_CODE',
      message: `Task ${id}-task0 failed with message: The container exited with an error (exit code 3).`,
    })
    const task = ok(
      await h.call('GET', `/v2/${String(execution['name'])}/tasks/${id}-task0`, { as: OWNER }),
    )
    expect(task).toMatchObject({
      retried: 1,
      lastAttemptResult: { exitCode: 3, status: { code: 2 } },
    })
    const job = ok(await h.call('GET', `/v2/${LOC}/jobs/failing`, { as: OWNER }))
    expect(job['latestCreatedExecution']).toMatchObject({ completionStatus: 'EXECUTION_FAILED' })
  })

  it('cancel stops the running processes; a second cancel is refused', async () => {
    const sleeper = `const fs=require('fs'),p=require('path');fs.mkdirSync(process.env.OUT,{recursive:true});fs.writeFileSync(p.join(process.env.OUT,'pid-'+process.env.CLOUD_RUN_EXECUTION),String(process.pid));setTimeout(()=>{},600000)`
    await createJob('sleeper', jobBody(sleeper, { taskCount: 2, parallelism: 1 }))
    await grant(`${LOC}/jobs/sleeper`, 'roles/run.jobsExecutor', CAROL)
    const op = ok(await h.call('POST', `/v2/${LOC}/jobs/sleeper:run`, { as: CAROL, body: {} }))
    const name = String((op['metadata'] as Record<string, unknown>)['name'])
    const id = name.split('/').at(-1) ?? ''
    const pidFile = join(out, `pid-${id}`)
    await until('the task started', () => existsSync(pidFile))
    const pid = Number(readFileSync(pidFile, 'utf8'))
    expect(alive(pid)).toBe(true)
    // The task's start is recorded (asynchronously, so wait for it): one of two runs.
    let running: Record<string, unknown> = {}
    for (let i = 0; i < 200 && running['runningCount'] !== 1; i++) {
      running = ok(await h.call('GET', `/v2/${name}`, { as: OWNER }))
      if (running['runningCount'] !== 1) await new Promise((r) => setTimeout(r, 25))
    }
    expect(running).toMatchObject({ runningCount: 1, reconciling: true })

    const denied = await h.call('POST', `/v2/${name}:cancel`, { as: ALICE, body: {} })
    expect(denied.status).toBe(403)
    expect(alive(pid)).toBe(true)

    const cancelled = ok(await h.call('POST', `/v2/${name}:cancel`, { as: CAROL, body: {} }))
    expect(alive(pid)).toBe(false)
    expect(cancelled).toMatchObject({ done: true })
    const execution = cancelled['response'] as Record<string, unknown>
    expect(execution).toMatchObject({ name, cancelledCount: 2 })
    expect((execution['conditions'] as Record<string, unknown>[])[0]).toMatchObject({
      state: 'CONDITION_FAILED',
      executionReason: 'CANCELLED',
      message: `Execution ${id} was cancelled by carol@example.com.`,
    })
    expect(await finished(String(op['name']))).toMatchObject({ cancelledCount: 2 })
    const again = await h.call('POST', `/v2/${name}:cancel`, { as: CAROL, body: {} })
    expect(again.status).toBe(400)
    expect(errorOf(again)).toMatchObject({
      status: 'FAILED_PRECONDITION',
      message: `Execution '${id}' has already completed and cannot be cancelled.`,
    })
  })

  it('a job without a command fails at once and says why', async () => {
    await createJob('image-only', {
      template: { template: { containers: [{ image: 'us-docker.pkg.dev/x/y' }] } },
    })
    const op = ok(await h.call('POST', `/v2/${LOC}/jobs/image-only:run`, { as: OWNER, body: {} }))
    expect(op['done']).toBe(true)
    const execution = op['response'] as Record<string, unknown>
    expect(execution).toMatchObject({ failedCount: 1 })
    expect((execution['conditions'] as Record<string, unknown>[])[0]?.['message']).toMatch(
      /runiam runs the tasks of a job as local processes from the container's command .* job image-only has none/,
    )
  })

  it("keeps the tasks' output for entries:list, as cloud_run_job entries", async () => {
    const list = ok(await h.call('GET', `/v2/${LOC}/jobs/writer/executions`, { as: OWNER }))
    const newest =
      (list['executions'] as { name: string; taskCount: number }[]).find((e) => e.taskCount === 3)
        ?.name ?? ''
    const execution = newest.split('/').at(-1) ?? ''
    const r = ok(
      await h.call('POST', '/v2/entries:list', {
        as: OWNER,
        body: {
          resourceNames: [`projects/${P}`],
          filter: `resource.type = "cloud_run_job" AND resource.labels.job_name = "writer" AND labels."run.googleapis.com/execution_name" = "${execution}" AND logName = "projects/${P}/logs/run.googleapis.com%2Fstdout"`,
        },
      }),
    )
    const entries = r['entries'] as Record<string, unknown>[]
    expect(entries.map((e) => e['textPayload']).sort()).toEqual([
      'task 0 of 3',
      'task 1 of 3',
      'task 2 of 3',
    ])
    expect(entries[0]).toMatchObject({
      resource: {
        type: 'cloud_run_job',
        labels: { job_name: 'writer', location: 'us-central1', project_id: P },
      },
      labels: { 'run.googleapis.com/execution_name': execution },
    })
  })

  it('deletes an execution and its tasks; deleting a job stops and deletes its executions', async () => {
    const list = ok(await h.call('GET', `/v2/${LOC}/jobs/failing/executions`, { as: OWNER }))
    const name = (list['executions'] as { name: string }[])[0]?.name ?? ''
    ok(await h.call('DELETE', `/v2/${name}`, { as: OWNER }))
    expect((await h.call('GET', `/v2/${name}`, { as: OWNER })).status).toBe(404)
    const id = name.split('/').at(-1) ?? ''
    expect((await h.call('GET', `/v2/${name}/tasks/${id}-task0`, { as: OWNER })).status).toBe(404)

    const sleeper = `const fs=require('fs'),p=require('path');fs.mkdirSync(process.env.OUT,{recursive:true});fs.writeFileSync(p.join(process.env.OUT,'pid-'+process.env.CLOUD_RUN_EXECUTION),String(process.pid));setTimeout(()=>{},600000)`
    await createJob('doomed', jobBody(sleeper))
    const op = ok(await h.call('POST', `/v2/${LOC}/jobs/doomed:run`, { as: OWNER, body: {} }))
    const exec = String((op['metadata'] as Record<string, unknown>)['name'])
    const pidFile = join(out, `pid-${exec.split('/').at(-1) ?? ''}`)
    await until('the task started', () => existsSync(pidFile))
    const pid = Number(readFileSync(pidFile, 'utf8'))
    ok(await h.call('DELETE', `/v2/${LOC}/jobs/doomed`, { as: OWNER }))
    expect(alive(pid)).toBe(false)
    expect((await h.call('GET', `/v2/${exec}`, { as: OWNER })).status).toBe(404)
    expect(readdirSync(join(dir, 'jobs', P, 'us-central1'))).toContain('doomed')
  })
})

describe('executions and tasks: authorization', () => {
  it('checks run.executions.* and run.tasks.* through the job, never another job', async () => {
    await grant(`${LOC}/jobs/hello`, 'roles/run.viewer', 'user:dave@example.com')
    const list = ok(await h.call('GET', `/v2/${LOC}/jobs/writer/executions`, { as: OWNER }))
    const name = (list['executions'] as { name: string }[])[0]?.name ?? ''
    const id = name.split('/').at(-1) ?? ''
    for (const path of [
      `/v2/${LOC}/jobs/writer/executions`,
      `/v2/${name}`,
      `/v2/${name}/tasks`,
      `/v2/${name}/tasks/${id}-task0`,
    ]) {
      const r = await h.call('GET', path, { as: 'user:dave@example.com' })
      expect(r.status, path).toBe(403)
    }
    // Naming writer's execution under hello does not borrow hello's grant: it does not exist.
    const borrowed = await h.call('GET', `/v2/${LOC}/jobs/hello/executions/${id}`, {
      as: 'user:dave@example.com',
    })
    expect(borrowed.status).toBe(404)
    const viewer = await h.call('GET', `/v2/${LOC}/jobs/hello/executions`, {
      as: 'user:dave@example.com',
    })
    expect(ok(viewer)).toEqual({})
  })
})

describe('without --local-processes', () => {
  it('an execution fails at once, saying the server runs no local processes', async () => {
    const plain = await startHarness(store)
    try {
      const op = await plain.call('POST', `/v2/${LOC}/jobs/writer:run`, { as: OWNER, body: {} })
      const execution = ok(op)['response'] as Record<string, unknown>
      expect(ok(op)['done']).toBe(true)
      expect((execution['conditions'] as Record<string, unknown>[])[0]).toMatchObject({
        state: 'CONDITION_FAILED',
        message: expect.stringContaining('started without --local-processes'),
      })
      expect(execution).toMatchObject({ failedCount: 3 })
    } finally {
      await plain.close()
    }
  })
})
