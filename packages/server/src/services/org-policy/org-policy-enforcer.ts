// Applies the organization policies to the writes they govern: domain restricted sharing
// (constraints/iam.allowedPolicyMemberDomains) on every setIamPolicy, and
// constraints/run.managed.requireInvokerIam on every service write that disables the invoker
// check. Reads go through the StoreReader it is given, so a check inside a transaction sees that
// transaction's view.
import { Code, IamError, parseMember, type Member, type Policy } from '@runiam/core'
import type { OrgPolicyRecord, StoreReader } from '@runiam/store'
import {
  ALLOWED_POLICY_MEMBER_DOMAINS,
  CONSTRAINTS,
  drsValueOf,
  effectiveBoolean,
  effectiveList,
  readSpec,
  REQUIRE_INVOKER_IAM,
  type PolicySpec,
} from './org-policy-model.js'
import './org-policy-reasons.js'

/** Which API answers: Cloud Run's message carries a suffix Resource Manager's does not. */
export type DrsSurface = 'run' | 'resourcemanager'

/** The policy names that apply to `resource` (canonical), organization first. */
async function chain(reader: StoreReader, resource: string, constraint: string): Promise<string[]> {
  const org = await reader.getOrganization()
  const names = org === undefined ? [] : [`organizations/${org.id}/policies/${constraint}`]
  const p = resource.split('/')
  if (p[0] === 'projects' && p[1] !== undefined)
    names.push(`projects/${p[1]}/policies/${constraint}`)
  return names
}

/** The stored specs of `constraint` from the organization down to `resource`'s project. */
export async function specsFor(
  reader: StoreReader,
  resource: string,
  constraint: string,
): Promise<(PolicySpec | undefined)[]> {
  const c = CONSTRAINTS.get(constraint)
  if (c === undefined) throw new Error(`unknown constraint ${constraint}`)
  const names = await chain(reader, resource, constraint)
  const records = await Promise.all(names.map((n) => reader.getOrgPolicy(n)))
  return records.map((r: OrgPolicyRecord | undefined) =>
    r === undefined ? undefined : readSpec(c, r.policy['spec'], 'spec'),
  )
}

/** The member's value as Google prints it in violations (no type prefix). */
function bareValue(member: string): string {
  const colon = member.indexOf(':')
  return colon < 0 || member.startsWith('principal') ? member : member.slice(colon + 1)
}

/** The project (id or number) a service account belongs to, when its email says so. */
function serviceAccountProject(email: string): string | undefined {
  const at = email.lastIndexOf('@')
  const local = email.slice(0, at)
  const domain = email.slice(at + 1)
  if (domain.endsWith('.iam.gserviceaccount.com')) return domain.split('.')[0]
  if (domain === 'appspot.gserviceaccount.com') return local
  const compute = /^(\d+)-compute$/.exec(local)
  if (domain === 'developer.gserviceaccount.com' && compute !== null) return compute[1]
  return undefined
}

interface Allowed {
  readonly domains: ReadonlySet<string>
  /** Whether the organization's own customer is allowed (covers its projects' service accounts). */
  readonly orgCustomer: boolean
  readonly denyAll: boolean
}

async function memberAllowed(reader: StoreReader, m: Member, allowed: Allowed): Promise<boolean> {
  switch (m.type) {
    case 'deleted':
    case 'principal':
    case 'principalSet':
      // Removing a deleted principal is always possible; workload/workforce pool identities
      // cannot be mapped to a customer by runiam, so they are not restricted.
      return true
    case 'allUsers':
    case 'allAuthenticatedUsers':
      return false
    default:
      break
  }
  if (allowed.denyAll) return false
  switch (m.type) {
    case 'user':
    case 'group':
      return allowed.domains.has(m.email.slice(m.email.lastIndexOf('@') + 1).toLowerCase())
    case 'domain':
      return allowed.domains.has(m.domain.toLowerCase())
    case 'serviceAccount': {
      const project =
        m.kubernetes !== undefined
          ? m.kubernetes.workloadPool.replace(/\.svc\.id\.goog$/, '')
          : serviceAccountProject(m.email.toLowerCase())
      if (project !== undefined && (await reader.getProject(project)) !== undefined) {
        return allowed.orgCustomer
      }
      return allowed.domains.has(m.email.slice(m.email.lastIndexOf('@') + 1).toLowerCase())
    }
  }
}

