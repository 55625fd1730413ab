// principalSetFor: everything an authenticated (or anonymous) caller is, as the member strings a
// policy may name. The authorizer matches these against binding members by exact string.
import { Code } from '../errors/code.js'
import { IamError } from '../errors/iam-error.js'
import type { PrincipalSet } from './types.js'

export interface PrincipalSetOptions {
  /**
   * The caller's groups, transitively resolved by the caller. Each is a member string
   * (`group:eng@example.com`) or a bare group email (`eng@example.com`, taken as `group:`).
   */
  readonly groups?: readonly string[]
}

const ANONYMOUS: PrincipalSet = Object.freeze({
  members: new Set(['allUsers']) as ReadonlySet<string>,
})

/**
 * The principal set of a caller.
 *
 * - `undefined` (or `allUsers`): anonymous → `{allUsers}` only.
 * - `user:EMAIL` → itself, `domain:` of the email, `allAuthenticatedUsers`, `allUsers`, groups.
 * - `serviceAccount:EMAIL` → itself, `allAuthenticatedUsers`, `allUsers`, groups; NO `domain:`.
 *   Compat: Google's `domain:D` means the Google Workspace / Cloud Identity accounts of D; a
 *   service account (…@P.iam.gserviceaccount.com) is not one, so `domain:gserviceaccount.com`
 *   (or any domain) never matches a service account.
 * - any other `type:value` (e.g. `principal://…` federated identities) → itself,
 *   `allAuthenticatedUsers`, `allUsers`, groups.
 *
 * Domains are compared lower-cased (DNS names are case-insensitive); everything else is exact.
 */
export function principalSetFor(
  member: string | undefined,
  options: PrincipalSetOptions = {},
): PrincipalSet {
  if (member === undefined || member === 'allUsers') {
    if (options.groups !== undefined && options.groups.length > 0) {
      throw invalid(`An anonymous caller cannot belong to groups: ${options.groups.join(', ')}`)
    }
    return ANONYMOUS
  }
  const members = new Set<string>([member])
  if (member.startsWith('user:')) {
    const email = member.slice('user:'.length)
    const at = email.lastIndexOf('@')
    if (at <= 0 || at === email.length - 1) throw invalid(`Invalid user member: ${member}`)
    members.add(`domain:${email.slice(at + 1).toLowerCase()}`)
  } else if (member.startsWith('serviceAccount:')) {
    if (!member.includes('@')) throw invalid(`Invalid service account member: ${member}`)
  } else if (
    member === 'allAuthenticatedUsers' ||
    member.startsWith('domain:') ||
    member.startsWith('group:') ||
    member.startsWith('deleted:') ||
    !/^[A-Za-z]+:./.test(member)
  ) {
    // A caller is one identity; these name sets of identities (or nothing) and cannot be one.
    throw invalid(`Not a caller identity: ${member}`)
  }
  members.add('allAuthenticatedUsers')
  members.add('allUsers')
  for (const group of options.groups ?? []) {
    if (group.startsWith('group:')) members.add(group)
    else if (group.includes(':')) throw invalid(`Not a group: ${group}`)
    else members.add(`group:${group}`)
  }
  return Object.freeze({ members })
}

function invalid(message: string): IamError {
  return new IamError(Code.INVALID_ARGUMENT, 'INVALID_PRINCIPAL', message)
}
