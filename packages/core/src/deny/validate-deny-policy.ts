// validateDenyPolicy: a create/update request body → the canonical DenyPolicyContent (principals
// canonical, unknown fields refused, Google's limits), or INVALID_ARGUMENT naming the offending
// field and value. Conditions are compiled here too, so a policy that validates also compiles.
// Compat: google.iam.v2.Policy / DenyRule field rules and limits (reference §4.2, §4.6).
import { compileCondition } from '../conditions/compile-condition.js'
import { canonicalDenyPrincipal, PUBLIC_ALL } from './deny-principal.js'
import { parseDenyPermission } from './deny-permission.js'
import { invalidDenyPolicy } from './reasons.js'
import type { DenyCondition, DenyPolicyContent, DenyRule, PolicyRule } from './types.js'

/** Compat: "up to 500 deny rules across all of its attached deny policies" (and so per policy). */
export const MAX_DENY_RULES = 500
/** Compat: "Each resource can have up to 500 deny policies". */
export const MAX_DENY_POLICIES_PER_ATTACHMENT = 500
export const MAX_DISPLAY_NAME = 63
export const MAX_RULE_DESCRIPTION = 256
export const MAX_ANNOTATION_KEY = 63
export const MAX_ANNOTATION_VALUE = 255
/** runiam's bound on each principal or permission list of a rule (Google documents none). */
export const MAX_RULE_LIST = 500

/** Output-only or immutable fields a client may send back unchanged (get, edit, update). */
const SERVER_FIELDS = new Set([
  'name',
  'uid',
  'kind',
  'etag',
  'createTime',
  'updateTime',
  'deleteTime',
  'managingAuthority',
])
const RULE_FIELDS = new Set(['description', 'denyRule'])
const DENY_RULE_FIELDS = new Set([
  'deniedPrincipals',
  'exceptionPrincipals',
  'deniedPermissions',
  'exceptionPermissions',
  'denialCondition',
])
const CONDITION_FIELDS = new Set(['expression', 'title', 'description', 'location'])

type Json = Record<string, unknown>

function object(value: unknown, field: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidDenyPolicy(`Field "${field}" must be a JSON object.`, field)
  }
  return value as Json
}

function onlyKnown(o: Json, known: ReadonlySet<string>, field: string): void {
  for (const k of Object.keys(o)) {
    if (!known.has(k)) {
      throw invalidDenyPolicy(`Unknown field "${field === '' ? k : `${field}.${k}`}".`, k)
    }
  }
}

function optionalString(o: Json, key: string, field: string, max: number): string | undefined {
  const v = o[key]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'string') throw invalidDenyPolicy(`Field "${field}" must be a string.`, field)
  if (v.length > max) {
    throw invalidDenyPolicy(
      `Field "${field}" is ${v.length} characters long; the limit is ${max}.`,
      field,
    )
  }
  return v
}

function stringList(o: Json, key: string, field: string): string[] {
  const v = o[key]
  if (v === undefined || v === null) return []
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    throw invalidDenyPolicy(`Field "${field}" must be a list of strings.`, field)
  }
  if (v.length > MAX_RULE_LIST) {
    throw invalidDenyPolicy(
      `Field "${field}" has ${v.length} entries; the limit is ${MAX_RULE_LIST}.`,
      field,
    )
  }
  return [...new Set(v as string[])]
}

function condition(value: unknown, field: string): DenyCondition | undefined {
  if (value === undefined || value === null) return undefined
  const o = object(value, field)
  onlyKnown(o, CONDITION_FIELDS, field)
  const expression = o['expression']
  if (typeof expression !== 'string' || expression.trim() === '') {
    throw invalidDenyPolicy(`Field "${field}.expression" is required.`, `${field}.expression`)
  }
  compileCondition(expression)
  const out: { -readonly [K in keyof DenyCondition]: DenyCondition[K] } = { expression }
  for (const k of ['title', 'description', 'location'] as const) {
    const s = optionalString(o, k, `${field}.${k}`, 4096)
    if (s !== undefined && s !== '') out[k] = s
  }
  return out
}

