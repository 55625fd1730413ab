// The v2 Service JSON: validating what a caller may write (enums as ints or names, reserved
// annotation namespaces, unknown fields) and building the stored body with its output fields
// (uid, generation, conditions, revisions, uri/urls, etag). Compat: google.cloud.run.v2.Service.
import { Code, IamError } from '@runiam/core'
import { isObject, isoTime, newUuid, randomEtag, randomSuffix } from '../context.js'
import { invalidArgument } from '../names.js'

/** Fields a caller may set. */
const WRITABLE = [
  'description',
  'labels',
  'annotations',
  'client',
  'clientVersion',
  'ingress',
  'launchStage',
  'binaryAuthorization',
  'template',
  'traffic',
  'scaling',
  'invokerIamDisabled',
  'defaultUriDisabled',
  'customAudiences',
  'iapEnabled',
  'multiRegionSettings',
  'buildConfig',
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
  'trafficStatuses',
  'uri',
  'urls',
  'satisfiesPzs',
  'reconciling',
  'threatDetectionEnabled',
  'etag',
])

const SNAKE: Readonly<Record<string, string>> = {
  client_version: 'clientVersion',
  launch_stage: 'launchStage',
  binary_authorization: 'binaryAuthorization',
  invoker_iam_disabled: 'invokerIamDisabled',
  default_uri_disabled: 'defaultUriDisabled',
  custom_audiences: 'customAudiences',
  iap_enabled: 'iapEnabled',
  multi_region_settings: 'multiRegionSettings',
  build_config: 'buildConfig',
}

// Compat: vendor_settings.proto IngressTraffic, numbered as the client libraries send them.
const INGRESS = [
  'INGRESS_TRAFFIC_UNSPECIFIED',
  'INGRESS_TRAFFIC_ALL',
  'INGRESS_TRAFFIC_INTERNAL_ONLY',
  'INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER',
  'INGRESS_TRAFFIC_NONE',
] as const
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
const TRAFFIC_TYPE = [
  'TRAFFIC_TARGET_ALLOCATION_TYPE_UNSPECIFIED',
  'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST',
  'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION',
] as const
const EXECUTION_ENV = [
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

/** The template a service gets when the request has none: the built-in responder (SPEC §4). */
export const BUILTIN_TEMPLATE = { containers: [{ image: 'runiam/builtin' }] }

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
  throw invalidArgument(field, `Invalid value at '${field}', ${JSON.stringify(raw)}`)
}

/** The system namespace a label or annotation key belongs to, if any (`run.googleapis.com`…). */
export function reservedNamespaceOf(key: string): string | undefined {
  const slash = key.indexOf('/')
  if (slash < 0) return undefined
  const prefix = key.slice(0, slash)
  return RESERVED_NAMESPACES.find((n) => prefix === n || prefix.endsWith(`.${n}`))
}

/** A labels or annotations map: string values, no key in a reserved system namespace. */
export function stringMap(field: string, raw: unknown): Record<string, string> {
  if (!isObject(raw) || Object.values(raw).some((v) => typeof v !== 'string')) {
    throw invalidArgument(field, `Invalid value at '${field}', ${JSON.stringify(raw)}`)
  }
  for (const key of Object.keys(raw)) {
    const ns = reservedNamespaceOf(key)
    if (ns !== undefined) {
      throw invalidArgument(
        `${field}[${key}]`,
        `Invalid ${field.replace(/^[a-z_]+\./, '')} key '${key}': keys in the ${ns} namespace ` +
          'are reserved and cannot be set through the v2 API.',
      )
    }
  }
  return raw as Record<string, string>
}

/** The writable part of a Service request body, validated and with enums as names. */
export type ServiceInput = Record<string, unknown>

