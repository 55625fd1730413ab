// The invoker check as a pure decision (SPEC §4, reference §9): given a service, the request's
// credentials and attributes, a token verifier and an authorizer, say whether to forward the
// request (and as whom) or refuse it with 401/403. No I/O of its own beyond the verifier.
import type { Decision } from '@runiam/core/authorizer'
import type { RequestAttributes } from '@runiam/core/conditions'
import type { TokenVerifier, VerifiedIdentity } from '../identity/token-verifier.js'

export interface GatewayService {
  /** projects/p/locations/l/services/s */
  readonly name: string
  readonly invokerIamDisabled: boolean
  /** Accepted ID-token audiences: the service URLs (with and without a trailing slash) and customAudiences. */
  readonly audiences: readonly string[]
}

export type GatewayDecision =
  | {
      readonly kind: 'forward'
      readonly reason: 'invoker-iam-disabled' | 'public' | 'allowed'
      readonly caller?: VerifiedIdentity
      readonly decision?: Decision
    }
  | {
      readonly kind: 'reject'
      readonly status: 401 | 403
      readonly reason: 'no-credentials' | 'invalid-token' | 'denied'
      /** What the access log says (never the token). */
      readonly detail: string
      readonly caller?: VerifiedIdentity
      readonly decision?: Decision
    }

export interface DecideInput {
  readonly service: GatewayService
  readonly authorization?: string | undefined
  readonly serverlessAuthorization?: string | undefined
  readonly attributes: RequestAttributes
  readonly verifier: TokenVerifier
  /** run.routes.invoke on the service for this member (undefined = anonymous). */
  readonly authorize: (
    member: string | undefined,
    attributes: RequestAttributes,
  ) => Decision | Promise<Decision>
}

/** The bearer token of a header value, or undefined when there is none. */
export function bearer(value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  const m = /^\s*Bearer\s+(\S+)\s*$/i.exec(value)
  return m?.[1]
}

export async function decide(input: DecideInput): Promise<GatewayDecision> {
  const { service, attributes } = input
  if (service.invokerIamDisabled) return { kind: 'forward', reason: 'invoker-iam-disabled' }
  // Compat: X-Serverless-Authorization wins over Authorization, which is then left to the app.
  const token = bearer(input.serverlessAuthorization) ?? bearer(input.authorization)
  // A service that grants run.routes.invoke to allUsers admits anyone; a token it carries is the
  // application's business and is not verified here (the Authorization header is passed through).
  const anonymous = await input.authorize(undefined, attributes)
  if (anonymous.allowed) return { kind: 'forward', reason: 'public', decision: anonymous }
  if (token === undefined) {
    return {
      kind: 'reject',
      status: 403,
      reason: 'no-credentials',
      detail:
        'The request was not authenticated. Either allow unauthenticated invocations or set the proper Authorization header.',
    }
  }
  let caller: VerifiedIdentity
  try {
    caller = await input.verifier.verify(token, service.audiences)
  } catch (err) {
    return {
      kind: 'reject',
      status: 401,
      reason: 'invalid-token',
      detail: `The request was not authorized to invoke this service. ${(err as Error).message}`,
    }
  }
  const decision = await input.authorize(caller.member, attributes)
  if (decision.allowed) return { kind: 'forward', reason: 'allowed', caller, decision }
  return {
    kind: 'reject',
    status: 403,
    reason: 'denied',
    detail: `The request was not authorized to invoke this service: ${caller.member} lacks run.routes.invoke on ${service.name}.`,
    caller,
    decision,
  }
}

/** The audiences a service accepts: each URL with and without a trailing slash, plus custom ones. */
export function audiencesFor(
  urls: readonly string[],
  customAudiences: readonly string[],
): string[] {
  const out = new Set<string>()
  for (const url of urls) {
    const bare = url.replace(/\/+$/, '')
    out.add(bare)
    out.add(`${bare}/`)
  }
  for (const a of customAudiences) out.add(a)
  return [...out]
}
