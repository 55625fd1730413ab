// The v2 Job JSON: validating what a caller may write (the execution template, its task template
// and containers, enums as numbers or names, reserved label and annotation namespaces, unknown
// fields), building the stored body with its output fields, update masks, and the RunJobRequest
// with its overrides. The rules every resource body shares are run-resource-body.ts's.
// Compat: google.cloud.run.v2.Job, ExecutionTemplate, TaskTemplate, RunJobRequest.
import { isObject, randomEtag } from '../context.js'
import { invalidArgument } from '../names.js'
import {
  applyMask,
  baseBody,
  checkStrings,
  enumValue,
  EXECUTION_ENV,
  invalidValue as bad,
  LAUNCH_STAGE,
  OUTPUT_ONLY,
  readWritable,
  SNAKE as COMMON_SNAKE,
  stringMap,
  writableFields,
  type BodyShape,
  type Json,
} from './run-resource-body.js'

export type { Json }

/** Fields of a Job a caller may set. */
const WRITABLE = [
  'labels',
  'annotations',
  'client',
  'clientVersion',
  'launchStage',
  'binaryAuthorization',
  'template',
] as const

const SNAKE: Readonly<Record<string, string>> = {
  ...COMMON_SNAKE,
  task_count: 'taskCount',
  max_retries: 'maxRetries',
  service_account: 'serviceAccount',
  execution_environment: 'executionEnvironment',
  start_execution_token: 'startExecutionToken',
  run_execution_token: 'runExecutionToken',
}
const camel = (k: string): string => SNAKE[k] ?? k

/** Compat: Cloud Run's defaults for a job's tasks. */
export const DEFAULT_MAX_RETRIES = 3
export const DEFAULT_TASK_TIMEOUT_SECONDS = 600
/** Compat: Cloud Run's limits: 10,000 tasks, 10 retries, a task timeout of at most 168 hours. */
export const MAX_TASK_COUNT = 10_000
const MAX_RETRIES = 10
const MAX_TIMEOUT_SECONDS = 168 * 3600

/**
 * Environment variables Cloud Run sets in a job's containers. Compat: like Cloud Run, a job or an
 * override that sets one is refused.
 */
export const RESERVED_ENV = [
  'CLOUD_RUN_JOB',
  'CLOUD_RUN_EXECUTION',
  'CLOUD_RUN_TASK_INDEX',
  'CLOUD_RUN_TASK_ATTEMPT',
  'CLOUD_RUN_TASK_COUNT',
]

/** A job's reserved label messages name the whole field (`job.labels`, `job.template.labels`). */
const labelMap = (field: string, raw: unknown): Record<string, string> =>
  stringMap(field, raw, field)

/** An int32 as proto3 JSON allows it (a number or a decimal string), within [min, max]. */
function int(field: string, raw: unknown, min: number, max: number): number {
  const n = typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : raw
  if (typeof n !== 'number' || !Number.isInteger(n)) {
    throw invalidArgument(field, `Invalid value at '${field}' (TYPE_INT32), ${JSON.stringify(raw)}`)
  }
  if (n < min || n > max) {
    throw invalidArgument(field, `${field} must be between ${min} and ${max}; got ${n}.`)
  }
  return n
}

function strings(field: string, raw: unknown): string[] {
  if (!Array.isArray(raw) || raw.some((x) => typeof x !== 'string')) throw bad(field, raw)
  return raw as string[]
}

/** A google.protobuf.Duration in proto3 JSON ("600s", "1.5s"), as seconds. */
export function parseDuration(field: string, raw: unknown): number {
  const m = typeof raw === 'string' ? /^(\d+)(\.\d{1,9})?s$/.exec(raw) : null
  if (m === null) {
    throw invalidArgument(
      field,
      `Invalid value at '${field}' (type.googleapis.com/google.protobuf.Duration), ${JSON.stringify(raw)}`,
    )
  }
  const seconds = Number(`${m[1]}${m[2] ?? ''}`)
  if (seconds <= 0 || seconds > MAX_TIMEOUT_SECONDS) {
    throw invalidArgument(
      field,
      `${field} must be more than 0 seconds and at most ${MAX_TIMEOUT_SECONDS}s (168 hours); got ${String(raw)}.`,
    )
  }
  return seconds
}

