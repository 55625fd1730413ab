// The two organization-policy constraints runiam enforces, the validation of an Org Policy v2
// PolicySpec against its constraint, and the evaluation of the effective policy down the
// hierarchy (organization → project). Pure: no store, no clock.
// Compat: google.cloud.orgpolicy.v2 Policy / PolicySpec / PolicyRule (reference §10).
import { Code, IamError, isValidDomain } from '@runiam/core'
import './org-policy-reasons.js'

export const ALLOWED_POLICY_MEMBER_DOMAINS = 'iam.allowedPolicyMemberDomains'
export const REQUIRE_INVOKER_IAM = 'run.managed.requireInvokerIam'
export const CONSTRAINT_PREFIX = 'constraints/'

export interface ConstraintInfo {
  /** The bare name, e.g. `iam.allowedPolicyMemberDomains`. */
  readonly name: string
  readonly kind: 'boolean' | 'list'
  readonly displayName: string
  readonly description: string
}

// Descriptions are ours, written after Google's constraint reference; the wording of
// run.managed.requireInvokerIam's is UNCONFIRMED (reference §13).
export const CONSTRAINTS: ReadonlyMap<string, ConstraintInfo> = new Map(
  (
    [
      {
        name: ALLOWED_POLICY_MEMBER_DOMAINS,
        kind: 'list',
        displayName: 'Domain restricted sharing',
        description:
          'This list constraint defines the Cloud Identity customer IDs (C0xxxxxx) whose principals ' +
          'can be added to IAM allow policies. By default every principal can be added. Only ' +
          'allowed values are supported, denied values are not. When the constraint is active, ' +
          'only principals of the allowed customers can be added; allUsers and ' +
          'allAuthenticatedUsers cannot. runiam also accepts plain domains (example.com) as values.',
      },
      {
        name: REQUIRE_INVOKER_IAM,
        kind: 'boolean',
        displayName: 'Require the Cloud Run invoker IAM check',
        description:
          'When enforced, Cloud Run services cannot disable the invoker IAM check ' +
          '(invokerIamDisabled: true, gcloud --no-invoker-iam-check): every request must carry ' +
          'a credential that holds run.routes.invoke. Not enforced by default.',
      },
    ] as const
  ).map((c) => [c.name, c]),
)

export interface PolicyRule {
  readonly values?: { readonly allowedValues?: string[]; readonly deniedValues?: string[] }
  readonly allowAll?: true
  readonly denyAll?: true
  readonly enforce?: boolean
}

/** A validated PolicySpec (without the output-only etag and updateTime). */
export interface PolicySpec {
  readonly rules?: PolicyRule[]
  readonly inheritFromParent?: true
  readonly reset?: true
}

export function invalidOrgPolicy(field: string, message: string): IamError {
  return new IamError(Code.INVALID_ARGUMENT, 'INVALID_FIELD', message, {
    metadata: { field },
    details: [
      {
        '@type': 'type.googleapis.com/google.rpc.BadRequest',
        fieldViolations: [{ field, description: message }],
      },
    ],
  })
}

/** The constraint named `raw` (with or without `constraints/`); UNKNOWN_CONSTRAINT otherwise. */
export function constraintOf(raw: string): ConstraintInfo {
  const bare = raw.startsWith(CONSTRAINT_PREFIX) ? raw.slice(CONSTRAINT_PREFIX.length) : raw
  const c = CONSTRAINTS.get(bare)
  if (c === undefined) {
    throw new IamError(
      Code.INVALID_ARGUMENT,
      'UNKNOWN_CONSTRAINT',
      `Constraint constraints/${bare} is not supported: runiam knows only ` +
        [...CONSTRAINTS.keys()].map((k) => `constraints/${k}`).join(' and ') +
        '.',
      { metadata: { constraint: `constraints/${bare}` } },
    )
  }
  return c
}

const isObj = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x)

function readBool(raw: unknown, field: string): boolean | undefined {
  if (raw === undefined || raw === null) return undefined
  if (typeof raw !== 'boolean') {
    throw invalidOrgPolicy(field, `Invalid value at '${field}' (TYPE_BOOL), ${JSON.stringify(raw)}`)
  }
  return raw
}

function readTrue(raw: unknown, field: string): true | undefined {
  const b = readBool(raw, field)
  if (b === false) throw invalidOrgPolicy(field, `'${field}' must be true when it is set.`)
  return b
}

// Compat: Cloud Identity customer ids look like C0abc123 (`is:` marks an exact value in
// Google's list-constraint syntax).
const CUSTOMER_ID_RE = /^C[0-9A-Za-z]{4,}$/

/** A value of iam.allowedPolicyMemberDomains without its `is:` prefix. */
export function drsValueOf(raw: string): string {
  return raw.startsWith('is:') ? raw.slice(3) : raw
}