function denyRule(value: unknown, field: string): DenyRule {
  const o = object(value, field)
  onlyKnown(o, DENY_RULE_FIELDS, field)
  const principals = (key: string): string[] =>
    stringList(o, key, `${field}.${key}`).map(canonicalDenyPrincipal)
  const deniedPrincipals = [...new Set(principals('deniedPrincipals'))]
  const exceptionPrincipals = [...new Set(principals('exceptionPrincipals'))]
  const permissions = (key: string): string[] => {
    const list = stringList(o, key, `${field}.${key}`)
    for (const p of list) parseDenyPermission(p)
    return list
  }
  const deniedPermissions = permissions('deniedPermissions')
  const exceptionPermissions = permissions('exceptionPermissions')
  if (deniedPrincipals.length === 0) {
    throw invalidDenyPolicy(
      `Field "${field}.deniedPrincipals" must name at least one principal.`,
      `${field}.deniedPrincipals`,
    )
  }
  if (deniedPermissions.length === 0) {
    throw invalidDenyPolicy(
      `Field "${field}.deniedPermissions" must name at least one permission.`,
      `${field}.deniedPermissions`,
    )
  }
  // Compat: deny.proto: principalSet://goog/public:all is not allowed in exceptionPrincipals.
  if (exceptionPrincipals.includes(PUBLIC_ALL)) {
    throw invalidDenyPolicy(
      `Field "${field}.exceptionPrincipals" cannot contain ${PUBLIC_ALL}.`,
      `${field}.exceptionPrincipals`,
    )
  }
  const denialCondition = condition(o['denialCondition'], `${field}.denialCondition`)
  return {
    deniedPrincipals,
    ...(exceptionPrincipals.length > 0 ? { exceptionPrincipals } : {}),
    deniedPermissions,
    ...(exceptionPermissions.length > 0 ? { exceptionPermissions } : {}),
    ...(denialCondition === undefined ? {} : { denialCondition }),
  }
}

/**
 * The canonical content of a deny policy written by a client, or INVALID_ARGUMENT (reasons
 * INVALID_DENY_POLICY, DENY_PERMISSION_NOT_SUPPORTED, DENY_PRINCIPAL_NOT_SUPPORTED,
 * INVALID_CONDITION). Output-only fields are accepted and ignored.
 */
export function validateDenyPolicy(body: unknown): DenyPolicyContent {
  const o = object(body ?? {}, 'policy')
  for (const k of Object.keys(o)) {
    if (!SERVER_FIELDS.has(k) && k !== 'displayName' && k !== 'annotations' && k !== 'rules') {
      throw invalidDenyPolicy(`Unknown field "${k}".`, k)
    }
  }
  const displayName = optionalString(o, 'displayName', 'displayName', MAX_DISPLAY_NAME)
  const annotations: Record<string, string> = {}
  if (o['annotations'] !== undefined && o['annotations'] !== null) {
    for (const [k, v] of Object.entries(object(o['annotations'], 'annotations'))) {
      if (k.length === 0 || k.length > MAX_ANNOTATION_KEY) {
        throw invalidDenyPolicy(
          `Annotation key ${JSON.stringify(k.slice(0, 80))} must be 1 to ${MAX_ANNOTATION_KEY} characters.`,
          'annotations',
        )
      }
      if (typeof v !== 'string' || v.length > MAX_ANNOTATION_VALUE) {
        throw invalidDenyPolicy(
          `Annotation ${JSON.stringify(k)} must be a string of at most ${MAX_ANNOTATION_VALUE} characters.`,
          'annotations',
        )
      }
      annotations[k] = v
    }
  }
  const rawRules = o['rules'] ?? []
  if (!Array.isArray(rawRules)) throw invalidDenyPolicy('Field "rules" must be a list.', 'rules')
  if (rawRules.length > MAX_DENY_RULES) {
    throw invalidDenyPolicy(
      `The policy has ${rawRules.length} rules; the limit is ${MAX_DENY_RULES}.`,
      'rules',
    )
  }
  const rules: PolicyRule[] = rawRules.map((r: unknown, i) => {
    const field = `rules[${i}]`
    const ro = object(r, field)
    onlyKnown(ro, RULE_FIELDS, field)
    if (ro['denyRule'] === undefined || ro['denyRule'] === null) {
      throw invalidDenyPolicy(`Field "${field}.denyRule" is required.`, `${field}.denyRule`)
    }
    const description = optionalString(
      ro,
      'description',
      `${field}.description`,
      MAX_RULE_DESCRIPTION,
    )
    return {
      ...(description === undefined || description === '' ? {} : { description }),
      denyRule: denyRule(ro['denyRule'], `${field}.denyRule`),
    }
  })
  return {
    ...(displayName === undefined || displayName === '' ? {} : { displayName }),
    ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    rules,
  }
}
