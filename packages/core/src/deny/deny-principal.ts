// Principal identifiers in deny rules (IAM v2 form) mapped to the allow-policy member strings a
// caller's principal set holds (principal-set.ts), so a deny rule matches by the same Set lookups
// as an allow binding. Compat: IAM v2 deny.proto, "principal identifiers" (reference §4.3).
//
//   principalSet://goog/public:all                               → allUsers (every caller)
//   principal://goog/subject/EMAIL                               → user:EMAIL
//   principalSet://goog/group/EMAIL                              → group:EMAIL
//   principal://iam.googleapis.com/projects/-/serviceAccounts/E  → serviceAccount:E
//   deleted:<one of the above>?uid=UID                           → kept as written (no caller is it)
//   principal://iam.googleapis.com/… (workforce/workload pools)   → itself (federated callers' member)
// Sets runiam cannot enumerate (cloudIdentityCustomerId, …/type/ServiceAccount, pool sets) are
// refused at write time: a deny rule that silently matched nobody would be worse than an error.
import { asciiLower } from '../members/ascii-lower.js'
import { isValidEmail } from '../members/member.js'
import { denyPrincipalNotSupported } from './reasons.js'

export const PUBLIC_ALL = 'principalSet://goog/public:all'
const SUBJECT = 'principal://goog/subject/'
const GROUP = 'principalSet://goog/group/'
const SERVICE_ACCOUNT = 'principal://iam.googleapis.com/projects/-/serviceAccounts/'
const POOL =
  /^principal:\/\/iam\.googleapis\.com\/(?:locations\/global\/workforcePools|projects\/\d+\/locations\/global\/workloadIdentityPools)\/[a-z0-9-]+\/subject\/\S+$/
const DELETED_UID = /\?uid=\d+$/

/** The canonical spelling of a deny-rule principal (emails lower-cased). Throws when unsupported. */
export function canonicalDenyPrincipal(principal: string): string {
  if (principal.startsWith('deleted:')) {
    const inner = principal.slice('deleted:'.length).replace(DELETED_UID, '')
    if (!DELETED_UID.test(principal) || inner === PUBLIC_ALL) throw unsupported(principal)
    const canonical = canonicalDenyPrincipal(inner)
    return `deleted:${canonical}${principal.slice('deleted:'.length + inner.length)}`
  }
  if (principal === PUBLIC_ALL) return principal
  for (const prefix of [SUBJECT, GROUP, SERVICE_ACCOUNT]) {
    if (principal.startsWith(prefix)) {
      const email = principal.slice(prefix.length)
      if (!isValidEmail(email)) throw unsupported(principal, 'the email is malformed')
      return prefix + asciiLower(email)
    }
  }
  if (POOL.test(principal)) return principal
  throw unsupported(principal)
}

/** The member string a principal set holds for this (canonical) deny principal. */
export function memberOfDenyPrincipal(canonical: string): string {
  if (canonical === PUBLIC_ALL) return 'allUsers'
  if (canonical.startsWith(SUBJECT)) return `user:${canonical.slice(SUBJECT.length)}`
  if (canonical.startsWith(GROUP)) return `group:${canonical.slice(GROUP.length)}`
  if (canonical.startsWith(SERVICE_ACCOUNT)) {
    return `serviceAccount:${canonical.slice(SERVICE_ACCOUNT.length)}`
  }
  // deleted:… and federated principals: as written (a deleted principal is no caller).
  return canonical
}

function unsupported(principal: string, why?: string): Error {
  return denyPrincipalNotSupported(
    `Principal ${JSON.stringify(principal)} is not supported in deny rules${why === undefined ? '' : `: ${why}`}. ` +
      `Use principal://goog/subject/EMAIL, principalSet://goog/group/EMAIL, ` +
      `principal://iam.googleapis.com/projects/-/serviceAccounts/EMAIL or ${PUBLIC_ALL}.`,
  )
}
