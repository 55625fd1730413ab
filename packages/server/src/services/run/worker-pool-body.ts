// The v2 WorkerPool JSON: what a caller may write (enums as ints or names, reserved annotation
// namespaces, unknown fields, the template's containers, instance splits and scaling) and the
// stored body with its output fields (uid, generation, conditions, revisions, etag). The field
// rules a worker pool shares with a service come from service-body.ts.
// Compat: google.cloud.run.v2.WorkerPool, WorkerPoolRevisionTemplate, InstanceSplit,
// WorkerPoolScaling.
import { isObject, isoTime, newUuid, randomEtag, randomSuffix } from '../context.js'
import { invalidArgument } from '../names.js'
import { applyMask, enumValue, LAUNCH_STAGE, readTemplate, stringMap } from './service-body.js'

/** Fields a caller may set. */
const WRITABLE = [
  'description',
  'labels',
  'annotations',
  'client',
  'clientVersion',
  'launchStage',
  'binaryAuthorization',
  'template',
  'instanceSplits',
  'scaling',
  'customAudiences',
] as const

/** Output-only fields: accepted and ignored (a get → edit → update round trip sends them back). */
const OUTPUT_ONLY = new Set([
  'name',
  'uid',
  'generation',
  'createTime',
  'updateTime',
  'deleteTime',
  'expireTime',
  'creator',
  'lastModifier',
  'observedGeneration',
  'terminalCondition',
  'conditions',
  'latestReadyRevision',
  'latestCreatedRevision',
  'instanceSplitStatuses',
  'threatDetectionEnabled',
  'satisfiesPzs',
  'reconciling',
  'etag',
])

const SNAKE: Readonly<Record<string, string>> = {
  client_version: 'clientVersion',
  launch_stage: 'launchStage',
  binary_authorization: 'binaryAuthorization',
  instance_splits: 'instanceSplits',
  custom_audiences: 'customAudiences',
}

// Compat: instance_split.proto InstanceSplitAllocationType, numbered as clients send it.
const SPLIT_TYPE = [
  'INSTANCE_SPLIT_ALLOCATION_TYPE_UNSPECIFIED',
  'INSTANCE_SPLIT_ALLOCATION_TYPE_LATEST',
  'INSTANCE_SPLIT_ALLOCATION_TYPE_REVISION',
] as const

/** The writable part of a WorkerPool request body, validated and with enums as names. */
export type WorkerPoolInput = Record<string, unknown>

const bad = (field: string, value: unknown) =>
  invalidArgument(field, `Invalid value at '${field}', ${JSON.stringify(value)}`)

export function readWorkerPoolInput(body: unknown): WorkerPoolInput {
  if (!isObject(body)) {
    throw invalidArgument('worker_pool', 'Request body must be a JSON WorkerPool object.')
  }
  const out: WorkerPoolInput = {}
  for (const [rawKey, value] of Object.entries(body)) {
    const key = SNAKE[rawKey] ?? rawKey
    if (OUTPUT_ONLY.has(key)) continue
    if (!(WRITABLE as readonly string[]).includes(key)) {
      throw invalidArgument(
        rawKey,
        `Invalid JSON payload received. Unknown name "${rawKey}" at 'worker_pool': Cannot find field.`,
      )
    }
    if (value === null || value === undefined) continue
    out[key] = value
  }
  if (out['labels'] !== undefined) out['labels'] = stringMap('worker_pool.labels', out['labels'])
  if (out['annotations'] !== undefined) {
    out['annotations'] = stringMap('worker_pool.annotations', out['annotations'])
  }
  if (out['launchStage'] !== undefined) {
    out['launchStage'] = enumValue('worker_pool.launch_stage', out['launchStage'], LAUNCH_STAGE)
  }
  for (const f of ['description', 'client', 'clientVersion'] as const) {
    if (out[f] !== undefined && typeof out[f] !== 'string') throw bad(`worker_pool.${f}`, out[f])
  }
  // Compat: "This field currently has a 512-character limit."
  if (typeof out['description'] === 'string' && out['description'].length > 512) {
    throw invalidArgument(
      'worker_pool.description',
      `worker_pool.description is ${out['description'].length} characters long; the limit is 512.`,
    )
  }
  const aud = out['customAudiences']
  if (
    aud !== undefined &&
    (!Array.isArray(aud) || aud.some((a) => typeof a !== 'string' || a === ''))
  ) {
    throw bad('worker_pool.custom_audiences', aud)
  }
  if (out['template'] !== undefined) out['template'] = readTemplate(out['template'], 'worker_pool')
  if (out['instanceSplits'] !== undefined) {
    out['instanceSplits'] = readInstanceSplits(out['instanceSplits'])
  }
  if (out['scaling'] !== undefined) out['scaling'] = readScaling(out['scaling'])
  return out
}

