// The two-way mapping between the stored (v2) Cloud Run service and its v1 view, the Knative
// serving Service that `run services describe --format export` prints and `run services replace`
// sends back. Pure: no store, no authorization. Reading a v1 body validates it (400 naming the
// field) and yields the v2 request body the v2 write paths take, so both surfaces share every
// rule after this point. What every v1 object has is knative-object.ts's, containers are
// knative-container.ts's. Compat: Cloud Run v1 ObjectMeta annotations (reference §1.8b) and
// googlecloudsdk api_lib/run (service.py).
import {
  CUSTOM_AUDIENCES_ANNOTATION,
  INVOKER_IAM_DISABLED_ANNOTATION,
  KNATIVE_SERVING_API_VERSION,
  type KnativeRevisionTemplate,
  type KnativeService,
  type KnativeTrafficTarget,
  type Service,
} from '@runiam/api'
import { isObject } from '../context.js'
import { invalidArgument } from '../names.js'
import {
  containerToV1,
  readContainer,
  withoutKeys,
  withUnmappedContainers,
} from './knative-container.js'
import {
  asInt,
  badValue,
  checkKeys,
  enumAnnotation,
  EXECUTION_ENV,
  intAt,
  lastSegment,
  META_OUTPUT,
  objectAt,
  readLabels,
  stringAt,
  stringMapAt,
  type Json,
} from './knative-fields.js'
import {
  annotationsOf,
  conditionsOf,
  metadataOf,
  readKnativeObject,
  type KnativeObjectShape,
  type KnativeObjectWrite,
} from './knative-object.js'
import { reservedNamespaceOf } from './run-resource-body.js'
import { writableOf, type ServiceInput } from './service-body.js'

// Compat: the annotation names Cloud Run's v1 API uses for v2 fields.
const A = {
  invokerIamDisabled: INVOKER_IAM_DISABLED_ANNOTATION,
  customAudiences: CUSTOM_AUDIENCES_ANNOTATION,
  ingress: 'run.googleapis.com/ingress',
  ingressStatus: 'run.googleapis.com/ingress-status',
  defaultUrlDisabled: 'run.googleapis.com/default-url-disabled',
  iapEnabled: 'run.googleapis.com/iap-enabled',
  description: 'run.googleapis.com/description',
  urls: 'run.googleapis.com/urls',
  creator: 'serving.knative.dev/creator',
  lastModifier: 'serving.knative.dev/lastModifier',
  minScale: 'autoscaling.knative.dev/minScale',
  maxScale: 'autoscaling.knative.dev/maxScale',
  executionEnvironment: 'run.googleapis.com/execution-environment',
} as const

// Compat: v1 ingress annotation values ↔ v2 IngressTraffic.
const INGRESS: readonly (readonly [string, string])[] = [
  ['all', 'INGRESS_TRAFFIC_ALL'],
  ['internal', 'INGRESS_TRAFFIC_INTERNAL_ONLY'],
  ['internal-and-cloud-load-balancing', 'INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER'],
  ['none', 'INGRESS_TRAFFIC_NONE'],
]
const LATEST = 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST'
const REVISION = 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION'

/**
 * Writable v2 fields the v1 view expresses. On a v1 replace the others (binaryAuthorization,
 * scaling, multiRegionSettings, buildConfig; template fields such as vpcAccess or volumes;
 * container fields such as probes) are kept from the current service rather than cleared: v1, as
 * runiam maps it, cannot say them.
 */
const MAPPED_TOP = new Set([
  'description',
  'labels',
  'annotations',
  'client',
  'clientVersion',
  'ingress',
  'launchStage',
  'template',
  'traffic',
  'invokerIamDisabled',
  'defaultUriDisabled',
  'customAudiences',
  'iapEnabled',
])
const MAPPED_TEMPLATE = new Set([
  'revision',
  'labels',
  'annotations',
  'executionEnvironment',
  'maxInstanceRequestConcurrency',
  'timeout',
  'serviceAccount',
  'containers',
])
// ---------------------------------------------------------------------------------------------
// v2 → v1 (every read, and the answer of every v1 write)

function trafficToV1(raw: unknown, latestReady?: string): KnativeTrafficTarget[] {
  if (!Array.isArray(raw)) return []
  return raw.filter(isObject).map((t) => {
    const byRevision =
      t['type'] === REVISION || (t['type'] === undefined && typeof t['revision'] === 'string')
    const out: Record<string, unknown> = byRevision
      ? { revisionName: t['revision'] }
      : {
          ...(latestReady === undefined ? {} : { revisionName: latestReady }),
          latestRevision: true,
        }
    if (typeof t['percent'] === 'number') out['percent'] = t['percent']
    if (typeof t['tag'] === 'string' && t['tag'] !== '') out['tag'] = t['tag']
    return out as KnativeTrafficTarget
  })
}

