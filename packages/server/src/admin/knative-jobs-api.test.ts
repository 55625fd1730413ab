// Cloud Run's v1 jobs API (run.googleapis.com/v1 Job and Execution objects on the namespaces
// paths) over a real socket, SQLite and real local processes: the v1 view of a v2 job by project
// id and number, regions from a regional Host, the location label or the one region that has the
// job; create, replace (edits that really change what the next execution runs, unmapped v2
// fields kept, resourceVersion, creating a missing job needs run.jobs.create), delete; :run with
// the permissions v2 checks, executions get, list, cancel and delete; bad fields named; and
// authorization before existence, naming the resource as v1 does.
import { request as httpRequest } from 'node:http'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '@runiam/store'
import { openSqliteStore } from '@runiam/store/sqlite'
import { JobRunner } from '../runtime/job-runner.js'
import { ServiceLogs } from '../runtime/service-logs.js'
import { errorOf, OWNER, startHarness, type CallResult, type Harness } from './test-harness.js'

const P = 'knative-jobs'
const REGION = 'us-central1'
const NS = `/apis/run.googleapis.com/v1/namespaces/${P}`
const V2 = `/v2/projects/${P}/locations/${REGION}/jobs`
const DEV = 'user:dev@example.com'
const VIEWER = 'user:viewer@example.com'
const EXECUTOR = 'user:executor@example.com'
const UPDATER = 'user:updater@example.com'
const STRANGER = 'user:stranger@elsewhere.org'

type Json = Record<string, unknown>

let dir: string
let out: string
let store: Store
let h: Harness
let runner: JobRunner
let projectNumber: string

function ok(r: CallResult): Json {
  expect(r.status, JSON.stringify(r.json)).toBe(200)
  return r.json
}

function reason(r: CallResult): string {
  const details = (r.json['error'] as { details?: Json[] }).details ?? []
  return String(
    details.find((d) => d['@type'] === 'type.googleapis.com/google.rpc.ErrorInfo')?.['reason'],
  )
}

function fieldOf(r: CallResult): string | undefined {
  const details = (r.json['error'] as { details?: Json[] }).details ?? []
  const bad = details.find((d) => d['@type'] === 'type.googleapis.com/google.rpc.BadRequest') as
    { fieldViolations: { field: string }[] } | undefined
  return bad?.fieldViolations[0]?.field
}

/** A request with a chosen Host header (fetch does not let a caller set Host). */
function withHost(
  method: string,
  path: string,
  host: string,
  as: string,
  body?: unknown,
): Promise<CallResult> {
  const url = new URL(h.url)
  const text = body === undefined ? undefined : JSON.stringify(body)
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path,
        method,
        headers: {
          host,
          authorization: `Bearer ${as}`,
          ...(text === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }),
        },
      },
      (res) => {
        let data = ''
        res.on('data', (d: Buffer) => (data += d.toString()))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            json: JSON.parse(data) as Json,
            headers: new Headers(),
          }),
        )
      },
    )
    req.on('error', reject)
    req.end(text)
  })
}

/** A v1 Job as an exported YAML file reads, running `node -e script` with OUT set. */
function v1Job(
  name: string,
  script: string,
  extra: { env?: Json[]; spec?: Json; taskSpec?: Json; meta?: Json; labels?: Json } = {},
): Json {
  return {
    apiVersion: 'run.googleapis.com/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: P,
      labels: { 'cloud.googleapis.com/location': REGION, ...extra.labels },
      ...extra.meta,
    },
    spec: {
      template: {
        spec: {
          taskCount: 1,
          ...extra.spec,
          template: {
            spec: {
              containers: [
                {
                  image: 'us-docker.pkg.dev/cloudrun/container/job',
                  command: [process.execPath],
                  args: ['-e', script],
                  env: [{ name: 'OUT', value: out }, ...(extra.env ?? [])],
                },
              ],
              maxRetries: 0,
              ...extra.taskSpec,
            },
          },
        },
      },
    },
  }
}

async function setPolicy(resource: string, bindings: { role: string; members: string[] }[]) {
  const pol = await h.call('POST', `/v1/${resource}:getIamPolicy`, { as: OWNER, body: {} })
  ok(
    await h.call('POST', `/v1/${resource}:setIamPolicy`, {
      as: OWNER,
      body: { policy: { etag: pol.json['etag'], bindings } },
    }),
  )
}

