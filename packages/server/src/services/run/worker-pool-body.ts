// The v2 WorkerPool JSON: what a caller may write (enums as ints or names, reserved annotation
// namespaces, unknown fields, the template's containers, instance splits and scaling) and the
// stored body with its output fields (uid, generation, conditions, revisions, etag). The rules
// every resource body shares are run-resource-body.ts's; the revision template's, service-body.ts's.
// Compat: google.cloud.run.v2.WorkerPool, WorkerPoolRevisionTemplate, InstanceSplit,
// WorkerPoolScaling.
import { isObject, randomEtag, randomSuffix } from '../context.js'
import { invalidArgument } from '../names.js'
import {
  applyMask,
  baseBody,
  checkAudiences,
  checkStrings,
  enumValue,
  invalidValue as bad,
  LAUNCH_STAGE,
  OUTPUT_ONLY,
  readWritable,
  SNAKE,
  writableFields,
  type BodyShape,
} from './run-resource-body.js'
import { readTemplate } from './service-body.js'

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

const SHAPE: BodyShape = {
  field: 'worker_pool',
  type: 'WorkerPool',
  writable: WRITABLE,
  outputOnly: new Set([
    ...OUTPUT_ONLY,
    'latestReadyRevision',
    'latestCreatedRevision',
    'instanceSplitStatuses',
    'threatDetectionEnabled',
  ]),
  snake: { ...SNAKE, instance_splits: 'instanceSplits', custom_audiences: 'customAudiences' },
}

// Compat: instance_split.proto InstanceSplitAllocationType, numbered as clients send it.
const SPLIT_TYPE = [
  'INSTANCE_SPLIT_ALLOCATION_TYPE_UNSPECIFIED',
  'INSTANCE_SPLIT_ALLOCATION_TYPE_LATEST',
  'INSTANCE_SPLIT_ALLOCATION_TYPE_REVISION',
] as const

/** The writable part of a WorkerPool request body, validated and with enums as names. */
export type WorkerPoolInput = Record<string, unknown>

export function readWorkerPoolInput(body: unknown): WorkerPoolInput {
  const out: WorkerPoolInput = readWritable(body, SHAPE)
  if (out['launchStage'] !== undefined) {
    out['launchStage'] = enumValue('worker_pool.launch_stage', out['launchStage'], LAUNCH_STAGE)
  }
  checkStrings(out, 'worker_pool', ['description', 'client', 'clientVersion'])
  // Compat: "This field currently has a 512-character limit."
  if (typeof out['description'] === 'string' && out['description'].length > 512) {
    throw invalidArgument(
      'worker_pool.description',
      `worker_pool.description is ${out['description'].length} characters long; the limit is 512.`,
    )
  }
  checkAudiences(out, 'worker_pool')
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
  const { generation, time: t, body } = baseBody(a)
  const revision = `${a.name}/revisions/${a.workerPoolId}-${String(generation).padStart(5, '0')}-${randomSuffix(3)}`
  const input = a.input
  const latest = { type: SPLIT_TYPE[1], percent: 100 }
  return Object.assign(body, {
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
  })
}

/** The writable fields of a stored body (the base an update mask applies to). */
export function writableOfWorkerPool(body: Readonly<Record<string, unknown>>): WorkerPoolInput {
  return writableFields(body, WRITABLE)
}

/** Applies an update mask (paths dotted, camelCase or snake_case; `*` for every field). */
export function applyWorkerPoolMask(
  base: WorkerPoolInput,
  incoming: WorkerPoolInput,
  mask: string,
): WorkerPoolInput {
  return applyMask(base, incoming, mask, WRITABLE)
}
