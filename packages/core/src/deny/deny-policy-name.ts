// Names of deny policies: `policies/{attachment point, URL-encoded}/denypolicies/{policyId}`.
// Compat: google/iam/v2/policy.proto: the attachment point is the full resource name without the
// leading `//` (cloudresourcemanager.googleapis.com/projects/P or …/organizations/O), URL-encoded
// inside one path segment; a project is named by id or number in requests, by number in answers.
import { invalidDenyPolicy } from './reasons.js'

const CRM = 'cloudresourcemanager.googleapis.com/'
const POLICY_ID = /^[a-z][a-z0-9.-]{2,62}$/

export interface AttachmentPoint {
  readonly kind: 'organization' | 'project'
  /** The organization id or the project id/number as written. */
  readonly id: string
}

/** Parses a decoded attachment point; folders and other resources are refused. */
export function parseAttachmentPoint(decoded: string): AttachmentPoint {
  const rest = decoded.startsWith('//') ? decoded.slice(2) : decoded
  if (rest.startsWith(CRM)) {
    const [kind, id, extra] = rest.slice(CRM.length).split('/')
    if (extra === undefined && id !== undefined && /^[a-z0-9-]{1,63}$/.test(id)) {
      if (kind === 'projects') return { kind: 'project', id }
      if (kind === 'organizations' && /^\d+$/.test(id)) return { kind: 'organization', id }
    }
  }
  throw invalidDenyPolicy(
    `Attachment point ${JSON.stringify(decoded)} is not supported: deny policies attach to ` +
      `cloudresourcemanager.googleapis.com/organizations/ORG_ID or cloudresourcemanager.googleapis.com/projects/PROJECT.`,
    'attachmentPoint',
  )
}

/** The attachment point of an organization or project, not encoded. */
export function attachmentPointOf(point: AttachmentPoint): string {
  return `${CRM}${point.kind === 'project' ? 'projects' : 'organizations'}/${point.id}`
}

/** `policies/{encoded}/denypolicies` of an attachment point (not encoded). */
export function denyPoliciesParent(attachmentPoint: string): string {
  return `policies/${encodeURIComponent(attachmentPoint)}/denypolicies`
}

/** Compat: policy.proto: 3–63 lowercase letters, digits, `-` and `.`, starting with a letter. */
export function checkDenyPolicyId(id: string): void {
  if (!POLICY_ID.test(id)) {
    throw invalidDenyPolicy(
      `Policy id ${JSON.stringify(id)} is invalid: use 3 to 63 lowercase letters, digits, "-" and ".", starting with a lowercase letter.`,
      'policyId',
    )
  }
}
