// A container in Cloud Run's v1 objects (Knative serving Services, run.googleapis.com/v1 Jobs):
// the v1 view of a v2 container, reading a v1 container (400 naming the v1 field), and keeping,
// on a v1 replace, the container fields v1 cannot say. Compat: k8s Container as Cloud Run's v1
// schema has it; googlecloudsdk api_lib/run/container_resource.py.
import { isObject } from '../context.js'
import { invalidArgument } from '../names.js'
import {
  badValue,
  checkKeys,
  intAt,
  objectAt,
  stringAt,
  stringListAt,
  stringMapAt,
  type Json,
} from './knative-fields.js'

/** v2 Container fields the v1 view expresses; the others are kept from the current one. */
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

/**
 * The containers of a v1 replace, each with the v2 fields v1 cannot express (probes,
 * volumeMounts, dependsOn…; resources other than limits) kept from the current container at its
 * position.
 */
export function withUnmappedContainers(
  containers: readonly unknown[],
  current: unknown,
): unknown[] {
  const curContainers = Array.isArray(current) ? current : []
  return containers.map((c: unknown, i) => {
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

/** A copy of `raw` (when an object) without `keys`. */
export function withoutKeys(raw: unknown, keys: readonly string[]): Json {
  if (!isObject(raw)) return {}
  return structuredClone(Object.fromEntries(Object.entries(raw).filter(([k]) => !keys.includes(k))))
}
