// The two-way mapping between the stored (v2) Cloud Run service and its v1 view, the Knative
// serving Service that `run services describe --format export` prints and `run services replace`
// sends back. Pure: no store, no authorization. Reading a v1 body validates it (400 naming the
// field) and yields the v2 request body the v2 write paths take, so both surfaces share every
// rule after this point. Compat: Cloud Run v1 ObjectMeta annotations (reference §1.8b) and
// googlecloudsdk api_lib/run (k8s_object.py, service.py, container_resource.py).
import {
  CUSTOM_AUDIENCES_ANNOTATION,
  INVOKER_IAM_DISABLED_ANNOTATION,
  KNATIVE_SERVING_API_VERSION,
  LOCATION_LABEL,
  type KnativeCondition,
  type KnativeRevisionTemplate,
  type KnativeService,
  type KnativeTrafficTarget,
  type Service,
} from '@runiam/api'
import { isObject } from '../context.js'
import { invalidArgument } from '../names.js'
import { reservedNamespaceOf } from './run-resource-body.js'
import { writableOf, type ServiceInput } from './service-body.js'

type Json = Record<string, unknown>

// Compat: the annotation names Cloud Run's v1 API uses for v2 fields.
const A = {
  invokerIamDisabled: INVOKER_IAM_DISABLED_ANNOTATION,
  customAudiences: CUSTOM_AUDIENCES_ANNOTATION,
  ingress: 'run.googleapis.com/ingress',
  ingressStatus: 'run.googleapis.com/ingress-status',
  defaultUrlDisabled: 'run.googleapis.com/default-url-disabled',
  iapEnabled: 'run.googleapis.com/iap-enabled',
  description: 'run.googleapis.com/description',
  launchStage: 'run.googleapis.com/launch-stage',
  clientName: 'run.googleapis.com/client-name',
  clientVersion: 'run.googleapis.com/client-version',
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
export const EXECUTION_ENV: readonly (readonly [string, string])[] = [
  ['gen1', 'EXECUTION_ENVIRONMENT_GEN1'],
  ['gen2', 'EXECUTION_ENVIRONMENT_GEN2'],
]
export const LAUNCH_STAGES = [
  'EARLY_ACCESS',
  'ALPHA',
  'BETA',
  'GA',
  'DEPRECATED',
  'UNIMPLEMENTED',
  'PRELAUNCH',
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
const MAPPED_CONTAINER = new Set([
  'name',
  'image',
  'command',
  'args',
  'env',
  'ports',
  'resources',
  'workingDir',
])

// ---------------------------------------------------------------------------------------------
// v2 → v1 (every read, and the answer of every v1 write)

export const lastSegment = (name: unknown): string =>
  typeof name === 'string' ? (name.split('/').pop() ?? '') : ''

export const asInt = (s: unknown): number => {
  const n = Number(s)
  return Number.isInteger(n) ? n : 0
}

export function conditionOf(c: unknown): KnativeCondition | undefined {
  if (!isObject(c) || typeof c['type'] !== 'string') return undefined
  const state = c['state']
  return {
    type: c['type'],
    status:
      state === 'CONDITION_SUCCEEDED' ? 'True' : state === 'CONDITION_FAILED' ? 'False' : 'Unknown',
    ...(typeof c['lastTransitionTime'] === 'string'
      ? { lastTransitionTime: c['lastTransitionTime'] }
      : {}),
    ...(typeof c['message'] === 'string' && c['message'] !== '' ? { message: c['message'] } : {}),
    ...(typeof c['reason'] === 'string' && c['reason'] !== '' ? { reason: c['reason'] } : {}),
  }
}

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

export function containerToV1(c: Json): Json {
  const out: Json = {}
  for (const k of ['name', 'image', 'command', 'args', 'workingDir'] as const) {
    if (c[k] !== undefined) out[k] = c[k]
  }
  if (Array.isArray(c['env'])) {
    out['env'] = c['env'].filter(isObject).map((e) => {
      const ref = isObject(e['valueSource']) ? e['valueSource']['secretKeyRef'] : undefined
      if (isObject(ref)) {
        return {
          name: e['name'],
          valueFrom: {
            secretKeyRef: {
              name: ref['secret'],
              ...(ref['version'] === undefined ? {} : { key: ref['version'] }),
            },
          },
        }
      }
      return { name: e['name'], ...(e['value'] === undefined ? {} : { value: e['value'] }) }
    })
  }
  if (Array.isArray(c['ports'])) {
    out['ports'] = c['ports'].filter(isObject).map((p) => ({
      ...(p['name'] === undefined ? {} : { name: p['name'] }),
      ...(p['containerPort'] === undefined ? {} : { containerPort: p['containerPort'] }),
    }))
  }
  const resources = c['resources']
  if (isObject(resources) && isObject(resources['limits'])) {
    out['resources'] = { limits: { ...resources['limits'] } }
  }
  return out
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
  const parts = String(s['name'] ?? '').split('/')
  const region = parts[3] ?? ''
  const serviceId = parts[5] ?? ''
  const annotations: Record<string, string> = {
    ...(isObject(s['annotations']) ? (s['annotations'] as Record<string, string>) : {}),
  }
  if (typeof s['creator'] === 'string') annotations[A.creator] = s['creator']
  if (typeof s['lastModifier'] === 'string') annotations[A.lastModifier] = s['lastModifier']
  if (typeof s['client'] === 'string') annotations[A.clientName] = s['client']
  if (typeof s['clientVersion'] === 'string') annotations[A.clientVersion] = s['clientVersion']
  if (typeof s['description'] === 'string') annotations[A.description] = s['description']
  if (typeof s['launchStage'] === 'string' && s['launchStage'] !== 'GA') {
    annotations[A.launchStage] = s['launchStage']
  }
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
  const conditions = [
    s['terminalCondition'],
    ...(Array.isArray(s['conditions']) ? s['conditions'] : []),
  ]
    .map(conditionOf)
    .filter((c): c is KnativeCondition => c !== undefined)
  const template = isObject(s['template']) ? s['template'] : {}
  return {
    apiVersion: KNATIVE_SERVING_API_VERSION,
    kind: 'Service',
    metadata: {
      name: serviceId,
      namespace: projectNumber,
      selfLink: `/apis/serving.knative.dev/v1/namespaces/${projectNumber}/services/${serviceId}`,
      uid: String(s['uid'] ?? ''),
      resourceVersion: String(s['etag'] ?? ''),
      generation: asInt(s['generation']),
      creationTimestamp: String(s['createTime'] ?? ''),
      labels: {
        ...(isObject(s['labels']) ? (s['labels'] as Record<string, string>) : {}),
        [LOCATION_LABEL]: region,
      },
      annotations,
    },
    spec: {
      template: templateToV1(template) as KnativeRevisionTemplate,
      traffic: trafficToV1(s['traffic']),
    },
    status: {
      observedGeneration: asInt(s['observedGeneration'] ?? s['generation']),
      conditions,
      ...(latestReady === '' ? {} : { latestReadyRevisionName: latestReady }),
      ...(latestCreated === '' ? {} : { latestCreatedRevisionName: latestCreated }),
      traffic: trafficToV1(s['trafficStatuses'], latestReady === '' ? undefined : latestReady),
      ...(uri === undefined ? {} : { url: uri, address: { url: uri } }),
    },
  }
}

// ---------------------------------------------------------------------------------------------
// v1 → v2 (create and replace)

/** A v1 Service request, read: where it says it goes, and the v2 body that says the rest. */
export interface KnativeWrite {
  /** metadata.name. */
  readonly serviceId: string | undefined
  /** metadata.namespace as written (a project id or number), if any. */
  readonly namespace: string | undefined
  /** metadata.labels['cloud.googleapis.com/location'], if any. */
  readonly region: string | undefined
  /** metadata.resourceVersion: the etag the write expects, if any. */
  readonly resourceVersion: string | undefined
  /** The v2 Service request body (writable fields only). */
  readonly input: ServiceInput
}

const unknownField = (path: string, key: string) =>
  invalidArgument(
    path === '' ? key : `${path}.${key}`,
    `Invalid JSON payload received. Unknown name "${key}" at '${path === '' ? 'service' : path}': Cannot find field.`,
  )

export const badValue = (path: string, type: string, value: unknown) =>
  invalidArgument(path, `Invalid value at '${path}' (${type}), ${JSON.stringify(value)}`)

/** Checks that `obj` at `path` has only keys of `known` (`ignored` ones are accepted and dropped). */
export function checkKeys(
  obj: Json,
  path: string,
  known: readonly string[],
  ignored: readonly string[] = [],
): void {
  for (const k of Object.keys(obj)) {
    if (!known.includes(k) && !ignored.includes(k)) throw unknownField(path, k)
  }
}

export function objectAt(raw: unknown, path: string): Json | undefined {
  if (raw === undefined || raw === null) return undefined
  if (!isObject(raw)) throw badValue(path, 'TYPE_MESSAGE', raw)
  return raw
}

export function stringAt(raw: unknown, path: string): string | undefined {
  if (raw === undefined || raw === null) return undefined
  if (typeof raw !== 'string') throw badValue(path, 'TYPE_STRING', raw)
  return raw
}

export function intAt(raw: unknown, path: string, min: number, max: number): number | undefined {
  if (raw === undefined || raw === null) return undefined
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < min || raw > max) {
    throw badValue(path, 'TYPE_INT32', raw)
  }
  return raw
}

export function stringListAt(raw: unknown, path: string): string[] | undefined {
  if (raw === undefined || raw === null) return undefined
  if (!Array.isArray(raw)) throw badValue(path, 'TYPE_STRING', raw)
  return raw.map((v, i) => stringAt(v, `${path}[${i}]`) ?? '')
}

export function stringMapAt(raw: unknown, path: string): Record<string, string> {
  const obj = objectAt(raw, path) ?? {}
  for (const [k, v] of Object.entries(obj)) {
    if (typeof v !== 'string') throw badValue(`${path}[${k}]`, 'TYPE_STRING', v)
  }
  return obj as Record<string, string>
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

export function enumAnnotation(
  value: string,
  path: string,
  key: string,
  table: readonly (readonly [string, string])[],
): string {
  const hit = table.find(([v1]) => v1 === value)
  if (hit !== undefined) return hit[1]
  throw invalidArgument(
    `${path}[${key}]`,
    `Invalid value for annotation ${key}: ${JSON.stringify(value)}. Expected one of: ${table.map(([v1]) => v1).join(', ')}.`,
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

/** Service-level annotations: the mapped ones become v2 fields, system ones are dropped. */
function readServiceAnnotations(
  raw: Record<string, string>,
  path: string,
  out: ServiceInput,
): void {
  const kept: Record<string, string> = {}
  for (const [key, value] of Object.entries(raw)) {
    switch (key) {
      case A.invokerIamDisabled:
        out['invokerIamDisabled'] = boolAnnotation(value, path, key)
        break
      case A.defaultUrlDisabled:
        out['defaultUriDisabled'] = boolAnnotation(value, path, key)
        break
      case A.iapEnabled:
        out['iapEnabled'] = boolAnnotation(value, path, key)
        break
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
        break
      }
      case A.ingress:
        out['ingress'] = enumAnnotation(value, path, key, INGRESS)
        break
      case A.description:
        out['description'] = value
        break
      case A.launchStage:
        if (!LAUNCH_STAGES.includes(value)) {
          throw invalidArgument(
            `${path}[${key}]`,
            `Invalid value for annotation ${key}: ${JSON.stringify(value)}. Expected one of: ${LAUNCH_STAGES.join(', ')}.`,
          )
        }
        out['launchStage'] = value
        break
      case A.clientName:
        out['client'] = value
        break
      case A.clientVersion:
        out['clientVersion'] = value
        break
      default:
        // Other system annotations (output-only ones such as ingress-status, urls, creator, and
        // settings runiam does not model) are accepted and ignored; a user's own are kept.
        if (reservedNamespaceOf(key) === undefined) kept[key] = value
    }
  }
  out['annotations'] = kept
}

export function readLabels(raw: Record<string, string>): Record<string, string> {
  const kept: Record<string, string> = {}
  for (const [key, value] of Object.entries(raw)) {
    if (reservedNamespaceOf(key) === undefined) kept[key] = value
  }
  return kept
}

const CONTAINER_KEYS = [...MAPPED_CONTAINER]
// k8s Container fields Cloud Run's v1 schema has and runiam does not model: accepted, ignored.
const CONTAINER_IGNORED = [
  'envFrom',
  'imagePullPolicy',
  'livenessProbe',
  'readinessProbe',
  'securityContext',
  'startupProbe',
  'terminationMessagePath',
  'terminationMessagePolicy',
  'volumeMounts',
]

export function readContainer(raw: unknown, path: string): Json {
  const c = objectAt(raw, path) ?? {}
  checkKeys(c, path, CONTAINER_KEYS, CONTAINER_IGNORED)
  const out: Json = {}
  const name = stringAt(c['name'], `${path}.name`)
  if (name !== undefined) out['name'] = name
  const image = stringAt(c['image'], `${path}.image`)
  if (image === undefined || image === '') {
    throw invalidArgument(`${path}.image`, `${path}.image: Required field is not set.`)
  }
  out['image'] = image
  for (const k of ['command', 'args'] as const) {
    const list = stringListAt(c[k], `${path}.${k}`)
    if (list !== undefined) out[k] = list
  }
  const workingDir = stringAt(c['workingDir'], `${path}.workingDir`)
  if (workingDir !== undefined) out['workingDir'] = workingDir
  if (c['env'] !== undefined && c['env'] !== null) {
    if (!Array.isArray(c['env'])) throw badValue(`${path}.env`, 'TYPE_MESSAGE', c['env'])
    out['env'] = c['env'].map((raw: unknown, i) => readEnv(raw, `${path}.env[${i}]`))
  }
  if (c['ports'] !== undefined && c['ports'] !== null) {
    if (!Array.isArray(c['ports'])) throw badValue(`${path}.ports`, 'TYPE_MESSAGE', c['ports'])
    out['ports'] = c['ports'].map((raw: unknown, i) => {
      const at = `${path}.ports[${i}]`
      const p = objectAt(raw, at) ?? {}
      checkKeys(p, at, ['name', 'containerPort'], ['protocol'])
      const port: Json = {}
      const pname = stringAt(p['name'], `${at}.name`)
      if (pname !== undefined) port['name'] = pname
      const number = intAt(p['containerPort'], `${at}.containerPort`, 1, 65535)
      if (number !== undefined) port['containerPort'] = number
      return port
    })
  }
  const resources = objectAt(c['resources'], `${path}.resources`)
  if (resources !== undefined) {
    checkKeys(resources, `${path}.resources`, ['limits'], ['requests'])
    if (resources['limits'] !== undefined && resources['limits'] !== null) {
      out['resources'] = {
        limits: { ...stringMapAt(resources['limits'], `${path}.resources.limits`) },
      }
    }
  }
  return out
}

function readEnv(raw: unknown, path: string): Json {
  const e = objectAt(raw, path) ?? {}
  checkKeys(e, path, ['name', 'value', 'valueFrom'])
  const name = stringAt(e['name'], `${path}.name`)
  if (name === undefined || name === '') {
    throw invalidArgument(`${path}.name`, `${path}.name: Required field is not set.`)
  }
  const from = objectAt(e['valueFrom'], `${path}.valueFrom`)
  if (from !== undefined) {
    checkKeys(from, `${path}.valueFrom`, ['secretKeyRef'], ['configMapKeyRef'])
    const ref = objectAt(from['secretKeyRef'], `${path}.valueFrom.secretKeyRef`)
    if (ref === undefined) {
      throw invalidArgument(
        `${path}.valueFrom.secretKeyRef`,
        `${path}.valueFrom.secretKeyRef: Required field is not set.`,
      )
    }
    checkKeys(ref, `${path}.valueFrom.secretKeyRef`, ['name', 'key'], ['optional'])
    const secret = stringAt(ref['name'], `${path}.valueFrom.secretKeyRef.name`)
    if (secret === undefined || secret === '') {
      throw invalidArgument(
        `${path}.valueFrom.secretKeyRef.name`,
        `${path}.valueFrom.secretKeyRef.name: Required field is not set.`,
      )
    }
    const key = stringAt(ref['key'], `${path}.valueFrom.secretKeyRef.key`)
    return {
      name,
      valueSource: { secretKeyRef: { secret, ...(key === undefined ? {} : { version: key }) } },
    }
  }
  const value = stringAt(e['value'], `${path}.value`)
  return { name, ...(value === undefined ? {} : { value }) }
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

// ObjectMeta fields that are output only or k8s machinery: accepted and ignored on write.
export const META_OUTPUT = [
  'uid',
  'generation',
  'creationTimestamp',
  'selfLink',
  'clusterName',
  'deletionGracePeriodSeconds',
  'deletionTimestamp',
  'finalizers',
  'generateName',
  'ownerReferences',
]

/** Reads and validates a v1 Service request body; 400 INVALID_ARGUMENT naming the bad field. */
export function readKnativeService(body: unknown): KnativeWrite {
  if (!isObject(body)) {
    throw invalidArgument('service', 'Request body must be a JSON (Knative) Service object.')
  }
  checkKeys(body, '', ['apiVersion', 'kind', 'metadata', 'spec'], ['status'])
  const apiVersion = stringAt(body['apiVersion'], 'apiVersion')
  if (apiVersion !== undefined && apiVersion !== KNATIVE_SERVING_API_VERSION) {
    throw invalidArgument(
      'apiVersion',
      `Invalid apiVersion ${JSON.stringify(apiVersion)}: expected "${KNATIVE_SERVING_API_VERSION}".`,
    )
  }
  const kind = stringAt(body['kind'], 'kind')
  if (kind !== undefined && kind !== 'Service') {
    throw invalidArgument('kind', `Invalid kind ${JSON.stringify(kind)}: expected "Service".`)
  }
  const meta = objectAt(body['metadata'], 'metadata') ?? {}
  checkKeys(
    meta,
    'metadata',
    ['name', 'namespace', 'labels', 'annotations', 'resourceVersion'],
    META_OUTPUT,
  )
  const input: ServiceInput = {}
  const labels = stringMapAt(meta['labels'], 'metadata.labels')
  const region = labels[LOCATION_LABEL]
  input['labels'] = readLabels(labels)
  readServiceAnnotations(
    stringMapAt(meta['annotations'], 'metadata.annotations'),
    'metadata.annotations',
    input,
  )
  const spec = objectAt(body['spec'], 'spec') ?? {}
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
  const name = stringAt(meta['name'], 'metadata.name')
  const namespace = stringAt(meta['namespace'], 'metadata.namespace')
  const resourceVersion = stringAt(meta['resourceVersion'], 'metadata.resourceVersion')
  return {
    serviceId: name === '' ? undefined : name,
    namespace: namespace === '' ? undefined : namespace,
    region: region === '' ? undefined : region,
    resourceVersion: resourceVersion === '' ? undefined : resourceVersion,
    input,
  }
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
  const curContainers = Array.isArray(curTemplate['containers']) ? curTemplate['containers'] : []
  if (Array.isArray(template['containers'])) {
    template['containers'] = template['containers'].map((c: unknown, i) => {
      const prev: unknown = curContainers[i]
      if (!isObject(c) || !isObject(prev)) return c
      const merged: Json = { ...c }
      for (const [k, v] of Object.entries(prev)) {
        if (!MAPPED_CONTAINER.has(k)) merged[k] = structuredClone(v)
      }
      // Container resources: limits travel in v1; cpuIdle, startupCpuBoost… are kept.
      const resources: Json = {
        ...withoutKeys(prev['resources'], ['limits']),
        ...(isObject(merged['resources']) ? merged['resources'] : {}),
      }
      if (Object.keys(resources).length > 0) merged['resources'] = resources
      return merged
    })
  }
  out['template'] = template
  return out
}

function withoutKeys(raw: unknown, keys: readonly string[]): Json {
  if (!isObject(raw)) return {}
  return structuredClone(Object.fromEntries(Object.entries(raw).filter(([k]) => !keys.includes(k))))
}