function templateToV1(t: Json): Json {
  const annotations: Record<string, string> = {
    ...(isObject(t['annotations']) ? (t['annotations'] as Record<string, string>) : {}),
  }
  const scaling = t['scaling']
  if (isObject(scaling)) {
    if (typeof scaling['minInstanceCount'] === 'number') {
      annotations[A.minScale] = String(scaling['minInstanceCount'])
    }
    if (typeof scaling['maxInstanceCount'] === 'number') {
      annotations[A.maxScale] = String(scaling['maxInstanceCount'])
    }
  }
  const env = EXECUTION_ENV.find(([, v2]) => v2 === t['executionEnvironment'])
  if (env !== undefined) annotations[A.executionEnvironment] = env[0]
  const metadata: Json = {}
  if (typeof t['revision'] === 'string' && t['revision'] !== '') metadata['name'] = t['revision']
  if (isObject(t['labels']) && Object.keys(t['labels']).length > 0) {
    metadata['labels'] = { ...t['labels'] }
  }
  if (Object.keys(annotations).length > 0) metadata['annotations'] = annotations
  const spec: Json = {}
  if (typeof t['maxInstanceRequestConcurrency'] === 'number') {
    spec['containerConcurrency'] = t['maxInstanceRequestConcurrency']
  }
  const timeout = typeof t['timeout'] === 'string' ? /^(\d+)(?:\.0*)?s$/.exec(t['timeout']) : null
  if (timeout?.[1] !== undefined) spec['timeoutSeconds'] = Number(timeout[1])
  if (typeof t['serviceAccount'] === 'string' && t['serviceAccount'] !== '') {
    spec['serviceAccountName'] = t['serviceAccount']
  }
  if (Array.isArray(t['containers'])) {
    spec['containers'] = t['containers'].filter(isObject).map(containerToV1)
  }
  return { ...(Object.keys(metadata).length > 0 ? { metadata } : {}), spec }
}

/** The v1 view of a stored (v2) service. `namespace` is the project number, as Google's. */
export function toKnativeService(service: Service, projectNumber: string): KnativeService {
  const s = service as unknown as Json
  const annotations = annotationsOf(s, A)
  const ingress = INGRESS.find(([, v2]) => v2 === s['ingress'])?.[0]
  if (ingress !== undefined) {
    annotations[A.ingress] = ingress
    annotations[A.ingressStatus] = ingress
  }
  // Compat: emitted only when the check is off (doc: `'true'`), never as "false".
  if (s['invokerIamDisabled'] === true) annotations[A.invokerIamDisabled] = 'true'
  if (s['defaultUriDisabled'] === true) annotations[A.defaultUrlDisabled] = 'true'
  if (s['iapEnabled'] === true) annotations[A.iapEnabled] = 'true'
  if (Array.isArray(s['customAudiences']) && s['customAudiences'].length > 0) {
    annotations[A.customAudiences] = JSON.stringify(s['customAudiences'])
  }
  if (Array.isArray(s['urls']) && s['urls'].length > 0) {
    annotations[A.urls] = JSON.stringify(s['urls'])
  }
  const latestReady = lastSegment(s['latestReadyRevision'])
  const latestCreated = lastSegment(s['latestCreatedRevision'])
  const uri = typeof s['uri'] === 'string' ? s['uri'] : undefined
  const template = isObject(s['template']) ? s['template'] : {}
  return {
    apiVersion: KNATIVE_SERVING_API_VERSION,
    kind: 'Service',
    metadata: metadataOf(s, projectNumber, '/apis/serving.knative.dev/v1', annotations),
    spec: {
      template: templateToV1(template) as KnativeRevisionTemplate,
      traffic: trafficToV1(s['traffic']),
    },
    status: {
      observedGeneration: asInt(s['observedGeneration'] ?? s['generation']),
      conditions: conditionsOf(s),
      ...(latestReady === '' ? {} : { latestReadyRevisionName: latestReady }),
      ...(latestCreated === '' ? {} : { latestCreatedRevisionName: latestCreated }),
      traffic: trafficToV1(s['trafficStatuses'], latestReady === '' ? undefined : latestReady),
      ...(uri === undefined ? {} : { url: uri, address: { url: uri } }),
    },
  }
}

// ---------------------------------------------------------------------------------------------
// v1 → v2 (create and replace)

