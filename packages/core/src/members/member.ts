// Members (principals) of allow-policy bindings: parsing, formatting and normalisation of every
// form in Google's principal-identifier reference (user:, serviceAccount:, group:, domain:,
// allUsers, allAuthenticatedUsers, principal://, principalSet://, deleted:…, and the legacy GKE
// `serviceAccount:PROJECT.svc.id.goog[NS/KSA]`).
//
// Case handling (decided here, relied on by canonicalizePolicy and the authorizer):
// - Type prefixes are case-sensitive, as Google documents them: `User:x@y.com` is invalid.
// - The values of user:, serviceAccount:, group:, domain: and deleted:user|serviceAccount|group:
//   are email addresses or domains, which Google treats case-insensitively (it stores the
//   account's own spelling; Terraform's provider compares them case-insensitively). parseMember
//   keeps the caller's spelling; normalizeMember lower-cases these values, and the canonical form
//   of a policy stores them lower-cased, so `user:Alice@Example.com` and `user:alice@example.com`
//   are one member. Identities must be turned into member strings with normalizeMember too.
// - principal:// and principalSet:// identifiers (subjects, attribute values, pool ids) are
//   case-sensitive and never changed.
import { asciiLower } from './ascii-lower.js'
import { invalidMember } from '../errors/reasons.js'

export type EmailMemberType = 'user' | 'serviceAccount' | 'group'

/** The wire prefix of a member ("allUsers" and "allAuthenticatedUsers" have none). */
export type MemberType =
  | 'allUsers'
  | 'allAuthenticatedUsers'
  | EmailMemberType
  | 'domain'
  | 'principal'
  | 'principalSet'
  | 'deleted'

/** The legacy GKE Workload Identity form `serviceAccount:PROJECT.svc.id.goog[NS/KSA]`. */
export interface KubernetesServiceAccount {
  /** e.g. "my-project.svc.id.goog" */
  readonly workloadPool: string
  readonly namespace: string
  readonly name: string
}

export type Member =
  | { readonly type: 'allUsers' }
  | { readonly type: 'allAuthenticatedUsers' }
  | { readonly type: 'user' | 'group'; readonly email: string }
  | {
      readonly type: 'serviceAccount'
      /** The email, or for the legacy GKE form the raw `PROJECT.svc.id.goog[NS/KSA]` value. */
      readonly email: string
      readonly kubernetes?: KubernetesServiceAccount
    }
  | { readonly type: 'domain'; readonly domain: string }
  /** `uri` is the whole identifier, e.g. "principal://iam.googleapis.com/locations/…". */
  | { readonly type: 'principal' | 'principalSet'; readonly uri: string }
  | {
      readonly type: 'deleted'
      readonly deletedType: EmailMemberType
      readonly email: string
      readonly uid: string
    }
  | { readonly type: 'deleted'; readonly deletedType: 'principal'; readonly uri: string }

