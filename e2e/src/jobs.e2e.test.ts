// Cloud Run jobs end to end: `runiam serve --dev` (local processes on) and the `runiam` CLI as
// real processes. A job's tasks really run (each leaves a file named for its index), their output
// is read back with `run jobs logs read`, a cancel really stops a sleeping task (its process is
// gone), and job IAM works as gcloud's guide shows it: allUsers refused, a jobs executor may run
// but not override or read, removing the binding takes it away. A server started with
// --no-local-processes runs nothing and says so.
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { login, startServer, type ServerProcess, type User } from './harness.js'

const PROJECT = 'jobs-e2e'

let server: ServerProcess
let owner: User
let bob: User
let out: string

/** A task script: `node -e SCRIPT` (given as --command=node --args=^~^-e~SCRIPT). */
const nodeArgs = (script: string): string[] => [
  `--command=${process.execPath}`,
  `--args=^~^-e~${script}`,
]

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function until(what: string, fn: () => boolean): Promise<void> {
  const limit = Date.now() + 20_000
  while (!fn()) {
    if (Date.now() > limit) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'runiam-jobs-out-'))
  server = await startServer()
  owner = await login(server, 'admin@example.com', PROJECT)
  bob = await login(server, 'bob@example.com', PROJECT)
  const created = await owner.run(['projects', 'create', PROJECT])
  expect(created.code, created.stderr).toBe(0)
})

afterAll(async () => {
  await server?.stop()
})

