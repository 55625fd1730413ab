// Reading and writing the fields of Cloud Run's v1 objects (Knative serving Services,
// run.googleapis.com/v1 Jobs): typed readers that answer 400 INVALID_ARGUMENT naming the v1
// field, annotation values, the ObjectMeta fields accepted and ignored, and the small v2 → v1
// value conversions. Shared by knative-service.ts and knative-job.ts.
import type { KnativeCondition } from '@runiam/api'
import { isObject } from '../context.js'
import { invalidArgument } from '../names.js'
import { reservedNamespaceOf } from './run-resource-body.js'

export type Json = Record<string, unknown>

// Compat: v1 execution-environment annotation values ↔ v2 ExecutionEnvironment, and the launch
// stages the launch-stage annotation takes.
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

// ---------------------------------------------------------------------------------------------
// v2 → v1

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

/** A map of strings (labels, annotations) copied, or empty. */
export const strMap = (raw: unknown): Record<string, string> =>
  isObject(raw) ? { ...(raw as Record<string, string>) } : {}

// ---------------------------------------------------------------------------------------------
// v1 → v2

/** An unknown field; at the top level (`path` empty) the message names the object (`root`). */
const unknownField = (path: string, key: string, root: string) =>
  invalidArgument(
    path === '' ? key : `${path}.${key}`,
    `Invalid JSON payload received. Unknown name "${key}" at '${path === '' ? root : path}': Cannot find field.`,
  )

export const badValue = (path: string, type: string, value: unknown) =>
  invalidArgument(path, `Invalid value at '${path}' (${type}), ${JSON.stringify(value)}`)

/**
 * Checks that `obj` at `path` has only keys of `known` (`ignored` ones are accepted and dropped).
 * `root` names the object itself (`service`, `job`) when `path` is empty.
 */
export function checkKeys(
  obj: Json,
  path: string,
  known: readonly string[],
  ignored: readonly string[] = [],
  root = path,
): void {
  for (const k of Object.keys(obj)) {
    if (!known.includes(k) && !ignored.includes(k)) throw unknownField(path, k, root)
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

/** A required field that is missing. */
export const required = (path: string) =>
  invalidArgument(path, `${path}: Required field is not set.`)

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

export function readLabels(raw: Record<string, string>): Record<string, string> {
  const kept: Record<string, string> = {}
  for (const [key, value] of Object.entries(raw)) {
    if (reservedNamespaceOf(key) === undefined) kept[key] = value
  }
  return kept
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
