// `runiam run services list|describe|delete` against Cloud Run v2.
import type { Service } from '@runiam/api'
import type { CommandContext } from '../command-context.js'
import {
  formatList,
  formatResource,
  formatTable,
  parseFormat,
  formatExpression,
} from '../output/format.js'
import { promptContinue } from '../prompt.js'
import { positional, requireProject, serviceRef } from '../resource-refs.js'

export async function list(ctx: CommandContext): Promise<void> {
  const project = requireProject(ctx)
  // Compat: without a region gcloud lists every region; v2 spells that location "-".
  const region = ctx.settings.region ?? '-'
  const client = await ctx.client()
  const services: Service[] = []
  let pageToken: string | undefined
  do {
    const page = await client.listServices(project, region, pageToken)
    services.push(...(page.services ?? []))
    pageToken = page.nextPageToken === '' ? undefined : page.nextPageToken
  } while (pageToken !== undefined)
  const format = parseFormat(ctx.settings.format)
  if (format.kind !== 'default') {
    ctx.io.stdout(formatList(services, format))
    return
  }
  if (services.length === 0) {
    ctx.io.stderr('Listed 0 items.\n')
    return
  }
  const rows = services.map((s) => {
    const parts = (s.name ?? '').split('/')
    return [
      '✔',
      parts[5] ?? '',
      parts[3] ?? '',
      s.uri ?? '',
      s.lastModifier ?? s.creator ?? '',
      s.updateTime ?? s.createTime ?? '',
    ]
  })
  ctx.io.stdout(
    formatTable(['', 'SERVICE', 'REGION', 'URL', 'LAST DEPLOYED BY', 'LAST DEPLOYED AT'], rows),
  )
}

/**
 * Compat: gcloud's `run services describe` prints the v1 (Knative) Service, and guides read fields
 * of it with `--format='value(status.url)'`. For value() only, the v1 paths guides use are
 * answered from the v2 Service that runiam prints (yaml/json output stays the v2 Service).
 */
function withV1Fields(service: Service): Record<string, unknown> {
  const name = service.name ?? ''
  const parts = name.split('/')
  return {
    ...service,
    metadata: {
      name: parts[5],
      namespace: parts[1],
      labels: service.labels,
      annotations: service.annotations,
      uid: service.uid,
      generation: service.generation,
    },
    status: {
      url: service.uri,
      address: { url: service.uri },
      latestReadyRevisionName: service.latestReadyRevision?.split('/').at(-1),
      latestCreatedRevisionName: service.latestCreatedRevision?.split('/').at(-1),
    },
  }
}

export async function describe(ctx: CommandContext): Promise<void> {
  if (formatExpression(ctx.settings.format)?.trim() === 'export') {
    // Compat: gcloud's export printer prints the v1 (Knative) Service for `replace`.
    return (await import('./run-services-yaml.js')).describeExport(ctx)
  }
  const ref = serviceRef(ctx, positional(ctx, 'SERVICE'))
  const service = await (await ctx.client()).getService(ref)
  const format = parseFormat(ctx.settings.format)
  ctx.io.stdout(formatResource(format.kind === 'value' ? withV1Fields(service) : service, format))
}

export async function remove(ctx: CommandContext): Promise<void> {
  const ref = serviceRef(ctx, positional(ctx, 'SERVICE'))
  // Compat: gcloud run services delete asks, and refuses to guess without a terminal.
  await promptContinue(ctx, {
    message: `Service [${ref.service}] will be deleted.`,
    throwIfUnattended: true,
    cancelOnNo: true,
  })
  const [{ operationResult }, client] = await Promise.all([
    import('@runiam/api/client'),
    ctx.client(),
  ])
  operationResult(await client.deleteService(ref))
  ctx.io.stderr(`Deleted service [${ref.service}].\n`)
}
