// `runiam run worker-pools deploy|describe|list|delete|logs read` against Cloud Run v2, with
// gcloud's messages and prompts (surface/run/worker_pools/*.py). A deploy creates the worker pool
// or makes a new revision of it from the flags, on top of what it has.
import type { RuniamClient, WorkerPool } from '@runiam/api'
import { CliError } from '../cli-error.js'
import type { CommandContext } from '../command-context.js'
import { formatList, formatResource, formatTable, parseFormat } from '../output/format.js'
import { promptContinue } from '../prompt.js'
import { flagBool, flagString, positional, requireProject } from '../resource-refs.js'
import {
  createWorkerPool,
  deleteWorkerPool,
  getWorkerPool,
  listWorkerPools,
  updateWorkerPool,
  workerPoolRef,
  type WorkerPoolRef,
} from '../worker-pool-api.js'
import { readLogs } from './cloud-run-logs.js'

/** The image recorded when none is given: runiam runs commands, not images. */
export const DEFAULT_WORKER_POOL_IMAGE = 'us-docker.pkg.dev/cloudrun/container/worker-pool'

const isNotFound = (err: unknown): boolean => (err as { status?: unknown }).status === 'NOT_FOUND'

/**
 * gcloud's ArgList: comma-separated, or `^DELIM^` first to split on DELIM instead; an empty
 * string is an empty list (which clears the field).
 */
export function splitList(value: string): string[] {
  let delimiter = ','
  let body = value
  const m = /^\^([^^]+)\^/.exec(value)
  if (m !== null) {
    delimiter = m[1] as string
    body = value.slice(m[0].length)
  }
  return body === '' ? [] : body.split(delimiter)
}

/** gcloud's ArgDict: KEY=VALUE pairs of a --*-env-vars or --labels flag. */
export function splitDict(flag: string, value: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const item of splitList(value)) {
    const eq = item.indexOf('=')
    if (eq <= 0) {
      throw new CliError(
        `argument --${flag}: Bad syntax for dict arg: [${item}]. Please see \`runiam topic flags-file\` or \`runiam topic escaping\` for information on providing list or dictionary flag values with special characters.`,
        2,
      )
    }
    out[item.slice(0, eq)] = item.slice(eq + 1)
  }
  return out
}

/** Compat: flags.InstanceValue. */
function instances(text: string): number {
  if (!/^-?\d+$/.test(text.trim())) {
    throw new CliError(`Input value '${text}' for --instances flag is not an integer.`, 2)
  }
  const n = Number(text)
  if (n < 0) {
    throw new CliError(
      `Input value for --instances flag should be a non-negative integer. Input value: ${text}`,
      2,
    )
  }
  return n
}

type Env = { name: string; value?: string }[]

/** The first container's env after the --*-env-vars flags. */
function nextEnv(ctx: CommandContext, current: Env): Env | undefined {
  const set = flagString(ctx, 'set-env-vars')
  const update = flagString(ctx, 'update-env-vars')
  const remove = flagString(ctx, 'remove-env-vars')
  const clear = flagBool(ctx, 'clear-env-vars') === true
  if (set === undefined && update === undefined && remove === undefined && !clear) return undefined
  if (set !== undefined) {
    return Object.entries(splitDict('set-env-vars', set)).map(([name, value]) => ({ name, value }))
  }
  if (clear) return []
  const removed = new Set(remove === undefined ? [] : splitList(remove))
  const updates = update === undefined ? {} : splitDict('update-env-vars', update)
  const kept = current.filter((e) => !removed.has(e.name) && !(e.name in updates))
  return [...kept, ...Object.entries(updates).map(([name, value]) => ({ name, value }))]
}

function revisionOf(pool: WorkerPool | undefined): string | undefined {
  const name = pool?.latestCreatedRevision ?? pool?.latestReadyRevision
  return name === undefined || name === '' ? undefined : name.split('/').at(-1)
}

