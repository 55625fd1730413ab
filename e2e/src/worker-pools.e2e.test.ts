// Cloud Run worker pools end to end with the built `runiam serve --dev` and the `runiam` CLI as
// real processes: `run worker-pools deploy` with a container command whose side effect (a line
// appended to a file) proves the process runs at once; describe, list and logs read; a redeploy
// replaces the process; the four IAM commands with gcloud's messages, from JSON and YAML policy
// files, and the access they grant or take away; delete with its prompt stops the process.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { login, startServer, type ServerProcess, type User } from './harness.js'

const PROJECT = 'pools-e2e'
const REGION = 'us-central1'
// Appends "PID POOL GEN" to $OUT once, prints a line, then keeps running. `|` delimits --args.
const SCRIPT = `const e=process.env;require('fs').appendFileSync(e.OUT, process.pid+' '+e.CLOUD_RUN_WORKER_POOL+' '+e.GEN+'\\n');console.log('working', e.GEN);setInterval(() => {}, 1000)`

let server: ServerProcess
let owner: User
let bob: User
let dir: string
let out: string

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function eventually<T>(fn: () => T | Promise<T>, what: string): Promise<T> {
  const until = Date.now() + 15_000
  for (;;) {
    try {
      return await fn()
    } catch (err) {
      if (Date.now() > until) throw new Error(`${what}: ${String(err)}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** The processes that started, from the side-effect file: [pid, pool, gen]. */
function started(): { pid: number; pool: string; gen: string }[] {
  let text = ''
  try {
    text = readFileSync(out, 'utf8')
  } catch {
    return []
  }
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [pid = '0', pool = '', gen = ''] = l.split(' ')
      return { pid: Number(pid), pool, gen }
    })
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'runiam-pools-e2e-'))
  out = join(dir, 'started.txt')
  server = await startServer()
  owner = await login(server, 'admin@example.com', PROJECT)
  bob = await login(server, 'bob@example.com', PROJECT)
  const created = await owner.run(['projects', 'create', PROJECT])
  expect(created.code, created.stderr).toBe(0)
}, 60_000)

afterAll(async () => {
  await server?.stop()
  rmSync(dir, { recursive: true, force: true })
})

describe('runiam run worker-pools', () => {
  it('deploy runs the command at once; describe, list and logs read show it', async () => {
    const r = await owner.run([
      'run',
      'worker-pools',
      'deploy',
      'crunch',
      '--command=node',
      `--args=^|^-e|${SCRIPT}`,
      `--update-env-vars=OUT=${out},GEN=1`,
      `--region=${REGION}`,
    ])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain(
      `Deploying container to Cloud Run worker pool [crunch] in project [${PROJECT}] region [${REGION}]\n`,
    )
    expect(r.stderr).toContain('Deploying new worker pool... Done.\n')
    expect(r.stderr).toMatch(
      /Worker pool \[crunch\] revision \[crunch-00001-[a-z0-9]{3}\] has been deployed\.\n/,
    )
    const [first] = await eventually(() => {
      const s = started()
      if (s.length === 0) throw new Error('not started')
      return s
    }, 'the pool process')
    expect(first).toMatchObject({ pool: 'crunch', gen: '1' })
    expect(alive(first?.pid ?? 0)).toBe(true)

    const described = await owner.run([
      'run',
      'worker-pools',
      'describe',
      'crunch',
      '--format=json',
    ])
    expect(described.code, described.stderr).toBe(0)
    const pool = JSON.parse(described.stdout) as {
      name: string
      template: { containers: { command: string[]; args: string[]; env: unknown[] }[] }
    }
    expect(pool.name).toBe(`projects/${PROJECT}/locations/${REGION}/workerPools/crunch`)
    expect(pool.template.containers[0]).toMatchObject({
      command: ['node'],
      args: ['-e', SCRIPT],
      env: [
        { name: 'OUT', value: out },
        { name: 'GEN', value: '1' },
      ],
    })
    const listed = await owner.run(['run', 'worker-pools', 'list'])
    expect(listed.code, listed.stderr).toBe(0)
    expect(listed.stdout).toMatch(
      /^\s+WORKER_POOL\s+REGION\s+LAST DEPLOYED BY\s+LAST DEPLOYED AT\s+CREATED BY\s+CREATED\n/,
    )
    expect(listed.stdout).toMatch(/✔\s+crunch\s+us-central1\s+admin@example\.com\s/)
    const logs = await eventually(async () => {
      const l = await owner.run(['run', 'worker-pools', 'logs', 'read', 'crunch'])
      expect(l.code, l.stderr).toBe(0)
      expect(l.stdout).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d working 1$/m)
      return l
    }, 'the line in logs read')
    expect(logs.stdout).not.toContain('Starting')
  })

  it('a redeploy replaces the process with the new revision', async () => {
    const before = started()
    const r = await owner.run([
      'run',
      'worker-pools',
      'deploy',
      'crunch',
      '--update-env-vars=GEN=2',
    ])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain('Deploying... Done.\n')
    expect(r.stderr).toMatch(/revision \[crunch-00002-[a-z0-9]{3}\] has been deployed/)
    const next = await eventually(() => {
      const s = started().find((x) => x.gen === '2')
      if (s === undefined) throw new Error('not replaced')
      return s
    }, 'the new process')
    expect(alive(next.pid)).toBe(true)
    for (const old of before) {
      await eventually(() => expect(alive(old.pid)).toBe(false), `old process ${old.pid} stopped`)
    }
  })

  it('IAM commands grant and take away access, with gcloud’s messages', async () => {
    const denied = await bob.run(['run', 'worker-pools', 'describe', 'crunch'])
    expect(denied.code).toBe(1)
    expect(denied.stderr).toContain(
      `ERROR: (runiam.run.worker-pools.describe) PERMISSION_DENIED: Permission 'run.workerpools.get' denied on resource 'projects/${PROJECT}/locations/${REGION}/workerPools/crunch' (or it may not exist).`,
    )
    // The same answer for a worker pool that does not exist.
    const nothing = await bob.run(['run', 'worker-pools', 'describe', 'nothing'])
    expect(nothing.stderr).toContain("Permission 'run.workerpools.get' denied on resource")

    const added = await owner.run([
      'run',
      'worker-pools',
      'add-iam-policy-binding',
      'crunch',
      '--member=user:bob@example.com',
      '--role=roles/run.viewer',
    ])
    expect(added.code, added.stderr).toBe(0)
    expect(added.stderr).toContain('Updated IAM policy for workerpool [crunch].\n')
    expect(added.stdout).toMatch(
      /bindings:\n- members:\n {2}- user:bob@example\.com\n {2}role: roles\/run\.viewer\netag: \S+\nversion: 1\n/,
    )
    const allowed = await bob.run([
      'run',
      'worker-pools',
      'describe',
      'crunch',
      '--format=value(name)',
    ])
    expect(allowed.code, allowed.stderr).toBe(0)
    expect(allowed.stdout.trim()).toBe(`projects/${PROJECT}/locations/${REGION}/workerPools/crunch`)
    const cannotDelete = await bob.run(['run', 'worker-pools', 'delete', 'crunch', '--quiet'])
    expect(cannotDelete.code).toBe(1)
    expect(cannotDelete.stderr).toContain("'run.workerpools.delete'")

    // set-iam-policy from a JSON file (the etag from get-iam-policy) and from a YAML file.
    const got = await owner.run([
      'run',
      'worker-pools',
      'get-iam-policy',
      'crunch',
      '--format=json',
    ])
    expect(got.code, got.stderr).toBe(0)
    const policy = JSON.parse(got.stdout) as { etag: string; bindings: unknown[] }
    const jsonFile = join(dir, 'policy.json')
    writeFileSync(
      jsonFile,
      JSON.stringify({
        etag: policy.etag,
        bindings: [{ role: 'roles/run.developer', members: ['user:bob@example.com'] }],
      }),
    )
    const setJson = await owner.run(['run', 'worker-pools', 'set-iam-policy', 'crunch', jsonFile])
    expect(setJson.code, setJson.stderr).toBe(0)
    expect(setJson.stderr).toContain('Updated IAM policy for workerpool [crunch].\n')
    // A stale etag is refused: the file still holds the one it replaced.
    const stale = await owner.run(['run', 'worker-pools', 'set-iam-policy', 'crunch', jsonFile])
    expect(stale.code).toBe(1)
    expect(stale.stderr).toContain('ABORTED')
    const yamlFile = join(dir, 'policy.yaml')
    writeFileSync(
      yamlFile,
      'bindings:\n- members:\n  - user:carol@example.com\n  role: roles/run.viewer\n',
    )
    const setYaml = await owner.run([
      'run',
      'worker-pools',
      'set-iam-policy',
      'crunch',
      yamlFile,
      '--quiet',
    ])
    expect(setYaml.code, setYaml.stderr).toBe(0)
    const after = await owner.run([
      'run',
      'worker-pools',
      'get-iam-policy',
      'crunch',
      '--format=json',
    ])
    expect((JSON.parse(after.stdout) as { bindings: unknown[] }).bindings).toEqual([
      { members: ['user:carol@example.com'], role: 'roles/run.viewer' },
    ])
    // The YAML policy replaced bob's binding: he is refused again.
    expect((await bob.run(['run', 'worker-pools', 'describe', 'crunch'])).code).toBe(1)

    const removed = await owner.run([
      'run',
      'worker-pools',
      'remove-iam-policy-binding',
      'crunch',
      '--member=user:carol@example.com',
      '--role=roles/run.viewer',
    ])
    expect(removed.code, removed.stderr).toBe(0)
    expect(removed.stdout).toMatch(/^etag: \S+\nversion: 1\n$/)
    const notThere = await owner.run([
      'run',
      'worker-pools',
      'remove-iam-policy-binding',
      'crunch',
      '--member=user:carol@example.com',
      '--role=roles/run.viewer',
    ])
    expect(notThere.code).toBe(1)
    // Compat: worker pool bindings take conditions (enable_condition), hence gcloud's wording.
    expect(notThere.stderr).toContain(
      'Policy binding with the specified principal, role, and condition not found!',
    )
  })

  it('delete asks first, then stops the process; describe then cannot find it', async () => {
    const running = started().filter((s) => alive(s.pid))
    expect(running.length).toBe(1)
    const unattended = await owner.run(['run', 'worker-pools', 'delete', 'crunch'])
    expect(unattended.code).toBe(1)
    expect(unattended.stderr).toContain('WorkerPool [crunch] will be deleted.')
    expect(unattended.stderr).toContain('not in an interactive session')
    expect(alive(running[0]?.pid ?? 0)).toBe(true)

    const r = await owner.run(['run', 'worker-pools', 'delete', 'crunch', '--quiet'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain('Deleted worker pool [crunch].\n')
    await eventually(() => expect(alive(running[0]?.pid ?? 0)).toBe(false), 'stopped on delete')
    const gone = await owner.run(['run', 'worker-pools', 'describe', 'crunch'])
    expect(gone.code).toBe(1)
    expect(gone.stderr).toContain(
      'ERROR: (runiam.run.worker-pools.describe) Cannot find worker pool [crunch]',
    )
    const again = await owner.run(['run', 'worker-pools', 'delete', 'crunch', '--quiet'])
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('Cannot find worker pool [crunch]')
    const none = await owner.run(['run', 'worker-pools', 'list'])
    expect(none.stderr).toContain('Listed 0 items.')
  })
})
