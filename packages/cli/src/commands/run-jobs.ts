// `runiam run jobs create|describe|list|delete|execute|logs read` and `runiam run jobs executions
// list|describe|cancel|delete` against Cloud Run v2, with gcloud's flags, prompts and messages.
// A job's tasks run as local processes of the server (its container's --command and --args).
import type {
  Execution,
  Job,
  ListExecutionsResponse,
  ListJobsResponse,
  Operation,
  RunJobRequest,
} from '@runiam/api'
import { CliError } from '../cli-error.js'
import type { CommandContext } from '../command-context.js'
import {
  executionPath,
  executionRef,
  jobPath,
  jobRef,
  type ExecutionRef,
  type JobRef,
} from '../job-refs.js'
import {
  formatExpression,
  formatList,
  formatResource,
  formatTable,
  parseFormat,
} from '../output/format.js'
import { promptContinue } from '../prompt.js'
import { flagBool, flagString, positional, requireProject } from '../resource-refs.js'
import { readLogs } from './cloud-run-logs.js'

/** The image recorded when none is given (runiam runs the command, never the image). */
export const DEFAULT_JOB_IMAGE = 'us-docker.pkg.dev/cloudrun/container/job'

const seg = (s: string): string => encodeURIComponent(s)
const TOOL = 'runiam'

/**
 * Compat: gcloud's ArgList: comma-separated; `^D^` before the list makes D the delimiter
 * (`--args=^;^-e;console.log(1,2)`); an empty string is an empty list.
 */
export function parseArgList(text: string): string[] {
  let delimiter = ','
  let body = text
  const m = /^\^([^^]+)\^/.exec(text)
  if (m !== null) {
    delimiter = m[1] as string
    body = text.slice(m[0].length)
  }
  return body === '' ? [] : body.split(delimiter)
}

/** Compat: gcloud's Dict: KEY=VALUE pairs, as an ArgList. */
export function parseEnvVars(flag: string, text: string): { name: string; value: string }[] {
  return parseArgList(text).map((pair) => {
    const eq = pair.indexOf('=')
    if (eq <= 0) {
      throw new CliError(
        `argument --${flag}: Bad syntax for dict arg: [${pair}]. Please see \`runiam topic flags-file\` or \`runiam topic escaping\` for information on providing list or dictionary flag values with special characters.`,
        2,
      )
    }
    return { name: pair.slice(0, eq), value: pair.slice(eq + 1) }
  })
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 }

/** Compat: gcloud's durations: 600, 600s, 10m, 1h30m. As a google.protobuf.Duration string. */
export function parseTimeout(flag: string, text: string): string {
  const t = text.trim().toLowerCase()
  if (/^\d+$/.test(t)) return `${t}s`
  let seconds = 0
  const re = /(\d+)([smhd])/gy
  let m: RegExpExecArray | null
  let consumed = 0
  while ((m = re.exec(t)) !== null) {
    seconds += Number(m[1]) * (UNITS[m[2] as string] ?? 1)
    consumed = re.lastIndex
  }
  if (consumed !== t.length || t === '') {
    throw new CliError(
      `argument --${flag}: Failed to parse duration: ${text}. Use a number of seconds or a duration such as 10m or 1h.`,
      2,
    )
  }
  return `${seconds}s`
}

function intFlag(ctx: CommandContext, flag: string, min: number): number | undefined {
  const text = flagString(ctx, flag)
  if (text === undefined) return undefined
  const n = Number(text)
  if (!Number.isInteger(n) || n < min) {
    throw new CliError(
      `argument --${flag}: Value must be greater than or equal to ${min}; received: ${text}`,
      2,
    )
  }
  return n
}

const pad = (n: number): string => String(n).padStart(2, '0')

