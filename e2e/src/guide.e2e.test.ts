// Google's Cloud Run access-control guide, end to end: every gcloud command line it shows, run by
// bash as written with `runiam` in place of `gcloud` (placeholders such as SERVICE_NAME filled
// in), against one `runiam serve --dev` on SQLite. After each line the test reads the resulting
// policy back AND checks the access it grants or removes: the invoker gateway admits or refuses
// an ID token (or no token), a job execution is allowed or refused, a worker pool can be read or
// not, a project grant reaches the service and job below it, an organization grant reaches the
// project below it. Steps run in order on one server.
//
// The lines (GUIDE below holds them, and the last test checks that every one of them ran and is
// listed here). Lines marked * are reconstructions: the stored copies of the pages could be read
// only as far as noted, so those lines follow the page's own pattern for the neighbouring resource
// kind and the examples of gcloud's reference pages for the command
// (cloud.google.com/sdk/gcloud/reference/run/jobs/add-iam-policy-binding, …/beta/run/worker-pools/
// add-iam-policy-binding, …/projects/add-iam-policy-binding, …/organizations/add-iam-policy-binding,
// …/run/services/replace, …/run/services/update).
//
// "Access control with IAM", https://cloud.google.com/run/docs/securing/managing-access (the
// stored English copy is readable only to its role table, a Chinese one to "Add principals to a
// service"):
//   gcloud run services add-iam-policy-binding SERVICE_NAME --member=PRINCIPAL --role=ROLE
//   * gcloud run services get-iam-policy SERVICE_NAME
//   * gcloud run services get-iam-policy SERVICE --format json > policy.json
//   * gcloud run services set-iam-policy SERVICE policy.json
//   * gcloud run services remove-iam-policy-binding SERVICE_NAME --member=PRINCIPAL --role=ROLE
//   * gcloud run jobs add-iam-policy-binding JOB_NAME --member=PRINCIPAL --role=ROLE
//   * gcloud run jobs get-iam-policy JOB_NAME --format json > policy.json
//   * gcloud run jobs set-iam-policy JOB_NAME policy.json
//   * gcloud run jobs remove-iam-policy-binding JOB_NAME --member=PRINCIPAL --role=ROLE
//   * gcloud beta run worker-pools add-iam-policy-binding WORKER_POOL --member=PRINCIPAL --role=ROLE
//   * gcloud beta run worker-pools get-iam-policy WORKER_POOL --format json > policy.json
//   * gcloud beta run worker-pools set-iam-policy WORKER_POOL policy.json
//   * gcloud beta run worker-pools remove-iam-policy-binding WORKER_POOL --member=PRINCIPAL --role=ROLE
// Project- and organization-level grants, which that page sends to "Manage access to projects,
// folders, and organizations", https://cloud.google.com/iam/docs/granting-changing-revoking-access
// (readable only up to "Before you begin"; its lines are written there for RESOURCE_TYPE =
// projects, resource-manager folders or organizations):
//   * gcloud projects add-iam-policy-binding PROJECT_ID --member=PRINCIPAL --role=ROLE_NAME --condition=None
//   * gcloud projects get-iam-policy PROJECT_ID --format=json > policy.json
//   * gcloud projects set-iam-policy PROJECT_ID policy.json
//   * gcloud projects remove-iam-policy-binding PROJECT_ID --member=PRINCIPAL --role=ROLE_NAME
//   * gcloud organizations add-iam-policy-binding ORGANIZATION_ID --member=PRINCIPAL --role=ROLE_NAME --condition=None
//   * gcloud organizations get-iam-policy ORGANIZATION_ID --format=yaml > policy.yaml
//   * gcloud organizations set-iam-policy ORGANIZATION_ID policy.yaml
//   * gcloud organizations remove-iam-policy-binding ORGANIZATION_ID --member=PRINCIPAL --role=ROLE_NAME
// "Allowing public (unauthenticated) access", https://cloud.google.com/run/docs/authenticating/public
// (readable up to the YAML steps; the allUsers lines are from an earlier and a translated copy):
//   gcloud run deploy SERVICE_NAME --no-invoker-iam-check
//   gcloud run services update SERVICE_NAME --no-invoker-iam-check
//   * gcloud run services update SERVICE_NAME --invoker-iam-check
//   gcloud run services describe SERVICE --format export > service.yaml
//   * gcloud run services replace service.yaml
//   gcloud run services add-iam-policy-binding SERVICE --member="allUsers" --role="roles/run.invoker"
//   gcloud run deploy SERVICE ... --allow-unauthenticated
//   gcloud run services set-iam-policy SERVICE policy.yaml
// plus the page's two files: service.yaml edited to carry
// `run.googleapis.com/invoker-iam-disabled: true` under metadata.annotations, and policy.yaml
// binding allUsers to roles/run.invoker.
//
// Departures from the letter of the pages: `...` in the deploy line stands for the deploy's other
// flags and is given as --image; lines the pages break with `\` run broken so (the list above
// joins them). The page's annotation `run.googleapis.com/invoker-iam-disabled: true` is, unquoted, a
// YAML boolean in a map of strings: gcloud refuses that file before sending it (apitools: "Expected
// type <class 'str'> for field value, found True"), and runiam refuses it too (from the server,
// naming the annotation), so the test checks that refusal and then applies the quoted 'true', as
// gcloud needs it. Refusals the pages name are checked where cheap: run.developer may read but not
// set a policy nor turn the check off; constraints/run.managed.requireInvokerIam refuses
// --no-invoker-iam-check; domain restricted sharing refuses allUsers while --no-invoker-iam-check
// still makes the service public, which is why the page recommends it; jobs refuse allUsers.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  BIN,
  idToken,
  invokeService,
  startServer,
  type CliResult,
  type ServerProcess,
} from './harness.js'

