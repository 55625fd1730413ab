// `runiam run jobs describe JOB --format export` and `runiam run jobs replace FILE`: a job as the
// run.googleapis.com/v1 YAML gcloud exports and replaces, through Cloud Run's v1 jobs API
// (`/apis/run.googleapis.com/v1/namespaces/P/jobs[/J]`). Google serves that API on regional hosts
// only; gcloud derives one by putting the region in front of the endpoint's host, and so does
// this: the request goes to api_endpoint with `Host: {region}-{host}`, which runiam reads the
// region from. What replace checks first is knative-yaml.ts's, shared with services.
// Compat: gcloud's surface/run/jobs/replace.py (its spec.template check and messages).
import type { KnativeJob, RuniamClient } from '@runiam/api'
import { CliError } from '../cli-error.js'
import type { CommandContext } from '../command-context.js'
import { jobRef } from '../job-refs.js'
import { formatExpression, formatResource, parseFormat, sortKeys } from '../output/format.js'
import { toYaml } from '../output/to-yaml.js'
import { positional } from '../resource-refs.js'
import { exists, exportView, isObject, readReplaceFile, type Json } from './knative-yaml.js'

const TOOL = 'runiam'
const seg = encodeURIComponent
const jobsPath = (namespace: string): string =>
  `/apis/run.googleapis.com/v1/namespaces/${seg(namespace)}/jobs`

/** Compat: gcloud's regional endpoint (`{region}-run.googleapis.com`), as a Host header. */
function regional(client: RuniamClient, region: string): { headers: Record<string, string> } {
  return { headers: { host: `${region}-${new URL(client.endpoint).host}` } }
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
  ctx.io.stdout(toYaml(sortKeys(exportView(job))))
}

/** Compat: gcloud insists on spec.template before anything else. */
function checkSpec(job: Json): void {
  const spec = job['spec']
  if (!isObject(spec) || !isObject(spec['template'])) {
    throw new CliError(
      'spec.template is required but missing. Please check the content in your yaml file.',
    )
  }
}

export async function replace(ctx: CommandContext): Promise<void> {
  const { client, object, namespace, name, region } = await readReplaceFile(ctx, 'job', checkSpec)
  const at = regional(client, region)
  const path = `${jobsPath(namespace)}/${seg(name)}`
  const found = await exists(client, path, at)
  const operation = found ? 'Updating' : 'Creating'
  ctx.io.stderr(
    `${operation} Cloud Run job [${name}] in project [${namespace}] region [${region}]\n`,
  )
  ctx.io.stderr(`${operation} job...`)
  let applied: KnativeJob
  try {
    // Compat: an existing job is replaced (PUT), a missing one created (POST).
    applied = found
      ? await client.request<KnativeJob>('PUT', path, { ...at, body: object })
      : await client.request<KnativeJob>('POST', jobsPath(namespace), { ...at, body: object })
  } catch (err) {
    ctx.io.stderr('\n')
    throw err
  }
  ctx.io.stderr(' Done.\n')
  ctx.io.stderr(
    `Job [${name}] has been successfully ${found ? 'updated' : 'created'}.\n\nTo execute this job, use:\n${TOOL} run jobs execute ${name}\n`,
  )
  // Compat: no output by default (gcloud's `none`); --format prints the job.
  const requested = formatExpression(ctx.settings.format)?.trim()
  if (requested !== undefined && requested !== '' && requested !== 'none') {
    ctx.io.stdout(
      requested === 'export'
        ? toYaml(sortKeys(exportView(applied)))
        : formatResource(applied, parseFormat(ctx.settings.format)),
    )
  }
}
