// "New principals": what the user typed (one or more identities, separated by commas, spaces or
// new lines) as IAM members, checked with @runiam/core's member parser (Google's member syntax,
// the server's own rule). A bare email becomes user: (serviceAccount: for *.gserviceaccount.com).
import { formatMember, isIamError, memberForEmail, parseMember } from '@runiam/core'

export interface ParsedPrincipals {
  readonly members: readonly string[]
  /** One sentence per identity that is not a principal, naming it. */
  readonly problems: readonly string[]
}

export function parsePrincipals(text: string): ParsedPrincipals {
  const members: string[] = []
  const problems: string[] = []
  for (const token of text.split(/[\s,;]+/).filter((t) => t !== '')) {
    let member: string | undefined
    if (!token.includes(':') && token !== 'allUsers' && token !== 'allAuthenticatedUsers') {
      member = memberForEmail(token)
      if (member === undefined)
        problems.push(
          `"${token}" is not a principal: use an email, or a member such as group:team@example.com or domain:example.com.`,
        )
    } else {
      try {
        member = formatMember(parseMember(token))
      } catch (err) {
        problems.push(isIamError(err) ? err.message : `"${token}" is not a principal.`)
      }
    }
    if (member !== undefined && !members.includes(member)) members.push(member)
  }
  return { members, problems }
}
