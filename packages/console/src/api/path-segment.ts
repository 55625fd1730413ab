// Path segments built from what a URL or a user supplied (a project id from the address bar, a
// scope from a link): each is percent-encoded, and a "." or ".." segment — which the browser would
// resolve, moving the request to another API path with the user's token — is refused. The
// refusals use the server's reasons for the same mistakes (docs/errors.md), never a console-only one.
import { Code, IamError } from '@runiam/core/errors'

/** `value` as one encoded path segment; throws INVALID_ARGUMENT for "", "." and "..". */
export function segment(value: string, what: string): string {
  if (value === '' || value === '.' || value === '..')
    throw new IamError(Code.INVALID_ARGUMENT, 'INVALID_FIELD', `"${value}" is not a valid ${what}.`)
  return encodeURIComponent(value)
}

/** A resource name such as `organizations/123` or `projects/p`, each segment checked. */
export function namePath(name: string, what: string): string {
  return name
    .split('/')
    .map((s) => segment(s, what))
    .join('/')
}

const SCOPE = /^(organizations\/[0-9]+|projects\/[a-z][a-z0-9-]{4,28}[a-z0-9])$/

/** An analyzeIamPolicy scope (organizations/N or projects/ID), refused when it is neither. */
export function scopePath(scope: string): string {
  if (!SCOPE.test(scope))
    throw new IamError(
      Code.INVALID_ARGUMENT,
      'INVALID_ANALYSIS_QUERY',
      `"${scope}" is not a place to look: use organizations/NUMBER or projects/PROJECT_ID.`,
    )
  return scope
}