const GUIDE = {
  servicesAdd:
    'gcloud run services add-iam-policy-binding SERVICE_NAME \\\n  --member=PRINCIPAL \\\n  --role=ROLE',
  servicesGet: 'gcloud run services get-iam-policy SERVICE_NAME',
  servicesGetJson: 'gcloud run services get-iam-policy SERVICE --format json > policy.json',
  servicesSetJson: 'gcloud run services set-iam-policy SERVICE policy.json',
  servicesRemove:
    'gcloud run services remove-iam-policy-binding SERVICE_NAME \\\n  --member=PRINCIPAL \\\n  --role=ROLE',
  jobsAdd:
    'gcloud run jobs add-iam-policy-binding JOB_NAME \\\n  --member=PRINCIPAL \\\n  --role=ROLE',
  jobsGetJson: 'gcloud run jobs get-iam-policy JOB_NAME --format json > policy.json',
  jobsSetJson: 'gcloud run jobs set-iam-policy JOB_NAME policy.json',
  jobsRemove:
    'gcloud run jobs remove-iam-policy-binding JOB_NAME \\\n  --member=PRINCIPAL \\\n  --role=ROLE',
  poolsAdd:
    'gcloud beta run worker-pools add-iam-policy-binding WORKER_POOL \\\n  --member=PRINCIPAL \\\n  --role=ROLE',
  poolsGetJson:
    'gcloud beta run worker-pools get-iam-policy WORKER_POOL --format json > policy.json',
  poolsSetJson: 'gcloud beta run worker-pools set-iam-policy WORKER_POOL policy.json',
  poolsRemove:
    'gcloud beta run worker-pools remove-iam-policy-binding WORKER_POOL \\\n  --member=PRINCIPAL \\\n  --role=ROLE',
  projectsAdd:
    'gcloud projects add-iam-policy-binding PROJECT_ID \\\n    --member=PRINCIPAL --role=ROLE_NAME \\\n    --condition=None',
  projectsGetJson: 'gcloud projects get-iam-policy PROJECT_ID --format=json > policy.json',
  projectsSetJson: 'gcloud projects set-iam-policy PROJECT_ID policy.json',
  projectsRemove:
    'gcloud projects remove-iam-policy-binding PROJECT_ID \\\n    --member=PRINCIPAL --role=ROLE_NAME',
  orgsAdd:
    'gcloud organizations add-iam-policy-binding ORGANIZATION_ID \\\n    --member=PRINCIPAL --role=ROLE_NAME \\\n    --condition=None',
  orgsGetYaml: 'gcloud organizations get-iam-policy ORGANIZATION_ID --format=yaml > policy.yaml',
  orgsSetYaml: 'gcloud organizations set-iam-policy ORGANIZATION_ID policy.yaml',
  orgsRemove:
    'gcloud organizations remove-iam-policy-binding ORGANIZATION_ID \\\n    --member=PRINCIPAL --role=ROLE_NAME',
  deployNoCheck: 'gcloud run deploy SERVICE_NAME --no-invoker-iam-check',
  updateNoCheck: 'gcloud run services update SERVICE_NAME --no-invoker-iam-check',
  updateCheck: 'gcloud run services update SERVICE_NAME --invoker-iam-check',
  describeExport: 'gcloud run services describe SERVICE --format export > service.yaml',
  replace: 'gcloud run services replace service.yaml',
  addAllUsers:
    'gcloud run services add-iam-policy-binding SERVICE \\\n  --member="allUsers" \\\n  --role="roles/run.invoker"',
  deployAllowUnauthenticated: 'gcloud run deploy SERVICE ... --allow-unauthenticated',
  setPolicyYaml: 'gcloud run services set-iam-policy SERVICE policy.yaml',
} as const
type Step = keyof typeof GUIDE