async function until(what: string, fn: () => boolean | Promise<boolean>): Promise<void> {
  const limit = Date.now() + 20_000
  while (!(await fn())) {
    if (Date.now() > limit) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** Polls the v1 execution until its Completed condition settles. */
async function completed(id: string, as = OWNER): Promise<Json> {
  let last: Json = {}
  await until(`execution ${id}`, async () => {
    last = ok(await h.call('GET', `${NS}/executions/${id}`, { as }))
    const conditions = ((last['status'] as Json)['conditions'] ?? []) as Json[]
    const c = conditions.find((x) => x['type'] === 'Completed')
    return c !== undefined && c['status'] !== 'Unknown'
  })
  return last
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'runiam-knative-jobs-'))
  out = join(dir, 'out')
  store = await openSqliteStore({ path: join(dir, 'runiam.db') })
  const logs = new ServiceLogs({ now: () => Date.now() })
  runner = new JobRunner({ logs, workDir: join(dir, 'jobs'), stopGraceMs: 500 })
  h = await startHarness(store, undefined, { jobs: { launcher: runner, logs } })
  const created = ok(await h.call('POST', '/v1/projects', { as: OWNER, body: { projectId: P } }))
  projectNumber = String((created['response'] as Json)['projectNumber'])
  // A custom role that may update jobs but not create them.
  ok(
    await h.call('POST', `/v1/projects/${P}/roles`, {
      as: OWNER,
      body: {
        roleId: 'jobUpdater',
        role: { includedPermissions: ['run.jobs.get', 'run.jobs.update'] },
      },
    }),
  )
  await setPolicy(`projects/${P}`, [
    { role: 'roles/owner', members: [OWNER] },
    { role: 'roles/run.developer', members: [DEV] },
    { role: 'roles/run.viewer', members: [VIEWER] },
    { role: `projects/${P}/roles/jobUpdater`, members: [UPDATER] },
  ])
  ok(
    await h.call('POST', `/v1/projects/${P}/serviceAccounts`, {
      as: OWNER,
      body: { accountId: 'robot-runner' },
    }),
  )
  // The job runs as robot-runner: its owner may act as it (Cloud Run checks actAs on deploy).
  ok(
    await h.call('POST', `${V2}?jobId=reporter`, {
      as: OWNER,
      body: {
        labels: { team: 'data' },
        annotations: { 'example.com/owner': 'data-team' },
        template: {
          labels: { tier: 'batch' },
          taskCount: 2,
          parallelism: 1,
          template: {
            containers: [
              {
                image: 'us-docker.pkg.dev/cloudrun/container/job',
                command: [process.execPath],
                args: ['-e', 'process.exit(0)'],
                env: [{ name: 'MODE', value: 'nightly' }],
              },
            ],
            maxRetries: 1,
            timeout: '120s',
            serviceAccount: `robot-runner@${P}.iam.gserviceaccount.com`,
            executionEnvironment: 'EXECUTION_ENVIRONMENT_GEN2',
          },
        },
      },
    }),
  )
})

