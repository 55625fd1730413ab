// The invoker check (SPEC §4, reference §9) as a service: given a service, the request's
// credentials and attributes, say whether to forward the request (and as whom) or refuse it with
// 401/403. The gateway and the auth_request endpoint depend on it by type and make one decision
// per request; the decision itself goes through the PermissionChecker like every admin call.
import { Code, IamError } from '@runiam/core'
import type { Decision } from '@runiam/core/authorizer'
import type { RequestAttributes } from '@runiam/core/conditions'
import type { Caller } from './caller.js'
import type { PermissionChecker } from './permission-checker.js'

export const INVOKE_PERMISSION = 'run.routes.invoke'

/** What the check needs of a service. */
export interface InvokeTarget {
  /** projects/p/locations/l/services/s */
  readonly name: string
  readonly invokerIamDisabled: boolean
  /** Accepted ID-token audiences: the service URLs (with and without a trailing slash) and customAudiences. */
  readonly audiences: readonly string[]
}

/** Verifies an ID token for one of `audiences` (identity/token-verifier.ts implements it). */
export interface IdTokenVerifier {
  verify(token: string, audiences: readonly string[]): Promise<Caller>
  /** Synchronously, when the token is known to be valid already (or known bad: throws). */
  remembered?(token: string, audiences: readonly string[]): Caller | undefined
}

/** The request's credentials, each header's values as received. */
export interface InvokeCredentials {
  readonly authorization?: readonly string[] | undefined
  readonly serverlessAuthorization?: readonly string[] | undefined
}

export type InvokeDecision =
  | {
      readonly kind: 'forward'
      readonly reason: 'invoker-iam-disabled' | 'public' | 'allowed'
      readonly caller?: Caller
      /** The token the caller was verified with came from X-Serverless-Authorization. */
      readonly viaServerlessAuthorization?: boolean | undefined
      readonly decision?: Decision
    }
  | {
      readonly kind: 'reject'
      readonly status: 401 | 403
      readonly reason: 'no-credentials' | 'invalid-token' | 'denied'
      /** Which check failed, for the access log (docs/troubleshooting.md lists them). */
      readonly check: RefusalCheck
      /** What the access log says (never the token). */
      readonly detail: string
      readonly caller?: Caller
      readonly decision?: Decision
    }

/**
 * Which check refused a request: no token; more than one credential header; the token's own
 * (identity/token-verifier.ts TokenCheck: bad signature, expired, wrong audience, …); no
 * run.routes.invoke grant; a grant whose condition failed to evaluate; or a deny policy.
 */
export type RefusalCheck =
  | 'no-token'
  | 'multiple-credentials'
  | 'invalid-token'
  | 'no-invoke-permission'
  | 'condition-error'
  | 'denied-by-policy'
  | (string & {})

/**
 * run.routes.invoke for `caller` (undefined = anonymous) on `service` (the InvokeTarget's name),
 * synchronously when cached.
 */
export type InvokeAuthorize = (
  caller: Caller | undefined,
  attributes: RequestAttributes,
  service: string,
) => Decision | Promise<Decision>

// The last header value bearer() read and its token: a client reuses its token for its whole
// life, and the comparison of two equal header values is a memcmp, where the pattern steps through
// each character of a ~1 KB value (it showed in the gateway's profile).
let lastValue: string | undefined
let lastToken: string | undefined

/** The bearer token of a header value, or undefined when there is none. */
export function bearer(value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  if (value === lastValue) return lastToken
  const token = /^\s*Bearer\s+(\S+)\s*$/i.exec(value)?.[1]
  lastValue = value
  lastToken = token
  return token
}

const reject401 = (detail: string, check: RefusalCheck): InvokeDecision => ({
  kind: 'reject',
  status: 401,
  reason: 'invalid-token',
  check,
  detail,
})

/** What decideInvoke is given. */
export interface InvokeInput {
  readonly service: InvokeTarget
  readonly credentials: InvokeCredentials
  readonly attributes: RequestAttributes
  readonly verifier: IdTokenVerifier
  readonly authorize: InvokeAuthorize
}

/**
 * The decision table, with the authorizer injected (tests drive it with fixed policies). The
 * answer is synchronous when the policy index and the verified-token memory can answer (the
 * gateway's steady state: no promise, no microtask per request), a promise otherwise.
 */
export function decideInvoke(input: InvokeInput): InvokeDecision | Promise<InvokeDecision> {
  if (input.service.invokerIamDisabled) return { kind: 'forward', reason: 'invoker-iam-disabled' }
  // A service that grants run.routes.invoke to allUsers admits anyone; a token it carries is the
  // application's business and is not verified here (the Authorization header is passed through).
  const anonymous = input.authorize(undefined, input.attributes, input.service.name)
  return anonymous instanceof Promise
    ? anonymous.then((a) => afterAnonymous(input, a))
    : afterAnonymous(input, anonymous)
}

