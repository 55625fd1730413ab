// The JSON rules every Cloud Run v2 resource body shares (Service, Job, WorkerPool): reading the
// writable part of a request (snake_case names, output-only fields accepted and ignored, unknown
// fields refused), labels and annotations outside the reserved system namespaces, enums as
// numbers or names, update masks, and the fields every stored body starts with (uid, generation,
// times, creator). Each kind's body file adds its own fields. Compat: google.cloud.run.v2.
import { Code, IamError } from '@runiam/core'
import { isObject, isoTime, newUuid } from '../context.js'
import { invalidArgument } from '../names.js'

export type Json = Record<string, unknown>

/** Output-only fields of every kind: accepted and ignored (a get → edit → update sends them back). */
export const OUTPUT_ONLY = [
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
  'reconciling',
  'satisfiesPzs',
  'etag',
]

/** snake_case names of fields every kind has. */
export const SNAKE: Readonly<Record<string, string>> = {
  client_version: 'clientVersion',
  launch_stage: 'launchStage',
  binary_authorization: 'binaryAuthorization',
}

// Compat: google.api.LaunchStage numbering.
export const LAUNCH_STAGE: Readonly<Record<number, string>> = {
  0: 'LAUNCH_STAGE_UNSPECIFIED',
  1: 'EARLY_ACCESS',
  2: 'ALPHA',
  3: 'BETA',
  4: 'GA',
  5: 'DEPRECATED',
  6: 'UNIMPLEMENTED',
  7: 'PRELAUNCH',
}
// Compat: vendor_settings.proto ExecutionEnvironment.
export const EXECUTION_ENV = [
  'EXECUTION_ENVIRONMENT_UNSPECIFIED',
  'EXECUTION_ENVIRONMENT_GEN1',
  'EXECUTION_ENVIRONMENT_GEN2',
] as const

// Compat: v2 rejects labels and annotations in these system namespaces.
const RESERVED_NAMESPACES = [
  'run.googleapis.com',
  'cloud.googleapis.com',
  'serving.knative.dev',
  'autoscaling.knative.dev',
]

/** INVALID_ARGUMENT as Google words a field of the wrong type or value. */
export const invalidValue = (field: string, raw: unknown): IamError =>
  invalidArgument(field, `Invalid value at '${field}', ${JSON.stringify(raw)}`)

/** An enum given as its number (client libraries) or name; answered as the name. */
export function enumValue(
  field: string,
  raw: unknown,
  names: Readonly<Record<number, string>> | readonly string[],
): string {
  const list = Array.isArray(names) ? names : Object.values(names)
  if (typeof raw === 'number' && Number.isInteger(raw)) {
    const name = (names as Record<number, string>)[raw]
    if (name !== undefined) return name
  }
  if (typeof raw === 'string' && list.includes(raw)) return raw
  throw invalidValue(field, raw)
}

/** The system namespace a label or annotation key belongs to, if any (`run.googleapis.com`…). */
export function reservedNamespaceOf(key: string): string | undefined {
  const slash = key.indexOf('/')
  if (slash < 0) return undefined
  const prefix = key.slice(0, slash)
  return RESERVED_NAMESPACES.find((n) => prefix === n || prefix.endsWith(`.${n}`))
}

/**
 * A labels or annotations map: string values, no key in a reserved system namespace. `shown` is
 * how the message names the map (default: the field without its resource, `template.labels`).
 */
export function stringMap(
  field: string,
  raw: unknown,
  shown = field.replace(/^[a-z_]+\./, ''),
): Record<string, string> {
  if (!isObject(raw) || Object.values(raw).some((v) => typeof v !== 'string')) {
    throw invalidValue(field, raw)
  }
  for (const key of Object.keys(raw)) {
    const ns = reservedNamespaceOf(key)
    if (ns !== undefined) {
      throw invalidArgument(
        `${field}[${key}]`,
        `Invalid ${shown} key '${key}': keys in the ${ns} namespace are reserved and cannot be ` +
          'set through the v2 API.',
      )
    }
  }
  return raw as Record<string, string>
}

/** What a kind's request body is made of. */
export interface BodyShape {
  /** The request field the body is: `service`, `job`, `worker_pool`. */
  readonly field: string
  /** Its message type: `Service`, `Job`, `WorkerPool`. */
  readonly type: string
  readonly writable: readonly string[]
  readonly outputOnly: ReadonlySet<string>
  /** snake_case → camelCase names. */
  readonly snake: Readonly<Record<string, string>>
  /** Compat: a job's reserved label messages name the whole field (`job.labels`). */
  readonly fullFieldInKeyErrors?: boolean
  /** A kind's own keys, neither writable nor output only: true when handled (or it throws). */
  other?(key: string, rawKey: string, value: unknown): boolean
}

