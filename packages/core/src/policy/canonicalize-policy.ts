// The canonical form of a policy: one deterministic representation per meaning, so the etag
// computed from it is the same on every store engine and after any reordering by a client.
import { normalizeMember } from '../members/member.js'
import type { AuditConfig, AuditLogConfig, Binding, Expr, LogType, Policy } from './types.js'

/** A condition with empty optional fields dropped (proto3: "" is the same as absent). */
export function canonicalExpr(c: Expr): Expr {
  const out: Expr = { expression: c.expression }
  if (c.title !== undefined && c.title !== '') out.title = c.title
  if (c.description !== undefined && c.description !== '') out.description = c.description
  if (c.location !== undefined && c.location !== '') out.location = c.location
  return out
}

/** A string that is equal for two conditions exactly when they are the same condition. */
export function conditionKey(c: Expr | undefined): string {
  if (c === undefined) return ''
  return JSON.stringify([c.expression, c.title ?? '', c.description ?? '', c.location ?? ''])
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Whether any binding of the policy has a condition. */
export function hasConditions(p: Policy): boolean {
  return (p.bindings ?? []).some((b) => b.condition !== undefined)
}

/** The log types a canonical policy keeps, in its order. */
export const LOG_TYPE_ORDER: readonly LogType[] = [
  'LOG_TYPE_UNSPECIFIED',
  'ADMIN_READ',
  'DATA_WRITE',
  'DATA_READ',
]

function canonicalAuditConfigs(configs: readonly AuditConfig[]): AuditConfig[] {
  const byService = new Map<string, Map<LogType, Set<string>>>()
  for (const c of configs) {
    let logs = byService.get(c.service)
    if (logs === undefined) byService.set(c.service, (logs = new Map()))
    for (const l of c.auditLogConfigs ?? []) {
      const type = l.logType ?? 'LOG_TYPE_UNSPECIFIED'
      let members = logs.get(type)
      if (members === undefined) logs.set(type, (members = new Set()))
      for (const m of l.exemptedMembers ?? []) members.add(normalizeMember(m))
    }
  }
  return [...byService.keys()].sort(compare).map((service) => {
    const logs = byService.get(service) ?? new Map<LogType, Set<string>>()
    const out: AuditConfig = { service }
    const logConfigs: AuditLogConfig[] = LOG_TYPE_ORDER.filter((t) => logs.has(t)).map((t) => {
      const members = [...(logs.get(t) ?? [])].sort(compare)
      const l: AuditLogConfig = { logType: t }
      if (members.length > 0) l.exemptedMembers = members
      return l
    })
    if (logConfigs.length > 0) out.auditLogConfigs = logConfigs
    return out
  })
}

/**
 * Canonical form: members normalised (see members/member.ts), deduplicated and sorted; bindings
 * with the same role and condition merged; empty bindings dropped; bindings sorted by role, then
 * unconditional first, then by condition; audit configs merged per service and log type; version 3
 * when any binding has a condition, else 1; no etag. Keys in Google's field order.
 */
export function canonicalizePolicy(p: Policy): Policy {
  const groups = new Map<string, { role: string; condition?: Expr; members: Set<string> }>()
  for (const b of p.bindings ?? []) {
    const condition = b.condition === undefined ? undefined : canonicalExpr(b.condition)
    const key = `${b.role}\u0000${conditionKey(condition)}`
    let g = groups.get(key)
    if (g === undefined) {
      g =
        condition === undefined
          ? { role: b.role, members: new Set() }
          : { role: b.role, condition, members: new Set() }
      groups.set(key, g)
    }
    for (const m of b.members) g.members.add(normalizeMember(m))
  }
  const bindings: Binding[] = []
  const keyed: { key: string; binding: Binding }[] = []
  for (const g of groups.values()) {
    if (g.members.size === 0) continue
    const binding: Binding = { role: g.role, members: [...g.members].sort(compare) }
    if (g.condition !== undefined) binding.condition = g.condition
    keyed.push({ key: `${g.role}\u0000${conditionKey(g.condition)}`, binding })
  }
  keyed.sort((a, b) => compare(a.key, b.key))
  for (const k of keyed) bindings.push(k.binding)

  const out: Policy = { version: bindings.some((b) => b.condition !== undefined) ? 3 : 1 }
  if (bindings.length > 0) out.bindings = bindings
  const audit = canonicalAuditConfigs(p.auditConfigs ?? [])
  if (audit.length > 0) out.auditConfigs = audit
  return out
}