/** A v1 Service request, read: where it says it goes (metadata.name as `serviceId`), the v2 body. */
export type KnativeWrite = Omit<KnativeObjectWrite, 'id'> & {
  readonly serviceId: string | undefined
}

/** Compat: gcloud writes Python's "True"/"False", the docs write 'true': read case-insensitively. */
function boolAnnotation(value: string, path: string, key: string): boolean {
  const v = value.trim().toLowerCase()
  if (v === 'true') return true
  if (v === 'false') return false
  throw invalidArgument(
    `${path}[${key}]`,
    `Invalid value for annotation ${key}: ${JSON.stringify(value)}. Expected 'true' or 'false'.`,
  )
}

function scaleAnnotation(value: string, path: string, key: string): number {
  if (!/^\d{1,9}$/.test(value.trim())) {
    throw invalidArgument(
      `${path}[${key}]`,
      `Invalid value for annotation ${key}: ${JSON.stringify(value)}. Expected a non-negative integer.`,
    )
  }
  return Number(value.trim())
}

/** A service's own annotations that carry v2 fields: true when `key` is one. */
function readServiceAnnotation(key: string, value: string, path: string, out: Json): boolean {
  switch (key) {
    case A.invokerIamDisabled:
      out['invokerIamDisabled'] = boolAnnotation(value, path, key)
      return true
    case A.defaultUrlDisabled:
      out['defaultUriDisabled'] = boolAnnotation(value, path, key)
      return true
    case A.iapEnabled:
      out['iapEnabled'] = boolAnnotation(value, path, key)
      return true
    case A.customAudiences: {
      let list: unknown
      try {
        list = JSON.parse(value)
      } catch {
        list = undefined
      }
      if (!Array.isArray(list) || list.some((a) => typeof a !== 'string' || a === '')) {
        throw invalidArgument(
          `${path}[${key}]`,
          `Invalid value for annotation ${key}: ${JSON.stringify(value)}. Expected a JSON array of audience strings, e.g. '["https://example.com"]'.`,
        )
      }
      out['customAudiences'] = list
      return true
    }
    case A.ingress:
      out['ingress'] = enumAnnotation(value, path, key, INGRESS)
      return true
    case A.description:
      out['description'] = value
      return true
    default:
      return false
  }
}

function readTemplate(raw: unknown, path: string): Json {
  const t = objectAt(raw, path) ?? {}
  checkKeys(t, path, ['metadata', 'spec'])
  const out: Json = {}
  const meta = objectAt(t['metadata'], `${path}.metadata`)
  if (meta !== undefined) {
    const mp = `${path}.metadata`
    checkKeys(meta, mp, ['name', 'labels', 'annotations'], META_OUTPUT)
    const revision = stringAt(meta['name'], `${mp}.name`)
    if (revision !== undefined && revision !== '') out['revision'] = revision
    const labels = readLabels(stringMapAt(meta['labels'], `${mp}.labels`))
    if (Object.keys(labels).length > 0) out['labels'] = labels
    const kept: Record<string, string> = {}
    const scaling: Json = {}
    for (const [key, value] of Object.entries(
      stringMapAt(meta['annotations'], `${mp}.annotations`),
    )) {
      if (key === A.minScale)
        scaling['minInstanceCount'] = scaleAnnotation(value, `${mp}.annotations`, key)
      else if (key === A.maxScale)
        scaling['maxInstanceCount'] = scaleAnnotation(value, `${mp}.annotations`, key)
      else if (key === A.executionEnvironment) {
        out['executionEnvironment'] = enumAnnotation(value, `${mp}.annotations`, key, EXECUTION_ENV)
      } else if (reservedNamespaceOf(key) === undefined) kept[key] = value
    }
    if (Object.keys(kept).length > 0) out['annotations'] = kept
    if (Object.keys(scaling).length > 0) out['scaling'] = scaling
  }
  const spec = objectAt(t['spec'], `${path}.spec`)
  if (spec !== undefined) {
    const sp = `${path}.spec`
    checkKeys(
      spec,
      sp,
      ['containers', 'containerConcurrency', 'timeoutSeconds', 'serviceAccountName'],
      ['volumes', 'imagePullSecrets', 'enableServiceLinks', 'nodeSelector', 'runtimeClassName'],
    )
    const concurrency = intAt(spec['containerConcurrency'], `${sp}.containerConcurrency`, 0, 1000)
    if (concurrency !== undefined) out['maxInstanceRequestConcurrency'] = concurrency
    const timeout = intAt(spec['timeoutSeconds'], `${sp}.timeoutSeconds`, 1, 3600)
    if (timeout !== undefined) out['timeout'] = `${timeout}s`
    const sa = stringAt(spec['serviceAccountName'], `${sp}.serviceAccountName`)
    if (sa !== undefined && sa !== '') out['serviceAccount'] = sa
    if (spec['containers'] !== undefined && spec['containers'] !== null) {
      if (!Array.isArray(spec['containers'])) {
        throw badValue(`${sp}.containers`, 'TYPE_MESSAGE', spec['containers'])
      }
      out['containers'] = spec['containers'].map((c: unknown, i) =>
        readContainer(c, `${sp}.containers[${i}]`),
      )
    }
  }
  return out
}