export function readServiceInput(body: unknown): ServiceInput {
  if (!isObject(body))
    throw invalidArgument('service', 'Request body must be a JSON Service object.')
  const out: ServiceInput = {}
  for (const [rawKey, value] of Object.entries(body)) {
    const key = SNAKE[rawKey] ?? rawKey
    if (OUTPUT_ONLY.has(key)) continue
    if (!(WRITABLE as readonly string[]).includes(key)) {
      throw invalidArgument(
        rawKey,
        `Invalid JSON payload received. Unknown name "${rawKey}" at 'service': Cannot find field.`,
      )
    }
    if (value === null || value === undefined) continue
    out[key] = value
  }
  if (out['labels'] !== undefined) out['labels'] = stringMap('service.labels', out['labels'])
  if (out['annotations'] !== undefined) {
    out['annotations'] = stringMap('service.annotations', out['annotations'])
  }
  if (out['ingress'] !== undefined)
    out['ingress'] = enumValue('service.ingress', out['ingress'], INGRESS)
  if (out['launchStage'] !== undefined) {
    out['launchStage'] = enumValue('service.launch_stage', out['launchStage'], LAUNCH_STAGE)
  }
  for (const f of ['description', 'client', 'clientVersion'] as const) {
    if (out[f] !== undefined && typeof out[f] !== 'string') {
      throw invalidArgument(
        `service.${f}`,
        `Invalid value at 'service.${f}', ${JSON.stringify(out[f])}`,
      )
    }
  }
  for (const f of ['invokerIamDisabled', 'defaultUriDisabled', 'iapEnabled'] as const) {
    if (out[f] !== undefined && typeof out[f] !== 'boolean') {
      throw invalidArgument(
        `service.${f}`,
        `Invalid value at 'service.${f}' (TYPE_BOOL), ${JSON.stringify(out[f])}`,
      )
    }
  }
  const aud = out['customAudiences']
  if (
    aud !== undefined &&
    (!Array.isArray(aud) || aud.some((a) => typeof a !== 'string' || a === ''))
  ) {
    throw invalidArgument(
      'service.custom_audiences',
      `Invalid value at 'service.custom_audiences', ${JSON.stringify(aud)}`,
    )
  }
  if (out['template'] !== undefined) out['template'] = readTemplate(out['template'])
  if (out['traffic'] !== undefined) out['traffic'] = readTraffic(out['traffic'])
  return out
}

/** A revision template: its containers each need an image. `prefix` names the resource field. */
export function readTemplate(raw: unknown, prefix = 'service'): Record<string, unknown> {
  if (!isObject(raw)) {
    throw invalidArgument(
      `${prefix}.template`,
      `Invalid value at '${prefix}.template', ${JSON.stringify(raw)}`,
    )
  }
  const t: Record<string, unknown> = { ...raw }
  if (t['executionEnvironment'] !== undefined) {
    t['executionEnvironment'] = enumValue(
      `${prefix}.template.execution_environment`,
      t['executionEnvironment'],
      EXECUTION_ENV,
    )
  }
  const containers = t['containers']
  if (containers !== undefined) {
    if (!Array.isArray(containers)) {
      throw invalidArgument(
        `${prefix}.template.containers`,
        `Invalid value at '${prefix}.template.containers', ${JSON.stringify(containers)}`,
      )
    }
    containers.forEach((c: unknown, i) => {
      if (!isObject(c) || typeof c['image'] !== 'string' || c['image'] === '') {
        throw invalidArgument(
          `${prefix}.template.containers[${i}].image`,
          `${prefix}.template.containers[${i}].image: Required field is not set.`,
        )
      }
    })
  }
  if (t['labels'] !== undefined) t['labels'] = stringMap(`${prefix}.template.labels`, t['labels'])
  if (t['annotations'] !== undefined) {
    t['annotations'] = stringMap(`${prefix}.template.annotations`, t['annotations'])
  }
  return t
}

function readTraffic(raw: unknown): Record<string, unknown>[] {
  if (!Array.isArray(raw)) {
    throw invalidArgument(
      'service.traffic',
      `Invalid value at 'service.traffic', ${JSON.stringify(raw)}`,
    )
  }
  return raw.map((t: unknown, i) => {
    if (!isObject(t)) {
      throw invalidArgument(
        `service.traffic[${i}]`,
        `Invalid value at 'service.traffic[${i}]', ${JSON.stringify(t)}`,
      )
    }
    const out: Record<string, unknown> = { ...t }
    if (out['type'] !== undefined)
      out['type'] = enumValue(`service.traffic[${i}].type`, out['type'], TRAFFIC_TYPE)
    return out
  })
}

export interface BuildServiceArgs {
  readonly name: string
  readonly serviceId: string
  readonly location: string
  readonly projectNumber: string
  readonly input: ServiceInput
  readonly actor: string
  readonly nowMs: number
  readonly runDomain: string
  readonly servicePort: number
  /** The current body, on update. */
  readonly previous?: Readonly<Record<string, unknown>>
}