/** Compat: Cloud Run's message for reserved environment variable names. */
function checkEnv(field: string, raw: unknown): Json[] {
  if (!Array.isArray(raw)) throw bad(field, raw)
  const reserved: string[] = []
  const env = raw.map((e: unknown, i) => {
    if (!isObject(e) || typeof e['name'] !== 'string' || e['name'] === '') {
      throw invalidArgument(
        `${field}[${i}].name`,
        `${field}[${i}].name: Required field is not set.`,
      )
    }
    if (e['value'] !== undefined && typeof e['value'] !== 'string') {
      throw bad(`${field}[${i}].value`, e['value'])
    }
    if (RESERVED_ENV.includes(e['name'])) reserved.push(e['name'])
    return { ...e }
  })
  if (reserved.length > 0) {
    throw invalidArgument(
      field,
      `${field}: The following reserved env names were provided: ${reserved.join(', ')}. These values are automatically set by the system.`,
    )
  }
  return env
}

function readContainers(field: string, raw: unknown): Json[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    throw invalidArgument(field, `${field}: a job needs exactly one container.`)
  }
  return raw.map((c: unknown, i) => {
    const f = `${field}[${i}]`
    if (!isObject(c) || typeof c['image'] !== 'string' || c['image'] === '') {
      throw invalidArgument(`${f}.image`, `${f}.image: Required field is not set.`)
    }
    const out: Json = { ...c }
    for (const k of ['command', 'args'] as const) {
      if (out[k] !== undefined && out[k] !== null) out[k] = strings(`${f}.${k}`, out[k])
    }
    if (out['env'] !== undefined && out['env'] !== null)
      out['env'] = checkEnv(`${f}.env`, out['env'])
    return out
  })
}

function readTaskTemplate(field: string, raw: unknown): Json {
  if (!isObject(raw)) throw invalidArgument(field, `${field}: Required field is not set.`)
  const out: Json = {}
  for (const [k, v] of Object.entries(raw)) if (v !== null && v !== undefined) out[camel(k)] = v
  out['containers'] = readContainers(`${field}.containers`, out['containers'])
  if (out['maxRetries'] !== undefined) {
    out['maxRetries'] = int(`${field}.max_retries`, out['maxRetries'], 0, MAX_RETRIES)
  }
  if (out['timeout'] !== undefined) parseDuration(`${field}.timeout`, out['timeout'])
  if (out['serviceAccount'] !== undefined && typeof out['serviceAccount'] !== 'string') {
    throw bad(`${field}.service_account`, out['serviceAccount'])
  }
  if (out['executionEnvironment'] !== undefined) {
    out['executionEnvironment'] = enumValue(
      `${field}.execution_environment`,
      out['executionEnvironment'],
      EXECUTION_ENV,
    )
  }
  return out
}

function readExecutionTemplate(raw: unknown): Json {
  const field = 'job.template'
  if (!isObject(raw)) throw invalidArgument(field, `${field}: Required field is not set.`)
  const out: Json = {}
  for (const [k, v] of Object.entries(raw)) {
    if (v === null || v === undefined) continue
    const key = camel(k)
    if (!['labels', 'annotations', 'parallelism', 'taskCount', 'template'].includes(key)) {
      throw invalidArgument(
        `${field}.${k}`,
        `Invalid JSON payload received. Unknown name "${k}" at '${field}': Cannot find field.`,
      )
    }
    out[key] = v
  }
  if (out['labels'] !== undefined) out['labels'] = labelMap(`${field}.labels`, out['labels'])
  if (out['annotations'] !== undefined) {
    out['annotations'] = labelMap(`${field}.annotations`, out['annotations'])
  }
  if (out['taskCount'] !== undefined) {
    out['taskCount'] = int(`${field}.task_count`, out['taskCount'], 0, MAX_TASK_COUNT)
  }
  if (out['parallelism'] !== undefined) {
    out['parallelism'] = int(`${field}.parallelism`, out['parallelism'], 0, MAX_TASK_COUNT)
  }
  out['template'] = readTaskTemplate(`${field}.template`, out['template'])
  return out
}

/** The writable part of a Job request body, validated, with enums as names. */
export type JobInput = Json

const SHAPE: BodyShape = {
  field: 'job',
  type: 'Job',
  writable: WRITABLE,
  outputOnly: new Set([...OUTPUT_ONLY, 'executionCount', 'latestCreatedExecution']),
  snake: SNAKE,
  fullFieldInKeyErrors: true,
  other: (key, rawKey, value) => {
    if (key !== 'startExecutionToken' && key !== 'runExecutionToken') return false
    if (value === null || value === undefined || value === '') return true
    throw invalidArgument(
      `job.${rawKey}`,
      `job.${rawKey} is not supported by runiam: run the job with jobs.run (runiam run jobs execute).`,
    )
  },
}

export function readJobInput(body: unknown): JobInput {
  const out: JobInput = readWritable(body, SHAPE)
  if (out['launchStage'] !== undefined) {
    out['launchStage'] = enumValue('job.launch_stage', out['launchStage'], LAUNCH_STAGE)
  }
  checkStrings(out, 'job', ['client', 'clientVersion'])
  if (out['template'] !== undefined) out['template'] = readExecutionTemplate(out['template'])
  return out
}

