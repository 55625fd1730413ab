// applyUpdateMask: which fields of an incoming setIamPolicy policy replace the stored ones.
import { iamError } from '../errors/reasons.js'
import type { Policy } from './types.js'

type Field = 'version' | 'bindings' | 'auditConfigs' | 'etag'

const PATHS: Readonly<Record<string, Field>> = {
  bindings: 'bindings',
  etag: 'etag',
  version: 'version',
  auditConfigs: 'auditConfigs',
  audit_configs: 'auditConfigs',
}

/** Compat: SetIamPolicyRequest.update_mask: "If omitted, paths: "bindings, etag"". */
export const DEFAULT_UPDATE_MASK = 'bindings,etag'

/** Parses an update mask into the fields it names. Unknown paths are INVALID_UPDATE_MASK. */
export function parseUpdateMask(mask: string | undefined): ReadonlySet<Field> {
  const text = mask === undefined || mask.trim() === '' ? DEFAULT_UPDATE_MASK : mask
  const out = new Set<Field>()
  for (const raw of text.split(',')) {
    const path = raw.trim()
    if (path === '') continue
    const field = PATHS[path]
    if (field === undefined) {
      throw iamError(
        'INVALID_UPDATE_MASK',
        `Invalid update mask path "${path}": supported paths are bindings, etag, version and auditConfigs.`,
        { metadata: { path } },
      )
    }
    out.add(field)
  }
  return out
}

/**
 * The policy to store: the stored policy with the masked fields taken from the incoming one (an
 * absent incoming field clears it). Default mask "bindings,etag": auditConfigs are kept.
 */
export function applyUpdateMask(
  stored: Policy | undefined,
  incoming: Policy,
  mask?: string,
): Policy {
  const fields = parseUpdateMask(mask)
  const pick = <K extends Field>(k: K): Policy[K] | undefined =>
    fields.has(k) ? incoming[k] : stored?.[k]
  const out: Policy = {}
  const version = pick('version')
  const bindings = pick('bindings')
  const auditConfigs = pick('auditConfigs')
  const etag = pick('etag')
  if (version !== undefined) out.version = version
  if (bindings !== undefined) out.bindings = bindings
  if (auditConfigs !== undefined) out.auditConfigs = auditConfigs
  if (etag !== undefined) out.etag = etag
  return out
}
