// `runiam projects create|describe|list` against Resource Manager v1 paths.
import type { Project } from '@runiam/api'
import type { CommandContext } from '../command-context.js'
import { formatList, formatResource, formatTable, parseFormat } from '../output/format.js'
import { flagString, positional } from '../resource-refs.js'

export async function create(ctx: CommandContext): Promise<void> {
  const projectId = positional(ctx, 'PROJECT_ID')
  const name = flagString(ctx, 'name')
  const [{ operationResult }, client] = await Promise.all([
    import('@runiam/api/client'),
    ctx.client(),
  ])
  // Compat: gcloud projects create's progress lines.
  ctx.io.stderr(`Create in progress for [${client.endpoint}/v1/projects/${projectId}].\n`)
  const op = await client.createProject(name === undefined ? { projectId } : { projectId, name })
  ctx.io.stderr(`Waiting for [${op.name}] to finish...`)
  try {
    operationResult(op)
  } catch (err) {
    ctx.io.stderr('\n')
    throw err
  }
  ctx.io.stderr('done.\n')
  const format = parseFormat(ctx.settings.format)
  if (format.kind !== 'default' && op.response !== undefined)
    ctx.io.stdout(formatResource(op.response, format))
}

export async function describe(ctx: CommandContext): Promise<void> {
  const project = await (await ctx.client()).getProject(positional(ctx, 'PROJECT_ID'))
  ctx.io.stdout(formatResource(project, parseFormat(ctx.settings.format)))
}

export async function list(ctx: CommandContext): Promise<void> {
  const client = await ctx.client()
  const projects: Project[] = []
  let pageToken: string | undefined
  do {
    const page = await client.listProjects(pageToken)
    projects.push(...(page.projects ?? []))
    pageToken = page.nextPageToken === '' ? undefined : page.nextPageToken
  } while (pageToken !== undefined)
  projects.sort((a, b) => a.projectId.localeCompare(b.projectId))
  const format = parseFormat(ctx.settings.format)
  if (format.kind !== 'default') {
    ctx.io.stdout(formatList(projects, format))
    return
  }
  if (projects.length === 0) {
    ctx.io.stderr('Listed 0 items.\n')
    return
  }
  ctx.io.stdout(
    formatTable(
      ['PROJECT_ID', 'NAME', 'PROJECT_NUMBER'],
      projects.map((p) => [p.projectId, p.name ?? '', p.projectNumber ?? '']),
    ),
  )
}
