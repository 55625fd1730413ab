// Google's own @google-cloud/run v2 JobsClient, ExecutionsClient and TasksClient (REST transport)
// against a real `runiam serve --dev`: job CRUD with op.promise(), list with pagination, IAM with
// an etag round trip (stale → code 10), runJob whose operation finishes when the execution does
// (its tasks really ran: files they left), executions and tasks read back, cancelExecution that
// stops a sleeping task, deleteExecution, and a denied call as GoogleError code 7.
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { OAuth2Client } from 'google-auth-library'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { login, startServer, type ServerProcess, type User } from '../../src/harness.js'
import { googleCloudRun } from './google-cloud-run.js'

const { v2: run } = await googleCloudRun()

const PROJECT = 'gjobs-proj'
const PARENT = `projects/${PROJECT}/locations/us-central1`

let server: ServerProcess
let ownerToken: string
let bobToken: string
let out: string

function clientOptions(token: string) {
  const authClient = new OAuth2Client()
  authClient.setCredentials({ access_token: token })
  const url = new URL(server.url)
  return {
    apiEndpoint: url.hostname,
    port: Number(url.port),
    protocol: 'http',
    fallback: true,
    authClient: authClient as never,
  }
}

async function accessToken(user: User): Promise<string> {
  const r = await user.run(['auth', 'print-access-token'])
  expect(r.code, r.stderr).toBe(0)
  return r.stdout.trim()
}

async function failure(fn: () => Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await fn()
  } catch (err) {
    return err as Record<string, unknown>
  }
  throw new Error('expected the call to fail')
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** A job whose container runs `node -e script`. */
function job(script: string, extra: { taskCount?: number; maxRetries?: number } = {}) {
  return {
    template: {
      ...(extra.taskCount === undefined ? {} : { taskCount: extra.taskCount }),
      template: {
        containers: [
          {
            image: 'us-docker.pkg.dev/cloudrun/container/job',
            command: [process.execPath],
            args: ['-e', script],
            env: [{ name: 'OUT', value: out }],
          },
        ],
        ...(extra.maxRetries === undefined ? {} : { maxRetries: extra.maxRetries }),
        timeout: { seconds: 300 },
      },
    },
  }
}

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'runiam-gjobs-out-'))
  server = await startServer()
  const owner = await login(server, 'admin@example.com', PROJECT)
  const bob = await login(server, 'bob@example.com', PROJECT)
  const created = await owner.run(['projects', 'create', PROJECT])
  expect(created.code, created.stderr).toBe(0)
  ownerToken = await accessToken(owner)
  bobToken = await accessToken(bob)
})

afterAll(async () => {
  await server?.stop()
})

