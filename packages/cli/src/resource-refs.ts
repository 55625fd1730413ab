// Resolves which project, region and service a command acts on, with gcloud's messages when a
// required setting is missing.
import type { ServiceRef } from '@runiam/api'
import { CliError } from './cli-error.js'
import type { CommandContext } from './command-context.js'

export function requireProject(ctx: CommandContext): string {
  const p = ctx.settings.project
  if (p !== undefined) return p
  // Compat: gcloud's RequiredPropertyError for core/project.
  throw new CliError(
    'The required property [project] is not currently set.\nYou may set it for your current workspace by running:\n\n  $ runiam config set project VALUE\n\nor it can be set temporarily by the environment variable [RUNIAM_PROJECT]',
  )
}

export function requireRegion(ctx: CommandContext): string {
  const r = ctx.settings.region
  if (r !== undefined) return r
  // Compat: gcloud run's non-interactive region resolution (flag, then run/region).
  throw new CliError(
    'Missing required argument [--region]: You must specify a region. Either use the `--region` flag or set the `run/region` property (`runiam config set run/region REGION`).',
  )
}

const FULL_NAME = /^projects\/([^/]+)\/locations\/([^/]+)\/services\/([^/]+)$/

/** The service of a `run services …` command; SERVICE may also be a full resource name. */
export function serviceRef(ctx: CommandContext, name: string): ServiceRef {
  const m = FULL_NAME.exec(name)
  if (m !== null)
    return { project: m[1] as string, region: m[2] as string, service: m[3] as string }
  return { project: requireProject(ctx), region: requireRegion(ctx), service: name }
}

/** A positional argument the grammar marks required. */
export function positional(ctx: CommandContext, name: string): string {
  const v = ctx.args.positionals[name]
  if (v === undefined) throw new CliError(`argument ${name}: Must be specified.`, 2)
  return v
}

export function flagString(ctx: CommandContext, name: string): string | undefined {
  const v = ctx.args.flags.get(name)
  return typeof v === 'string' ? v : undefined
}

export function flagBool(ctx: CommandContext, name: string): boolean | undefined {
  const v = ctx.args.flags.get(name)
  return typeof v === 'boolean' ? v : undefined
}
