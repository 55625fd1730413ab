// The v2 Service JSON: validating what a caller may write (ingress, traffic, the revision
// template) and building the stored body with its output fields (conditions, revisions,
// uri/urls, etag). The rules every resource body shares are run-resource-body.ts's.
// Compat: google.cloud.run.v2.Service.
import { isObject, randomEtag, randomSuffix } from '../context.js'
import { invalidArgument } from '../names.js'
import {
  applyMask,
  baseBody,
  checkAudiences,
  checkStrings,
  enumValue,
  EXECUTION_ENV,
  invalidValue,
  LAUNCH_STAGE,
  OUTPUT_ONLY,
  readWritable,
  SNAKE,
  stringMap,
  writableFields,
  type BodyShape,
} from './run-resource-body.js'

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

const SHAPE: BodyShape = {
  field: 'service',
  type: 'Service',
  writable: WRITABLE,
  outputOnly: new Set([
    ...OUTPUT_ONLY,
    'latestReadyRevision',
    'latestCreatedRevision',
    'trafficStatuses',
    'uri',
    'urls',
    'threatDetectionEnabled',
  ]),
  snake: {
    ...SNAKE,
    invoker_iam_disabled: 'invokerIamDisabled',
    default_uri_disabled: 'defaultUriDisabled',
    custom_audiences: 'customAudiences',
    iap_enabled: 'iapEnabled',
    multi_region_settings: 'multiRegionSettings',
    build_config: 'buildConfig',
  },
}

// Compat: vendor_settings.proto IngressTraffic, numbered as the client libraries send them.
const INGRESS = [
  'INGRESS_TRAFFIC_UNSPECIFIED',
  'INGRESS_TRAFFIC_ALL',
  'INGRESS_TRAFFIC_INTERNAL_ONLY',
  'INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER',
  'INGRESS_TRAFFIC_NONE',
] as const
const TRAFFIC_TYPE = [
  'TRAFFIC_TARGET_ALLOCATION_TYPE_UNSPECIFIED',
  'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST',
  'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION',
] as const
/** The template a service gets when the request has none: the built-in responder (SPEC §4). */
export const BUILTIN_TEMPLATE = { containers: [{ image: 'runiam/builtin' }] }

/** The writable part of a Service request body, validated and with enums as names. */
export type ServiceInput = Record<string, unknown>

export function readServiceInput(body: unknown): ServiceInput {
  const out: ServiceInput = readWritable(body, SHAPE)
  if (out['ingress'] !== undefined)
    out['ingress'] = enumValue('service.ingress', out['ingress'], INGRESS)
  if (out['launchStage'] !== undefined) {
    out['launchStage'] = enumValue('service.launch_stage', out['launchStage'], LAUNCH_STAGE)
  }
  checkStrings(out, 'service', ['description', 'client', 'clientVersion'])
  for (const f of ['invokerIamDisabled', 'defaultUriDisabled', 'iapEnabled'] as const) {
    if (out[f] !== undefined && typeof out[f] !== 'boolean') {
      throw invalidArgument(
        `service.${f}`,
        `Invalid value at 'service.${f}' (TYPE_BOOL), ${JSON.stringify(out[f])}`,
      )
    }
  }
  checkAudiences(out, 'service')
  if (out['template'] !== undefined) out['template'] = readTemplate(out['template'])
  if (out['traffic'] !== undefined) out['traffic'] = readTraffic(out['traffic'])
  return out
}

/** A revision template: its containers each need an image. `prefix` names the resource field. */
export function readTemplate(raw: unknown, prefix = 'service'): Record<string, unknown> {
  if (!isObject(raw)) {
    throw invalidValue(`${prefix}.template`, raw)
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
      throw invalidValue(`${prefix}.template.containers`, containers)
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
    throw invalidValue('service.traffic', raw)
  }
  return raw.map((t: unknown, i) => {
    if (!isObject(t)) {
      throw invalidValue(`service.traffic[${i}]`, t)
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
  const { generation, time: t, body } = baseBody(a)
  const revision = `${a.name}/revisions/${a.serviceId}-${String(generation).padStart(5, '0')}-${randomSuffix(3)}`
  const uri = serviceUri(a)
  const ready = { type: 'Ready', state: 'CONDITION_SUCCEEDED', lastTransitionTime: t }
  const input = a.input
  const ingress =
    input['ingress'] === undefined || input['ingress'] === INGRESS[0]
      ? INGRESS[1]
      : input['ingress']
  const traffic = input['traffic'] ?? [{ type: TRAFFIC_TYPE[1], percent: 100 }]
  Object.assign(body, {
    ingress,
    launchStage: input['launchStage'] ?? 'GA',
    template: input['template'] ?? BUILTIN_TEMPLATE,
    traffic,
  })
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
  return writableFields(body, WRITABLE)
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