/** The service's URL (SPEC §4): http://{service}-{projectNumber}.{region}.{runDomain}:{port}. */
export function serviceUri(a: {
  serviceId: string
  projectNumber: string
  location: string
  runDomain: string
  servicePort: number
}): string {
  return `http://${a.serviceId}-${a.projectNumber}.${a.location}.${a.runDomain}:${a.servicePort}`
}

/** The full stored Service body for a create (no previous) or an update. */
export function buildService(a: BuildServiceArgs): Record<string, unknown> {
  const t = isoTime(a.nowMs)
  const prev = a.previous
  const generation = prev === undefined ? 1 : Number(prev['generation'] ?? '0') + 1
  const revision = `${a.name}/revisions/${a.serviceId}-${String(generation).padStart(5, '0')}-${randomSuffix(3)}`
  const uri = serviceUri(a)
  const ready = { type: 'Ready', state: 'CONDITION_SUCCEEDED', lastTransitionTime: t }
  const input = a.input
  const ingress =
    input['ingress'] === undefined || input['ingress'] === INGRESS[0]
      ? INGRESS[1]
      : input['ingress']
  const traffic = input['traffic'] ?? [{ type: TRAFFIC_TYPE[1], percent: 100 }]
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
    ingress,
    launchStage: input['launchStage'] ?? 'GA',
    template: input['template'] ?? BUILTIN_TEMPLATE,
    traffic,
  }
  for (const f of [
    'binaryAuthorization',
    'scaling',
    'invokerIamDisabled',
    'defaultUriDisabled',
    'customAudiences',
    'iapEnabled',
    'multiRegionSettings',
    'buildConfig',
  ]) {
    if (input[f] !== undefined) body[f] = input[f]
  }
  Object.assign(body, {
    observedGeneration: String(generation),
    terminalCondition: ready,
    conditions: [
      { type: 'RoutesReady', state: 'CONDITION_SUCCEEDED', lastTransitionTime: t },
      { type: 'ConfigurationsReady', state: 'CONDITION_SUCCEEDED', lastTransitionTime: t },
    ],
    latestReadyRevision: revision,
    latestCreatedRevision: revision,
    trafficStatuses: [{ type: TRAFFIC_TYPE[1], percent: 100 }],
    uri,
    urls: [uri],
    etag: randomEtag(),
  })
  return body
}

/** The writable fields of a stored body (the base an update mask applies to). */
export function writableOf(body: Readonly<Record<string, unknown>>): ServiceInput {
  const out: ServiceInput = {}
  for (const f of WRITABLE) if (body[f] !== undefined) out[f] = body[f]
  return out
}

/**
 * Applies an update mask: each path (dotted, camelCase or snake_case) is copied from `incoming`
 * into `base`, or removed when `incoming` lacks it. `*` means every writable field.
 */
export function applyServiceMask(
  base: ServiceInput,
  incoming: ServiceInput,
  mask: string,
): ServiceInput {
  return applyMask(base, incoming, mask, WRITABLE)
}

/** applyServiceMask for any resource body whose writable top-level fields are `writable`. */
export function applyMask(
  base: Record<string, unknown>,
  incoming: Record<string, unknown>,
  mask: string,
  writable: readonly string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = structuredClone(base)
  for (const rawPath of mask.split(',')) {
    const trimmed = rawPath.trim()
    if (trimmed === '') continue
    if (trimmed === '*') return incoming
    const path = trimmed
      .split('.')
      .map((s) => s.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()))
    const top = path[0] ?? ''
    if (!writable.includes(top)) {
      throw new IamError(
        Code.INVALID_ARGUMENT,
        'INVALID_UPDATE_MASK',
        `Invalid update mask path "${trimmed}".`,
        {
          metadata: { path: trimmed },
        },
      )
    }
    let src: unknown = incoming
    for (const seg of path) src = isObject(src) ? src[seg] : undefined
    let dst: Record<string, unknown> = out
    for (const seg of path.slice(0, -1)) {
      const next = dst[seg]
      if (!isObject(next)) dst[seg] = {}
      dst = dst[seg] as Record<string, unknown>
    }
    const last = path[path.length - 1] ?? ''
    if (src === undefined) delete dst[last]
    else dst[last] = structuredClone(src)
  }
  return out
}