describe('@google-cloud/run v2 JobsClient', () => {
  it('creates, reads, lists, updates and deletes jobs through long-running operations', async () => {
    const jobs = new run.JobsClient(clientOptions(ownerToken))
    const [op] = await jobs.createJob({ parent: PARENT, jobId: 'gc-job', job: job('1') })
    expect(op.name).toMatch(new RegExp(`^${PARENT}/operations/.+`))
    const [created] = await op.promise()
    expect(created.name).toBe(`${PARENT}/jobs/gc-job`)
    expect(created.template?.taskCount).toBe(1)
    expect(created.template?.template?.maxRetries).toBe(3)
    expect(Number(created.template?.template?.timeout?.seconds)).toBe(300)
    const progress = await jobs.checkCreateJobProgress(op.name ?? '')
    expect(progress.done).toBe(true)

    for (const id of ['gc-job-2', 'gc-job-3']) {
      const [more] = await jobs.createJob({ parent: PARENT, jobId: id, job: job('1') })
      await more.promise()
    }
    const [all] = await jobs.listJobs({ parent: PARENT, pageSize: 1 })
    expect(all.map((j) => j.name).sort()).toEqual(
      ['gc-job', 'gc-job-2', 'gc-job-3'].map((id) => `${PARENT}/jobs/${id}`),
    )

    // A get → edit → update round trip: the whole Job goes back, output fields included.
    const [got] = await jobs.getJob({ name: `${PARENT}/jobs/gc-job-2` })
    const [updating] = await jobs.updateJob({
      job: { ...got, labels: { team: 'payments' }, template: { ...got.template, taskCount: 2 } },
    })
    const [updated] = await updating.promise()
    expect(updated.labels).toEqual({ team: 'payments' })
    expect(updated.template?.taskCount).toBe(2)
    expect(String(updated.generation)).toBe('2')

    const [deleting] = await jobs.deleteJob({ name: `${PARENT}/jobs/gc-job-3` })
    const [deleted] = await deleting.promise()
    expect(deleted.name).toBe(`${PARENT}/jobs/gc-job-3`)
    const gone = await failure(() => jobs.getJob({ name: `${PARENT}/jobs/gc-job-3` }))
    expect(gone.constructor.name).toBe('GoogleError')
    expect(gone['code']).toBe(5)
    await jobs.close()
  })

  it('IAM: getIamPolicy, setIamPolicy with an etag round trip (stale → ABORTED), testIamPermissions', async () => {
    const jobs = new run.JobsClient(clientOptions(ownerToken))
    const resource = `${PARENT}/jobs/gc-job`
    const [before] = await jobs.getIamPolicy({ resource })
    const [after] = await jobs.setIamPolicy({
      resource,
      policy: {
        bindings: [{ role: 'roles/run.viewer', members: ['user:bob@example.com'] }],
        etag: before.etag ?? null,
      },
    })
    expect(after.bindings).toEqual([
      expect.objectContaining({ role: 'roles/run.viewer', members: ['user:bob@example.com'] }),
    ])
    const stale = await failure(() =>
      jobs.setIamPolicy({ resource, policy: { bindings: [], etag: before.etag ?? null } }),
    )
    expect(stale.constructor.name).toBe('GoogleError')
    expect(stale['code']).toBe(10)
    const publicJob = await failure(() =>
      jobs.setIamPolicy({
        resource,
        policy: { bindings: [{ role: 'roles/run.invoker', members: ['allUsers'] }] },
      }),
    )
    expect(publicJob['code']).toBe(3)
    expect(String(publicJob['message'])).toContain(
      'Member allUsers is invalid due to membership type restrictions on the resource.',
    )
    const [tested] = await jobs.testIamPermissions({
      resource,
      permissions: ['run.jobs.run', 'run.jobs.setIamPolicy'],
    })
    expect(tested.permissions?.slice().sort()).toEqual(['run.jobs.run', 'run.jobs.setIamPolicy'])
    await jobs.close()
  })

  it('runJob: the operation finishes with the Execution once its tasks have run', async () => {
    const jobs = new run.JobsClient(clientOptions(ownerToken))
    const script = `require('fs').writeFileSync(process.env.OUT+'/'+process.env.CLOUD_RUN_EXECUTION+'-'+process.env.CLOUD_RUN_TASK_INDEX,'ok')`
    const [creating] = await jobs.createJob({
      parent: PARENT,
      jobId: 'gc-runner',
      job: job(script, { taskCount: 2 }),
    })
    await creating.promise()
    const [op] = await jobs.runJob({ name: `${PARENT}/jobs/gc-runner` })
    const [execution] = await op.promise()
    expect(execution.succeededCount).toBe(2)
    expect(execution.completionTime).toBeTruthy()
    const id = execution.name?.split('/').at(-1) ?? ''
    expect(
      readdirSync(out)
        .filter((f) => f.startsWith(`${id}-`))
        .sort(),
    ).toEqual([`${id}-0`, `${id}-1`])

    const executions = new run.ExecutionsClient(clientOptions(ownerToken))
    const [got] = await executions.getExecution({ name: execution.name ?? '' })
    expect(got.succeededCount).toBe(2)
    const [listed] = await executions.listExecutions({ parent: `${PARENT}/jobs/gc-runner` })
    expect(listed.map((e) => e.name)).toEqual([execution.name])
    const tasks = new run.TasksClient(clientOptions(ownerToken))
    const [taskList] = await tasks.listTasks({ parent: execution.name ?? '' })
    expect(taskList.map((t) => t.index)).toEqual([0, 1])
    const [task] = await tasks.getTask({ name: taskList[1]?.name ?? '' })
    expect(task.execution).toBe(execution.name)
    expect(task.lastAttemptResult?.exitCode ?? 0).toBe(0)

    // Overrides: taskCount 1.
    const [once] = await jobs.runJob({
      name: `${PARENT}/jobs/gc-runner`,
      overrides: { taskCount: 1 },
    })
    const [single] = await once.promise()
    expect(single.taskCount).toBe(1)

    const [deleting] = await executions.deleteExecution({ name: execution.name ?? '' })
    await deleting.promise()
    const gone = await failure(() => executions.getExecution({ name: execution.name ?? '' }))
    expect(gone['code']).toBe(5)
    await Promise.all([jobs.close(), executions.close(), tasks.close()])
  })

  it('cancelExecution stops a sleeping task: its process is gone', async () => {
    const jobs = new run.JobsClient(clientOptions(ownerToken))
    const script = `require('fs').writeFileSync(process.env.OUT+'/pid-'+process.env.CLOUD_RUN_EXECUTION,String(process.pid));setTimeout(()=>{},600000)`
    const [creating] = await jobs.createJob({
      parent: PARENT,
      jobId: 'gc-sleeper',
      job: job(script),
    })
    await creating.promise()
    const [op] = await jobs.runJob({ name: `${PARENT}/jobs/gc-sleeper` })
    expect(op.done).toBe(false)
    const name = (op.metadata as { name?: string } | undefined)?.name ?? ''
    const pidFile = join(out, `pid-${name.split('/').at(-1) ?? ''}`)
    const limit = Date.now() + 20_000
    while (!existsSync(pidFile)) {
      if (Date.now() > limit) throw new Error('the task did not start')
      await new Promise((r) => setTimeout(r, 50))
    }
    const pid = Number(readFileSync(pidFile, 'utf8'))
    expect(alive(pid)).toBe(true)

    const executions = new run.ExecutionsClient(clientOptions(ownerToken))
    const [cancelling] = await executions.cancelExecution({ name })
    const [cancelled] = await cancelling.promise()
    expect(cancelled.cancelledCount).toBe(1)
    expect(alive(pid)).toBe(false)
    // The run operation finished too, with the cancelled execution.
    const [ran] = await op.promise()
    expect(ran.cancelledCount).toBe(1)
    await Promise.all([jobs.close(), executions.close()])
  })

  it('a caller without the permission gets GoogleError 7 naming it', async () => {
    const asBob = new run.JobsClient(clientOptions(bobToken))
    // bob is a run.viewer on gc-job (the IAM test): he may read it, not run it.
    const [got] = await asBob.getJob({ name: `${PARENT}/jobs/gc-job` })
    expect(got.name).toBe(`${PARENT}/jobs/gc-job`)
    const denied = await failure(() => asBob.runJob({ name: `${PARENT}/jobs/gc-job` }))
    expect(denied.constructor.name).toBe('GoogleError')
    expect(denied['code']).toBe(7)
    expect(denied['reason']).toBe('IAM_PERMISSION_DENIED')
    expect(denied['errorInfoMetadata']).toMatchObject({ permission: 'run.jobs.run' })
    const deniedOther = await failure(() => asBob.getJob({ name: `${PARENT}/jobs/gc-runner` }))
    expect(deniedOther['code']).toBe(7)
    await asBob.close()
  })
})