afterAll(async () => {
  await runner.close()
  await h.services.jobs.executions.flush()
  await h.close()
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('reading the v1 view of a v2 job', () => {
  it('get by project id and by project number answers the run.googleapis.com/v1 Job', async () => {
    const byId = ok(await h.call('GET', `${NS}/jobs/reporter`, { as: VIEWER }))
    const byNumber = ok(
      await h.call('GET', `/apis/run.googleapis.com/v1/namespaces/${projectNumber}/jobs/reporter`, {
        as: VIEWER,
      }),
    )
    expect(byNumber).toEqual(byId)
    const v2 = ok(await h.call('GET', `${V2}/reporter`, { as: VIEWER }))
    expect(byId).toEqual({
      apiVersion: 'run.googleapis.com/v1',
      kind: 'Job',
      metadata: {
        name: 'reporter',
        namespace: projectNumber,
        selfLink: `/apis/run.googleapis.com/v1/namespaces/${projectNumber}/jobs/reporter`,
        uid: v2['uid'],
        resourceVersion: v2['etag'],
        generation: 1,
        creationTimestamp: v2['createTime'],
        labels: { team: 'data', 'cloud.googleapis.com/location': REGION },
        annotations: {
          'example.com/owner': 'data-team',
          'run.googleapis.com/creator': 'owner@example.com',
          'run.googleapis.com/lastModifier': 'owner@example.com',
        },
      },
      spec: {
        template: {
          metadata: {
            labels: { tier: 'batch' },
            annotations: { 'run.googleapis.com/execution-environment': 'gen2' },
          },
          spec: {
            parallelism: 1,
            taskCount: 2,
            template: {
              spec: {
                containers: [
                  {
                    image: 'us-docker.pkg.dev/cloudrun/container/job',
                    command: [process.execPath],
                    args: ['-e', 'process.exit(0)'],
                    env: [{ name: 'MODE', value: 'nightly' }],
                  },
                ],
                maxRetries: 1,
                timeoutSeconds: '120',
                serviceAccountName: `robot-runner@${P}.iam.gserviceaccount.com`,
              },
            },
          },
        },
      },
      status: {
        observedGeneration: 1,
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            lastTransitionTime: (v2['terminalCondition'] as Json)['lastTransitionTime'],
          },
        ],
      },
    })
  })

  it('list answers a JobsList, filtered by a labelSelector', async () => {
    const all = ok(await h.call('GET', `${NS}/jobs`, { as: VIEWER }))
    expect(all).toMatchObject({ apiVersion: 'run.googleapis.com/v1', kind: 'JobsList' })
    const names = (all['items'] as { metadata: { name: string } }[]).map((i) => i.metadata.name)
    expect(names).toContain('reporter')
    const team = ok(await h.call('GET', `${NS}/jobs?labelSelector=team%3Ddata`, { as: VIEWER }))
    expect((team['items'] as unknown[]).length).toBe(1)
    const none = ok(await h.call('GET', `${NS}/jobs?labelSelector=team%3Dweb`, { as: VIEWER }))
    expect(none['items']).toEqual([])
    const bad = await h.call('GET', `${NS}/jobs?labelSelector=team%20in%20(a)`, { as: VIEWER })
    expect(bad.status).toBe(400)
    expect(fieldOf(bad)).toBe('labelSelector')
  })

  it('a regional Host names the region, as gcloud sends it', async () => {
    const here = await withHost('GET', `${NS}/jobs/reporter`, `${REGION}-localhost:8080`, VIEWER)
    expect(here.status).toBe(200)
    const elsewhere = await withHost(
      'GET',
      `${NS}/jobs/reporter`,
      'europe-west1-run.googleapis.com',
      VIEWER,
    )
    expect(errorOf(elsewhere)).toEqual({
      code: 404,
      status: 'NOT_FOUND',
      message: `Resource 'reporter' of kind 'JOB' in region 'europe-west1' in project '${P}' does not exist.`,
    })
  })

  it('a job name in two regions, with no region named, is "No region provided"', async () => {
    ok(
      await h.call('POST', `/v2/projects/${P}/locations/europe-west1/jobs?jobId=twin`, {
        as: OWNER,
        body: { template: { template: { containers: [{ image: 'x' }] } } },
      }),
    )
    ok(
      await h.call('POST', `${V2}?jobId=twin`, {
        as: OWNER,
        body: { template: { template: { containers: [{ image: 'x' }] } } },
      }),
    )
    const r = await h.call('GET', `${NS}/jobs/twin`, { as: VIEWER })
    expect(errorOf(r)).toMatchObject({ code: 400, message: 'The request has errors' })
    expect(reason(r)).toBe('REGION_NOT_PROVIDED')
    // An outsider learns nothing from the ambiguity: the same denial as for any job.
    const s = await h.call('GET', `${NS}/jobs/twin`, { as: STRANGER })
    expect(errorOf(s).message).toBe(
      `Permission 'run.jobs.get' denied on resource 'namespaces/${P}/jobs/twin' (or it may not exist).`,
    )
    const here = await withHost('GET', `${NS}/jobs/twin`, 'europe-west1-localhost', VIEWER)
    expect(
      ((here.json['metadata'] as Json)['labels'] as Json)['cloud.googleapis.com/location'],
    ).toBe('europe-west1')
  })
})