/** Compat: a job needs its template (ExecutionTemplate is REQUIRED). */
export function requireTemplate(input: JobInput): void {
  if (input['template'] === undefined) {
    throw invalidArgument('job.template', 'job.template: Required field is not set.')
  }
}

/** The template as Google answers it: taskCount, maxRetries and timeout filled with defaults. */
function withDefaults(template: Json): Json {
  const tt = isObject(template['template']) ? template['template'] : {}
  const taskCount = Number(template['taskCount'] ?? 0)
  return {
    ...template,
    taskCount: taskCount > 0 ? taskCount : 1,
    template: {
      ...tt,
      maxRetries: tt['maxRetries'] ?? DEFAULT_MAX_RETRIES,
      timeout: tt['timeout'] ?? `${DEFAULT_TASK_TIMEOUT_SECONDS}s`,
    },
  }
}

export interface BuildJobArgs {
  readonly name: string
  readonly input: JobInput
  readonly actor: string
  readonly nowMs: number
  /** The current body, on update. */
  readonly previous?: Readonly<Json>
}

/** The full stored Job body for a create (no previous) or an update. */
export function buildJob(a: BuildJobArgs): Json {
  const { generation, time: t, body } = baseBody(a)
  const prev = a.previous
  const input = a.input
  Object.assign(body, {
    launchStage: input['launchStage'] ?? 'GA',
    ...(input['binaryAuthorization'] === undefined
      ? {}
      : { binaryAuthorization: input['binaryAuthorization'] }),
    template: withDefaults(isObject(input['template']) ? input['template'] : {}),
    observedGeneration: String(generation),
    terminalCondition: { type: 'Ready', state: 'CONDITION_SUCCEEDED', lastTransitionTime: t },
    conditions: [],
  })
  if (prev?.['executionCount'] !== undefined) body['executionCount'] = prev['executionCount']
  if (prev?.['latestCreatedExecution'] !== undefined) {
    body['latestCreatedExecution'] = prev['latestCreatedExecution']
  }
  body['etag'] = randomEtag()
  return body
}

/** The writable fields of a stored body (the base an update mask applies to). */
export function writableOfJob(body: Readonly<Json>): JobInput {
  return writableFields(body, WRITABLE)
}

/**
 * Applies an update mask: each path (dotted, camelCase or snake_case) is copied from `incoming`
 * into `base`, or removed when `incoming` lacks it. `*` means every writable field.
 */
export function applyJobMask(base: JobInput, incoming: JobInput, mask: string): JobInput {
  return applyMask(base, incoming, mask, WRITABLE)
}

/** RunJobRequest.overrides, validated. */
export interface RunOverrides {
  readonly containerOverrides: readonly {
    readonly name?: string
    readonly args?: readonly string[]
    readonly env?: readonly Json[]
    readonly clearArgs: boolean
  }[]
  readonly taskCount?: number
  readonly timeout?: string
}

export interface RunRequest {
  readonly validateOnly: boolean
  readonly etag?: string
  /** Undefined when the request has none (or an empty one): run.jobs.runWithOverrides not needed. */
  readonly overrides?: RunOverrides
}

function bool(field: string, raw: unknown): boolean {
  if (raw === undefined || raw === null) return false
  if (typeof raw !== 'boolean') {
    throw invalidArgument(field, `Invalid value at '${field}' (TYPE_BOOL), ${JSON.stringify(raw)}`)
  }
  return raw
}

/** Whether a RunJobRequest body asks for overrides (before anything else is validated). */
export function hasOverrides(body: unknown): boolean {
  if (!isObject(body)) return false
  const o = body['overrides']
  if (o === undefined || o === null) return false
  return !isObject(o) || Object.values(o).some((v) => v !== undefined && v !== null)
}