function membersOf(policy: Policy | undefined): Set<string> {
  const out = new Set<string>()
  for (const b of policy?.bindings ?? []) for (const m of b.members ?? []) out.add(m)
  return out
}

/**
 * Compat: domain restricted sharing on setIamPolicy. Only members the write adds are checked
 * (Google's constraint is not retroactive: existing members stay and may be removed).
 * `resource` is the canonical name the policy is stored under.
 */
export async function checkDomainRestrictedSharing(
  reader: StoreReader,
  resource: string,
  before: Policy | undefined,
  after: Policy,
  surface: DrsSurface,
): Promise<void> {
  const existing = membersOf(before)
  const added = [...membersOf(after)].filter((m) => !existing.has(m))
  // A write that adds no member (a removal, a condition edit) cannot break the constraint: then
  // neither the organization nor its policies are read.
  if (added.length === 0) return
  const state = effectiveList(await specsFor(reader, resource, ALLOWED_POLICY_MEMBER_DOMAINS))
  if (state.allowAll && !state.denyAll && state.denied.length === 0) return
  const org = await reader.getOrganization()
  const orgCustomerId = org === undefined ? undefined : `C${org.id}`
  const domains = new Set<string>()
  let orgCustomer = false
  if (!state.allowAll) {
    for (const raw of state.allowed) {
      const v = drsValueOf(raw)
      if (v === orgCustomerId || v.toLowerCase() === org?.domain.toLowerCase()) {
        orgCustomer = true
        if (org !== undefined) domains.add(org.domain.toLowerCase())
      } else if (v.includes('.')) {
        domains.add(v.toLowerCase())
      }
    }
  }
  const allowed: Allowed = { domains, orgCustomer, denyAll: state.denyAll }
  // Compat: the subject names the project (or organization) whose policy was written to.
  const subjectOf = resource.split('/').slice(0, 2).join('/')
  const violations: { type: string; subject: string; description: string }[] = []
  for (const member of added) {
    const ok = await memberAllowed(reader, parseMember(member), allowed)
    if (ok) continue
    const value = bareValue(member)
    violations.push({
      type: `constraints/${ALLOWED_POLICY_MEMBER_DOMAINS}`,
      subject: `orgpolicy:${subjectOf}?configvalue=${value}`,
      description: `User ${value} is not in permitted organization.`,
    })
  }
  if (violations.length === 0) return
  // Compat: Cloud Run answers with the suffix (and its double space), Resource Manager without.
  const message =
    surface === 'run'
      ? 'One or more users named in the policy do not belong to a permitted customer,  perhaps due to an organization policy.'
      : 'One or more users named in the policy do not belong to a permitted customer.'
  throw new IamError(Code.FAILED_PRECONDITION, 'DOMAIN_RESTRICTED_SHARING', message, {
    metadata: {
      constraint: `constraints/${ALLOWED_POLICY_MEMBER_DOMAINS}`,
      members: violations.map((v) => v.subject.slice(v.subject.indexOf('=') + 1)).join(','),
    },
    details: [{ '@type': 'type.googleapis.com/google.rpc.PreconditionFailure', violations }],
  })
}

/**
 * constraints/run.managed.requireInvokerIam on a service write that sets invokerIamDisabled.
 * `service` is the canonical service name. The wording is runiam's (Google's is UNCONFIRMED).
 */
export async function checkRequireInvokerIam(reader: StoreReader, service: string): Promise<void> {
  if (!effectiveBoolean(await specsFor(reader, service, REQUIRE_INVOKER_IAM))) return
  const project = service.split('/').slice(0, 2).join('/')
  const id = service.split('/').at(-1) ?? service
  throw new IamError(
    Code.FAILED_PRECONDITION,
    'INVOKER_IAM_REQUIRED',
    `Service '${id}' cannot disable the invoker IAM check (invokerIamDisabled): the organization ` +
      `policy constraint constraints/${REQUIRE_INVOKER_IAM} is enforced on ${project}.`,
    {
      metadata: { constraint: `constraints/${REQUIRE_INVOKER_IAM}`, service },
      details: [
        {
          '@type': 'type.googleapis.com/google.rpc.PreconditionFailure',
          violations: [
            {
              type: `constraints/${REQUIRE_INVOKER_IAM}`,
              subject: `orgpolicy:${service}`,
              description: `Cloud Run service ${service} must not disable the invoker IAM check.`,
            },
          ],
        },
      ],
    },
  )
}