function readInstanceSplits(raw: unknown): Record<string, unknown>[] {
  if (!Array.isArray(raw)) throw bad('worker_pool.instance_splits', raw)
  return raw.map((s: unknown, i) => {
    const field = `worker_pool.instance_splits[${i}]`
    if (!isObject(s)) throw bad(field, s)
    const out: Record<string, unknown> = { ...s }
    if (out['type'] !== undefined) out['type'] = enumValue(`${field}.type`, out['type'], SPLIT_TYPE)
    const percent = out['percent']
    if (
      percent !== undefined &&
      (typeof percent !== 'number' || !Number.isInteger(percent) || percent < 0 || percent > 100)
    ) {
      throw bad(`${field}.percent`, percent)
    }
    if (out['revision'] !== undefined && typeof out['revision'] !== 'string') {
      throw bad(`${field}.revision`, out['revision'])
    }
    return out
  })
}

function readScaling(raw: unknown): Record<string, unknown> {
  if (!isObject(raw)) throw bad('worker_pool.scaling', raw)
  const out: Record<string, unknown> = { ...raw }
  if (out['manual_instance_count'] !== undefined && out['manualInstanceCount'] === undefined) {
    out['manualInstanceCount'] = out['manual_instance_count']
    delete out['manual_instance_count']
  }
  const count = out['manualInstanceCount']
  // Compat: int32; the JSON mapping also accepts a decimal string.
  const n = typeof count === 'string' && /^\d+$/.test(count) ? Number(count) : count
  if (count !== undefined) {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 2 ** 31 - 1) {
      throw bad('worker_pool.scaling.manual_instance_count', count)
    }
    out['manualInstanceCount'] = n
  }
  return out
}

/** A create needs a template with at least one container (Google: template is REQUIRED). */
export function requireTemplate(input: WorkerPoolInput): void {
  const t = input['template']
  if (!isObject(t)) {
    throw invalidArgument(
      'worker_pool.template',
      'worker_pool.template: Required field is not set.',
    )
  }
  const containers = t['containers']
  if (!Array.isArray(containers) || containers.length === 0) {
    throw invalidArgument(
      'worker_pool.template.containers',
      'worker_pool.template.containers: at least one container is required.',
    )
  }
}

export interface BuildWorkerPoolArgs {
  readonly name: string
  readonly workerPoolId: string
  readonly input: WorkerPoolInput
  readonly actor: string
  readonly nowMs: number
  /** The current body, on update. */
  readonly previous?: Readonly<Record<string, unknown>>
}

/** The full stored WorkerPool body for a create (no previous) or an update. */
export function buildWorkerPool(a: BuildWorkerPoolArgs): Record<string, unknown> {
  const t = isoTime(a.nowMs)
  const prev = a.previous
  const generation = prev === undefined ? 1 : Number(prev['generation'] ?? '0') + 1
  const revision = `${a.name}/revisions/${a.workerPoolId}-${String(generation).padStart(5, '0')}-${randomSuffix(3)}`
  const input = a.input
  const latest = { type: SPLIT_TYPE[1], percent: 100 }
  const body: Record<string, unknown> = {
    name: a.name,
    ...(input['description'] === undefined ? {} : { description: input['description'] }),
    uid: prev === undefined ? newUuid() : prev['uid'],
    generation: String(generation),
    labels: input['labels'] ?? {},
    annotations: input['annotations'] ?? {},
    createTime: prev === undefined ? t : prev['createTime'],
    updateTime: t,
    creator: prev === undefined ? a.actor : prev['creator'],
    lastModifier: a.actor,
    ...(input['client'] === undefined ? {} : { client: input['client'] }),
    ...(input['clientVersion'] === undefined ? {} : { clientVersion: input['clientVersion'] }),
    launchStage: input['launchStage'] ?? 'GA',
    ...(input['binaryAuthorization'] === undefined
      ? {}
      : { binaryAuthorization: input['binaryAuthorization'] }),
    template: input['template'],
    instanceSplits: input['instanceSplits'] ?? [latest],
    ...(input['scaling'] === undefined ? {} : { scaling: input['scaling'] }),
    ...(input['customAudiences'] === undefined
      ? {}
      : { customAudiences: input['customAudiences'] }),
    observedGeneration: String(generation),
    terminalCondition: { type: 'Ready', state: 'CONDITION_SUCCEEDED', lastTransitionTime: t },
    conditions: [],
    latestReadyRevision: revision,
    latestCreatedRevision: revision,
    instanceSplitStatuses: [latest],
    etag: randomEtag(),
  }
  return body
}

/** The writable fields of a stored body (the base an update mask applies to). */
export function writableOfWorkerPool(body: Readonly<Record<string, unknown>>): WorkerPoolInput {
  const out: WorkerPoolInput = {}
  for (const f of WRITABLE) if (body[f] !== undefined) out[f] = body[f]
  return out
}

/** Applies an update mask (paths dotted, camelCase or snake_case; `*` for every field). */
export function applyWorkerPoolMask(
  base: WorkerPoolInput,
  incoming: WorkerPoolInput,
  mask: string,
): WorkerPoolInput {
  return applyMask(base, incoming, mask, WRITABLE)
}
