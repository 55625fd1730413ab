// Jobs as YAML with `runiam` in place of `gcloud`, against a real `runiam serve --dev` whose job
// tasks are real processes: `run jobs describe JOB --format export > job.yaml`, edit the file
// (taskCount, an env var, the command's arguments), `run jobs replace job.yaml`, then `run jobs
// execute --wait` and check what the tasks left behind. Replace creates a missing job, keeps
// gcloud's checks and messages, and is refused to whoever lacks run.jobs.update.
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { login, startServer, type ServerProcess, type User } from './harness.js'

const PROJECT = 'yaml-jobs'
const JOB = 'reporter'
let server: ServerProcess
let owner: User
let viewer: User
let projectNumber: string
let out: string
const files = mkdtempSync(join(tmpdir(), 'runiam-jobs-yaml-files-'))

type Doc = {
  apiVersion: string
  kind: string
  metadata: {
    name: string
    namespace: string
    labels?: Record<string, string>
    annotations?: Record<string, string>
  } & Record<string, unknown>
  spec: {
    template: {
      metadata?: Record<string, unknown>
      spec: {
        taskCount?: number
        parallelism?: number
        template: {
          spec: {
            containers: {
              image: string
              command?: string[]
              args?: string[]
              env?: { name: string; value?: string }[]
            }[]
            maxRetries?: number
            timeoutSeconds?: string
          }
        }
      }
    }
  }
} & Record<string, unknown>

function file(name: string, text: string): string {
  const path = join(files, name)
  writeFileSync(path, text)
  return path
}

async function exportOf(user: User, job = JOB): Promise<{ text: string; doc: Doc }> {
  const r = await user.run(['run', 'jobs', 'describe', job, '--format', 'export'])
  expect(r.code, r.stderr).toBe(0)
  return { text: r.stdout, doc: parseYaml(r.stdout) as Doc }
}

/** A task script that writes `{execution}.{index}` containing $GREETING into $OUT. */
const script = (tag: string): string =>
  `const e=process.env;require('fs').writeFileSync(require('path').join(e.OUT,e.CLOUD_RUN_EXECUTION+'.'+e.CLOUD_RUN_TASK_INDEX),'${tag}:'+e.GREETING)`

/** Executes the job and waits; answers the files its execution's tasks wrote. */
async function execute(user: User, job = JOB): Promise<Record<string, string>> {
  const r = await user.run(['run', 'jobs', 'execute', job, '--wait'])
  expect(r.code, r.stderr).toBe(0)
  const id = /Execution \[([a-z0-9-]+)\] has successfully completed\./.exec(r.stderr)?.[1]
  expect(id, r.stderr).toBeDefined()
  const written: Record<string, string> = {}
  for (const f of readdirSync(out)
    .filter((n) => n.startsWith(`${id}.`))
    .sort()) {
    written[f.slice(`${id}.`.length)] = readFileSync(join(out, f), 'utf8')
  }
  return written
}

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'runiam-jobs-yaml-out-'))
  server = await startServer()
  owner = await login(server, 'admin@example.com', PROJECT)
  expect((await owner.run(['projects', 'create', PROJECT])).code).toBe(0)
  const described = await owner.run(['projects', 'describe', PROJECT, '--format=json'])
  projectNumber = (JSON.parse(described.stdout) as { projectNumber: string }).projectNumber
  const created = await owner.run([
    'run',
    'jobs',
    'create',
    JOB,
    `--command=${process.execPath}`,
    `--args=^~^-e~${script('v1')}`,
    `--set-env-vars=OUT=${out},GREETING=hello`,
    '--max-retries=0',
  ])
  expect(created.code, created.stderr).toBe(0)
  const granted = await owner.run([
    'projects',
    'add-iam-policy-binding',
    PROJECT,
    '--member=user:viewer@example.com',
    '--role=roles/run.viewer',
  ])
  expect(granted.code, granted.stderr).toBe(0)
  viewer = await login(server, 'viewer@example.com', PROJECT)
})

afterAll(async () => {
  await server?.stop()
})

describe('run jobs describe --format export', () => {
  it("prints the v1 Job as gcloud's export printer does", async () => {
    const { text, doc } = await exportOf(owner)
    expect(text.startsWith('apiVersion: run.googleapis.com/v1\nkind: Job\nmetadata:\n')).toBe(true)
    expect(text).toContain(`  namespace: '${projectNumber}'\n`)
    expect(text).toContain("timeoutSeconds: '600'\n")
    expect(doc.metadata).toMatchObject({
      name: JOB,
      namespace: projectNumber,
      labels: { 'cloud.googleapis.com/location': 'us-central1' },
      annotations: { 'run.googleapis.com/creator': 'admin@example.com' },
    })
    for (const gone of ['uid', 'generation', 'resourceVersion', 'creationTimestamp', 'selfLink']) {
      expect(doc.metadata, gone).not.toHaveProperty(gone)
    }
    expect(doc).not.toHaveProperty('status')
    expect(doc.spec.template.spec).toMatchObject({
      taskCount: 1,
      template: {
        spec: {
          maxRetries: 0,
          containers: [
            {
              command: [process.execPath],
              env: [
                { name: 'OUT', value: out },
                { name: 'GREETING', value: 'hello' },
              ],
            },
          ],
        },
      },
    })
  })

  it('replacing the unchanged export changes nothing a second export shows', async () => {
    const first = await exportOf(owner)
    const r = await owner.run(['run', 'jobs', 'replace', file('same.yaml', first.text)])
    expect(r.code, r.stderr).toBe(0)
    expect((await exportOf(owner)).text).toBe(first.text)
  })

  it('the job as it was runs as it was', async () => {
    expect(await execute(owner)).toEqual({ '0': 'v1:hello' })
  })
})