/** gcloud's table timestamps: 2026-01-01 12:00:00 UTC. */
function when(iso: string | undefined): string {
  if (iso === undefined) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`
}

const lastPart = (name: string | undefined): string => (name ?? '').split('/').at(-1) ?? ''

async function operationResult<T>(op: Operation): Promise<T | undefined> {
  const { operationResult: result } = await import('@runiam/api/client')
  return result<T>(op)
}

// ---- jobs -----------------------------------------------------------------------------------

export async function create(ctx: CommandContext): Promise<void> {
  const ref = jobRef(ctx, positional(ctx, 'JOB'))
  const command = flagString(ctx, 'command')
  const args = flagString(ctx, 'args')
  const env = flagString(ctx, 'set-env-vars')
  const timeout = flagString(ctx, 'task-timeout')
  const taskCount = intFlag(ctx, 'tasks', 1)
  const parallelism = intFlag(ctx, 'parallelism', 0)
  const maxRetries = intFlag(ctx, 'max-retries', 0)
  const container: Record<string, unknown> = {
    image: flagString(ctx, 'image') ?? DEFAULT_JOB_IMAGE,
    ...(command === undefined ? {} : { command: parseArgList(command) }),
    ...(args === undefined ? {} : { args: parseArgList(args) }),
    ...(env === undefined ? {} : { env: parseEnvVars('set-env-vars', env) }),
  }
  const body = {
    template: {
      ...(taskCount === undefined ? {} : { taskCount }),
      ...(parallelism === undefined ? {} : { parallelism }),
      template: {
        containers: [container],
        ...(maxRetries === undefined ? {} : { maxRetries }),
        ...(timeout === undefined ? {} : { timeout: parseTimeout('task-timeout', timeout) }),
      },
    },
  }
  const client = await ctx.client()
  ctx.io.stderr(
    `Creating Cloud Run job [${ref.job}] in project [${ref.project}] region [${ref.region}]\n`,
  )
  ctx.io.stderr('Creating job...')
  try {
    const path = `/v2/projects/${seg(ref.project)}/locations/${seg(ref.region)}/jobs`
    await operationResult<Job>(
      await client.request<Operation>('POST', path, { query: { jobId: ref.job }, body }),
    )
  } catch (err) {
    ctx.io.stderr('\n')
    throw err
  }
  ctx.io.stderr(' Done.\n')
  ctx.io.stderr(
    `Job [${ref.job}] has successfully been created.\n\nTo execute this job, use:\n${TOOL} run jobs execute ${ref.job}\n`,
  )
}

export async function describe(ctx: CommandContext): Promise<void> {
  if (formatExpression(ctx.settings.format)?.trim() === 'export') {
    // Compat: gcloud's export printer prints the v1 Job for `run jobs replace`.
    return (await import('./run-jobs-yaml.js')).describeExport(ctx)
  }
  const ref = jobRef(ctx, positional(ctx, 'JOB'))
  const job = await (await ctx.client()).request<Job>('GET', jobPath(ref))
  ctx.io.stdout(formatResource(job, parseFormat(ctx.settings.format)))
}

export async function list(ctx: CommandContext): Promise<void> {
  const project = requireProject(ctx)
  // Compat: without a region gcloud lists every region; v2 spells that location "-".
  const region = ctx.settings.region ?? '-'
  const client = await ctx.client()
  const jobs: Job[] = []
  let pageToken: string | undefined
  do {
    const page = await client.request<ListJobsResponse>(
      'GET',
      `/v2/projects/${seg(project)}/locations/${seg(region)}/jobs`,
      { query: { pageToken } },
    )
    jobs.push(...(page.jobs ?? []))
    pageToken = page.nextPageToken === '' ? undefined : page.nextPageToken
  } while (pageToken !== undefined)
  const format = parseFormat(ctx.settings.format)
  if (format.kind !== 'default') {
    ctx.io.stdout(formatList(jobs, format))
    return
  }
  if (jobs.length === 0) {
    ctx.io.stderr('Listed 0 items.\n')
    return
  }
  const rows = jobs.map((j) => {
    const parts = j.name.split('/')
    return [
      '✔',
      parts[5] ?? '',
      parts[3] ?? '',
      when(j.latestCreatedExecution?.createTime),
      when(j.createTime),
      j.creator ?? '',
    ]
  })
  ctx.io.stdout(formatTable(['', 'JOB', 'REGION', 'LAST RUN AT', 'CREATED', 'CREATED BY'], rows))
}

export async function remove(ctx: CommandContext): Promise<void> {
  const ref = jobRef(ctx, positional(ctx, 'JOB'))
  // Compat: gcloud run jobs delete asks, and refuses to guess without a terminal.
  await promptContinue(ctx, {
    message: `Job [${ref.job}] will be deleted.`,
    throwIfUnattended: true,
    cancelOnNo: true,
  })
  const client = await ctx.client()
  await operationResult<Job>(await client.request<Operation>('DELETE', jobPath(ref)))
  ctx.io.stderr(`Deleted job [${ref.job}].\n`)
}

// ---- execute --------------------------------------------------------------------------------

type Overrides = NonNullable<RunJobRequest['overrides']>

function overridesOf(ctx: CommandContext): Overrides | undefined {
  const args = flagString(ctx, 'args')
  const env = flagString(ctx, 'update-env-vars')
  const taskCount = intFlag(ctx, 'tasks', 1)
  const timeout = flagString(ctx, 'task-timeout')
  const container = {
    ...(args === undefined
      ? {}
      : parseArgList(args).length === 0
        ? { clearArgs: true }
        : { args: parseArgList(args) }),
    ...(env === undefined ? {} : { env: parseEnvVars('update-env-vars', env) }),
  }
  const overrides: Overrides = {
    ...(Object.keys(container).length === 0 ? {} : { containerOverrides: [container] }),
    ...(taskCount === undefined ? {} : { taskCount }),
    ...(timeout === undefined ? {} : { timeout: parseTimeout('task-timeout', timeout) }),
  }
  return Object.keys(overrides).length === 0 ? undefined : overrides
}

const isDone = (e: Execution): boolean => e.completionTime !== undefined

const completed = (e: Execution) => e.conditions.find((c) => c.type === 'Completed')

function describeHint(id: string): string {
  return `View details about this execution by running:\n${TOOL} run jobs executions describe ${id}`
}

/** gcloud's end of `execute --wait`: success, or the reason and an error. */
function reportDone(ctx: CommandContext, execution: Execution): void {
  const id = lastPart(execution.name)
  const c = completed(execution)
  if (c?.state === 'CONDITION_SUCCEEDED') {
    ctx.io.stderr(`Execution [${id}] has successfully completed.\n`)
    return
  }
  if (c?.message !== undefined) ctx.io.stderr(`${c.message}\n`)
  const what =
    c?.executionReason === 'CANCELLED' ? 'The execution was cancelled.' : 'The execution failed.'
  throw new CliError(`${what}\n${describeHint(id)}`)
}

export async function execute(ctx: CommandContext): Promise<void> {
  const ref = jobRef(ctx, positional(ctx, 'JOB'))
  const overrides = overridesOf(ctx)
  const wait = flagBool(ctx, 'wait') === true
  const client = await ctx.client()
  ctx.io.stderr('Creating execution...')
  let op: Operation
  try {
    op = await client.request<Operation>('POST', `${jobPath(ref)}:run`, {
      body: overrides === undefined ? {} : { overrides },
    })
  } catch (err) {
    ctx.io.stderr('\n')
    throw err
  }
  ctx.io.stderr(' Done.\n')
  let execution = ((op.done === true ? op.response : op.metadata) ?? {}) as unknown as Execution
  const id = lastPart(execution.name)
  const exRef: ExecutionRef = { ...ref, execution: id }
  if (wait) {
    ctx.io.stderr('Running execution...')
    while (!isDone(execution)) {
      await new Promise((r) => setTimeout(r, 500))
      execution = await client.request<Execution>('GET', executionPath(exRef))
    }
    ctx.io.stderr(
      ` ${execution.succeededCount ?? 0} / ${execution.taskCount ?? 1} complete\nDone.\n`,
    )
    reportDone(ctx, execution)
    return
  }
  // An execution that could not start (no local processes, no command) has already failed.
  if (isDone(execution)) {
    reportDone(ctx, execution)
    return
  }
  ctx.io.stderr(`Execution [${id}] has successfully started running.\n\n${describeHint(id)}\n`)
}

// ---- executions ------------------------------------------------------------------------------

function symbol(e: Execution): string {
  const c = completed(e)
  if (c?.state === 'CONDITION_SUCCEEDED') return '✔'
  if (c?.state === 'CONDITION_FAILED') return '✖'
  return '…'
}

export async function listExecutions(ctx: CommandContext): Promise<void> {
  const job = flagString(ctx, 'job')
  const project = requireProject(ctx)
  const region = ctx.settings.region ?? '-'
  const parent =
    job === undefined
      ? `/v2/projects/${seg(project)}/locations/${seg(region)}/jobs/-`
      : jobPath(jobRef(ctx, job))
  const client = await ctx.client()
  const executions: Execution[] = []
  let pageToken: string | undefined
  do {
    const page = await client.request<ListExecutionsResponse>('GET', `${parent}/executions`, {
      query: { pageToken },
    })
    executions.push(...(page.executions ?? []))
    pageToken = page.nextPageToken === '' ? undefined : page.nextPageToken
  } while (pageToken !== undefined)
  const format = parseFormat(ctx.settings.format)
  if (format.kind !== 'default') {
    ctx.io.stdout(formatList(executions, format))
    return
  }
  if (executions.length === 0) {
    ctx.io.stderr('Listed 0 items.\n')
    return
  }
  const rows = executions.map((e) => {
    const parts = e.name.split('/')
    return [
      symbol(e),
      parts[7] ?? '',
      parts[5] ?? '',
      parts[3] ?? '',
      String(e.runningCount ?? 0),
      `${e.succeededCount ?? 0} / ${e.taskCount ?? 1}`,
      when(e.createTime),
      e.creator ?? '',
    ]
  })
  ctx.io.stdout(
    formatTable(
      ['', 'EXECUTION', 'JOB', 'REGION', 'RUNNING', 'COMPLETE', 'CREATED', 'RUN BY'],
      rows,
    ),
  )
}

export async function describeExecution(ctx: CommandContext): Promise<void> {
  const ref = executionRef(ctx, positional(ctx, 'EXECUTION'))
  const execution = await (await ctx.client()).request<Execution>('GET', executionPath(ref))
  ctx.io.stdout(formatResource(execution, parseFormat(ctx.settings.format)))
}

export async function cancelExecution(ctx: CommandContext): Promise<void> {
  const ref = executionRef(ctx, positional(ctx, 'EXECUTION'))
  // Compat: gcloud run jobs executions cancel asks, and refuses to guess without a terminal.
  await promptContinue(ctx, {
    message: `Execution [${ref.execution}] will be cancelled.`,
    throwIfUnattended: true,
    cancelOnNo: true,
  })
  const client = await ctx.client()
  await operationResult<Execution>(
    await client.request<Operation>('POST', `${executionPath(ref)}:cancel`, { body: {} }),
  )
  ctx.io.stderr(`Execution [${ref.execution}] has been cancelled.\n`)
}

export async function deleteExecution(ctx: CommandContext): Promise<void> {
  const ref = executionRef(ctx, positional(ctx, 'EXECUTION'))
  await promptContinue(ctx, {
    message: `Execution [${ref.execution}] will be deleted.`,
    throwIfUnattended: true,
    cancelOnNo: true,
  })
  const client = await ctx.client()
  await operationResult<Execution>(await client.request<Operation>('DELETE', executionPath(ref)))
  ctx.io.stderr(`Deleted execution [${ref.execution}].\n`)
}

// ---- logs -------------------------------------------------------------------------------------

/**
 * `run jobs logs read JOB`: what the job's tasks printed (--execution: one execution's), as
 * `gcloud run services logs read` prints a service's (newest --limit, oldest first).
 */
export async function logsRead(ctx: CommandContext): Promise<void> {
  const ref: JobRef = jobRef(ctx, positional(ctx, 'JOB'))
  const execution = flagString(ctx, 'execution')
  await readLogs(ctx, {
    project: ref.project,
    region: ref.region,
    resourceType: 'cloud_run_job',
    nameLabel: 'job_name',
    name: ref.job,
    ...(execution === undefined
      ? {}
      : { labels: { 'run.googleapis.com/execution_name': execution } }),
  })
}