/** The public page's policy.yaml. */
const PUBLIC_POLICY_YAML = 'bindings:\n- members:\n  - allUsers\n  role: roles/run.invoker\n'
const INVOKER_IAM_DISABLED = 'run.googleapis.com/invoker-iam-disabled'
const PROJECT = 'guide-e2e'
const SERVICE = 'my-service'
const JOB = 'my-job'
const POOL = 'my-worker-pool'
const IMAGE = 'us-docker.pkg.dev/cloudrun/container/hello'

let server: ServerProcess
let owner: Terminal
let serviceUrl: string
let organizationId: string
const ran = new Set<Step>()
const folders: string[] = []

/** One person's terminal: a working folder (where policy.json lands) and runiam settings. */
interface Terminal {
  readonly email: string
  readonly dir: string
  readonly env: Record<string, string>
}

interface Policy {
  bindings?: { role: string; members: string[]; condition?: unknown }[]
  etag?: string
  version?: number
}

/** Runs `line` with bash in `who`'s folder, `runiam` being the built CLI. */
function sh(who: Terminal, line: string): Promise<CliResult> {
  const script = `runiam() { "${process.execPath}" "${BIN}" "$@"; }\n${line}`
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], {
      cwd: who.dir,
      env: who.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.once('error', reject)
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }))
  })
}

/** Runs the guide's line `step` as `who`, `gcloud` being runiam and the placeholders `values`. */
async function guide(
  who: Terminal,
  step: Step,
  values: Record<string, string> = {},
): Promise<CliResult> {
  let line: string = GUIDE[step].replace(/^gcloud /, 'runiam ')
  for (const [key, value] of Object.entries(values)) {
    const pattern = /^\w+$/.test(key)
      ? new RegExp(`\\b${key}\\b`, 'g')
      : new RegExp(key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'g')
    line = line.replace(pattern, value)
  }
  expect(line, 'a placeholder left unfilled').not.toMatch(/\b[A-Z][A-Z_]{2,}\b/)
  ran.add(step)
  return sh(who, line)
}

/** A terminal where `email` has run `runiam auth login`, with the project and region set. */
async function terminal(email: string): Promise<Terminal> {
  const dir = mkdtempSync(join(tmpdir(), 'runiam-guide-'))
  folders.push(dir)
  const who: Terminal = {
    email,
    dir,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: dir,
      RUNIAM_CONFIG_DIR: join(dir, '.runiam'),
      RUNIAM_API_ENDPOINT: server.url,
      RUNIAM_PROJECT: PROJECT,
      RUNIAM_REGION: 'us-central1',
    },
  }
  const r = await sh(who, `runiam auth login ${email}`)
  expect(r.code, r.stderr).toBe(0)
  return who
}