/** The writable fields of a request body, with camelCase names; labels and annotations checked. */
export function readWritable(body: unknown, shape: BodyShape): Json {
  const { field } = shape
  if (!isObject(body)) {
    throw invalidArgument(field, `Request body must be a JSON ${shape.type} object.`)
  }
  const out: Json = {}
  for (const [rawKey, value] of Object.entries(body)) {
    const key = shape.snake[rawKey] ?? rawKey
    if (shape.outputOnly.has(key)) continue
    if (shape.other?.(key, rawKey, value) === true) continue
    if (!shape.writable.includes(key)) {
      throw invalidArgument(
        rawKey,
        `Invalid JSON payload received. Unknown name "${rawKey}" at '${field}': Cannot find field.`,
      )
    }
    if (value === null || value === undefined) continue
    out[key] = value
  }
  for (const map of ['labels', 'annotations'] as const) {
    if (out[map] === undefined) continue
    const f = `${field}.${map}`
    out[map] =
      shape.fullFieldInKeyErrors === true ? stringMap(f, out[map], f) : stringMap(f, out[map])
  }
  return out
}

/** Fields that must be strings when given (`description`, `client`…). */
export function checkStrings(input: Json, field: string, names: readonly string[]): void {
  for (const f of names) {
    if (input[f] !== undefined && typeof input[f] !== 'string') {
      throw invalidValue(`${field}.${f}`, input[f])
    }
  }
}

/** customAudiences, when given: non-empty strings. */
export function checkAudiences(input: Json, field: string): void {
  const aud = input['customAudiences']
  if (
    aud !== undefined &&
    (!Array.isArray(aud) || aud.some((a) => typeof a !== 'string' || a === ''))
  ) {
    throw invalidValue(`${field}.custom_audiences`, aud)
  }
}

/** The writable fields of a stored body (the base an update mask applies to). */
export function writableFields(body: Readonly<Json>, writable: readonly string[]): Json {
  const out: Json = {}
  for (const f of writable) if (body[f] !== undefined) out[f] = body[f]
  return out
}

/**
 * Applies an update mask: each path (dotted, camelCase or snake_case) is copied from `incoming`
 * into `base`, or removed when `incoming` lacks it. `*` means every writable field.
 */
export function applyMask(
  base: Json,
  incoming: Json,
  mask: string,
  writable: readonly string[],
): Json {
  const out: Json = structuredClone(base)
  for (const rawPath of mask.split(',')) {
    const trimmed = rawPath.trim()
    if (trimmed === '') continue
    if (trimmed === '*') return incoming
    const path = trimmed
      .split('.')
      .map((s) => s.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()))
    if (!writable.includes(path[0] ?? '')) {
      throw new IamError(
        Code.INVALID_ARGUMENT,
        'INVALID_UPDATE_MASK',
        `Invalid update mask path "${trimmed}".`,
        { metadata: { path: trimmed } },
      )
    }
    let src: unknown = incoming
    for (const seg of path) src = isObject(src) ? src[seg] : undefined
    let dst: Json = out
    for (const seg of path.slice(0, -1)) {
      if (!isObject(dst[seg])) dst[seg] = {}
      dst = dst[seg] as Json
    }
    const last = path[path.length - 1] ?? ''
    if (src === undefined) delete dst[last]
    else dst[last] = structuredClone(src)
  }
  return out
}

export interface BaseBodyArgs {
  readonly name: string
  readonly input: Json
  readonly actor: string
  readonly nowMs: number
  /** The current body, on update. */
  readonly previous?: Readonly<Json>
}

/** The first fields of every stored body, in Google's order, with the generation and time. */
export function baseBody(a: BaseBodyArgs): { generation: number; time: string; body: Json } {
  const time = isoTime(a.nowMs)
  const prev = a.previous
  const generation = prev === undefined ? 1 : Number(prev['generation'] ?? '0') + 1
  const input = a.input
  const body: Json = {
    name: a.name,
    ...(input['description'] === undefined ? {} : { description: input['description'] }),
    uid: prev === undefined ? newUuid() : prev['uid'],
    generation: String(generation),
    labels: input['labels'] ?? {},
    annotations: input['annotations'] ?? {},
    createTime: prev === undefined ? time : prev['createTime'],
    updateTime: time,
    creator: prev === undefined ? a.actor : prev['creator'],
    lastModifier: a.actor,
    ...(input['client'] === undefined ? {} : { client: input['client'] }),
    ...(input['clientVersion'] === undefined ? {} : { clientVersion: input['clientVersion'] }),
  }
  return { generation, time, body }
}
