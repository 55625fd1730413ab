// `runiam run services describe SERVICE --format export` and `runiam run services replace FILE`:
// a service as the Knative (v1) YAML gcloud exports and replaces, through Cloud Run's v1 services
// API (`/v1/projects/P/locations/R/services[/S]`, which carries the region in the path).
// Compat: gcloud's export printer (command_lib/run/printers/export_printer.py) and
// surface/run/services/replace.py (namespace rule, region from --region, the location label or
// run/region, its messages).
import {
  EXPORT_OMITTED_ANNOTATIONS,
  EXPORT_OMITTED_METADATA,
  LOCATION_LABEL,
  type KnativeService,
  type RuniamClient,
} from '@runiam/api'
import { CliError } from '../cli-error.js'
import type { CommandContext } from '../command-context.js'
import { sortKeys } from '../output/format.js'
import { toYaml } from '../output/to-yaml.js'
import { parseJsonOrYaml, readFileText } from '../read-structured-file.js'
import {
  flagString,
  positional,
  requireProject,
  requireRegion,
  serviceRef,
} from '../resource-refs.js'

type Json = Record<string, unknown>

const seg = encodeURIComponent
const collection = (project: string, region: string): string =>
  `/v1/projects/${seg(project)}/locations/${seg(region)}/services`

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Compat: ExportPrinter._FilterForExport. */
export function exportView(service: KnativeService): Json {
  const copy = structuredClone(service) as unknown as Json
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
  const ref = serviceRef(ctx, positional(ctx, 'SERVICE'))
  const client = await ctx.client()
  const service = await client.request<KnativeService>(
    'GET',
    `${collection(ref.project, ref.region)}/${seg(ref.service)}`,
  )
  // gcloud prints apitools messages: keys in alphabetical order, block YAML.
  ctx.io.stdout(toYaml(sortKeys(exportView(service))))
}

function isNotFound(err: unknown): boolean {
  return (err as { status?: unknown }).status === 'NOT_FOUND'
}

async function projectNumber(client: RuniamClient, project: string): Promise<string> {
  return (await client.getProject(project)).projectNumber
}

export async function replace(ctx: CommandContext): Promise<void> {
  const file = positional(ctx, 'FILE')
  const doc = await parseJsonOrYaml(await readFileText(ctx.io, file))
  if (!isObject(doc)) {
    throw new CliError(`argument FILE: Invalid YAML/JSON Data [${file}]`, 2)
  }
  const service: Json = { ...doc }
  // Compat: gcloud clears the status (a migrated k8s object's would not parse) and reads a
  // project number written without quotes as the string it is.
  delete service['status']
  const metadata: Json = isObject(service['metadata']) ? { ...service['metadata'] } : {}
  service['metadata'] = metadata
  if (typeof metadata['namespace'] === 'number')
    metadata['namespace'] = String(metadata['namespace'])
  const client = await ctx.client()

  let namespace = typeof metadata['namespace'] === 'string' ? metadata['namespace'] : undefined
  if (namespace !== undefined) {
    // Compat: "Namespace must be project ID [{}] or quoted number [{}] for Cloud Run (fully managed)."
    const project = ctx.settings.project ?? namespace
    if (namespace !== project) {
      const number = await projectNumber(client, project)
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
    throw new CliError(`The service in [${file}] has no name: set metadata.name.`)
  }
  // Compat: flags.GetRegion: --region, then the location label, then run/region.
  const labels = metadata['labels']
  const label =
    isObject(labels) && typeof labels[LOCATION_LABEL] === 'string'
      ? labels[LOCATION_LABEL]
      : undefined
  const region = flagString(ctx, 'region') ?? label ?? requireRegion(ctx)

  const at = collection(namespace, region)
  let exists = true
  try {
    await client.request('GET', `${at}/${seg(name)}`)
  } catch (err) {
    if (!isNotFound(err)) throw err
    exists = false
  }
  ctx.io.stderr(
    `Applying new configuration to Cloud Run service [${name}] in project [${namespace}] region [${region}]\n`,
  )
  ctx.io.stderr(exists ? 'Deploying...' : 'Deploying new service...')
  let applied: KnativeService
  try {
    // Compat: ReleaseService replaces an existing service and creates a missing one.
    applied = exists
      ? await client.request<KnativeService>('PUT', `${at}/${seg(name)}`, { body: service })
      : await client.request<KnativeService>('POST', at, { body: service })
  } catch (err) {
    ctx.io.stderr('\n')
    throw err
  }
  ctx.io.stderr(' Done.\n')
  const url = applied.status?.url ?? applied.status?.address?.url ?? ''
  ctx.io.stderr(`New configuration has been applied to service [${name}].\nURL: ${url}\n`)
}
