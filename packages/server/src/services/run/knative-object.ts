// What every Cloud Run v1 object shares (a Knative serving Service, a run.googleapis.com/v1 Job):
// its ObjectMeta as the stored v2 resource gives it (name, the project number as namespace,
// selfLink, the etag as resourceVersion, the location label, annotations carrying v2 fields) and
// its conditions; and, reading one, the checks every v1 write makes (apiVersion, kind, metadata)
// with where the object says it goes. Each kind adds its own annotations and spec.
// Compat: Cloud Run v1 ObjectMeta annotations (reference §1.8b), googlecloudsdk k8s_object.py.
import { LOCATION_LABEL, type KnativeCondition } from '@runiam/api'
import { isObject } from '../context.js'
import { invalidArgument } from '../names.js'
import {
  asInt,
  checkKeys,
  conditionOf,
  LAUNCH_STAGES,
  META_OUTPUT,
  objectAt,
  readLabels,
  strMap,
  stringAt,
  stringMapAt,
  type Json,
} from './knative-fields.js'
import { reservedNamespaceOf } from './run-resource-body.js'

// Compat: the annotations Cloud Run's v1 API uses for the v2 client fields and launch stage.
const CLIENT_NAME = 'run.googleapis.com/client-name'
const CLIENT_VERSION = 'run.googleapis.com/client-version'
const LAUNCH_STAGE = 'run.googleapis.com/launch-stage'

/** Who made and last changed the resource: the annotation names differ between kinds. */
export interface AuthorAnnotations {
  readonly creator: string
  readonly lastModifier: string
  /** Where the kind carries its description as an annotation (services). */
  readonly description?: string
}

// ---------------------------------------------------------------------------------------------
// v2 → v1

/**
 * The resource's own annotations plus those carrying its creator, last modifier, client,
 * description and launch stage (GA, the default, is left out).
 */
export function annotationsOf(v2: Json, a: AuthorAnnotations): Record<string, string> {
  const annotations = strMap(v2['annotations'])
  if (typeof v2['creator'] === 'string') annotations[a.creator] = v2['creator']
  if (typeof v2['lastModifier'] === 'string') annotations[a.lastModifier] = v2['lastModifier']
  if (typeof v2['client'] === 'string') annotations[CLIENT_NAME] = v2['client']
  if (typeof v2['clientVersion'] === 'string') annotations[CLIENT_VERSION] = v2['clientVersion']
  if (a.description !== undefined && typeof v2['description'] === 'string') {
    annotations[a.description] = v2['description']
  }
  if (typeof v2['launchStage'] === 'string' && v2['launchStage'] !== 'GA') {
    annotations[LAUNCH_STAGE] = v2['launchStage']
  }
  return annotations
}

/**
 * The v1 ObjectMeta of a stored v2 resource `projects/P/locations/R/{collection}/ID`, under
 * `api` (`/apis/serving.knative.dev/v1`…). `namespace` is the project number, as Google's.
 */
export function metadataOf(
  v2: Json,
  projectNumber: string,
  api: string,
  annotations: Record<string, string>,
) {
  const [, , , region = '', collection = '', id = ''] = String(v2['name'] ?? '').split('/')
  return {
    name: id,
    namespace: projectNumber,
    selfLink: `${api}/namespaces/${projectNumber}/${collection}/${id}`,
    uid: String(v2['uid'] ?? ''),
    resourceVersion: String(v2['etag'] ?? ''),
    generation: asInt(v2['generation']),
    creationTimestamp: String(v2['createTime'] ?? ''),
    labels: { ...strMap(v2['labels']), [LOCATION_LABEL]: region },
    annotations,
  }
}

/** The resource's terminal condition and the others, as v1 conditions. */
export function conditionsOf(v2: Json): KnativeCondition[] {
  return [v2['terminalCondition'], ...(Array.isArray(v2['conditions']) ? v2['conditions'] : [])]
    .map(conditionOf)
    .filter((c): c is KnativeCondition => c !== undefined)
}

// ---------------------------------------------------------------------------------------------
// v1 → v2 (create and replace)