describe('describe → edit → replace → execute', () => {
  it('taskCount, an env var and the command take effect in the next execution', async () => {
    const { doc } = await exportOf(owner)
    const edited = structuredClone(doc)
    edited.spec.template.spec.taskCount = 3
    const container = edited.spec.template.spec.template.spec.containers[0]
    if (container === undefined) throw new Error('no container')
    container.env = (container.env ?? []).map((e) =>
      e.name === 'GREETING' ? { name: 'GREETING', value: 'edited' } : e,
    )
    container.args = ['-e', script('v2')]
    const r = await owner.run([
      'run',
      'jobs',
      'replace',
      file('edited.yaml', stringifyYaml(edited)),
    ])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toBe('')
    expect(r.stderr).toBe(
      `Updating Cloud Run job [${JOB}] in project [${projectNumber}] region [us-central1]\n` +
        'Updating job... Done.\n' +
        `Job [${JOB}] has been successfully updated.\n\n` +
        `To execute this job, use:\nruniam run jobs execute ${JOB}\n`,
    )
    expect(await execute(owner)).toEqual({
      '0': 'v2:edited',
      '1': 'v2:edited',
      '2': 'v2:edited',
    })
    // The v2 view shows the same job.
    const v2 = await owner.run(['run', 'jobs', 'describe', JOB, '--format=json'])
    const job = JSON.parse(v2.stdout) as { generation: string; template: { taskCount: number } }
    expect(job.template.taskCount).toBe(3)
    expect(job.generation).toBe('3')
  })

  it('replace creates a missing job, named by the file, in the region of its label', async () => {
    const { doc } = await exportOf(owner)
    const copy = structuredClone(doc)
    copy.metadata.name = 'reporter-copy'
    copy.spec.template.spec.taskCount = 1
    const r = await owner.run(['run', 'jobs', 'replace', file('copy.yaml', stringifyYaml(copy))])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain(
      `Creating Cloud Run job [reporter-copy] in project [${projectNumber}] region [us-central1]\nCreating job... Done.\n`,
    )
    expect(r.stderr).toContain('Job [reporter-copy] has been successfully created.')
    expect(await execute(owner, 'reporter-copy')).toEqual({ '0': 'v2:edited' })
  })

  it('a file without the location label goes to the configured region; the project id works as namespace', async () => {
    const { doc } = await exportOf(owner)
    const bare = structuredClone(doc)
    delete bare.metadata.labels
    bare.metadata.namespace = PROJECT
    bare.spec.template.spec.template.spec.maxRetries = 1
    const r = await owner.run(['run', 'jobs', 'replace', file('bare.yaml', stringifyYaml(bare))])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain(
      `Updating Cloud Run job [${JOB}] in project [${PROJECT}] region [us-central1]`,
    )
    expect((await exportOf(owner)).doc.spec.template.spec.template.spec.maxRetries).toBe(1)
  })
})

describe("replace keeps gcloud's checks, and the server's", () => {
  it('a namespace that is neither the project id nor its number', async () => {
    const { doc } = await exportOf(owner)
    const other = structuredClone(doc)
    other.metadata.namespace = '999999999999'
    const r = await owner.run(['run', 'jobs', 'replace', file('ns.yaml', stringifyYaml(other))])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(
      `Namespace must be project ID [${PROJECT}] or quoted number [${projectNumber}] for Cloud Run (fully managed).`,
    )
  })

  it('a file without spec.template', async () => {
    const r = await owner.run([
      'run',
      'jobs',
      'replace',
      file('empty.yaml', `apiVersion: run.googleapis.com/v1\nkind: Job\nmetadata:\n  name: x\n`),
    ])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(
      'spec.template is required but missing. Please check the content in your yaml file.',
    )
  })

  it('a misspelt field is a 400 naming it, and nothing changes', async () => {
    const before = await exportOf(owner)
    const typo = before.text.replace('taskCount:', 'taskCont:')
    const r = await owner.run(['run', 'jobs', 'replace', file('typo.yaml', typo)])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(
      `ERROR: (runiam.run.jobs.replace) INVALID_ARGUMENT: Invalid JSON payload received. Unknown name "taskCont" at 'spec.template.spec': Cannot find field.`,
    )
    expect((await exportOf(owner)).text).toBe(before.text)
  })

  it('a run.viewer may export but not replace: 403 naming the job as v1 does', async () => {
    const { text } = await exportOf(viewer)
    const r = await viewer.run(['run', 'jobs', 'replace', file('viewer.yaml', text)])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(
      `ERROR: (runiam.run.jobs.replace) PERMISSION_DENIED: Permission 'run.jobs.update' denied on resource 'namespaces/${projectNumber}/jobs/${JOB}' (or it may not exist).`,
    )
  })

  it('describe --format export of a job that does not exist', async () => {
    const r = await owner.run(['run', 'jobs', 'describe', 'nope', '--format', 'export'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(
      `NOT_FOUND: Resource 'nope' of kind 'JOB' in region 'us-central1' in project '${PROJECT}' does not exist.`,
    )
  })
})
