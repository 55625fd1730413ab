// `runiam run services describe SERVICE --format export` and `runiam run services replace FILE`:
// a service as the Knative (v1) YAML gcloud exports and replaces, through Cloud Run's v1 services
// API (`/v1/projects/P/locations/R/services[/S]`, which carries the region in the path). What
// replace checks first is knative-yaml.ts's, shared with jobs.
// Compat: gcloud's surface/run/services/replace.py (its messages).
import type { KnativeService } from '@runiam/api'
import type { CommandContext } from '../command-context.js'
import { sortKeys } from '../output/format.js'
import { toYaml } from '../output/to-yaml.js'
import { positional, serviceRef } from '../resource-refs.js'
import { exists, exportView, readReplaceFile } from './knative-yaml.js'

const seg = encodeURIComponent
const collection = (project: string, region: string): string =>
  `/v1/projects/${seg(project)}/locations/${seg(region)}/services`

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

export async function replace(ctx: CommandContext): Promise<void> {
  const { client, object, namespace, name, region } = await readReplaceFile(ctx, 'service')
  const at = collection(namespace, region)
  const found = await exists(client, `${at}/${seg(name)}`)
  ctx.io.stderr(
    `Applying new configuration to Cloud Run service [${name}] in project [${namespace}] region [${region}]\n`,
  )
  ctx.io.stderr(found ? 'Deploying...' : 'Deploying new service...')
  let applied: KnativeService
  try {
    // Compat: ReleaseService replaces an existing service and creates a missing one.
    applied = found
      ? await client.request<KnativeService>('PUT', `${at}/${seg(name)}`, { body: object })
      : await client.request<KnativeService>('POST', at, { body: object })
  } catch (err) {
    ctx.io.stderr('\n')
    throw err
  }
  ctx.io.stderr(' Done.\n')
  const url = applied.status?.url ?? applied.status?.address?.url ?? ''
  ctx.io.stderr(`New configuration has been applied to service [${name}].\nURL: ${url}\n`)
}