describe('create, replace and delete through v1', () => {
  it('create with the location label makes the v2 job the YAML says', async () => {
    const created = ok(
      await h.call('POST', `${NS}/jobs`, {
        as: DEV,
        body: v1Job('writer', 'x', {
          env: [{ name: 'GREETING', value: 'hello' }],
          spec: { parallelism: 2, taskCount: 3 },
          taskSpec: { timeoutSeconds: '90' },
          meta: { annotations: { 'example.com/purpose': 'test' } },
        }),
      }),
    )
    expect(created).toMatchObject({ kind: 'Job', metadata: { name: 'writer', generation: 1 } })
    const v2 = ok(await h.call('GET', `${V2}/writer`, { as: DEV }))
    expect(v2).toMatchObject({
      annotations: { 'example.com/purpose': 'test' },
      creator: 'dev@example.com',
      template: {
        parallelism: 2,
        taskCount: 3,
        template: {
          maxRetries: 0,
          timeout: '90s',
          containers: [{ env: [{ name: 'OUT' }, { name: 'GREETING', value: 'hello' }] }],
        },
      },
    })
  })

  it('create by project number; dryRun stores nothing; no region anywhere is 400', async () => {
    const body = v1Job('numbered', 'x', { meta: { namespace: projectNumber } })
    const dry = await h.call(
      'POST',
      `/apis/run.googleapis.com/v1/namespaces/${projectNumber}/jobs?dryRun=All`,
      { as: DEV, body },
    )
    expect(dry.status).toBe(200)
    expect((await h.call('GET', `${V2}/numbered`, { as: DEV })).status).toBe(404)
    ok(
      await h.call('POST', `/apis/run.googleapis.com/v1/namespaces/${projectNumber}/jobs`, {
        as: DEV,
        body,
      }),
    )
    ok(await h.call('GET', `${V2}/numbered`, { as: DEV }))
    const nowhere = v1Job('nowhere', 'x')
    delete ((nowhere['metadata'] as Json)['labels'] as Json)['cloud.googleapis.com/location']
    const r = await h.call('POST', `${NS}/jobs`, { as: DEV, body: nowhere })
    expect(reason(r)).toBe('REGION_NOT_PROVIDED')
  })

  it('replace changes what the next execution runs: env, command args, taskCount', async () => {
    const script =
      "require('fs').mkdirSync(process.env.OUT,{recursive:true});require('fs').writeFileSync(process.env.OUT+'/'+process.env.CLOUD_RUN_EXECUTION+'-'+process.env.CLOUD_RUN_TASK_INDEX,process.env.GREETING)"
    const current = ok(await h.call('GET', `${NS}/jobs/writer`, { as: DEV }))
    const edited = v1Job('writer', script, {
      env: [{ name: 'GREETING', value: 'edited' }],
      spec: { taskCount: 2 },
      meta: { resourceVersion: (current['metadata'] as Json)['resourceVersion'] },
    })
    const replaced = ok(await h.call('PUT', `${NS}/jobs/writer`, { as: DEV, body: edited }))
    expect(replaced['metadata']).toMatchObject({ generation: 2 })
    const execution = ok(await h.call('POST', `${NS}/jobs/writer:run`, { as: DEV, body: {} }))
    expect(execution).toMatchObject({
      apiVersion: 'run.googleapis.com/v1',
      kind: 'Execution',
      metadata: {
        namespace: projectNumber,
        labels: { 'run.googleapis.com/job': 'writer', 'cloud.googleapis.com/location': REGION },
      },
      spec: { taskCount: 2 },
    })
    const id = String((execution['metadata'] as Json)['name'])
    expect(id).toMatch(/^writer-[a-z0-9]{5}$/)
    const done = await completed(id, DEV)
    expect(done['status']).toMatchObject({ succeededCount: 2 })
    for (const i of [0, 1]) expect(readFileSync(join(out, `${id}-${i}`), 'utf8')).toBe('edited')
  })

  it('replace keeps the v2 fields v1 cannot say, and a stale resourceVersion is 409', async () => {
    // A v2 field the v1 Job cannot say, set through v2.
    const cur = ok(await h.call('GET', `${V2}/writer`, { as: OWNER }))
    const template = cur['template'] as { template: Json }
    template.template['vpcAccess'] = { connector: 'c1' }
    ok(
      await h.call('PATCH', `${V2}/writer`, {
        as: OWNER,
        body: { labels: cur['labels'], annotations: cur['annotations'], template },
      }),
    )
    const exported = ok(await h.call('GET', `${NS}/jobs/writer`, { as: DEV }))
    const edited = structuredClone(exported)
    delete edited['status']
    ;((edited['spec'] as Json)['template'] as { spec: Json }).spec['taskCount'] = 4
    ok(await h.call('PUT', `${NS}/jobs/writer`, { as: DEV, body: edited }))
    const v2 = ok(await h.call('GET', `${V2}/writer`, { as: DEV }))
    expect(v2['template']).toMatchObject({
      taskCount: 4,
      template: { vpcAccess: { connector: 'c1' } },
    })
    // `edited` still carries the resourceVersion read before this replace.
    const again = await h.call('PUT', `${NS}/jobs/writer`, { as: DEV, body: edited })
    expect(errorOf(again)).toMatchObject({ code: 409, status: 'ABORTED' })
    expect(errorOf(again).message).toContain('metadata.resourceVersion')
  })

  it('replace of a missing job creates it, which needs run.jobs.create', async () => {
    const body = v1Job('fresh', 'x')
    const denied = await h.call('PUT', `${NS}/jobs/fresh`, { as: UPDATER, body })
    expect(errorOf(denied)).toEqual({
      code: 403,
      status: 'PERMISSION_DENIED',
      message: `Permission 'run.jobs.create' denied on resource 'namespaces/${P}/jobs/fresh' (or it may not exist).`,
    })
    expect((await h.call('GET', `${V2}/fresh`, { as: OWNER })).status).toBe(404)
    const created = ok(await h.call('PUT', `${NS}/jobs/fresh`, { as: DEV, body }))
    expect(created['metadata']).toMatchObject({ name: 'fresh', generation: 1 })
    // The updater may replace it now that it exists.
    ok(await h.call('PUT', `${NS}/jobs/fresh`, { as: UPDATER, body }))
  })

  it('delete answers a k8s Status, and the job is gone', async () => {
    const uid = (ok(await h.call('GET', `${NS}/jobs/fresh`, { as: DEV }))['metadata'] as Json)[
      'uid'
    ] as string
    const r = ok(await h.call('DELETE', `${NS}/jobs/fresh`, { as: DEV }))
    expect(r).toEqual({
      status: 'Success',
      metadata: {},
      details: { name: 'fresh', group: 'run.googleapis.com', kind: 'jobs', uid },
    })
    expect((await h.call('GET', `${NS}/jobs/fresh`, { as: DEV })).status).toBe(404)
  })
})

