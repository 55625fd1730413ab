// Permission names in deny rules: IAM v2's `SERVICE_FQDN/RESOURCE.ACTION` (e.g.
// `run.googleapis.com/services.setIamPolicy`) to and from the v1 names the authorizer checks
// (`run.services.setIamPolicy`), and the wildcard forms a deny rule may use.
// Compat: IAM "Permissions supported in deny policies": the FQDN is the v1 service prefix plus
// `.googleapis.com`; `SERVICE_FQDN/*.*` (every permission of a service) and
// `SERVICE_FQDN/RESOURCE.*` (every action on a resource type) are the permission-group forms.
import { isKnownPermission, listRoles } from '../roles/catalog.js'
import { denyPermissionNotSupported } from './reasons.js'
import type { PermissionMatcher } from './types.js'

const FQDN_SUFFIX = '.googleapis.com'
const SEGMENT = /^[a-z][a-zA-Z0-9]*$/

let services: ReadonlySet<string> | undefined
let resourceTypes: ReadonlySet<string> | undefined

/** The v1 service prefixes (`run`) and `service.resource` pairs runiam knows. */
function knownPrefixes(): { services: ReadonlySet<string>; resources: ReadonlySet<string> } {
  if (services === undefined || resourceTypes === undefined) {
    const s = new Set<string>()
    const r = new Set<string>()
    for (const role of listRoles()) {
      for (const p of role.includedPermissions) {
        const parts = p.split('.')
        s.add(parts[0] ?? '')
        r.add(`${parts[0] ?? ''}.${parts[1] ?? ''}`)
      }
    }
    services = s
    resourceTypes = r
  }
  return { services, resources: resourceTypes }
}

/** `run.services.get` → `run.googleapis.com/services.get`. */
export function toDenyPermission(v1: string): string {
  const dot = v1.indexOf('.')
  if (dot <= 0) return v1
  return `${v1.slice(0, dot)}${FQDN_SUFFIX}/${v1.slice(dot + 1)}`
}

/** A parsed deny-rule permission: one exact v1 name, or a v1 prefix for a wildcard form. */
export type DenyPermission =
  | { readonly kind: 'exact'; readonly v1: string }
  | { readonly kind: 'prefix'; readonly prefix: string }

/**
 * Parses `SERVICE_FQDN/RESOURCE.ACTION`, `SERVICE_FQDN/RESOURCE.*` or `SERVICE_FQDN/*.*`.
 * Compat: an unsupported name fails the write (INVALID_ARGUMENT), as on Google; runiam supports
 * the permissions its role catalog holds.
 */
export function parseDenyPermission(permission: string): DenyPermission {
  const bad = (why: string): Error =>
    denyPermissionNotSupported(
      `Permission ${JSON.stringify(permission)} is not supported in deny policies: ${why}.`,
    )
  const slash = permission.indexOf('/')
  if (slash < 0) {
    throw bad(
      `write it as SERVICE_FQDN/RESOURCE.ACTION, e.g. ${JSON.stringify(toDenyPermission(permission.includes('.') ? permission : 'run.services.get'))}`,
    )
  }
  const fqdn = permission.slice(0, slash)
  const rest = permission.slice(slash + 1)
  if (!fqdn.endsWith(FQDN_SUFFIX)) throw bad(`the service must end in ${FQDN_SUFFIX}`)
  const service = fqdn.slice(0, -FQDN_SUFFIX.length)
  const parts = rest.split('.')
  if (parts.length !== 2 || !SEGMENT.test(service)) {
    throw bad('write it as SERVICE_FQDN/RESOURCE.ACTION')
  }
  const [resource = '', action = ''] = parts
  const known = knownPrefixes()
  if (!known.services.has(service)) throw bad(`runiam knows no permission of ${fqdn}`)
  if (resource === '*') {
    if (action !== '*') throw bad('a wildcard resource needs a wildcard action (SERVICE_FQDN/*.*)')
    return { kind: 'prefix', prefix: `${service}.` }
  }
  if (!SEGMENT.test(resource)) throw bad('the resource type is malformed')
  if (action === '*') {
    if (!known.resources.has(`${service}.${resource}`)) {
      throw bad(`runiam knows no permission on ${fqdn} ${resource}`)
    }
    return { kind: 'prefix', prefix: `${service}.${resource}.` }
  }
  if (!SEGMENT.test(action)) throw bad('the action is malformed')
  const v1 = `${service}.${resource}.${action}`
  if (!isKnownPermission(v1)) throw bad('runiam knows no such permission')
  return { kind: 'exact', v1 }
}

/** The matcher of a list of (valid) deny-rule permissions. */
export function permissionMatcher(permissions: readonly string[]): PermissionMatcher {
  const exact = new Set<string>()
  const prefixes: string[] = []
  for (const p of permissions) {
    const parsed = parseDenyPermission(p)
    if (parsed.kind === 'exact') exact.add(parsed.v1)
    else prefixes.push(parsed.prefix)
  }
  return { exact, prefixes }
}

/** Whether the matcher holds the v1 permission. */
export function matchesPermission(matcher: PermissionMatcher, v1: string): boolean {
  if (matcher.exact.has(v1)) return true
  for (const prefix of matcher.prefixes) if (v1.startsWith(prefix)) return true
  return false
}
