// Content-derived policy etags: 8 bytes of SHA-256 over the canonical policy, base64 (the length
// and look of Google's etags, e.g. "BwYabc123xY="). The same canonical content gives the same etag
// on every engine, so replicas and engines never disagree about "current".
import type { Expr, Policy } from './types.js'
import { sha256, toBase64, toHex } from './sha256.js'

/** Serialises with a fixed key order, whatever order the object's keys were created in. */
function stableJson(p: Policy): string {
  return JSON.stringify({
    version: p.version ?? 0,
    bindings: (p.bindings ?? []).map((b) => ({
      role: b.role,
      members: b.members,
      condition: b.condition === undefined ? null : exprTuple(b.condition),
    })),
    auditConfigs: (p.auditConfigs ?? []).map((c) => ({
      service: c.service,
      auditLogConfigs: (c.auditLogConfigs ?? []).map((l) => [
        l.logType ?? 'LOG_TYPE_UNSPECIFIED',
        l.exemptedMembers ?? [],
      ]),
    })),
  })
}

function exprTuple(c: Expr): string[] {
  return [c.expression, c.title ?? '', c.description ?? '', c.location ?? '']
}

/**
 * SHA-256 of a string's UTF-8 bytes (lone surrogates as U+FFFD), synchronous. Core's own is pure
 * JavaScript (it runs in browsers); the server passes node:crypto's, several times faster.
 */
export type Sha256Digest = (text: string) => Uint8Array

/**
 * The etag of a canonical policy (see canonicalizePolicy). Never "ACAB". `digest` must compute
 * SHA-256 exactly as core's does (the server's property test compares them): etags are stored and
 * compared, so another digest would make every stored etag stale.
 */
export function computeEtag(canonical: Policy, digest: Sha256Digest = sha256): string {
  // 8 bytes always encode to 12 characters, so this never collides with the 4-character
  // EMPTY_POLICY_ETAG ("ACAB") that means "no policy yet".
  return toBase64(digest(stableJson(canonical)).subarray(0, 8))
}

/**
 * The suffix Google gives a conditional binding's role in a version-1 rendering:
 * ROLE_withcond_ + 20 hex characters derived from the condition.
 */
// Compat: IAM policy versions doc, "roles/iam.serviceAccountAdmin_withcond_2b17cc25d2cd9e2c54d8".
export function withcondRole(role: string, condition: Expr): string {
  return `${role}_withcond_${toHex(sha256(JSON.stringify(exprTuple(condition)))).slice(0, 20)}`
}

/** Whether a role name is a version-1 placeholder for a conditional binding. */
export function isWithcondRole(role: string): boolean {
  return /_withcond_[0-9a-f]{20}$/.test(role)
}