describe('bad v1 bodies are 400 naming the field', () => {
  const cases: [string, (j: Json) => void, string][] = [
    [
      'an unknown container field',
      (j) => {
        containerOf(j)['imagee'] = 'x'
      },
      'spec.template.spec.template.spec.containers[0].imagee',
    ],
    [
      'a taskCount that is not a number',
      (j) => {
        executionSpecOf(j)['taskCount'] = 'three'
      },
      'spec.template.spec.taskCount',
    ],
    [
      'maxRetries above Cloud Run’s 10',
      (j) => {
        taskSpecOf(j)['maxRetries'] = 11
      },
      'spec.template.spec.template.spec.maxRetries',
    ],
    [
      'a timeoutSeconds that is not an integer',
      (j) => {
        taskSpecOf(j)['timeoutSeconds'] = '10m'
      },
      'spec.template.spec.template.spec.timeoutSeconds',
    ],
    [
      'an env var Cloud Run sets itself',
      (j) => {
        containerOf(j)['env'] = [{ name: 'CLOUD_RUN_TASK_INDEX', value: '7' }]
      },
      'spec.template.spec.template.spec.containers[0].env',
    ],
    [
      'no containers',
      (j) => {
        taskSpecOf(j)['containers'] = []
      },
      'spec.template.spec.template.spec.containers',
    ],
    [
      'a container without image',
      (j) => {
        delete containerOf(j)['image']
      },
      'spec.template.spec.template.spec.containers[0].image',
    ],
    [
      'a Service apiVersion',
      (j) => {
        j['apiVersion'] = 'serving.knative.dev/v1'
      },
      'apiVersion',
    ],
    [
      'another project as namespace',
      (j) => {
        ;(j['metadata'] as Json)['namespace'] = 'someone-else'
      },
      'metadata.namespace',
    ],
    [
      'an annotation value that is not a string',
      (j) => {
        ;(j['metadata'] as Json)['annotations'] = { 'example.com/n': 5 }
      },
      'metadata.annotations[example.com/n]',
    ],
    [
      'an unknown execution-environment',
      (j) => {
        ;((j['spec'] as Json)['template'] as Json)['metadata'] = {
          annotations: { 'run.googleapis.com/execution-environment': 'gen3' },
        }
      },
      'spec.template.metadata.annotations[run.googleapis.com/execution-environment]',
    ],
    [
      'a name other than the path’s',
      (j) => {
        ;(j['metadata'] as Json)['name'] = 'other'
      },
      'metadata.name',
    ],
  ]
  for (const [what, edit, field] of cases) {
    it(what, async () => {
      const body = v1Job('reporter', 'x')
      edit(body)
      const r = await h.call('PUT', `${NS}/jobs/reporter`, { as: DEV, body })
      expect(r.status, JSON.stringify(r.json)).toBe(400)
      expect(errorOf(r).status).toBe('INVALID_ARGUMENT')
      expect(fieldOf(r)).toBe(field)
    })
  }

  it('an unknown top-level field, and a missing spec.template', async () => {
    const extra = { ...v1Job('reporter', 'x'), spek: {} }
    const r = await h.call('PUT', `${NS}/jobs/reporter`, { as: DEV, body: extra })
    expect(errorOf(r).message).toBe(
      `Invalid JSON payload received. Unknown name "spek" at 'job': Cannot find field.`,
    )
    const bare = { apiVersion: 'run.googleapis.com/v1', kind: 'Job', metadata: { name: 'x' } }
    const m = await h.call('POST', `${NS}/jobs`, { as: DEV, body: bare })
    expect(fieldOf(m)).toBe('spec.template')
  })
})

