// What `run services` and `run jobs` share for their v1 (Knative) YAML: the view `describe
// --format export` prints, and the checks `replace FILE` makes before it writes (the file, its
// namespace, name and region). Compat: gcloud's export printer
// (command_lib/run/printers/export_printer.py) and surface/run/{services,jobs}/replace.py.
import {
  EXPORT_OMITTED_ANNOTATIONS,
  EXPORT_OMITTED_METADATA,
  LOCATION_LABEL,
  type RequestOptions,
  type RuniamClient,
} from '@runiam/api'
import { CliError } from '../cli-error.js'
import type { CommandContext } from '../command-context.js'
import { parseJsonOrYaml, readFileText } from '../read-structured-file.js'
import { flagString, positional, requireProject, requireRegion } from '../resource-refs.js'

export type Json = Record<string, unknown>

export const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** Compat: ExportPrinter._FilterForExport (the same rules for every kind of object). */
export function exportView(object: object): Json {
  const copy = structuredClone(object) as Json
  delete copy['status']
  const meta = copy['metadata']
  if (isObject(meta)) {
    for (const k of EXPORT_OMITTED_METADATA) delete meta[k]
    const annotations = meta['annotations']
    if (isObject(annotations)) for (const k of EXPORT_OMITTED_ANNOTATIONS) delete annotations[k]
  }
  return copy
}

/** A replace's object as it will be sent, and where it goes. */
export interface ReplaceTarget {
  readonly client: RuniamClient
  /** The file's object, without its status, with its metadata.namespace set. */
  readonly object: Json
  readonly namespace: string
  /** metadata.name. */
  readonly name: string
  readonly region: string
}

/**
 * Reads FILE for `run {services,jobs} replace` and checks it as gcloud does: an object (its
 * status cleared: it is ignored, and a copied one may not parse), `checkSpec` (a job's
 * spec.template), a namespace that is the project's id or number (a number written without
 * quotes read as the string it is), a name, and the region from --region, the location label
 * or run/region.
 */
export async function readReplaceFile(
  ctx: CommandContext,
  noun: string,
  checkSpec: (object: Json) => void = () => {},
): Promise<ReplaceTarget> {
  const file = positional(ctx, 'FILE')
  const doc = await parseJsonOrYaml(await readFileText(ctx.io, file))
  if (!isObject(doc)) {
    throw new CliError(`argument FILE: Invalid YAML/JSON Data [${file}]`, 2)
  }
  const object: Json = { ...doc }
  delete object['status']
  checkSpec(object)
  const metadata: Json = isObject(object['metadata']) ? { ...object['metadata'] } : {}
  object['metadata'] = metadata
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
    throw new CliError(`The ${noun} in [${file}] has no name: set metadata.name.`)
  }
  // Compat: flags.GetRegion: --region, then the location label, then run/region.
  const labels = metadata['labels']
  const label =
    isObject(labels) && typeof labels[LOCATION_LABEL] === 'string'
      ? labels[LOCATION_LABEL]
      : undefined
  const region = flagString(ctx, 'region') ?? label ?? requireRegion(ctx)
  return { client, object, namespace, name, region }
}

/** Whether the object at `path` exists (a GET that is not NOT_FOUND; other errors throw). */
export async function exists(
  client: RuniamClient,
  path: string,
  options?: RequestOptions,
): Promise<boolean> {
  try {
    await client.request('GET', path, options)
    return true
  } catch (err) {
    if ((err as { status?: unknown }).status === 'NOT_FOUND') return false
    throw err
  }
}