function readValues(
  c: ConstraintInfo,
  raw: unknown,
  field: string,
): NonNullable<PolicyRule['values']> {
  if (!isObj(raw)) throw invalidOrgPolicy(field, `'${field}' must be an object.`)
  const out: { allowedValues?: string[]; deniedValues?: string[] } = {}
  for (const [k, v] of Object.entries(raw)) {
    if (k !== 'allowedValues' && k !== 'deniedValues') {
      throw invalidOrgPolicy(
        `${field}.${k}`,
        `Invalid JSON payload received. Unknown name "${k}" at '${field}': Cannot find field.`,
      )
    }
    if (v === undefined || v === null) continue
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || x === '')) {
      throw invalidOrgPolicy(
        `${field}.${k}`,
        `'${field}.${k}' must be a list of non-empty strings.`,
      )
    }
    const list = [...new Set(v as string[])]
    if (list.length > 0) out[k] = list
  }
  if (c.name === ALLOWED_POLICY_MEMBER_DOMAINS) {
    if (out.deniedValues !== undefined) {
      // Compat: domain restricted sharing supports allowed values only.
      throw invalidOrgPolicy(
        `${field}.deniedValues`,
        'constraints/iam.allowedPolicyMemberDomains supports allowed values only; deniedValues are not supported.',
      )
    }
    for (const [i, v] of (out.allowedValues ?? []).entries()) {
      const value = drsValueOf(v)
      if (!CUSTOMER_ID_RE.test(value) && !isValidDomain(value)) {
        throw invalidOrgPolicy(
          `${field}.allowedValues[${i}]`,
          `Invalid value '${v}' for constraints/iam.allowedPolicyMemberDomains: expected a Cloud ` +
            'Identity customer ID (C0xxxxxxx, optionally is:C0xxxxxxx) or a domain (example.com).',
        )
      }
    }
  }
  if (out.allowedValues === undefined && out.deniedValues === undefined) {
    throw invalidOrgPolicy(field, `'${field}' must list at least one allowed or denied value.`)
  }
  return out
}

function readRule(c: ConstraintInfo, raw: unknown, field: string): PolicyRule {
  if (!isObj(raw)) throw invalidOrgPolicy(field, `'${field}' must be an object.`)
  const set: string[] = []
  let rule: PolicyRule = {}
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined || v === null) continue
    const f = `${field}.${k}`
    switch (k) {
      case 'values':
        rule = { values: readValues(c, v, f) }
        break
      case 'allowAll': {
        const t = readTrue(v, f)
        if (t !== undefined) rule = { allowAll: t }
        break
      }
      case 'denyAll': {
        const t = readTrue(v, f)
        if (t !== undefined) rule = { denyAll: t }
        break
      }
      case 'enforce': {
        const b = readBool(v, f)
        if (b !== undefined) rule = { enforce: b }
        break
      }
      case 'condition':
      case 'parameters':
        throw invalidOrgPolicy(
          f,
          `'${f}' is not supported by runiam: organization policy rules cannot be conditional or parameterized.`,
        )
      default:
        throw invalidOrgPolicy(
          f,
          `Invalid JSON payload received. Unknown name "${k}" at '${field}': Cannot find field.`,
        )
    }
    set.push(k)
  }
  if (set.length !== 1) {
    throw invalidOrgPolicy(
      field,
      set.length === 0
        ? `'${field}' must set one of values, allowAll, denyAll or enforce.`
        : `'${field}' sets ${set.join(' and ')}: a rule sets exactly one of values, allowAll, denyAll or enforce.`,
    )
  }
  if (c.kind === 'boolean' && rule.enforce === undefined) {
    throw invalidOrgPolicy(
      field,
      `constraints/${c.name} is a boolean constraint: its rules set 'enforce', not '${set[0] ?? ''}'.`,
    )
  }
  if (c.kind === 'list' && rule.enforce !== undefined) {
    throw invalidOrgPolicy(
      field,
      `constraints/${c.name} is a list constraint: its rules set values, allowAll or denyAll, not 'enforce'.`,
    )
  }
  return rule
}