async function existing(c: RuniamClient, ref: WorkerPoolRef): Promise<WorkerPool | undefined> {
  try {
    return await getWorkerPool(c, ref)
  } catch (err) {
    if (isNotFound(err)) return undefined
    throw err
  }
}

export async function deploy(ctx: CommandContext): Promise<void> {
  const ref = workerPoolRef(ctx, positional(ctx, 'WORKER_POOL'))
  const image = flagString(ctx, 'image')
  const command = flagString(ctx, 'command')
  const args = flagString(ctx, 'args')
  const instancesText = flagString(ctx, 'instances')
  const count = instancesText === undefined ? undefined : instances(instancesText)
  const description = flagString(ctx, 'description')
  const labelsText = flagString(ctx, 'labels')
  const labels = labelsText === undefined ? undefined : splitDict('labels', labelsText)
  const serviceAccount = flagString(ctx, 'service-account')
  const isAsync = flagBool(ctx, 'async') === true
  const [{ operationResult }, client] = await Promise.all([
    import('@runiam/api/client'),
    ctx.client(),
  ])
  const current = await existing(client, ref)

  const containers = (current?.template.containers ?? []).map((c) => ({ ...c }))
  const first: Record<string, unknown> = { ...(containers[0] ?? {}) }
  if (image !== undefined) first['image'] = image
  if (first['image'] === undefined) first['image'] = DEFAULT_WORKER_POOL_IMAGE
  if (command !== undefined) first['command'] = splitList(command)
  if (args !== undefined) first['args'] = splitList(args)
  const env = nextEnv(ctx, (first['env'] ?? []) as Env)
  if (env !== undefined) first['env'] = env
  for (const k of ['command', 'args', 'env']) {
    if (Array.isArray(first[k]) && (first[k] as unknown[]).length === 0) delete first[k]
  }
  const template: Record<string, unknown> = {
    ...(current?.template ?? {}),
    containers: [first, ...containers.slice(1)],
  }
  if (serviceAccount !== undefined) template['serviceAccount'] = serviceAccount
  // A deploy always makes a new revision, so the template is always sent.
  const body: Record<string, unknown> = { template }
  const mask = ['template']
  if (description !== undefined) {
    body['description'] = description
    mask.push('description')
  }
  if (labels !== undefined) {
    body['labels'] = labels
    mask.push('labels')
  }
  if (count !== undefined) {
    body['scaling'] = { ...(current?.scaling ?? {}), manualInstanceCount: count }
    mask.push('scaling')
  }

  // Compat: messages_util.GetStartDeployMessage and the staged tracker's header.
  ctx.io.stderr(
    `Deploying container to Cloud Run worker pool [${ref.workerPool}] in project [${ref.project}] region [${ref.region}]\n`,
  )
  ctx.io.stderr(current === undefined ? 'Deploying new worker pool...' : 'Deploying...')
  let pool: WorkerPool | undefined
  try {
    const op =
      current === undefined
        ? await createWorkerPool(client, ref, body)
        : await updateWorkerPool(client, ref, body, mask.join(','))
    pool = isAsync ? undefined : operationResult<WorkerPool>(op)
  } catch (err) {
    ctx.io.stderr('\n')
    throw err
  }
  ctx.io.stderr(' Done.\n')
  if (isAsync) {
    ctx.io.stderr(`Worker pool [${ref.workerPool}] is being deployed asynchronously.\n`)
    return
  }
  const revision = revisionOf(pool ?? (await getWorkerPool(client, ref)))
  // Compat: messages_util.GetSuccessMessageForSynchronousWorkerPoolDeploy.
  const rev = revision === undefined ? '' : ` revision [${revision}]`
  ctx.io.stderr(
    `Worker pool [${ref.workerPool}]${rev} has been deployed.\nDone.\n\nSee logs with:\n` +
      `runiam run worker-pools logs read ${ref.workerPool} --region=${ref.region}\n`,
  )
}