function ok(r: CliResult): CliResult {
  expect(r.code, `stdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(0)
  return r
}

function deniedWith(r: CliResult, permission: string): void {
  expect(r.code, r.stdout).toBe(1)
  expect(r.stderr).toContain(`PERMISSION_DENIED: Permission '${permission}' denied`)
}

/** The members `policy` binds to `role`. */
function membersOf(policy: Policy, role: string): string[] {
  return (policy.bindings ?? []).filter((b) => b.role === role).flatMap((b) => b.members)
}

/** A policy read back by the owner (not a guide line): `what` is e.g. `run services`. */
async function policyOf(what: string, name: string): Promise<Policy> {
  const r = ok(await sh(owner, `runiam ${what} get-iam-policy ${name} --format=json`))
  return JSON.parse(r.stdout) as Policy
}

function readPolicyFile(who: Terminal, file: string): Policy {
  const text = readFileSync(join(who.dir, file), 'utf8')
  return (file.endsWith('.json') ? JSON.parse(text) : parseYaml(text)) as Policy
}

/** The edit the guide leaves to an editor: drop `remove` from `role`, add `add` to it. */
function editPolicyFile(
  who: Terminal,
  file: string,
  role: string,
  change: { add?: string; remove?: string },
): void {
  const policy = readPolicyFile(who, file)
  const bindings = (policy.bindings ?? []).map((b) =>
    b.role === role ? { ...b, members: b.members.filter((m) => m !== change.remove) } : b,
  )
  if (change.add !== undefined) bindings.push({ role, members: [change.add] })
  const edited = { ...policy, bindings: bindings.filter((b) => b.members.length > 0) }
  writeFileSync(
    join(who.dir, file),
    file.endsWith('.json') ? JSON.stringify(edited, null, 2) : stringifyYaml(edited),
  )
}

/** The status the invoker gateway answers `email`'s ID token for `url` (no token: anonymous). */
async function invokeAs(email: string | undefined, url: string): Promise<number> {
  const headers =
    email === undefined ? {} : { authorization: `Bearer ${await idToken(server, email, url)}` }
  return (await invokeService(server, url, '/', headers)).status
}

const urlOf = (deployed: CliResult): string => {
  const url = /Service URL: (\S+)/.exec(deployed.stderr)?.[1]
  expect(url, deployed.stderr).toMatch(/^http:\/\//)
  return url ?? ''
}

/** A private service for one step (deployed by the owner; not a guide line). */
async function privateService(name: string): Promise<string> {
  return urlOf(ok(await sh(owner, `runiam run deploy ${name} --no-allow-unauthenticated`)))
}

const executes = (who: Terminal): Promise<CliResult> => sh(who, `runiam run jobs execute ${JOB}`)
const readsPool = (who: Terminal): Promise<CliResult> =>
  sh(who, `runiam beta run worker-pools describe ${POOL}`)

beforeAll(async () => {
  server = await startServer()
  owner = await terminal('admin@example.com')
  ok(await sh(owner, `runiam projects create ${PROJECT}`))
  serviceUrl = await privateService(SERVICE)
  ok(await sh(owner, `runiam run jobs create ${JOB} --command='${process.execPath}' --args=-e,0`))
  ok(await sh(owner, `runiam beta run worker-pools deploy ${POOL}`))
  organizationId = ok(
    await sh(owner, `runiam organizations list --format='value(name.segment())'`),
  ).stdout.trim()
  expect(organizationId).toMatch(/^\d+$/)
})

afterAll(async () => {
  await server?.stop()
  for (const dir of folders) rmSync(dir, { recursive: true, force: true })
})

describe('Access control with IAM: a service', () => {
  it('add-iam-policy-binding: alice, now an invoker, passes the gateway; a stranger and no token do not', async () => {
    expect(await invokeAs('alice@example.com', serviceUrl)).toBe(403)
    const r = ok(
      await guide(owner, 'servicesAdd', {
        SERVICE_NAME: SERVICE,
        PRINCIPAL: 'user:alice@example.com',
        ROLE: 'roles/run.invoker',
      }),
    )
    expect(r.stderr).toBe(`Updated IAM policy for service [${SERVICE}].\n`)
    expect(membersOf(parseYaml(r.stdout) as Policy, 'roles/run.invoker')).toEqual([
      'user:alice@example.com',
    ])
    expect(membersOf(await policyOf('run services', SERVICE), 'roles/run.invoker')).toEqual([
      'user:alice@example.com',
    ])
    expect(await invokeAs('alice@example.com', serviceUrl)).toBe(200)
    expect(await invokeAs('mallory@example.com', serviceUrl)).toBe(403)
    expect(await invokeAs(undefined, serviceUrl)).toBe(403)
  })

  it('get-iam-policy shows the binding; run.developer may read it but not add one', async () => {
    const shown = ok(await guide(owner, 'servicesGet', { SERVICE_NAME: SERVICE }))
    expect(shown.stdout).toMatch(
      /^bindings:\n- members:\n {2}- user:alice@example\.com\n {2}role: roles\/run\.invoker\netag: \S+\nversion: 1\n$/,
    )
    ok(
      await sh(
        owner,
        `runiam projects add-iam-policy-binding ${PROJECT} --member=user:dev@example.com --role=roles/run.developer`,
      ),
    )
    const dev = await terminal('dev@example.com')
    expect(ok(await guide(dev, 'servicesGet', { SERVICE_NAME: SERVICE })).stdout).toBe(shown.stdout)
    deniedWith(
      await guide(dev, 'servicesAdd', {
        SERVICE_NAME: SERVICE,
        PRINCIPAL: 'user:dev@example.com',
        ROLE: 'roles/run.invoker',
      }),
      'run.services.setIamPolicy',
    )
  })

  it('bulk: get-iam-policy --format json > policy.json, edit, set-iam-policy swaps alice for frank', async () => {
    ok(await guide(owner, 'servicesGetJson', { SERVICE }))
    const before = readPolicyFile(owner, 'policy.json')
    expect(before.etag).toMatch(/^\S+=*$/)
    editPolicyFile(owner, 'policy.json', 'roles/run.invoker', {
      remove: 'user:alice@example.com',
      add: 'user:frank@example.com',
    })
    const r = ok(await guide(owner, 'servicesSetJson', { SERVICE }))
    expect(r.stderr).toBe(`Updated IAM policy for service [${SERVICE}].\n`)
    expect(membersOf(await policyOf('run services', SERVICE), 'roles/run.invoker')).toEqual([
      'user:frank@example.com',
    ])
    expect(await invokeAs('frank@example.com', serviceUrl)).toBe(200)
    expect(await invokeAs('alice@example.com', serviceUrl)).toBe(403)
    // The file carried the etag it was read with: set again, it is stale and refused.
    const stale = await guide(owner, 'servicesSetJson', { SERVICE })
    expect(stale.code).toBe(1)
    expect(stale.stderr).toContain('ABORTED: There were concurrent policy changes')
  })

  it('remove-iam-policy-binding takes frank’s access away', async () => {
    const r = ok(
      await guide(owner, 'servicesRemove', {
        SERVICE_NAME: SERVICE,
        PRINCIPAL: 'user:frank@example.com',
        ROLE: 'roles/run.invoker',
      }),
    )
    expect(r.stderr).toBe(`Updated IAM policy for service [${SERVICE}].\n`)
    expect(membersOf(await policyOf('run services', SERVICE), 'roles/run.invoker')).toEqual([])
    expect(await invokeAs('frank@example.com', serviceUrl)).toBe(403)
  })
})

describe('Access control with IAM: a job', () => {
  it('add-iam-policy-binding lets bob run the job; others may not', async () => {
    const bob = await terminal('bob@example.com')
    deniedWith(await executes(bob), 'run.jobs.run')
    const r = ok(
      await guide(owner, 'jobsAdd', {
        JOB_NAME: JOB,
        PRINCIPAL: 'user:bob@example.com',
        ROLE: 'roles/run.invoker',
      }),
    )
    expect(r.stderr).toBe(`Updated IAM policy for job [${JOB}].\n`)
    expect(membersOf(await policyOf('run jobs', JOB), 'roles/run.invoker')).toEqual([
      'user:bob@example.com',
    ])
    expect(ok(await executes(bob)).stderr).toMatch(
      /Execution \[my-job-[a-z0-9]{5}\] has successfully started running\./,
    )
    deniedWith(await executes(await terminal('mallory@example.com')), 'run.jobs.run')
  })

  it('allUsers is refused on a job, with Google’s message', async () => {
    const r = await guide(owner, 'jobsAdd', {
      JOB_NAME: JOB,
      PRINCIPAL: 'allUsers',
      ROLE: 'roles/run.invoker',
    })
    expect(r.code).toBe(1)
    expect(r.stderr).toBe(
      'ERROR: (runiam.run.jobs.add-iam-policy-binding) INVALID_ARGUMENT: Member allUsers is invalid due to membership type restrictions on the resource.\n',
    )
  })

  it('bulk through policy.json swaps bob for frank', async () => {
    ok(await guide(owner, 'jobsGetJson', { JOB_NAME: JOB }))
    editPolicyFile(owner, 'policy.json', 'roles/run.invoker', {
      remove: 'user:bob@example.com',
      add: 'user:frank@example.com',
    })
    expect(ok(await guide(owner, 'jobsSetJson', { JOB_NAME: JOB })).stderr).toBe(
      `Updated IAM policy for job [${JOB}].\n`,
    )
    expect(membersOf(await policyOf('run jobs', JOB), 'roles/run.invoker')).toEqual([
      'user:frank@example.com',
    ])
    ok(await executes(await terminal('frank@example.com')))
    deniedWith(await executes(await terminal('bob@example.com')), 'run.jobs.run')
  })

  it('remove-iam-policy-binding takes it back', async () => {
    ok(
      await guide(owner, 'jobsRemove', {
        JOB_NAME: JOB,
        PRINCIPAL: 'user:frank@example.com',
        ROLE: 'roles/run.invoker',
      }),
    )
    expect(membersOf(await policyOf('run jobs', JOB), 'roles/run.invoker')).toEqual([])
    deniedWith(await executes(await terminal('frank@example.com')), 'run.jobs.run')
  })
})

describe('Access control with IAM: a worker pool (gcloud beta)', () => {
  it('add-iam-policy-binding makes wendy a developer of the pool: she reads it, and may not set its policy', async () => {
    const wendy = await terminal('wendy@example.com')
    deniedWith(await readsPool(wendy), 'run.workerpools.get')
    const r = ok(
      await guide(owner, 'poolsAdd', {
        WORKER_POOL: POOL,
        PRINCIPAL: 'user:wendy@example.com',
        ROLE: 'roles/run.developer',
      }),
    )
    expect(r.stderr).toBe(`Updated IAM policy for workerpool [${POOL}].\n`)
    expect(membersOf(await policyOf('beta run worker-pools', POOL), 'roles/run.developer')).toEqual(
      ['user:wendy@example.com'],
    )
    expect(ok(await readsPool(wendy)).stdout).toContain(`/workerPools/${POOL}\n`)
    deniedWith(
      await guide(wendy, 'poolsAdd', {
        WORKER_POOL: POOL,
        PRINCIPAL: 'user:wendy@example.com',
        ROLE: 'roles/run.admin',
      }),
      'run.workerpools.setIamPolicy',
    )
  })

  it('bulk through policy.json swaps wendy for frank; remove-iam-policy-binding takes frank’s away', async () => {
    ok(await guide(owner, 'poolsGetJson', { WORKER_POOL: POOL }))
    editPolicyFile(owner, 'policy.json', 'roles/run.developer', {
      remove: 'user:wendy@example.com',
      add: 'user:frank@example.com',
    })
    ok(await guide(owner, 'poolsSetJson', { WORKER_POOL: POOL }))
    expect(membersOf(await policyOf('beta run worker-pools', POOL), 'roles/run.developer')).toEqual(
      ['user:frank@example.com'],
    )
    const frank = await terminal('frank@example.com')
    ok(await readsPool(frank))
    deniedWith(await readsPool(await terminal('wendy@example.com')), 'run.workerpools.get')

    ok(
      await guide(owner, 'poolsRemove', {
        WORKER_POOL: POOL,
        PRINCIPAL: 'user:frank@example.com',
        ROLE: 'roles/run.developer',
      }),
    )
    expect(membersOf(await policyOf('beta run worker-pools', POOL), 'roles/run.developer')).toEqual(
      [],
    )
    deniedWith(await readsPool(frank), 'run.workerpools.get')
  })
})

describe('Project-level grants reach every service and job of the project', () => {
  it('projects add-iam-policy-binding: carol invokes the service and runs the job, whose own policies do not name her', async () => {
    const carol = await terminal('carol@example.com')
    const r = ok(
      await guide(owner, 'projectsAdd', {
        PROJECT_ID: PROJECT,
        PRINCIPAL: 'user:carol@example.com',
        ROLE_NAME: 'roles/run.invoker',
      }),
    )
    expect(r.stderr).toBe(`Updated IAM policy for project [${PROJECT}].\n`)
    expect(membersOf(await policyOf('projects', PROJECT), 'roles/run.invoker')).toEqual([
      'user:carol@example.com',
    ])
    expect(membersOf(await policyOf('run services', SERVICE), 'roles/run.invoker')).toEqual([])
    expect(await invokeAs('carol@example.com', serviceUrl)).toBe(200)
    ok(await executes(carol))
  })

  it('projects get-iam-policy --format=json > policy.json, edit, set-iam-policy: henry becomes a viewer of every service', async () => {
    const henry = await terminal('henry@example.com')
    deniedWith(await sh(henry, `runiam run services describe ${SERVICE}`), 'run.services.get')
    ok(await guide(owner, 'projectsGetJson', { PROJECT_ID: PROJECT }))
    editPolicyFile(owner, 'policy.json', 'roles/run.viewer', { add: 'user:henry@example.com' })
    const r = ok(await guide(owner, 'projectsSetJson', { PROJECT_ID: PROJECT }))
    expect(r.stderr).toBe(`Updated IAM policy for project [${PROJECT}].\n`)
    const now = await policyOf('projects', PROJECT)
    expect(membersOf(now, 'roles/run.viewer')).toEqual(['user:henry@example.com'])
    expect(membersOf(now, 'roles/owner')).toEqual(['user:admin@example.com'])
    ok(await sh(henry, `runiam run services describe ${SERVICE}`))
    ok(await sh(henry, `runiam run jobs describe ${JOB}`))
    expect(await invokeAs('henry@example.com', serviceUrl)).toBe(403)
  })

  it('projects remove-iam-policy-binding takes carol’s access to both away', async () => {
    ok(
      await guide(owner, 'projectsRemove', {
        PROJECT_ID: PROJECT,
        PRINCIPAL: 'user:carol@example.com',
        ROLE_NAME: 'roles/run.invoker',
      }),
    )
    expect(membersOf(await policyOf('projects', PROJECT), 'roles/run.invoker')).toEqual([])
    expect(await invokeAs('carol@example.com', serviceUrl)).toBe(403)
    deniedWith(await executes(await terminal('carol@example.com')), 'run.jobs.run')
  })
})

describe('Organization-level grants reach the projects below', () => {
  it('organizations add-iam-policy-binding: dave invokes a service of the project', async () => {
    const r = ok(
      await guide(owner, 'orgsAdd', {
        ORGANIZATION_ID: organizationId,
        PRINCIPAL: 'user:dave@example.com',
        ROLE_NAME: 'roles/run.invoker',
      }),
    )
    expect(r.stderr).toBe(`Updated IAM policy for organization [${organizationId}].\n`)
    expect(membersOf(await policyOf('organizations', organizationId), 'roles/run.invoker')).toEqual(
      ['user:dave@example.com'],
    )
    expect(membersOf(await policyOf('projects', PROJECT), 'roles/run.invoker')).toEqual([])
    expect(await invokeAs('dave@example.com', serviceUrl)).toBe(200)
  })

  it('organizations get-iam-policy --format=yaml > policy.yaml, edit, set-iam-policy: erin views the project’s services', async () => {
    const erin = await terminal('erin@example.com')
    deniedWith(await sh(erin, 'runiam run services list'), 'run.services.list')
    ok(await guide(owner, 'orgsGetYaml', { ORGANIZATION_ID: organizationId }))
    editPolicyFile(owner, 'policy.yaml', 'roles/run.viewer', { add: 'user:erin@example.com' })
    const r = ok(await guide(owner, 'orgsSetYaml', { ORGANIZATION_ID: organizationId }))
    expect(r.stderr).toBe(`Updated IAM policy for organization [${organizationId}].\n`)
    const now = await policyOf('organizations', organizationId)
    expect(membersOf(now, 'roles/run.viewer')).toEqual(['user:erin@example.com'])
    expect(membersOf(now, 'roles/owner')).toContain('user:admin@example.com')
    expect(ok(await sh(erin, `runiam run services list --format='value(name)'`)).stdout).toContain(
      `/services/${SERVICE}\n`,
    )
  })

  it('organizations remove-iam-policy-binding takes dave’s access away', async () => {
    ok(
      await guide(owner, 'orgsRemove', {
        ORGANIZATION_ID: organizationId,
        PRINCIPAL: 'user:dave@example.com',
        ROLE_NAME: 'roles/run.invoker',
      }),
    )
    expect(membersOf(await policyOf('organizations', organizationId), 'roles/run.invoker')).toEqual(
      [],
    )
    expect(await invokeAs('dave@example.com', serviceUrl)).toBe(403)
  })
})

describe('Allowing public access: turning the invoker check off', () => {
  it('run deploy --no-invoker-iam-check: a new service anyone may call, with no allUsers binding', async () => {
    const r = ok(await guide(owner, 'deployNoCheck', { SERVICE_NAME: 'public-deploy' }))
    expect(r.stderr).not.toContain('Allow unauthenticated invocations')
    const url = urlOf(r)
    const v2 = ok(await sh(owner, 'runiam run services describe public-deploy --format=json'))
    expect((JSON.parse(v2.stdout) as { invokerIamDisabled?: boolean }).invokerIamDisabled).toBe(
      true,
    )
    expect(await policyOf('run services', 'public-deploy')).not.toHaveProperty('bindings')
    expect(await invokeAs(undefined, url)).toBe(200)
  })

  it('run services update --no-invoker-iam-check opens an existing service; --invoker-iam-check closes it', async () => {
    const url = await privateService('public-update')
    expect(await invokeAs(undefined, url)).toBe(403)
    ok(await guide(owner, 'updateNoCheck', { SERVICE_NAME: 'public-update' }))
    expect(await invokeAs(undefined, url)).toBe(200)
    ok(await guide(owner, 'updateCheck', { SERVICE_NAME: 'public-update' }))
    expect(await invokeAs(undefined, url)).toBe(403)
  })

  it('run.developer may not turn the check off (run.services.setIamPolicy)', async () => {
    const url = await privateService('public-dev')
    const dev = await terminal('dev@example.com')
    deniedWith(
      await guide(dev, 'updateNoCheck', { SERVICE_NAME: 'public-dev' }),
      'run.services.setIamPolicy',
    )
    deniedWith(
      await guide(dev, 'deployNoCheck', { SERVICE_NAME: 'public-dev-new' }),
      'run.services.setIamPolicy',
    )
    expect(await invokeAs(undefined, url)).toBe(403)
  })

  it('constraints/run.managed.requireInvokerIam refuses it, even to the owner', async () => {
    const url = await privateService('public-rii')
    writeFileSync(
      join(owner.dir, 'rii.yaml'),
      `name: projects/${PROJECT}/policies/run.managed.requireInvokerIam\nspec:\n  rules:\n  - enforce: true\n`,
    )
    ok(await sh(owner, 'runiam org-policies set-policy rii.yaml'))
    try {
      for (const r of [
        await guide(owner, 'updateNoCheck', { SERVICE_NAME: 'public-rii' }),
        await guide(owner, 'deployNoCheck', { SERVICE_NAME: 'public-rii-new' }),
      ]) {
        expect(r.code).toBe(1)
        expect(r.stderr).toContain(
          'FAILED_PRECONDITION: Service', // names the service, then the constraint
        )
        expect(r.stderr).toContain('constraints/run.managed.requireInvokerIam is enforced')
      }
      expect(await invokeAs(undefined, url)).toBe(403)
    } finally {
      ok(
        await sh(
          owner,
          `runiam org-policies delete run.managed.requireInvokerIam --project=${PROJECT}`,
        ),
      )
    }
  })

  it('describe --format export > service.yaml, edit the annotation, replace service.yaml', async () => {
    const url = await privateService('public-yaml')
    ok(await guide(owner, 'describeExport', { SERVICE: 'public-yaml' }))
    const exported = readFileSync(join(owner.dir, 'service.yaml'), 'utf8')
    expect(exported).toMatch(/^apiVersion: serving\.knative\.dev\/v1\nkind: Service\n/)
    expect(exported).not.toContain(INVOKER_IAM_DISABLED)
    // The page's edit, as printed: an unquoted `true`, which YAML reads as a boolean.
    const edit = (value: string) =>
      writeFileSync(
        join(owner.dir, 'service.yaml'),
        exported.replace(
          /^ {2}annotations:\n/m,
          `  annotations:\n    ${INVOKER_IAM_DISABLED}: ${value}\n`,
        ),
      )
    edit('true')
    const literal = await guide(owner, 'replace')
    expect(literal.code).toBe(1)
    expect(literal.stderr).toContain(
      `INVALID_ARGUMENT: Invalid value at 'metadata.annotations[${INVOKER_IAM_DISABLED}]' (TYPE_STRING), true`,
    )
    expect(await invokeAs(undefined, url)).toBe(403)
    // Quoted, as gcloud needs it.
    edit("'true'")
    const r = ok(await guide(owner, 'replace'))
    expect(r.stderr).toContain('New configuration has been applied to service [public-yaml].\n')
    const v2 = ok(await sh(owner, 'runiam run services describe public-yaml --format=json'))
    expect((JSON.parse(v2.stdout) as { invokerIamDisabled?: boolean }).invokerIamDisabled).toBe(
      true,
    )
    expect(await invokeAs(undefined, url)).toBe(200)
  })
})

describe('Allowing public access: allUsers as run.invoker', () => {
  it('add-iam-policy-binding --member="allUsers": anonymous requests pass', async () => {
    const url = await privateService('public-iam')
    const r = ok(await guide(owner, 'addAllUsers', { SERVICE: 'public-iam' }))
    expect(r.stderr).toBe('Updated IAM policy for service [public-iam].\n')
    expect(membersOf(await policyOf('run services', 'public-iam'), 'roles/run.invoker')).toEqual([
      'allUsers',
    ])
    expect(await invokeAs(undefined, url)).toBe(200)
  })

  it('run deploy … --allow-unauthenticated: a new public service', async () => {
    const r = ok(
      await guide(owner, 'deployAllowUnauthenticated', {
        SERVICE: 'public-flag',
        '...': `--image=${IMAGE}`,
      }),
    )
    expect(r.stderr).toContain('Setting IAM Policy...done')
    expect(membersOf(await policyOf('run services', 'public-flag'), 'roles/run.invoker')).toEqual([
      'allUsers',
    ])
    expect(await invokeAs(undefined, urlOf(r))).toBe(200)
  })

  it('set-iam-policy SERVICE policy.yaml (no etag: replaces the policy)', async () => {
    const url = await privateService('public-file')
    writeFileSync(join(owner.dir, 'policy.yaml'), PUBLIC_POLICY_YAML)
    const r = ok(await guide(owner, 'setPolicyYaml', { SERVICE: 'public-file' }))
    expect(r.stderr).toContain('Updated IAM policy for service [public-file].')
    expect(membersOf(await policyOf('run services', 'public-file'), 'roles/run.invoker')).toEqual([
      'allUsers',
    ])
    expect(await invokeAs(undefined, url)).toBe(200)
  })

  it('under domain restricted sharing allUsers is refused, and --no-invoker-iam-check still opens a service', async () => {
    writeFileSync(
      join(owner.dir, 'drs.yaml'),
      `name: projects/${PROJECT}/policies/iam.allowedPolicyMemberDomains\nspec:\n  rules:\n  - values:\n      allowedValues:\n      - C${organizationId}\n`,
    )
    ok(await sh(owner, 'runiam org-policies set-policy drs.yaml'))
    try {
      const url = await privateService('drs-iam')
      const refused = await guide(owner, 'addAllUsers', { SERVICE: 'drs-iam' })
      expect(refused.code).toBe(1)
      expect(refused.stderr).toContain(
        'FAILED_PRECONDITION: One or more users named in the policy do not belong to a permitted customer',
      )
      expect(await invokeAs(undefined, url)).toBe(403)

      // The deploy itself succeeds; setting the policy fails with gcloud's warning.
      const flagged = ok(
        await guide(owner, 'deployAllowUnauthenticated', {
          SERVICE: 'drs-flag',
          '...': `--image=${IMAGE}`,
        }),
      )
      expect(flagged.stderr).toContain('WARNING: Setting IAM policy failed, try')
      expect(await invokeAs(undefined, urlOf(flagged))).toBe(403)

      const open = ok(await guide(owner, 'deployNoCheck', { SERVICE_NAME: 'drs-open' }))
      expect(await invokeAs(undefined, urlOf(open))).toBe(200)
    } finally {
      ok(
        await sh(
          owner,
          `runiam org-policies delete iam.allowedPolicyMemberDomains --project=${PROJECT}`,
        ),
      )
    }
  })
})

describe('the guide, whole', () => {
  it('every line listed in the header ran, and every line run is listed there', () => {
    const source = readFileSync(fileURLToPath(import.meta.url), 'utf8')
    const header = source.slice(0, source.indexOf('\nimport '))
    const listed = header
      .split('\n')
      .map((l) => /^\/\/ {3}(?:\* )?(gcloud .*)$/.exec(l)?.[1])
      .filter((l) => l !== undefined)
    const lines = Object.values(GUIDE).map((l) => l.replace(/\s*\\\n\s*/g, ' '))
    expect([...listed].sort()).toEqual([...lines].sort())
    expect([...ran].sort()).toEqual(Object.keys(GUIDE).sort())
  })
})
