// IAM Service Account Credentials (iamcredentials v1): generateIdToken and generateAccessToken for
// a service account, through a delegation chain when one is given, as Google checks it.
import type { ServiceAccountRecord } from '@runiam/store'
import type { Caller } from '../caller.js'
import { isObject, type ServiceContext } from '../context.js'
import { invalidArgument } from '../names.js'
import { ServiceAccountAccess } from './service-account-access.js'
import {
  disabledAccount,
  MAX_TOKEN_LIFETIME_S,
  requireSigner,
  serviceAccountNotFound,
  type ServiceAccountTokenSigner,
} from './service-account-model.js'

export class ServiceAccountTokenService {
  readonly #ctx: ServiceContext
  readonly #access: ServiceAccountAccess
  readonly #signer: ServiceAccountTokenSigner | undefined

  constructor(ctx: ServiceContext, signer?: ServiceAccountTokenSigner) {
    this.#ctx = ctx
    this.#access = new ServiceAccountAccess(ctx)
    this.#signer = signer
  }

  #requireSigner(): ServiceAccountTokenSigner {
    return requireSigner(this.#signer, 'tokens')
  }

  /**
   * Checks a delegation chain (iamcredentials `delegates`): the caller needs
   * implicitDelegation on the first delegate, each delegate on the next, and the last one (or the
   * caller, with no delegates) `permission` on the target.
   */
  async #authorizeChain(
    caller: Caller,
    permission: string,
    name: string,
    delegates: unknown,
  ): Promise<ServiceAccountRecord> {
    if (delegates !== undefined && delegates !== null && !Array.isArray(delegates)) {
      throw invalidArgument(
        'delegates',
        `Invalid value at 'delegates', ${JSON.stringify(delegates)}`,
      )
    }
    const chain = (delegates ?? []) as unknown[]
    let actor: Caller = caller
    for (const [i, d] of chain.entries()) {
      if (typeof d !== 'string') {
        throw invalidArgument(
          `delegates[${i}]`,
          `Invalid value at 'delegates[${i}]', ${JSON.stringify(d)}`,
        )
      }
      const { sa } = await this.#access.authorize(
        actor,
        'iam.serviceAccounts.implicitDelegation',
        d,
      )
      if (sa === undefined) throw serviceAccountNotFound(d)
      if (sa.disabled) throw disabledAccount(sa.email)
      actor = { member: `serviceAccount:${sa.email}`, email: sa.email }
    }
    const { sa } = await this.#access.authorize(actor, permission, name)
    if (sa === undefined) throw serviceAccountNotFound(name)
    if (sa.disabled) throw disabledAccount(sa.email)
    return sa
  }

  /**
   * Compat: iamcredentials generateIdToken: `{token}`, an OIDC ID token signed by runiam's issuer
   * with `aud` = audience and `sub` = the account's unique id. Deviation: `email` and
   * `email_verified` are always included (the invoker gateway maps `email` to the member).
   */
  async generateIdToken(caller: Caller, name: string, body: unknown): Promise<{ token: string }> {
    const b = isObject(body) ? body : {}
    const sa = await this.#authorizeChain(
      caller,
      'iam.serviceAccounts.getOpenIdToken',
      name,
      b['delegates'],
    )
    const audience = b['audience']
    if (typeof audience !== 'string' || audience === '') {
      throw invalidArgument('audience', 'Field audience is required.')
    }
    const includeEmail = b['includeEmail']
    if (includeEmail !== undefined && typeof includeEmail !== 'boolean') {
      throw invalidArgument(
        'includeEmail',
        `Invalid value at 'include_email' (TYPE_BOOL), ${JSON.stringify(includeEmail)}`,
      )
    }
    const token = await this.#requireSigner().signIdToken(sa.email, audience, sa.uniqueId)
    return { token }
  }

  /** Compat: iamcredentials generateAccessToken: `{accessToken, expireTime}`, at most 1 h. */
  async generateAccessToken(
    caller: Caller,
    name: string,
    body: unknown,
  ): Promise<{ accessToken: string; expireTime: string }> {
    const b = isObject(body) ? body : {}
    const sa = await this.#authorizeChain(
      caller,
      'iam.serviceAccounts.getAccessToken',
      name,
      b['delegates'],
    )
    const scope = b['scope']
    if (
      !Array.isArray(scope) ||
      scope.length === 0 ||
      scope.some((s) => typeof s !== 'string' || s === '')
    ) {
      throw invalidArgument('scope', 'Field scope is required: a non-empty list of OAuth scopes.')
    }
    let lifetime = MAX_TOKEN_LIFETIME_S
    const rawLifetime = b['lifetime']
    if (rawLifetime !== undefined && rawLifetime !== null) {
      const m = typeof rawLifetime === 'string' ? /^(\d+)(?:\.\d+)?s$/.exec(rawLifetime) : null
      if (m?.[1] === undefined) {
        throw invalidArgument(
          'lifetime',
          `Invalid value at 'lifetime' (type.googleapis.com/google.protobuf.Duration), ${JSON.stringify(rawLifetime)}`,
        )
      }
      lifetime = Number(m[1])
      if (lifetime < 1 || lifetime > MAX_TOKEN_LIFETIME_S) {
        throw invalidArgument(
          'lifetime',
          `The lifetime ${rawLifetime} is out of range: it must be between 1s and ${MAX_TOKEN_LIFETIME_S}s.`,
        )
      }
    }
    const now = this.#ctx.now()
    const { token } = await this.#requireSigner().signAccessToken(sa.email, lifetime, sa.uniqueId)
    const expireTime = new Date(Math.floor(now / 1000) * 1000 + lifetime * 1000)
      .toISOString()
      .replace('.000Z', 'Z')
    return { accessToken: token, expireTime }
  }
}