function readTrafficTarget(raw: unknown, path: string): Json {
  const t = objectAt(raw, path) ?? {}
  checkKeys(
    t,
    path,
    ['revisionName', 'latestRevision', 'percent', 'tag'],
    ['url', 'configurationName'],
  )
  const revision = stringAt(t['revisionName'], `${path}.revisionName`)
  const latest = t['latestRevision']
  if (latest !== undefined && latest !== null && typeof latest !== 'boolean') {
    throw badValue(`${path}.latestRevision`, 'TYPE_BOOL', latest)
  }
  if ((latest === true) === (revision !== undefined && revision !== '')) {
    throw invalidArgument(
      path,
      `${path}: exactly one of revisionName and latestRevision: true must be given.`,
    )
  }
  const out: Json = latest === true ? { type: LATEST } : { type: REVISION, revision }
  const percent = intAt(t['percent'], `${path}.percent`, 0, 100)
  if (percent !== undefined) out['percent'] = percent
  const tag = stringAt(t['tag'], `${path}.tag`)
  if (tag !== undefined && tag !== '') out['tag'] = tag
  return out
}

/** A v1 Service: its annotations and spec (traffic, the revision template). */
const SERVICE: KnativeObjectShape = {
  root: 'service',
  notAnObject: 'Request body must be a JSON (Knative) Service object.',
  apiVersion: KNATIVE_SERVING_API_VERSION,
  kind: 'Service',
  readAnnotation: readServiceAnnotation,
  readSpec: (raw, input) => {
    const spec = objectAt(raw, 'spec') ?? {}
    checkKeys(spec, 'spec', ['template', 'traffic'])
    if (spec['template'] !== undefined && spec['template'] !== null) {
      input['template'] = readTemplate(spec['template'], 'spec.template')
    }
    if (spec['traffic'] !== undefined && spec['traffic'] !== null) {
      if (!Array.isArray(spec['traffic']))
        throw badValue('spec.traffic', 'TYPE_MESSAGE', spec['traffic'])
      input['traffic'] = spec['traffic'].map((t: unknown, i) =>
        readTrafficTarget(t, `spec.traffic[${i}]`),
      )
    }
  },
}

/** Reads and validates a v1 Service request body; 400 INVALID_ARGUMENT naming the bad field. */
export function readKnativeService(body: unknown): KnativeWrite {
  const { id, ...write } = readKnativeObject(body, SERVICE)
  return { serviceId: id, ...write }
}

/**
 * The v2 body of a v1 replace: what the v1 object says, plus the v2 fields v1 cannot express
 * kept from `current` (top level, template, and each container by position). Fields the v1 view
 * does express are taken from the v1 object alone: leaving one out clears it, as a replace does.
 */
export function withUnmappedFields(input: ServiceInput, current: Readonly<Json>): ServiceInput {
  const out: ServiceInput = { ...input }
  for (const [k, v] of Object.entries(writableOf(current))) {
    if (!MAPPED_TOP.has(k)) out[k] = structuredClone(v)
  }
  const curTemplate = current['template']
  if (!isObject(out['template']) || !isObject(curTemplate)) return out
  const template: Json = { ...out['template'] }
  for (const [k, v] of Object.entries(curTemplate)) {
    if (!MAPPED_TEMPLATE.has(k) && k !== 'scaling') template[k] = structuredClone(v)
  }
  // Template scaling: min and max travel as annotations; its other settings are kept.
  const scaling: Json = {
    ...withoutKeys(curTemplate['scaling'], ['minInstanceCount', 'maxInstanceCount']),
    ...(isObject(template['scaling']) ? template['scaling'] : {}),
  }
  if (Object.keys(scaling).length > 0) template['scaling'] = scaling
  if (Array.isArray(template['containers'])) {
    template['containers'] = withUnmappedContainers(
      template['containers'],
      curTemplate['containers'],
    )
  }
  out['template'] = template
  return out
}