function afterAnonymous(
  input: InvokeInput,
  anonymous: Decision,
): InvokeDecision | Promise<InvokeDecision> {
  const { service, credentials } = input
  if (anonymous.allowed) return { kind: 'forward', reason: 'public', decision: anonymous }
  // Two credentials in one header cannot both be the caller: refuse rather than pick one, so no
  // header the check did not verify reaches the upstream looking as if it had been.
  const serverless = credentials.serverlessAuthorization ?? []
  const authorization = credentials.authorization ?? []
  if (serverless.length > 1 || authorization.length > 1) {
    return reject401(
      'The request was not authorized to invoke this service: it carries more than one X-Serverless-Authorization or Authorization header.',
      'multiple-credentials',
    )
  }
  // Compat: X-Serverless-Authorization wins over Authorization, which is then left to the app.
  const fromServerless = bearer(serverless[0])
  const token = fromServerless ?? bearer(authorization[0])
  if (token === undefined) {
    return {
      kind: 'reject',
      status: 403,
      reason: 'no-credentials',
      check: 'no-token',
      detail:
        'The request was not authenticated. Either allow unauthenticated invocations or set the proper Authorization header.',
    }
  }
  const via = fromServerless !== undefined
  let known: Caller | undefined
  try {
    known = input.verifier.remembered?.(token, service.audiences)
  } catch (err) {
    return invalidToken(err)
  }
  if (known !== undefined) return authorizeCaller(input, known, via)
  return input.verifier
    .verify(token, service.audiences)
    .then((caller) => authorizeCaller(input, caller, via), invalidToken)
}

/**
 * A token the verifier refused (UNAUTHENTICATED) is the caller's 401; anything else (the store
 * could not be read for the token's service account, say) is the server's failure and goes on as
 * an error, which the gateway answers 503, never as a verdict on the token.
 */
const invalidToken = (err: unknown): InvokeDecision => {
  if (!(err instanceof IamError) || err.code !== Code.UNAUTHENTICATED) throw err
  return reject401(
    `The request was not authorized to invoke this service. ${err.message}`,
    err.metadata['check'] ?? 'invalid-token',
  )
}

function authorizeCaller(
  input: InvokeInput,
  caller: Caller,
  viaServerlessAuthorization: boolean,
): InvokeDecision | Promise<InvokeDecision> {
  const decision = input.authorize(caller, input.attributes, input.service.name)
  return decision instanceof Promise
    ? decision.then((d) => verdict(input.service, caller, viaServerlessAuthorization, d))
    : verdict(input.service, caller, viaServerlessAuthorization, decision)
}

function verdict(
  service: InvokeTarget,
  caller: Caller,
  viaServerlessAuthorization: boolean,
  decision: Decision,
): InvokeDecision {
  if (decision.allowed) {
    // Built whole: a conditional spread is one more object made and copied per request.
    return {
      kind: 'forward',
      reason: 'allowed',
      caller,
      decision,
      viaServerlessAuthorization: viaServerlessAuthorization ? true : undefined,
    }
  }
  return {
    kind: 'reject',
    status: 403,
    reason: 'denied',
    ...(decision.deny !== undefined
      ? {
          check: 'denied-by-policy',
          // The access log's detail (never the page) names the deny rule that refused.
          detail: `The request was not authorized to invoke this service: ${caller.member} is denied run.routes.invoke on ${service.name} by ${decision.deny.by.map((r) => `${r.policy} (rule ${r.ruleIndex})`).join(', ')}.`,
        }
      : decision.conditionErrors.length > 0
        ? {
            check: 'condition-error',
            detail: `The request was not authorized to invoke this service: the condition of ${caller.member}'s run.routes.invoke grant on ${decision.conditionErrors[0]?.resource ?? service.name} did not evaluate (${decision.conditionErrors[0]?.error ?? ''}).`,
          }
        : {
            check: 'no-invoke-permission',
            detail: `The request was not authorized to invoke this service: ${caller.member} lacks run.routes.invoke on ${service.name}.`,
          }),
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

export class InvokeCheck {
  readonly #verifier: IdTokenVerifier
  /** Told of every request forwarded without an invoker check (the recommenders' usage record). */
  readonly #openly: ((service: string) => void) | undefined
  /** The checker's decision, made once (not a closure per request). */
  readonly #authorize: InvokeAuthorize

  constructor(
    checker: PermissionChecker,
    verifier: IdTokenVerifier,
    openly?: (service: string) => void,
  ) {
    this.#verifier = verifier
    this.#openly = openly
    this.#authorize = (caller, attributes, service) =>
      checker.decideNow(caller, INVOKE_PERMISSION, service, attributes)
  }

  /** One decision for one request (synchronous when everything it needs is in memory). */
  decide(
    service: InvokeTarget,
    credentials: InvokeCredentials,
    attributes: RequestAttributes,
  ): InvokeDecision | Promise<InvokeDecision> {
    if (service.invokerIamDisabled) this.#openly?.(service.name)
    return decideInvoke({
      service,
      credentials,
      attributes,
      verifier: this.#verifier,
      authorize: this.#authorize,
    })
  }
}