describe('run jobs: tasks that really run', () => {
  it('create, execute --wait: every task leaves its file; executions list and logs read show it', async () => {
    const script = `const e=process.env,fs=require('fs'),p=require('path');fs.writeFileSync(p.join(e.OUT,e.CLOUD_RUN_EXECUTION+'.task-'+e.CLOUD_RUN_TASK_INDEX),e.CLOUD_RUN_TASK_COUNT);console.log('task '+e.CLOUD_RUN_TASK_INDEX+' done')`
    const create = await owner.run([
      'run',
      'jobs',
      'create',
      'writer',
      ...nodeArgs(script),
      `--set-env-vars=OUT=${out}`,
      '--tasks=3',
      '--parallelism=2',
      '--max-retries=0',
      '--task-timeout=2m',
    ])
    expect(create.code, create.stderr).toBe(0)
    expect(create.stderr).toContain('Job [writer] has successfully been created.')

    const exec = await owner.run(['run', 'jobs', 'execute', 'writer', '--wait'])
    expect(exec.code, exec.stderr).toBe(0)
    const id = /Execution \[(writer-[a-z0-9]{5})\] has successfully completed\./.exec(
      exec.stderr,
    )?.[1]
    expect(id, exec.stderr).toBeDefined()
    expect(
      readdirSync(out)
        .filter((f) => f.startsWith(`${id}.task-`))
        .sort(),
    ).toEqual([`${id}.task-0`, `${id}.task-1`, `${id}.task-2`])
    expect(readFileSync(join(out, `${id}.task-2`), 'utf8')).toBe('3')

    const list = await owner.run(['run', 'jobs', 'executions', 'list', '--job', 'writer'])
    expect(list.code, list.stderr).toBe(0)
    expect(list.stdout).toMatch(new RegExp(`✔\\s+${id}\\s+writer\\s+us-central1\\s+0\\s+3 / 3`))
    const described = await owner.run([
      'run',
      'jobs',
      'executions',
      'describe',
      id ?? '',
      '--format=value(succeededCount,taskCount)',
    ])
    expect(described.stdout).toBe('3\t3\n')

    const logs = await owner.run(['run', 'jobs', 'logs', 'read', 'writer'])
    expect(logs.code, logs.stderr).toBe(0)
    const lines = logs.stdout
      .trim()
      .split('\n')
      .map((l) => l.slice(20))
    expect(lines.sort()).toEqual(['task 0 done', 'task 1 done', 'task 2 done'])

    const jobs = await owner.run(['run', 'jobs', 'list'])
    expect(jobs.stdout).toMatch(/✔\s+writer\s+us-central1/)
  })

  it('execute with --args and --update-env-vars overrides one execution only', async () => {
    const exec = await owner.run([
      'run',
      'jobs',
      'execute',
      'writer',
      '--wait',
      '--tasks=1',
      `--args=^~^-e~require('fs').writeFileSync(process.env.OUT+'/override',process.env.EXTRA)`,
      '--update-env-vars=EXTRA=from-override',
    ])
    expect(exec.code, exec.stderr).toBe(0)
    expect(readFileSync(join(out, 'override'), 'utf8')).toBe('from-override')
    const job = await owner.run(['run', 'jobs', 'describe', 'writer', '--format=json'])
    const parsed = JSON.parse(job.stdout) as { executionCount: number; template: unknown }
    expect(parsed.executionCount).toBe(2)
    expect(JSON.stringify(parsed.template)).not.toContain('EXTRA')
  })

  it('a failing task fails the execution; execute --wait says so and exits 1', async () => {
    const create = await owner.run([
      'run',
      'jobs',
      'create',
      'failing',
      ...nodeArgs('console.error("boom");process.exit(4)'),
      '--max-retries=1',
    ])
    expect(create.code, create.stderr).toBe(0)
    const exec = await owner.run(['run', 'jobs', 'execute', 'failing', '--wait'])
    expect(exec.code).toBe(1)
    expect(exec.stderr).toMatch(
      /Task failing-[a-z0-9]{5}-task0 failed with message: The container exited with an error \(exit code 4\)\./,
    )
    expect(exec.stderr).toMatch(/ERROR: \(runiam\.run\.jobs\.execute\) The execution failed\./)
    const logs = await owner.run(['run', 'jobs', 'logs', 'read', 'failing'])
    // Two attempts: the first failed and was retried.
    expect(logs.stdout.match(/boom/g)).toHaveLength(2)
  })

  it('executions cancel stops a sleeping task: its process is gone', async () => {
    const script = `require('fs').writeFileSync(process.env.OUT+'/pid-'+process.env.CLOUD_RUN_EXECUTION,String(process.pid));setTimeout(()=>{},600000)`
    const create = await owner.run([
      'run',
      'jobs',
      'create',
      'sleeper',
      ...nodeArgs(script),
      `--set-env-vars=OUT=${out}`,
    ])
    expect(create.code, create.stderr).toBe(0)
    const exec = await owner.run(['run', 'jobs', 'execute', 'sleeper'])
    expect(exec.code, exec.stderr).toBe(0)
    const id = /Execution \[(sleeper-[a-z0-9]{5})\] has successfully started running\./.exec(
      exec.stderr,
    )?.[1]
    expect(id, exec.stderr).toBeDefined()
    const pidFile = join(out, `pid-${id}`)
    await until('the task wrote its pid', () => existsSync(pidFile))
    const pid = Number(readFileSync(pidFile, 'utf8'))
    expect(alive(pid)).toBe(true)

    const cancel = await owner.run(['run', 'jobs', 'executions', 'cancel', id ?? '', '--quiet'])
    expect(cancel.code, cancel.stderr).toBe(0)
    expect(cancel.stderr).toBe(`Execution [${id}] has been cancelled.\n`)
    expect(alive(pid)).toBe(false)
    const described = await owner.run([
      'run',
      'jobs',
      'executions',
      'describe',
      id ?? '',
      '--format=value(cancelledCount,completionTime)',
    ])
    expect(described.stdout).toMatch(/^1\t\d{4}-/)

    const deleted = await owner.run(['run', 'jobs', 'executions', 'delete', id ?? '', '--quiet'])
    expect(deleted.code, deleted.stderr).toBe(0)
    const gone = await owner.run(['run', 'jobs', 'executions', 'describe', id ?? ''])
    expect(gone.code).toBe(1)
    expect(gone.stderr).toContain('NOT_FOUND')
  })
})