/** Validates a PolicySpec for constraint `c`; `field` names it in messages (e.g. `policy.spec`). */
export function readSpec(c: ConstraintInfo, raw: unknown, field: string): PolicySpec {
  if (raw === undefined || raw === null) return {}
  if (!isObj(raw)) throw invalidOrgPolicy(field, `'${field}' must be an object.`)
  let rules: PolicyRule[] | undefined
  let inheritFromParent: true | undefined
  let reset: true | undefined
  for (const [k, v] of Object.entries(raw)) {
    const f = `${field}.${k}`
    switch (k) {
      case 'etag':
      case 'updateTime':
        break // output only (the etag is compared by the caller)
      case 'rules':
        if (v === undefined || v === null) break
        if (!Array.isArray(v)) throw invalidOrgPolicy(f, `'${f}' must be a list.`)
        rules = v.map((r, i) => readRule(c, r, `${f}[${i}]`))
        break
      case 'inheritFromParent':
        inheritFromParent = readBool(v, f) === true ? true : undefined
        break
      case 'reset':
        reset = readBool(v, f) === true ? true : undefined
        break
      default:
        throw invalidOrgPolicy(
          f,
          `Invalid JSON payload received. Unknown name "${k}" at '${field}': Cannot find field.`,
        )
    }
  }
  // Compat: PolicySpec.reset: "If true, then rules must be empty and inherit_from_parent must be
  // set to false."
  if (reset === true && ((rules?.length ?? 0) > 0 || inheritFromParent === true)) {
    throw invalidOrgPolicy(
      `${field}.reset`,
      `'${field}.reset' is true: rules must be empty and inheritFromParent must be false.`,
    )
  }
  // Compat: inherit_from_parent "can be set only in policies for list constraints".
  if (inheritFromParent === true && c.kind === 'boolean') {
    throw invalidOrgPolicy(
      `${field}.inheritFromParent`,
      `constraints/${c.name} is a boolean constraint: inheritFromParent can be set only for list constraints.`,
    )
  }
  if (c.kind === 'boolean' && (rules?.length ?? 0) > 1) {
    throw invalidOrgPolicy(
      `${field}.rules`,
      `constraints/${c.name} is a boolean constraint: a policy has at most one rule without a condition.`,
    )
  }
  if (c.kind === 'list') {
    const blanket = (rules ?? []).filter((r) => r.allowAll === true || r.denyAll === true)
    if (blanket.length > 0 && (rules?.length ?? 0) > 1) {
      throw invalidOrgPolicy(
        `${field}.rules`,
        `'${field}.rules': a rule with allowAll or denyAll must be the only rule of the policy.`,
      )
    }
  }
  return {
    ...(rules !== undefined && rules.length > 0 ? { rules } : {}),
    ...(inheritFromParent === true ? { inheritFromParent } : {}),
    ...(reset === true ? { reset } : {}),
  }
}

/** The state of a list constraint after evaluation. */
export interface ListState {
  readonly allowAll: boolean
  readonly denyAll: boolean
  readonly allowed: readonly string[]
  readonly denied: readonly string[]
}

const DEFAULT_LIST: ListState = { allowAll: true, denyAll: false, allowed: [], denied: [] }

function ownListState(rules: readonly PolicyRule[]): ListState {
  if (rules.some((r) => r.denyAll === true))
    return { ...DEFAULT_LIST, allowAll: false, denyAll: true }
  if (rules.some((r) => r.allowAll === true)) return DEFAULT_LIST
  const allowed = new Set<string>()
  const denied = new Set<string>()
  for (const r of rules) {
    for (const v of r.values?.allowedValues ?? []) allowed.add(v)
    for (const v of r.values?.deniedValues ?? []) denied.add(v)
  }
  // Compat: a list policy with denied values only allows everything else.
  return {
    allowAll: allowed.size === 0,
    denyAll: false,
    allowed: [...allowed],
    denied: [...denied],
  }
}

/**
 * The effective state of a list constraint. `specs` run from the top of the hierarchy (the
 * organization) down to the resource; undefined where no policy is set.
 * Compat: Google's hierarchy evaluation: no policy or no rules inherits; `reset` goes back to the
 * constraint's default (allow all); rules replace the parent's state, unless inheritFromParent
 * merges them: values are united, denied values always win, and allowAll / denyAll in the child
 * replace whatever the parent had.
 */
export function effectiveList(specs: readonly (PolicySpec | undefined)[]): ListState {
  let state = DEFAULT_LIST
  for (const spec of specs) {
    if (spec === undefined) continue
    if (spec.reset === true) {
      state = DEFAULT_LIST
      continue
    }
    const rules = spec.rules ?? []
    if (rules.length === 0) continue
    const own = ownListState(rules)
    const blanket = rules.some((r) => r.allowAll === true || r.denyAll === true)
    if (spec.inheritFromParent !== true || blanket) {
      state = own
      continue
    }
    const denied = [...new Set([...state.denied, ...own.denied])]
    if (state.allowAll) state = { ...state, denied }
    else if (state.denyAll) state = { ...own, denied }
    else {
      const allowed = [...new Set([...state.allowed, ...own.allowed])]
      state = { allowAll: false, denyAll: false, allowed, denied }
    }
  }
  return state
}

/**
 * Whether a boolean constraint is enforced: the policy nearest the resource that has rules (or
 * resets) decides; none: not enforced (the default of both runiam constraints).
 */
export function effectiveBoolean(specs: readonly (PolicySpec | undefined)[]): boolean {
  for (let i = specs.length - 1; i >= 0; i--) {
    const spec = specs[i]
    if (spec === undefined) continue
    if (spec.reset === true) return false
    const rule = spec.rules?.[0]
    if (rule !== undefined) return rule.enforce === true
  }
  return false
}

/** The rules of the effective policy, as getEffectivePolicy answers them. */
export function effectiveRules(
  c: ConstraintInfo,
  specs: readonly (PolicySpec | undefined)[],
): PolicyRule[] {
  if (c.kind === 'boolean') return [{ enforce: effectiveBoolean(specs) }]
  const s = effectiveList(specs)
  if (s.denyAll) return [{ denyAll: true }]
  if (s.allowAll && s.denied.length === 0) return [{ allowAll: true }]
  const values: { allowedValues?: string[]; deniedValues?: string[] } = {}
  if (s.allowed.length > 0) values.allowedValues = [...s.allowed]
  if (s.denied.length > 0) values.deniedValues = [...s.denied]
  return [{ values }]
}