/** A v1 object, read: where it says it goes, and the v2 request body that says the rest. */
export interface KnativeObjectWrite {
  /** metadata.name. */
  readonly id: string | undefined
  /** metadata.namespace as written (a project id or number), if any. */
  readonly namespace: string | undefined
  /** metadata.labels['cloud.googleapis.com/location'], if any. */
  readonly region: string | undefined
  /** metadata.resourceVersion: the etag the write expects, if any. */
  readonly resourceVersion: string | undefined
  /** The v2 request body (writable fields only). */
  readonly input: Json
}

/** What a kind of v1 object is and how its own parts read. */
export interface KnativeObjectShape {
  /** The object as a top-level message names it: `service`, `job`. */
  readonly root: string
  /** The message when the body is not an object. */
  readonly notAnObject: string
  readonly apiVersion: string
  readonly kind: string
  /** One of the kind's own annotations: true when read into `input` (or it throws). */
  readAnnotation(key: string, value: string, path: string, input: Json): boolean
  /** Reads `spec` into `input`. */
  readSpec(raw: unknown, input: Json): void
}

/** Reads and validates a v1 object; 400 INVALID_ARGUMENT naming the bad v1 field. */
export function readKnativeObject(body: unknown, shape: KnativeObjectShape): KnativeObjectWrite {
  if (!isObject(body)) throw invalidArgument(shape.root, shape.notAnObject)
  checkKeys(body, '', ['apiVersion', 'kind', 'metadata', 'spec'], ['status'], shape.root)
  const apiVersion = stringAt(body['apiVersion'], 'apiVersion')
  if (apiVersion !== undefined && apiVersion !== shape.apiVersion) {
    throw invalidArgument(
      'apiVersion',
      `Invalid apiVersion ${JSON.stringify(apiVersion)}: expected "${shape.apiVersion}".`,
    )
  }
  const kind = stringAt(body['kind'], 'kind')
  if (kind !== undefined && kind !== shape.kind) {
    throw invalidArgument('kind', `Invalid kind ${JSON.stringify(kind)}: expected "${shape.kind}".`)
  }
  const meta = objectAt(body['metadata'], 'metadata') ?? {}
  checkKeys(
    meta,
    'metadata',
    ['name', 'namespace', 'labels', 'annotations', 'resourceVersion'],
    META_OUTPUT,
  )
  const input: Json = {}
  const labels = stringMapAt(meta['labels'], 'metadata.labels')
  const region = labels[LOCATION_LABEL]
  input['labels'] = readLabels(labels)
  const path = 'metadata.annotations'
  const kept: Record<string, string> = {}
  for (const [key, value] of Object.entries(stringMapAt(meta['annotations'], path))) {
    if (shape.readAnnotation(key, value, path, input) || readCommon(key, value, path, input)) {
      continue
    }
    // Other system annotations (output-only ones such as creator, and settings runiam does not
    // model) are accepted and ignored; a user's own are kept.
    if (reservedNamespaceOf(key) === undefined) kept[key] = value
  }
  input['annotations'] = kept
  shape.readSpec(body['spec'], input)
  const name = stringAt(meta['name'], 'metadata.name')
  const namespace = stringAt(meta['namespace'], 'metadata.namespace')
  const resourceVersion = stringAt(meta['resourceVersion'], 'metadata.resourceVersion')
  return {
    id: name === '' ? undefined : name,
    namespace: namespace === '' ? undefined : namespace,
    region: region === '' ? undefined : region,
    resourceVersion: resourceVersion === '' ? undefined : resourceVersion,
    input,
  }
}

/** The annotations every kind reads into v2 fields: client name and version, launch stage. */
function readCommon(key: string, value: string, path: string, input: Json): boolean {
  switch (key) {
    case CLIENT_NAME:
      input['client'] = value
      return true
    case CLIENT_VERSION:
      input['clientVersion'] = value
      return true
    case LAUNCH_STAGE:
      if (!LAUNCH_STAGES.includes(value)) {
        throw invalidArgument(
          `${path}[${key}]`,
          `Invalid value for annotation ${key}: ${JSON.stringify(value)}. Expected one of: ${LAUNCH_STAGES.join(', ')}.`,
        )
      }
      input['launchStage'] = value
      return true
    default:
      return false
  }
}