/** Compat: google.cloud.run.v2.RunJobRequest (name from the path). */
export function readRunRequest(body: unknown): RunRequest {
  const b = body ?? {}
  if (!isObject(b)) throw invalidArgument('body', 'Request body must be a JSON RunJobRequest.')
  for (const k of Object.keys(b)) {
    if (!['name', 'validateOnly', 'validate_only', 'etag', 'overrides'].includes(k)) {
      throw invalidArgument(
        k,
        `Invalid JSON payload received. Unknown name "${k}": Cannot find field.`,
      )
    }
  }
  const validateOnly = bool('validate_only', b['validateOnly'] ?? b['validate_only'])
  const etag = typeof b['etag'] === 'string' && b['etag'] !== '' ? b['etag'] : undefined
  if (!hasOverrides(b)) return { validateOnly, ...(etag === undefined ? {} : { etag }) }
  const o = b['overrides']
  if (!isObject(o)) throw bad('overrides', o)
  const overrides: {
    containerOverrides: RunOverrides['containerOverrides'][number][]
    taskCount?: number
    timeout?: string
  } = { containerOverrides: [] }
  for (const [rawKey, v] of Object.entries(o)) {
    const key = rawKey === 'container_overrides' ? 'containerOverrides' : camel(rawKey)
    if (v === null || v === undefined) continue
    if (key === 'taskCount') {
      overrides.taskCount = int('overrides.task_count', v, 0, MAX_TASK_COUNT)
    } else if (key === 'timeout') {
      parseDuration('overrides.timeout', v)
      overrides.timeout = v as string
    } else if (key === 'containerOverrides') {
      if (!Array.isArray(v)) throw bad('overrides.container_overrides', v)
      v.forEach((c: unknown, i) => {
        const f = `overrides.container_overrides[${i}]`
        if (!isObject(c)) throw bad(f, c)
        const name = c['name']
        if (name !== undefined && name !== null && typeof name !== 'string') {
          throw bad(`${f}.name`, name)
        }
        const args = c['args'] ?? undefined
        const env = c['env'] ?? undefined
        overrides.containerOverrides.push({
          ...(typeof name === 'string' && name !== '' ? { name } : {}),
          ...(args === undefined || args === null ? {} : { args: strings(`${f}.args`, args) }),
          ...(env === undefined || env === null ? {} : { env: checkEnv(`${f}.env`, env) }),
          clearArgs: bool(`${f}.clear_args`, c['clearArgs'] ?? c['clear_args']),
        })
      })
    } else {
      throw invalidArgument(
        `overrides.${rawKey}`,
        `Invalid JSON payload received. Unknown name "${rawKey}" at 'overrides': Cannot find field.`,
      )
    }
  }
  return { validateOnly, ...(etag === undefined ? {} : { etag }), overrides }
}

/** What one execution runs: the job's template with the run's overrides applied. */
export interface ExecutionPlan {
  /** The TaskTemplate the execution and its tasks show. */
  readonly template: Json
  readonly taskCount: number
  /** 0: as many at once as the runtime allows. */
  readonly parallelism: number
  readonly maxRetries: number
  readonly timeoutSeconds: number
}

function envMap(env: unknown): Map<string, Json> {
  const out = new Map<string, Json>()
  if (Array.isArray(env)) {
    for (const e of env) if (isObject(e) && typeof e['name'] === 'string') out.set(e['name'], e)
  }
  return out
}

/** Applies RunJobRequest.overrides to a stored job's template. */
export function planExecution(
  job: Readonly<Json>,
  overrides: RunOverrides | undefined,
): ExecutionPlan {
  const et = isObject(job['template']) ? job['template'] : {}
  const tt = isObject(et['template']) ? et['template'] : {}
  const containers = (Array.isArray(tt['containers']) ? tt['containers'] : []).map((c: unknown) =>
    isObject(c) ? { ...c } : {},
  ) as Json[]
  for (const [i, o] of (overrides?.containerOverrides ?? []).entries()) {
    const target =
      o.name === undefined
        ? containers.length === 1 || i === 0
          ? containers[0]
          : undefined
        : containers.find((c) => c['name'] === o.name)
    if (target === undefined) {
      throw invalidArgument(
        `overrides.container_overrides[${i}].name`,
        `Container override ${JSON.stringify(o.name ?? '')} does not name a container of the job.`,
      )
    }
    if (o.clearArgs) target['args'] = []
    else if (o.args !== undefined && o.args.length > 0) target['args'] = [...o.args]
    if (o.env !== undefined && o.env.length > 0) {
      const merged = envMap(target['env'])
      for (const e of o.env) merged.set(String(e['name']), e)
      target['env'] = [...merged.values()]
    }
  }
  const timeout =
    overrides?.timeout ?? (typeof tt['timeout'] === 'string' ? tt['timeout'] : undefined)
  const taskCount =
    overrides?.taskCount !== undefined && overrides.taskCount > 0
      ? overrides.taskCount
      : Math.max(1, Number(et['taskCount'] ?? 1))
  const maxRetries = Number(tt['maxRetries'] ?? DEFAULT_MAX_RETRIES)
  const template: Json = {
    ...tt,
    containers,
    maxRetries,
    timeout: timeout ?? `${DEFAULT_TASK_TIMEOUT_SECONDS}s`,
  }
  return {
    template,
    taskCount,
    parallelism: Number(et['parallelism'] ?? 0),
    maxRetries,
    timeoutSeconds:
      timeout === undefined ? DEFAULT_TASK_TIMEOUT_SECONDS : parseDuration('timeout', timeout),
  }
}
