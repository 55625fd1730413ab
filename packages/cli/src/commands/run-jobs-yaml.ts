// `runiam run jobs describe JOB --format export` and `runiam run jobs replace FILE`: a job as the
// run.googleapis.com/v1 YAML gcloud exports and replaces, through Cloud Run's v1 jobs API
// (`/apis/run.googleapis.com/v1/namespaces/P/jobs[/J]`). Google serves that API on regional hosts
// only; gcloud derives one by putting the region in front of the endpoint's host, and so does
// this: the request goes to api_endpoint with `Host: {region}-{host}`, which runiam reads the
// region from. Compat: gcloud's export printer (command_lib/run/printers/export_printer.py) and
// surface/run/jobs/replace.py (its checks, the region from --region, the location label or
// run/region, and its messages).
import {
  EXPORT_OMITTED_ANNOTATIONS,
  EXPORT_OMITTED_METADATA,
  LOCATION_LABEL,
  type KnativeJob,
  type RuniamClient,
} from '@runiam/api'
import { CliError } from '../cli-error.js'
import type { CommandContext } from '../command-context.js'
import { jobRef } from '../job-refs.js'
import { formatExpression, formatResource, parseFormat, sortKeys } from '../output/format.js'
import { toYaml } from '../output/to-yaml.js'
import { parseJsonOrYaml, readFileText } from '../read-structured-file.js'
import { flagString, positional, requireProject, requireRegion } from '../resource-refs.js'

type Json = Record<string, unknown>

const TOOL = 'runiam'
const seg = encodeURIComponent
const jobsPath = (namespace: string): string =>
  `/apis/run.googleapis.com/v1/namespaces/${seg(namespace)}/jobs`

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Compat: gcloud's regional endpoint (`{region}-run.googleapis.com`), as a Host header. */
function regional(client: RuniamClient, region: string): { headers: Record<string, string> } {
  return { headers: { host: `${region}-${new URL(client.endpoint).host}` } }
}

/** Compat: ExportPrinter._FilterForExport (the same rules for every kind of object). */
export function exportJobView(job: KnativeJob): Json {
  const copy = structuredClone(job) as unknown as Json
  delete copy['status']
  const meta = copy['metadata']
  if (isObject(meta)) {
    for (const k of EXPORT_OMITTED_METADATA) delete meta[k]
    const annotations = meta['annotations']
    if (isObject(annotations)) for (const k of EXPORT_OMITTED_ANNOTATIONS) delete annotations[k]
  }
  return copy
}

export async function describeExport(ctx: CommandContext): Promise<void> {
  const ref = jobRef(ctx, positional(ctx, 'JOB'))
  const client = await ctx.client()
  const job = await client.request<KnativeJob>(
    'GET',
    `${jobsPath(ref.project)}/${seg(ref.job)}`,
    regional(client, ref.region),
  )
  // gcloud prints apitools messages: keys in alphabetical order, block YAML.
  ctx.io.stdout(toYaml(sortKeys(exportJobView(job))))
}

function isNotFound(err: unknown): boolean {
  return (err as { status?: unknown }).status === 'NOT_FOUND'
}

export async function replace(ctx: CommandContext): Promise<void> {
  const file = positional(ctx, 'FILE')
  const doc = await parseJsonOrYaml(await readFileText(ctx.io, file))
  if (!isObject(doc)) {
    throw new CliError(`argument FILE: Invalid YAML/JSON Data [${file}]`, 2)
  }
  const job: Json = { ...doc }
  // Compat: gcloud clears the status (it is ignored, and a copied one may not parse), insists on
  // spec.template, and reads a project number written without quotes as the string it is.
  delete job['status']
  const spec = job['spec']
  if (!isObject(spec) || !isObject(spec['template'])) {
    throw new CliError(
      'spec.template is required but missing. Please check the content in your yaml file.',
    )
  }
  const metadata: Json = isObject(job['metadata']) ? { ...job['metadata'] } : {}
  job['metadata'] = metadata
  if (typeof metadata['namespace'] === 'number') {
    metadata['namespace'] = String(metadata['namespace'])
  }
  const client = await ctx.client()

  let namespace = typeof metadata['namespace'] === 'string' ? metadata['namespace'] : undefined
  if (namespace !== undefined) {
    // Compat: "Namespace must be project ID [{}] or quoted number [{}] for Cloud Run (fully managed)."
    const project = ctx.settings.project ?? namespace
    if (namespace !== project) {
      const number = (await client.getProject(project)).projectNumber
      if (namespace !== number) {
        throw new CliError(
          `Namespace must be project ID [${project}] or quoted number [${number}] for Cloud Run (fully managed).`,
        )
      }
    }
  } else {
    namespace = requireProject(ctx)
    metadata['namespace'] = namespace
  }
  const name = metadata['name']
  if (typeof name !== 'string' || name === '') {
    throw new CliError(`The job in [${file}] has no name: set metadata.name.`)
  }
  // Compat: flags.GetRegion: --region, then the location label, then run/region.
  const labels = metadata['labels']
  const label =
    isObject(labels) && typeof labels[LOCATION_LABEL] === 'string'
      ? labels[LOCATION_LABEL]
      : undefined
  const region = flagString(ctx, 'region') ?? label ?? requireRegion(ctx)
  const at = regional(client, region)
  const path = `${jobsPath(namespace)}/${seg(name)}`

  let exists = true
  try {
    await client.request('GET', path, at)
  } catch (err) {
    if (!isNotFound(err)) throw err
    exists = false
  }
  const operation = exists ? 'Updating' : 'Creating'
  ctx.io.stderr(
    `${operation} Cloud Run job [${name}] in project [${namespace}] region [${region}]\n`,
  )
  ctx.io.stderr(`${operation} job...`)
  let applied: KnativeJob
  try {
    // Compat: an existing job is replaced (PUT), a missing one created (POST).
    applied = exists
      ? await client.request<KnativeJob>('PUT', path, { ...at, body: job })
      : await client.request<KnativeJob>('POST', jobsPath(namespace), { ...at, body: job })
  } catch (err) {
    ctx.io.stderr('\n')
    throw err
  }
  ctx.io.stderr(' Done.\n')
  ctx.io.stderr(
    `Job [${name}] has been successfully ${exists ? 'updated' : 'created'}.\n\nTo execute this job, use:\n${TOOL} run jobs execute ${name}\n`,
  )
  // Compat: no output by default (gcloud's `none`); --format prints the job.
  const requested = formatExpression(ctx.settings.format)?.trim()
  if (requested !== undefined && requested !== '' && requested !== 'none') {
    ctx.io.stdout(
      requested === 'export'
        ? toYaml(sortKeys(exportJobView(applied)))
        : formatResource(applied, parseFormat(ctx.settings.format)),
    )
  }
}