describe('run jobs IAM, as the access-control guide runs it', () => {
  it('refuses allUsers with Google’s message', async () => {
    const r = await owner.run([
      'run',
      'jobs',
      'add-iam-policy-binding',
      'writer',
      '--member=allUsers',
      '--role=roles/run.invoker',
    ])
    expect(r.code).toBe(1)
    expect(r.stderr).toBe(
      'ERROR: (runiam.run.jobs.add-iam-policy-binding) INVALID_ARGUMENT: Member allUsers is invalid due to membership type restrictions on the resource.\n',
    )
  })

  it('a jobs executor may run the job, not override it or read it; removing the binding takes it back', async () => {
    const before = await bob.run(['run', 'jobs', 'execute', 'writer'])
    expect(before.code).toBe(1)
    expect(before.stderr).toContain("Permission 'run.jobs.run' denied")

    const add = await owner.run([
      'run',
      'jobs',
      'add-iam-policy-binding',
      'writer',
      '--member=user:bob@example.com',
      '--role=roles/run.jobsExecutor',
    ])
    expect(add.code, add.stderr).toBe(0)
    expect(add.stderr).toBe('Updated IAM policy for job [writer].\n')
    expect(add.stdout).toContain('- user:bob@example.com\n  role: roles/run.jobsExecutor\n')

    const run = await bob.run(['run', 'jobs', 'execute', 'writer'])
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).toContain('has successfully started running.')
    // Waiting reads the execution: run.executions.get, which a jobs executor does not hold.
    const wait = await bob.run(['run', 'jobs', 'execute', 'writer', '--wait'])
    expect(wait.stderr).toContain("Permission 'run.executions.get' denied")
    const override = await bob.run(['run', 'jobs', 'execute', 'writer', '--args=evil'])
    expect(override.code).toBe(1)
    expect(override.stderr).toContain("Permission 'run.jobs.runWithOverrides' denied")
    const read = await bob.run(['run', 'jobs', 'describe', 'writer'])
    expect(read.code).toBe(1)
    expect(read.stderr).toContain("Permission 'run.jobs.get' denied")
    // The grant is on writer only.
    const other = await bob.run(['run', 'jobs', 'execute', 'sleeper'])
    expect(other.stderr).toContain("Permission 'run.jobs.run' denied")

    const remove = await owner.run([
      'run',
      'jobs',
      'remove-iam-policy-binding',
      'writer',
      '--member=user:bob@example.com',
      '--role=roles/run.jobsExecutor',
    ])
    expect(remove.code, remove.stderr).toBe(0)
    const after = await bob.run(['run', 'jobs', 'execute', 'writer'])
    expect(after.stderr).toContain("Permission 'run.jobs.run' denied")
  })

  it('set-iam-policy from a YAML file, get-iam-policy as JSON; a project grant is inherited', async () => {
    const file = join(out, 'policy.yaml')
    writeFileSync(
      file,
      'bindings:\n- members:\n  - user:bob@example.com\n  role: roles/run.invoker\n',
    )
    const set = await owner.run(['run', 'jobs', 'set-iam-policy', 'sleeper', file, '--quiet'])
    expect(set.code, set.stderr).toBe(0)
    const got = await owner.run(['run', 'jobs', 'get-iam-policy', 'sleeper', '--format=json'])
    expect(JSON.parse(got.stdout)).toMatchObject({
      bindings: [{ role: 'roles/run.invoker', members: ['user:bob@example.com'] }],
    })
    const project = await owner.run([
      'projects',
      'add-iam-policy-binding',
      PROJECT,
      '--member=user:bob@example.com',
      '--role=roles/run.viewer',
    ])
    expect(project.code, project.stderr).toBe(0)
    const read = await bob.run(['run', 'jobs', 'describe', 'writer', '--format=value(name)'])
    expect(read.code, read.stderr).toBe(0)
    expect(read.stdout).toBe(`projects/${PROJECT}/locations/us-central1/jobs/writer\n`)
  })

  it('deleting a job deletes its executions', async () => {
    const del = await owner.run(['run', 'jobs', 'delete', 'failing', '--quiet'])
    expect(del.code, del.stderr).toBe(0)
    expect(del.stderr).toBe('Deleted job [failing].\n')
    const list = await owner.run(['run', 'jobs', 'executions', 'list', '--job', 'failing'])
    expect(list.stderr).toBe('Listed 0 items.\n')
  })
})

describe('a server without --local-processes', () => {
  it('runs nothing: the execution fails at once and says why', async () => {
    const plain = await startServer(['--no-local-processes'])
    try {
      const admin = await login(plain, 'admin@example.com', 'jobs-off')
      expect((await admin.run(['projects', 'create', 'jobs-off'])).code).toBe(0)
      const create = await admin.run([
        'run',
        'jobs',
        'create',
        'quiet',
        ...nodeArgs(
          `require('fs').writeFileSync(${JSON.stringify(join(out, 'must-not-exist'))},'x')`,
        ),
      ])
      expect(create.code, create.stderr).toBe(0)
      const exec = await admin.run(['run', 'jobs', 'execute', 'quiet'])
      expect(exec.code).toBe(1)
      expect(exec.stderr).toContain('this server was started without --local-processes')
      expect(exec.stderr).toContain('The execution failed.')
      expect(existsSync(join(out, 'must-not-exist'))).toBe(false)
    } finally {
      await plain.stop()
    }
  })
})