function executionSpecOf(j: Json): Json {
  return ((j['spec'] as Json)['template'] as Json)['spec'] as Json
}
function taskSpecOf(j: Json): Json {
  return (executionSpecOf(j)['template'] as Json)['spec'] as Json
}
function containerOf(j: Json): Json {
  return (taskSpecOf(j)['containers'] as Json[])[0] as Json
}

describe('executions through v1', () => {
  it('run with overrides needs run.jobs.runWithOverrides; the override reaches the task', async () => {
    ok(
      await h.call('POST', `${V2}?jobId=greeter`, {
        as: OWNER,
        body: {
          template: {
            template: {
              maxRetries: 0,
              containers: [
                {
                  image: 'x',
                  command: [process.execPath],
                  args: [
                    '-e',
                    "require('fs').mkdirSync(process.env.OUT,{recursive:true});require('fs').writeFileSync(process.env.OUT+'/greeter-'+process.env.CLOUD_RUN_EXECUTION,process.env.WHO+':'+process.env.CLOUD_RUN_TASK_COUNT)",
                  ],
                  env: [
                    { name: 'OUT', value: out },
                    { name: 'WHO', value: 'job' },
                  ],
                },
              ],
            },
          },
        },
      }),
    )
    await setPolicy(`projects/${P}`, [
      { role: 'roles/owner', members: [OWNER] },
      { role: 'roles/run.developer', members: [DEV] },
      { role: 'roles/run.viewer', members: [VIEWER] },
      { role: `projects/${P}/roles/jobUpdater`, members: [UPDATER] },
      { role: 'roles/run.jobsExecutor', members: [EXECUTOR] },
    ])
    const overrides = {
      overrides: {
        containerOverrides: [{ env: [{ name: 'WHO', value: 'override' }] }],
        taskCount: 2,
        timeoutSeconds: 60,
      },
    }
    const denied = await h.call('POST', `${NS}/jobs/greeter:run`, {
      as: EXECUTOR,
      body: overrides,
    })
    expect(errorOf(denied).message).toBe(
      `Permission 'run.jobs.runWithOverrides' denied on resource 'namespaces/${P}/jobs/greeter' (or it may not exist).`,
    )
    const plain = ok(await h.call('POST', `${NS}/jobs/greeter:run`, { as: EXECUTOR, body: {} }))
    const plainId = String((plain['metadata'] as Json)['name'])
    await completed(plainId)
    expect(readFileSync(join(out, `greeter-${plainId}`), 'utf8')).toBe('job:1')
    const over = ok(await h.call('POST', `${NS}/jobs/greeter:run`, { as: DEV, body: overrides }))
    const id = String((over['metadata'] as Json)['name'])
    expect(over['spec']).toMatchObject({
      taskCount: 2,
      template: { spec: { timeoutSeconds: '60' } },
    })
    await completed(id)
    expect(readFileSync(join(out, `greeter-${id}`), 'utf8')).toBe('override:2')
    const job = ok(await h.call('GET', `${NS}/jobs/greeter`, { as: VIEWER }))
    expect(job['status']).toMatchObject({
      executionCount: 2,
      latestCreatedExecution: { name: id, completionStatus: 'EXECUTION_SUCCEEDED' },
    })
  })

  it('executions list by job label; get; delete answers a Status', async () => {
    const list = ok(
      await h.call(
        'GET',
        `${NS}/executions?labelSelector=${encodeURIComponent('run.googleapis.com/job=greeter')}`,
        { as: VIEWER },
      ),
    )
    expect(list['kind']).toBe('ExecutionsList')
    const items = list['items'] as { metadata: { name: string; labels: Json } }[]
    expect(items.length).toBe(2)
    for (const i of items) expect(i.metadata.labels['run.googleapis.com/job']).toBe('greeter')
    const id = items[0]?.metadata.name ?? ''
    const got = ok(await h.call('GET', `${NS}/executions/${id}`, { as: VIEWER }))
    expect(got['status']).toMatchObject({ succeededCount: expect.any(Number) })
    const viewerDelete = await h.call('DELETE', `${NS}/executions/${id}`, { as: VIEWER })
    expect(errorOf(viewerDelete).message).toBe(
      `Permission 'run.executions.delete' denied on resource 'namespaces/${P}/executions/${id}' (or it may not exist).`,
    )
    const gone = ok(await h.call('DELETE', `${NS}/executions/${id}`, { as: DEV }))
    expect(gone).toMatchObject({
      status: 'Success',
      details: { name: id, group: 'run.googleapis.com', kind: 'executions' },
    })
    expect((await h.call('GET', `${NS}/executions/${id}`, { as: VIEWER })).status).toBe(404)
  })

  it('cancel stops a running execution: its task never writes its file', async () => {
    ok(
      await h.call('POST', `${NS}/jobs`, {
        as: DEV,
        body: v1Job(
          'sleeper',
          "setTimeout(()=>{require('fs').mkdirSync(process.env.OUT,{recursive:true});require('fs').writeFileSync(process.env.OUT+'/sleeper-woke','1')},60000)",
        ),
      }),
    )
    const started = ok(await h.call('POST', `${NS}/jobs/sleeper:run`, { as: EXECUTOR, body: {} }))
    const id = String((started['metadata'] as Json)['name'])
    await until('the task to start', async () => {
      const e = ok(await h.call('GET', `${NS}/executions/${id}`, { as: DEV }))
      return (e['status'] as Json)['runningCount'] === 1
    })
    const viewer = await h.call('POST', `${NS}/executions/${id}:cancel`, { as: VIEWER, body: {} })
    expect(errorOf(viewer).message).toContain(`'run.executions.cancel'`)
    const cancelled = ok(
      await h.call('POST', `${NS}/executions/${id}:cancel`, { as: EXECUTOR, body: {} }),
    )
    expect(cancelled['status']).toMatchObject({ cancelledCount: 1 })
    const conditions = (cancelled['status'] as { conditions: Json[] }).conditions
    expect(conditions.find((c) => c['type'] === 'Completed')).toMatchObject({
      status: 'False',
      reason: 'CANCELLED',
    })
    expect(existsSync(join(out, 'sleeper-woke'))).toBe(false)
    const again = await h.call('POST', `${NS}/executions/${id}:cancel`, {
      as: EXECUTOR,
      body: {},
    })
    expect(reason(again)).toBe('EXECUTION_ALREADY_COMPLETED')
  })
})

