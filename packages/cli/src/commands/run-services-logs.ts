// `runiam run services logs read SERVICE`: what the service's processes printed, through
// cloud-run-logs.ts (shared with jobs and worker pools).
import type { CommandContext } from '../command-context.js'
import { positional, serviceRef } from '../resource-refs.js'
import { readLogs } from './cloud-run-logs.js'

export async function read(ctx: CommandContext): Promise<void> {
  const ref = serviceRef(ctx, positional(ctx, 'SERVICE'))
  await readLogs(ctx, {
    project: ref.project,
    region: ref.region,
    resourceType: 'cloud_run_revision',
    nameLabel: 'service_name',
    name: ref.service,
  })
}
