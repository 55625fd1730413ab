// The exact difference between two allow policies, as Cloud Audit Logs record it in
// `serviceData.policyDelta` (google.iam.v1.PolicyDelta): one BindingDelta per (role, condition,
// member) added or removed, one AuditConfigDelta per (service, log type, exempted member).
// applyPolicyDelta is its inverse, so "apply the delta to the old policy, get the new one" is a
// property the tests pin.
import { normalizeMember } from '../members/member.js'
import {
  canonicalExpr,
  canonicalizePolicy,
  conditionKey,
  LOG_TYPE_ORDER,
} from './canonicalize-policy.js'
import type { AuditConfig, Binding, Expr, LogType, Policy } from './types.js'

/** Compat: google.iam.v1.BindingDelta (exactly one member per delta). */
export interface BindingDelta {
  action: 'ADD' | 'REMOVE'
  role: string
  member: string
  condition?: Expr
}

/** Compat: google.iam.v1.AuditConfigDelta. No exemptedMember: the log config itself. */
export interface AuditConfigDelta {
  action: 'ADD' | 'REMOVE'
  service: string
  exemptedMember?: string
  logType: LogType
}

/** Compat: google.iam.v1.PolicyDelta; empty lists are left out, as in proto JSON. */
export interface PolicyDelta {
  bindingDeltas?: BindingDelta[]
  auditConfigDeltas?: AuditConfigDelta[]
}

const SEP = '\u0000'
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

// The tuples are read straight from the policy, each member normalised as canonicalizePolicy does:
// the maps merge and deduplicate as canonicalisation would, and diff() sorts, so the result is the
// canonical policy's tuples without canonicalising it (which, twice per policy, was most of the
// cost of a setIamPolicy's audit entry).

/** The policy's bindings by (role, condition); members of a repeated pair are concatenated. */
function bindingGroups(p: Policy | undefined): Map<string, Binding> {
  const out = new Map<string, Binding>()
  for (const b of p?.bindings ?? []) {
    const condition = b.condition === undefined ? undefined : canonicalExpr(b.condition)
    const key = `${b.role}${SEP}${conditionKey(condition)}`
    const seen = out.get(key)
    if (seen !== undefined) out.set(key, { ...seen, members: [...seen.members, ...b.members] })
    else if (condition === undefined) out.set(key, { role: b.role, members: b.members })
    else out.set(key, { role: b.role, members: b.members, condition })
  }
  return out
}

function sameMembers(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** The (role, condition, member) tuples of the groups, leaving out those `skip` names. */
function groupTuples(
  groups: Map<string, Binding>,
  skip: (key: string, members: readonly string[]) => boolean,
): Map<string, Omit<BindingDelta, 'action'>> {
  const out = new Map<string, Omit<BindingDelta, 'action'>>()
  for (const [key, b] of groups) {
    if (skip(key, b.members)) continue
    for (const raw of b.members) {
      const member = normalizeMember(raw)
      out.set(
        `${key}${SEP}${member}`,
        b.condition === undefined
          ? { role: b.role, member }
          : { role: b.role, member, condition: b.condition },
      )
    }
  }
  return out
}

function bindingTuples(p: Policy | undefined): Map<string, Omit<BindingDelta, 'action'>> {
  return groupTuples(bindingGroups(p), () => false)
}

/**
 * The tuples of the (role, condition) pairs whose members differ between the two policies. A pair
 * with the very same member list on both sides has the same tuples on both, which diff() would
 * cancel: most setIamPolicy calls change one binding of many, so most pairs are skipped unread.
 */
function changedBindingTuples(
  before: Policy | undefined,
  after: Policy | undefined,
): [Map<string, Omit<BindingDelta, 'action'>>, Map<string, Omit<BindingDelta, 'action'>>] {
  const b = bindingGroups(before)
  const a = bindingGroups(after)
  const sameIn =
    (other: Map<string, Binding>) =>
    (key: string, members: readonly string[]): boolean => {
      const o = other.get(key)
      return o !== undefined && sameMembers(o.members, members)
    }
  return [groupTuples(b, sameIn(a)), groupTuples(a, sameIn(b))]
}

function auditTuples(p: Policy | undefined): Map<string, Omit<AuditConfigDelta, 'action'>> {
  const out = new Map<string, Omit<AuditConfigDelta, 'action'>>()
  for (const c of p?.auditConfigs ?? []) {
    for (const l of c.auditLogConfigs ?? []) {
      const logType = l.logType ?? 'LOG_TYPE_UNSPECIFIED'
      // Canonicalisation keeps only the known log types.
      if (!LOG_TYPE_ORDER.includes(logType)) continue
      out.set([c.service, logType, ''].join(SEP), { service: c.service, logType })
      for (const raw of l.exemptedMembers ?? []) {
        const m = normalizeMember(raw)
        out.set([c.service, logType, m].join(SEP), {
          service: c.service,
          logType,
          exemptedMember: m,
        })
      }
    }
  }
  return out
}

function diff<T>(
  before: Map<string, T>,
  after: Map<string, T>,
): { key: string; action: 'ADD' | 'REMOVE'; value: T }[] {
  const out: { key: string; action: 'ADD' | 'REMOVE'; value: T }[] = []
  for (const [key, value] of before) if (!after.has(key)) out.push({ key, action: 'REMOVE', value })
  for (const [key, value] of after) if (!before.has(key)) out.push({ key, action: 'ADD', value })
  // Deterministic: by role (service), condition, member, then REMOVE before ADD.
  return out.sort((a, b) => cmp(a.key, b.key) || cmp(b.action, a.action))
}

/** What changed from `before` to `after` (either may be absent: no policy). */
export function policyDelta(before: Policy | undefined, after: Policy | undefined): PolicyDelta {
  const bindingDeltas = diff(...changedBindingTuples(before, after)).map(({ action, value }) => ({
    action,
    ...value,
  }))
  const auditConfigDeltas = diff(auditTuples(before), auditTuples(after)).map(
    ({ action, value }) => ({ action, ...value }),
  )
  return {
    ...(bindingDeltas.length > 0 ? { bindingDeltas } : {}),
    ...(auditConfigDeltas.length > 0 ? { auditConfigDeltas } : {}),
  }
}

/** `before` with the delta applied, canonical (the inverse of policyDelta). */
export function applyPolicyDelta(before: Policy | undefined, delta: PolicyDelta): Policy {
  const bindings = bindingTuples(before)
  for (const d of delta.bindingDeltas ?? []) {
    const { action, ...value } = d
    const key = [d.role, conditionKey(d.condition), d.member].join(SEP)
    if (action === 'ADD') bindings.set(key, value)
    else bindings.delete(key)
  }
  const audits = auditTuples(before)
  for (const d of delta.auditConfigDeltas ?? []) {
    const { action, ...value } = d
    const key = [d.service, d.logType, d.exemptedMember ?? ''].join(SEP)
    if (action === 'ADD') audits.set(key, value)
    else audits.delete(key)
  }
  const outBindings: Binding[] = [...bindings.values()].map((b) => ({
    role: b.role,
    members: [b.member],
    ...(b.condition === undefined ? {} : { condition: b.condition }),
  }))
  const auditConfigs: AuditConfig[] = [...audits.values()].map((a) => ({
    service: a.service,
    auditLogConfigs: [
      {
        logType: a.logType,
        ...(a.exemptedMember === undefined ? {} : { exemptedMembers: [a.exemptedMember] }),
      },
    ],
  }))
  return canonicalizePolicy({ bindings: outBindings, auditConfigs })
}