describe('authorization before existence', () => {
  const calls: [string, string, string, unknown?][] = [
    ['GET', 'jobs/JOB', 'run.jobs.get'],
    ['PUT', 'jobs/JOB', 'run.jobs.update', {}],
    ['DELETE', 'jobs/JOB', 'run.jobs.delete'],
    ['POST', 'jobs/JOB:run', 'run.jobs.run', {}],
  ]
  for (const [method, path, permission, body] of calls) {
    it(`${method} ${path}: the same 403 whether the job, or the project, exists`, async () => {
      const answers = await Promise.all(
        [
          [P, 'reporter'],
          [P, 'no-such-job'],
          ['no-such-project', 'reporter'],
        ].map(async ([project, job]) => {
          const r = await h.call(
            method,
            `/apis/run.googleapis.com/v1/namespaces/${project}/${path.replace('JOB', job ?? '')}`,
            { as: STRANGER, ...(body === undefined ? {} : { body }) },
          )
          return errorOf(r)
        }),
      )
      expect(answers[0]).toEqual({
        code: 403,
        status: 'PERMISSION_DENIED',
        message: `Permission '${permission}' denied on resource 'namespaces/${P}/jobs/reporter' (or it may not exist).`,
      })
      expect(answers[1]?.message).toBe(
        `Permission '${permission}' denied on resource 'namespaces/${P}/jobs/no-such-job' (or it may not exist).`,
      )
      expect(answers[2]?.message).toBe(
        `Permission '${permission}' denied on resource 'namespaces/no-such-project/jobs/reporter' (or it may not exist).`,
      )
    })
  }

  it('a create names the job it would create, before the body is read', async () => {
    const r = await h.call('POST', `${NS}/jobs`, { as: STRANGER, body: v1Job('sneaky', 'x') })
    expect(errorOf(r).message).toBe(
      `Permission 'run.jobs.create' denied on resource 'namespaces/${P}/jobs/sneaky' (or it may not exist).`,
    )
    const junk = await h.call('POST', `${NS}/jobs`, { as: STRANGER, rawBody: '{"spec": 5}' })
    expect(errorOf(junk).code).toBe(403)
  })

  it('an execution of another project cannot be reached through this namespace', async () => {
    ok(await h.call('POST', '/v1/projects', { as: OWNER, body: { projectId: 'other-jobs' } }))
    const list = ok(await h.call('GET', `${NS}/executions`, { as: OWNER }))
    const id = (list['items'] as { metadata: { name: string } }[])[0]?.metadata.name ?? ''
    expect(id).not.toBe('')
    const r = await h.call(
      'GET',
      `/apis/run.googleapis.com/v1/namespaces/other-jobs/executions/${id}`,
      {
        as: OWNER,
      },
    )
    expect(r.status).toBe(404)
  })

  it('a labelSelector cannot widen an executions list beyond the namespace', async () => {
    for (const selector of [
      'run.googleapis.com/job=greeter/executions/x',
      'run.googleapis.com/job=../../other-jobs',
    ]) {
      const r = await h.call(
        'GET',
        `${NS}/executions?labelSelector=${encodeURIComponent(selector)}`,
        { as: OWNER },
      )
      expect(ok(r)['items'], selector).toEqual([])
    }
    const s = await h.call(
      'GET',
      `${NS}/executions?labelSelector=${encodeURIComponent('run.googleapis.com/job=greeter')}`,
      { as: STRANGER },
    )
    expect(errorOf(s).message).toBe(
      `Permission 'run.executions.list' denied on resource 'namespaces/${P}' (or it may not exist).`,
    )
  })

  it('a viewer may read but not replace, delete or run', async () => {
    ok(await h.call('GET', `${NS}/jobs/reporter`, { as: VIEWER }))
    for (const [method, path, permission] of [
      ['PUT', 'jobs/reporter', 'run.jobs.update'],
      ['DELETE', 'jobs/reporter', 'run.jobs.delete'],
      ['POST', 'jobs/reporter:run', 'run.jobs.run'],
    ] as const) {
      const r = await h.call(method, `${NS}/${path}`, {
        as: VIEWER,
        ...(method === 'DELETE' ? {} : { body: v1Job('reporter', 'x') }),
      })
      expect(errorOf(r).message, `${method} ${path}`).toContain(`'${permission}'`)
    }
  })
})