export async function describe(ctx: CommandContext): Promise<void> {
  const ref = workerPoolRef(ctx, positional(ctx, 'WORKER_POOL'))
  const format = parseFormat(ctx.settings.format)
  let pool: WorkerPool
  try {
    pool = await getWorkerPool(await ctx.client(), ref)
  } catch (err) {
    // Compat: gcloud's describe: "Cannot find worker pool [W]".
    if (isNotFound(err)) throw new CliError(`Cannot find worker pool [${ref.workerPool}]`)
    throw err
  }
  ctx.io.stdout(formatResource(pool, format))
}

export async function list(ctx: CommandContext): Promise<void> {
  const project = requireProject(ctx)
  // Compat: without --region gcloud lists every region; v2 spells that location "-".
  const region = ctx.settings.region ?? '-'
  const client = await ctx.client()
  const pools: WorkerPool[] = []
  let pageToken: string | undefined
  do {
    const page = await listWorkerPools(client, project, region, pageToken)
    pools.push(...(page.workerPools ?? []))
    pageToken = page.nextPageToken === '' ? undefined : page.nextPageToken
  } while (pageToken !== undefined)
  // Compat: commands.SortByName.
  pools.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  const format = parseFormat(ctx.settings.format)
  if (format.kind !== 'default') {
    ctx.io.stdout(formatList(pools, format))
    return
  }
  if (pools.length === 0) {
    ctx.io.stderr('Listed 0 items.\n')
    return
  }
  const rows = pools.map((p) => {
    const parts = p.name.split('/')
    const ready = p.terminalCondition?.state === 'CONDITION_SUCCEEDED' ? '✔' : '…'
    return [
      ready,
      parts[5] ?? '',
      parts[3] ?? '',
      p.lastModifier ?? '',
      p.terminalCondition?.lastTransitionTime ?? p.updateTime ?? '',
      p.creator ?? '',
      p.createTime ?? '',
    ]
  })
  ctx.io.stdout(
    formatTable(
      [
        '',
        'WORKER_POOL',
        'REGION',
        'LAST DEPLOYED BY',
        'LAST DEPLOYED AT',
        'CREATED BY',
        'CREATED',
      ],
      rows,
    ),
  )
}

export async function remove(ctx: CommandContext): Promise<void> {
  const ref = workerPoolRef(ctx, positional(ctx, 'WORKER_POOL'))
  const isAsync = flagBool(ctx, 'async') === true
  // Compat: gcloud run worker-pools delete asks, and refuses to guess without a terminal.
  await promptContinue(ctx, {
    message: `WorkerPool [${ref.workerPool}] will be deleted.`,
    throwIfUnattended: true,
    cancelOnNo: true,
  })
  const [{ operationResult }, client] = await Promise.all([
    import('@runiam/api/client'),
    ctx.client(),
  ])
  if (!isAsync) ctx.io.stderr(`Deleting [${ref.workerPool}]...`)
  try {
    operationResult(await deleteWorkerPool(client, ref))
  } catch (err) {
    if (!isAsync) ctx.io.stderr('failed.\n')
    if (isNotFound(err)) throw new CliError(`Cannot find worker pool [${ref.workerPool}]`)
    throw err
  }
  if (isAsync) {
    ctx.io.stderr(`Worker pool [${ref.workerPool}] is being deleted.\n`)
    return
  }
  ctx.io.stderr('done.\n')
  // Compat: log.DeletedResource(name, 'worker pool').
  ctx.io.stderr(`Deleted worker pool [${ref.workerPool}].\n`)
}

/** `run worker-pools logs read`: the service command's output, for resource cloud_run_worker_pool. */
export async function logsRead(ctx: CommandContext): Promise<void> {
  const ref = workerPoolRef(ctx, positional(ctx, 'WORKER_POOL'))
  await readLogs(ctx, {
    project: ref.project,
    region: ref.region,
    resourceType: 'cloud_run_worker_pool',
    nameLabel: 'worker_pool_name',
    name: ref.workerPool,
  })
}