const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?'
const DOMAIN_RE = new RegExp(`^(?:${LABEL}\\.)+${LABEL}$`)
const ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
const LOCAL_RE = new RegExp(`^${ATOM}(?:\\.${ATOM})*$`)
const GKE_SA_RE =
  /^([a-z0-9][a-z0-9.:-]*\.svc\.id\.goog)\[([a-z0-9](?:[a-z0-9-]*[a-z0-9])?)\/([a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)\]$/
const NO_SPACE_RE = /^\S+$/

/** A syntactically valid DNS domain with at least two labels, e.g. "example.com". */
export function isValidDomain(domain: string): boolean {
  return domain.length <= 253 && DOMAIN_RE.test(domain)
}

/** A syntactically valid email address (dot-atom local part, DNS domain). */
export function isValidEmail(email: string): boolean {
  const at = email.lastIndexOf('@')
  if (at <= 0) return false
  const local = email.slice(0, at)
  return local.length <= 64 && LOCAL_RE.test(local) && isValidDomain(email.slice(at + 1))
}

// Workforce and workload identity pool identifiers on iam.googleapis.com (doc: principal
// identifiers). Pool ids are kept loose (GKE pools are "PROJECT.svc.id.goog").
const POOL = '[a-z0-9][a-z0-9.-]*'
const WORKFORCE = `locations/[a-z0-9-]+/workforcePools/${POOL}`
const WORKLOAD = `projects/[0-9]+/locations/[a-z0-9-]+/workloadIdentityPools/${POOL}`
const IAM_PRINCIPAL_RE = new RegExp(`^(?:${WORKFORCE}|${WORKLOAD})/subject/\\S+$`)
const IAM_PRINCIPAL_SET_RE = new RegExp(
  `^(?:${WORKFORCE}|${WORKLOAD})/(?:\\*|group/\\S+|attribute\\.[A-Za-z0-9_.]+/\\S+|namespace/\\S+|kubernetes\\.cluster/\\S+)$`,
)
const CRM_PRINCIPAL_SET_RE =
  /^(?:projects|folders|organizations)\/[a-z0-9-]+\/type\/ServiceAccount$/

/** Checks a principal:// or principalSet:// identifier; returns why it is invalid, or undefined. */
function checkPrincipalUri(kind: 'principal' | 'principalSet', uri: string): string | undefined {
  const rest = uri.slice(kind.length + 3)
  const slash = rest.indexOf('/')
  const host = slash < 0 ? rest : rest.slice(0, slash)
  const path = slash < 0 ? '' : rest.slice(slash + 1)
  if (!NO_SPACE_RE.test(uri)) return `A ${kind} identifier cannot contain spaces.`
  if (host === 'iam.googleapis.com') {
    const re = kind === 'principal' ? IAM_PRINCIPAL_RE : IAM_PRINCIPAL_SET_RE
    if (!re.test(path)) {
      return kind === 'principal'
        ? 'Expected principal://iam.googleapis.com/[projects/NUMBER/]locations/global/{workforcePools|workloadIdentityPools}/POOL/subject/SUBJECT.'
        : 'Expected principalSet://iam.googleapis.com/[projects/NUMBER/]locations/global/{workforcePools|workloadIdentityPools}/POOL/{group/GROUP|attribute.NAME/VALUE|*}.'
    }
    return undefined
  }
  if (host === 'cloudresourcemanager.googleapis.com') {
    if (kind === 'principalSet' && CRM_PRINCIPAL_SET_RE.test(path)) return undefined
    return 'Expected principalSet://cloudresourcemanager.googleapis.com/{projects|folders|organizations}/NUMBER/type/ServiceAccount.'
  }
  // Other trust domains (agent identities): a host and a path, nothing more is known.
  if (!isValidDomain(host) && host !== 'goog') return `"${host}" is not a valid trust domain.`
  if (path === '') return `A ${kind} identifier needs a path after its trust domain.`
  return undefined
}

function emailMember(type: EmailMemberType, value: string, raw: string): Member {
  if (type === 'serviceAccount') {
    const gke = GKE_SA_RE.exec(value)
    if (gke !== null) {
      return {
        type,
        email: value,
        kubernetes: { workloadPool: gke[1] ?? '', namespace: gke[2] ?? '', name: gke[3] ?? '' },
      }
    }
  }
  if (!isValidEmail(value)) {
    throw invalidMember(raw, `"${value}" is not a valid email address for a ${type} member.`)
  }
  return { type, email: value }
}

function isEmailType(t: string): t is EmailMemberType {
  return t === 'user' || t === 'serviceAccount' || t === 'group'
}

/**
 * Parses a member string. Throws IamError INVALID_ARGUMENT / INVALID_MEMBER, whose message starts
 * with Google's `Policy members must be of the form "<type>:<value>".`
 */
// Compat: google.iam.v1.Binding.members and the IAM principal identifiers page.
export function parseMember(s: string): Member {
  if (s === 'allUsers' || s === 'allAuthenticatedUsers') return { type: s }
  if (s.startsWith('principal://')) {
    const why = checkPrincipalUri('principal', s)
    if (why !== undefined) throw invalidMember(s, why)
    return { type: 'principal', uri: s }
  }
  if (s.startsWith('principalSet://')) {
    const why = checkPrincipalUri('principalSet', s)
    if (why !== undefined) throw invalidMember(s, why)
    return { type: 'principalSet', uri: s }
  }
  const colon = s.indexOf(':')
  if (colon < 0) throw invalidMember(s)
  const type = s.slice(0, colon)
  const value = s.slice(colon + 1)
  if (value === '') throw invalidMember(s, `The value after "${type}:" is empty.`)
  if (isEmailType(type)) return emailMember(type, value, s)
  if (type === 'domain') {
    if (!isValidDomain(value)) throw invalidMember(s, `"${value}" is not a valid domain.`)
    return { type: 'domain', domain: value }
  }
  if (type === 'deleted') return parseDeleted(value, s)
  throw invalidMember(
    s,
    `Unknown member type "${type}"; expected user, serviceAccount, group, domain, deleted, principal://, principalSet://, allUsers or allAuthenticatedUsers.`,
  )
}

function parseDeleted(value: string, raw: string): Member {
  if (value.startsWith('principal://')) {
    const why = checkPrincipalUri('principal', value)
    if (why !== undefined) throw invalidMember(raw, why)
    return { type: 'deleted', deletedType: 'principal', uri: value }
  }
  const colon = value.indexOf(':')
  const inner = colon < 0 ? '' : value.slice(0, colon)
  if (!isEmailType(inner)) {
    throw invalidMember(
      raw,
      'A deleted member must be deleted:user:, deleted:serviceAccount:, deleted:group: or deleted:principal://.',
    )
  }
  const rest = value.slice(colon + 1)
  const q = rest.indexOf('?uid=')
  const uid = q < 0 ? '' : rest.slice(q + 5)
  if (q < 0 || !/^[0-9]+$/.test(uid)) {
    throw invalidMember(raw, `A deleted ${inner} member must end with "?uid=" and a numeric id.`)
  }
  const email = rest.slice(0, q)
  if (!isValidEmail(email)) throw invalidMember(raw, `"${email}" is not a valid email address.`)
  return { type: 'deleted', deletedType: inner, email, uid }
}

/** The wire string of a member; formatMember(parseMember(s)) === s for every valid s. */
export function formatMember(m: Member): string {
  switch (m.type) {
    case 'allUsers':
    case 'allAuthenticatedUsers':
      return m.type
    case 'user':
    case 'group':
    case 'serviceAccount':
      return `${m.type}:${m.email}`
    case 'domain':
      return `domain:${m.domain}`
    case 'principal':
    case 'principalSet':
      return m.uri
    case 'deleted':
      return m.deletedType === 'principal'
        ? `deleted:${m.uri}`
        : `deleted:${m.deletedType}:${m.email}?uid=${m.uid}`
  }
}

const CASE_INSENSITIVE_PREFIXES = [
  'user:',
  'group:',
  'serviceAccount:',
  'domain:',
  'deleted:user:',
  'deleted:group:',
  'deleted:serviceAccount:',
]

/**
 * The canonical spelling of a (valid) member: email and domain values lower-cased (ASCII only), everything else
 * unchanged. Cheap (no parsing), so it can run over 1,500 members on every write.
 */
export function normalizeMember(s: string): string {
  for (const p of CASE_INSENSITIVE_PREFIXES) {
    if (s.startsWith(p)) {
      // Most members are written lower case already: then `s` itself, no new string.
      return hasAsciiUpper(s, p.length) ? p + asciiLower(s.slice(p.length)) : s
    }
  }
  return s
}

/** Whether `s` holds an A-Z from `from` on. */
function hasAsciiUpper(s: string, from: number): boolean {
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0x41 && c <= 0x5a) return true
  }
  return false
}
