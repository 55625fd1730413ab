// The two-way mapping between a stored (v2) Cloud Run job and its v1 view, the
// `run.googleapis.com/v1` Job that `run jobs describe --format export` prints and `run jobs
// replace` sends back; and the v1 views of executions and of a RunJobRequest. Pure: no store, no
// authorization. Reading a v1 body validates it (400 naming the v1 field) and yields the v2
// request body the v2 job methods take, so both surfaces share every rule after this point.
// What every v1 object has is knative-object.ts's, containers knative-container.ts's. Compat: Cloud Run v1 Job, TaskSpec,
// ExecutionSpec (reference §1.8b) and googlecloudsdk api_lib/run (job.py, execution.py).
import {
  EXECUTION_JOB_LABEL,
  KNATIVE_RUN_API_VERSION,
  LOCATION_LABEL,
  type Execution,
  type Job,
  type KnativeCondition,
  type KnativeExecution,
  type KnativeJob,
} from '@runiam/api'
import { isObject } from '../context.js'
import { invalidArgument } from '../names.js'
import { MAX_TASK_COUNT, RESERVED_ENV, type JobInput, writableOfJob } from './job-body.js'
import { containerToV1, readContainer, withUnmappedContainers } from './knative-container.js'
import {
  asInt,
  badValue,
  checkKeys,
  conditionOf,
  enumAnnotation,
  EXECUTION_ENV,
  intAt,
  lastSegment,
  META_OUTPUT,
  objectAt,
  readLabels,
  required,
  strMap,
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

// Compat: the annotation names Cloud Run's v1 API uses for v2 Job fields (gcloud job.py's
// AUTHOR_ANNOTATION is run.googleapis.com/creator, unlike a Service's serving.knative.dev one).
const A = {
  creator: 'run.googleapis.com/creator',
  lastModifier: 'run.googleapis.com/lastModifier',
  launchStage: 'run.googleapis.com/launch-stage',
  binaryAuthorization: 'run.googleapis.com/binary-authorization',
  breakglass: 'run.googleapis.com/binary-authorization-breakglass',
  executionEnvironment: 'run.googleapis.com/execution-environment',
} as const

/** Compat: v2 Condition.Severity → v1's "Error", "Warning" or "Info". */
const SEVERITY: Readonly<Record<string, string>> = {
  ERROR: 'Error',
  WARNING: 'Warning',
  INFO: 'Info',
}

/** Compat: Cloud Run's limits on a job's tasks (as the v2 methods check them). */
const MAX_RETRIES = 10
const MAX_TIMEOUT_SECONDS = 168 * 3600

/** TaskTemplate fields the v1 TaskSpec says; the others are kept from the job on replace. */
const MAPPED_TASK = new Set([
  'containers',
  'maxRetries',
  'timeout',
  'serviceAccount',
  'executionEnvironment',
])
// ---------------------------------------------------------------------------------------------
// v2 → v1 (every read, and the answer of every v1 write)

const nonZero = (k: string, v: unknown): Json =>
  typeof v === 'number' && v !== 0 ? { [k]: v } : {}

/** A google.protobuf.Duration ("600s", "1.5s") as v1's whole seconds (a string: int64). */
function timeoutSeconds(raw: unknown): string | undefined {
  const m = typeof raw === 'string' ? /^(\d+)(\.\d+)?s$/.exec(raw) : null
  if (m === null) return undefined
  const seconds = Number(`${m[1]}${m[2] ?? ''}`)
  return String(Math.ceil(seconds))
}

function taskSpecToV1(tt: Json): Json {
  const spec: Json = {}
  if (Array.isArray(tt['containers'])) {
    spec['containers'] = tt['containers'].filter(isObject).map(containerToV1)
  }
  if (typeof tt['maxRetries'] === 'number') spec['maxRetries'] = tt['maxRetries']
  const timeout = timeoutSeconds(tt['timeout'])
  if (timeout !== undefined) spec['timeoutSeconds'] = timeout
  if (typeof tt['serviceAccount'] === 'string' && tt['serviceAccount'] !== '') {
    spec['serviceAccountName'] = tt['serviceAccount']
  }
  return spec
}

function executionSpecToV1(taskCount: unknown, parallelism: unknown, tt: Json): Json {
  return {
    ...nonZero('parallelism', parallelism),
    ...nonZero('taskCount', taskCount),
    template: { spec: taskSpecToV1(tt) },
  }
}

function executionTemplateToV1(t: Json): Json {
  const tt = isObject(t['template']) ? t['template'] : {}
  const annotations = strMap(t['annotations'])
  const env = EXECUTION_ENV.find(([, v2]) => v2 === tt['executionEnvironment'])
  if (env !== undefined) annotations[A.executionEnvironment] = env[0]
  const metadata: Json = {}
  const labels = strMap(t['labels'])
  if (Object.keys(labels).length > 0) metadata['labels'] = labels
  if (Object.keys(annotations).length > 0) metadata['annotations'] = annotations
  return {
    ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
    spec: executionSpecToV1(t['taskCount'], t['parallelism'], tt),
  }
}

/** The v1 view of a stored (v2) job. `namespace` is the project number, as Google's. */
export function toKnativeJob(job: Job, projectNumber: string): KnativeJob {
  const j = job as unknown as Json
  const annotations = annotationsOf(j, A)
  const binauthz = j['binaryAuthorization']
  if (isObject(binauthz)) {
    if (binauthz['useDefault'] === true) annotations[A.binaryAuthorization] = 'default'
    else if (typeof binauthz['policy'] === 'string' && binauthz['policy'] !== '') {
      annotations[A.binaryAuthorization] = binauthz['policy']
    }
    if (typeof binauthz['breakglassJustification'] === 'string') {
      annotations[A.breakglass] = binauthz['breakglassJustification']
    }
  }
  const latest = j['latestCreatedExecution']
  const template = isObject(j['template']) ? j['template'] : {}
  return {
    apiVersion: KNATIVE_RUN_API_VERSION,
    kind: 'Job',
    metadata: metadataOf(j, projectNumber, '/apis/run.googleapis.com/v1', annotations),
    spec: { template: executionTemplateToV1(template) },
    status: {
      observedGeneration: asInt(j['observedGeneration'] ?? j['generation']),
      conditions: conditionsOf(j),
      ...nonZero('executionCount', j['executionCount']),
      ...(isObject(latest)
        ? {
            latestCreatedExecution: {
              name: lastSegment(latest['name']),
              ...(typeof latest['createTime'] === 'string'
                ? { creationTimestamp: latest['createTime'] }
                : {}),
              ...(typeof latest['completionTime'] === 'string'
                ? { completionTimestamp: latest['completionTime'] }
                : {}),
              ...(typeof latest['deleteTime'] === 'string'
                ? { deletionTimestamp: latest['deleteTime'] }
                : {}),
              ...(typeof latest['completionStatus'] === 'string'
                ? { completionStatus: latest['completionStatus'] }
                : {}),
            },
          }
        : {}),
    },
  } as KnativeJob
}

/** The v1 view of a stored (v2) execution: labelled with its job and region, as gcloud reads it. */
export function toKnativeExecution(execution: Execution, projectNumber: string): KnativeExecution {
  const e = execution as unknown as Json
  const parts = String(e['name'] ?? '').split('/')
  const region = parts[3] ?? ''
  const jobId = parts[5] ?? ''
  const executionId = parts[7] ?? ''
  const annotations = strMap(e['annotations'])
  if (typeof e['creator'] === 'string') annotations[A.creator] = e['creator']
  if (typeof e['launchStage'] === 'string' && e['launchStage'] !== 'GA') {
    annotations[A.launchStage] = e['launchStage']
  }
  const conditions = (Array.isArray(e['conditions']) ? e['conditions'] : [])
    .filter(isObject)
    .map((c) => {
      const v1 = conditionOf(c)
      if (v1 === undefined) return undefined
      const reason = c['executionReason']
      const severity = SEVERITY[String(c['severity'])]
      return {
        ...v1,
        ...(v1.reason === undefined && typeof reason === 'string' ? { reason } : {}),
        ...(severity === undefined ? {} : { severity }),
      }
    })
    .filter((c): c is KnativeCondition => c !== undefined)
  const tt = isObject(e['template']) ? e['template'] : {}
  const status: Json = {
    observedGeneration: asInt(e['observedGeneration'] ?? e['generation']),
    conditions,
  }
  for (const k of ['startTime', 'completionTime'] as const) {
    if (typeof e[k] === 'string') status[k] = e[k]
  }
  for (const k of [
    'runningCount',
    'succeededCount',
    'failedCount',
    'cancelledCount',
    'retriedCount',
  ] as const) {
    Object.assign(status, nonZero(k, e[k]))
  }
  return {
    apiVersion: KNATIVE_RUN_API_VERSION,
    kind: 'Execution',
    metadata: {
      name: executionId,
      namespace: projectNumber,
      selfLink: `/apis/run.googleapis.com/v1/namespaces/${projectNumber}/executions/${executionId}`,
      uid: String(e['uid'] ?? ''),
      resourceVersion: String(e['etag'] ?? ''),
      generation: asInt(e['generation']),
      creationTimestamp: String(e['createTime'] ?? ''),
      ...(typeof e['deleteTime'] === 'string' ? { deletionTimestamp: e['deleteTime'] } : {}),
      labels: { ...strMap(e['labels']), [LOCATION_LABEL]: region, [EXECUTION_JOB_LABEL]: jobId },
      annotations,
    },
    spec: executionSpecToV1(e['taskCount'], e['parallelism'], tt),
    status,
  } as KnativeExecution
}

// ---------------------------------------------------------------------------------------------
// v1 → v2 (create and replace)

/** A v1 Job request, read: where it says it goes (metadata.name as `jobId`), and the v2 body. */
export type KnativeJobWrite = Omit<KnativeObjectWrite, 'id'> & {
  readonly jobId: string | undefined
}

/** An int64 as proto3 JSON allows it: a number or a decimal string. */
function int64At(raw: unknown, path: string, min: number, max: number): number | undefined {
  if (raw === undefined || raw === null) return undefined
  const n = typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw
  if (typeof n !== 'number' || !Number.isInteger(n)) throw badValue(path, 'TYPE_INT64', raw)
  if (n < min || n > max) {
    throw invalidArgument(path, `${path} must be between ${min} and ${max}; got ${n}.`)
  }
  return n
}

function rangedInt(raw: unknown, path: string, min: number, max: number): number | undefined {
  const n = intAt(raw, path, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)
  if (n !== undefined && (n < min || n > max)) {
    throw invalidArgument(path, `${path} must be between ${min} and ${max}; got ${n}.`)
  }
  return n
}

/** The job's binaryAuthorization, started when an annotation first says something of it. */
function binauthzOf(out: Json): Json {
  const current = out['binaryAuthorization']
  if (isObject(current)) return current
  const fresh: Json = {}
  out['binaryAuthorization'] = fresh
  return fresh
}

/** A job's own annotations that carry v2 fields: true when `key` is one. */
function readJobAnnotation(key: string, value: string, path: string, out: Json): boolean {
  switch (key) {
    case A.binaryAuthorization:
      if (value.trim() === '') {
        throw invalidArgument(
          `${path}[${key}]`,
          `Invalid value for annotation ${key}: "". Expected 'default' or a policy name.`,
        )
      }
      if (value === 'default') binauthzOf(out)['useDefault'] = true
      else binauthzOf(out)['policy'] = value
      return true
    case A.breakglass:
      binauthzOf(out)['breakglassJustification'] = value
      return true
    default:
      return false
  }
}

// k8s fields Cloud Run's v1 TaskSpec has and runiam does not model: accepted, ignored.
const TASK_SPEC_IGNORED = ['volumes']

function readTaskSpec(raw: unknown, path: string, out: Json): void {
  const spec = objectAt(raw, path)
  if (spec === undefined) throw required(`${path}.containers`)
  checkKeys(
    spec,
    path,
    ['containers', 'maxRetries', 'timeoutSeconds', 'serviceAccountName'],
    TASK_SPEC_IGNORED,
  )
  const containers = spec['containers']
  if (containers === undefined || containers === null) throw required(`${path}.containers`)
  if (!Array.isArray(containers)) throw badValue(`${path}.containers`, 'TYPE_MESSAGE', containers)
  if (containers.length === 0) throw required(`${path}.containers`)
  out['containers'] = containers.map((c: unknown, i) => {
    const at = `${path}.containers[${i}]`
    const container = readContainer(c, at)
    const env = Array.isArray(container['env']) ? (container['env'] as Json[]) : []
    const reserved = env.map((e) => String(e['name'])).filter((n) => RESERVED_ENV.includes(n))
    if (reserved.length > 0) {
      // Compat: Cloud Run's message for the variables it sets itself.
      throw invalidArgument(
        `${at}.env`,
        `${at}.env: The following reserved env names were provided: ${reserved.join(', ')}. These values are automatically set by the system.`,
      )
    }
    return container
  })
  const retries = rangedInt(spec['maxRetries'], `${path}.maxRetries`, 0, MAX_RETRIES)
  if (retries !== undefined) out['maxRetries'] = retries
  const timeout = int64At(spec['timeoutSeconds'], `${path}.timeoutSeconds`, 1, MAX_TIMEOUT_SECONDS)
  if (timeout !== undefined) out['timeout'] = `${timeout}s`
  const sa = stringAt(spec['serviceAccountName'], `${path}.serviceAccountName`)
  if (sa !== undefined && sa !== '') out['serviceAccount'] = sa
}

function readExecutionTemplate(raw: unknown, path: string): Json {
  const t = objectAt(raw, path)
  if (t === undefined) throw required(path)
  checkKeys(t, path, ['metadata', 'spec'])
  const out: Json = {}
  const task: Json = {}
  const meta = objectAt(t['metadata'], `${path}.metadata`)
  if (meta !== undefined) {
    const mp = `${path}.metadata`
    checkKeys(meta, mp, ['labels', 'annotations'], ['name', 'namespace', ...META_OUTPUT])
    const labels = readLabels(stringMapAt(meta['labels'], `${mp}.labels`))
    if (Object.keys(labels).length > 0) out['labels'] = labels
    const kept: Record<string, string> = {}
    for (const [key, value] of Object.entries(
      stringMapAt(meta['annotations'], `${mp}.annotations`),
    )) {
      if (key === A.executionEnvironment) {
        task['executionEnvironment'] = enumAnnotation(
          value,
          `${mp}.annotations`,
          key,
          EXECUTION_ENV,
        )
      } else if (reservedNamespaceOf(key) === undefined) kept[key] = value
      // Other system annotations (client-name, vpc-access-connector, cloudsql-instances…) are
      // accepted and ignored: runiam does not model them.
    }
    if (Object.keys(kept).length > 0) out['annotations'] = kept
  }
  const sp = `${path}.spec`
  const spec = objectAt(t['spec'], sp)
  if (spec === undefined) throw required(`${sp}.template`)
  checkKeys(spec, sp, ['parallelism', 'taskCount', 'template'])
  const parallelism = rangedInt(spec['parallelism'], `${sp}.parallelism`, 0, MAX_TASK_COUNT)
  if (parallelism !== undefined) out['parallelism'] = parallelism
  const taskCount = rangedInt(spec['taskCount'], `${sp}.taskCount`, 0, MAX_TASK_COUNT)
  if (taskCount !== undefined) out['taskCount'] = taskCount
  const tp = `${sp}.template`
  const taskTemplate = objectAt(spec['template'], tp)
  if (taskTemplate === undefined) throw required(`${tp}.spec`)
  checkKeys(taskTemplate, tp, ['spec'], ['metadata'])
  readTaskSpec(taskTemplate['spec'], `${tp}.spec`, task)
  out['template'] = task
  return out
}

/** A v1 Job: its annotations and spec (the execution template). */
const JOB: KnativeObjectShape = {
  root: 'job',
  notAnObject: 'Request body must be a JSON (run.googleapis.com/v1) Job object.',
  apiVersion: KNATIVE_RUN_API_VERSION,
  kind: 'Job',
  readAnnotation: readJobAnnotation,
  readSpec: (raw, input) => {
    const spec = objectAt(raw, 'spec')
    if (spec === undefined) throw required('spec.template')
    checkKeys(spec, 'spec', ['template'])
    input['template'] = readExecutionTemplate(spec['template'], 'spec.template')
  },
}

/** Reads and validates a v1 Job request body; 400 INVALID_ARGUMENT naming the bad field. */
export function readKnativeJob(body: unknown): KnativeJobWrite {
  const { id, ...write } = readKnativeObject(body, JOB)
  return { jobId: id, ...write }
}

/**
 * The v2 body of a v1 replace: what the v1 object says, plus the v2 fields v1 cannot express
 * kept from `current` (task template fields such as volumes, vpcAccess, encryptionKey; each
 * container's probes, volumeMounts, dependsOn… by position; resources other than limits).
 * Fields the v1 view does express are taken from the v1 object alone: leaving one out clears it
 * (or, where Cloud Run has one, restores the default), as a replace does.
 */
export function withUnmappedJobFields(input: JobInput, current: Readonly<Json>): JobInput {
  const out: JobInput = { ...input }
  const curTemplate = writableOfJob(current)['template']
  const template = out['template']
  if (!isObject(template) || !isObject(curTemplate)) return out
  const curTask = curTemplate['template']
  const task = template['template']
  if (!isObject(task) || !isObject(curTask)) return out
  const merged: Json = { ...task }
  for (const [k, v] of Object.entries(curTask)) {
    if (!MAPPED_TASK.has(k)) merged[k] = structuredClone(v)
  }
  if (Array.isArray(merged['containers'])) {
    merged['containers'] = withUnmappedContainers(merged['containers'], curTask['containers'])
  }
  out['template'] = { ...template, template: merged }
  return out
}

// ---------------------------------------------------------------------------------------------
// RunJobRequest

/** Reads a v1 RunJobRequest as the v2 body of jobs.run (overrides' timeoutSeconds → timeout). */
export function readKnativeRunRequest(body: unknown): Json {
  const b = body ?? {}
  if (!isObject(b)) throw invalidArgument('body', 'Request body must be a JSON RunJobRequest.')
  checkKeys(b, 'runJobRequest', ['overrides'])
  const o = objectAt(b['overrides'], 'overrides')
  if (o === undefined) return {}
  checkKeys(o, 'overrides', ['containerOverrides', 'taskCount', 'timeoutSeconds'])
  const overrides: Json = {}
  if (o['containerOverrides'] !== undefined && o['containerOverrides'] !== null) {
    const list = o['containerOverrides']
    if (!Array.isArray(list)) {
      throw badValue('overrides.containerOverrides', 'TYPE_MESSAGE', list)
    }
    overrides['containerOverrides'] = list.map((raw: unknown, i) => {
      const at = `overrides.containerOverrides[${i}]`
      const c = objectAt(raw, at) ?? {}
      checkKeys(c, at, ['name', 'args', 'env', 'clearArgs'])
      const out: Json = {}
      for (const k of ['name', 'args', 'env', 'clearArgs'] as const) {
        if (c[k] !== undefined && c[k] !== null) out[k] = c[k]
      }
      return out
    })
  }
  const taskCount = rangedInt(o['taskCount'], 'overrides.taskCount', 0, MAX_TASK_COUNT)
  if (taskCount !== undefined) overrides['taskCount'] = taskCount
  const timeout = rangedInt(o['timeoutSeconds'], 'overrides.timeoutSeconds', 1, MAX_TIMEOUT_SECONDS)
  if (timeout !== undefined) overrides['timeout'] = `${timeout}s`
  return Object.keys(overrides).length === 0 ? {} : { overrides }
}
