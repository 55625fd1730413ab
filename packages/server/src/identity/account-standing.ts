// Whether a verified caller's service account is in force: the one rule, for every credential that
// speaks for a service account (runiam's access tokens on the admin API, ID tokens at the invoker
// gateway and on the admin API). Compat: Google's serviceAccounts.disable — "that application can
// no longer call Google APIs or access Google Cloud resources. Existing access tokens for the
// service account are rejected"; after enable they are accepted again. A token signed by runiam's
// own issuer for an account carries the account's unique id as `sub`, so one minted before the
// account was deleted (and perhaps made again under the same email) is told apart; a development
// login's token for an email that is no account (sub = subjectFor(email)) stays what it is. An
// external issuer trusted to speak for service accounts names accounts runiam may not keep: its
// tokens are refused only while runiam keeps a disabled account of that email.
import { asciiLower, Code, IamError } from '@runiam/core'
import type { Change, ServiceAccountRecord, Store } from '@runiam/store'
import type { Caller } from '../services/caller.js'
import { subjectFor } from './issuer.js'
import type { TokenVerifier } from './token-verifier.js'

/** Why `caller`'s service account is not in force, or undefined when it is (or is no account). */
export function accountRefusal(
  caller: Caller,
  account: ServiceAccountRecord | undefined,
  ownIssuer: string,
): string | undefined {
  const { email, subject } = caller
  if (email === undefined) return undefined
  if (account?.disabled === true) return `service account [${email}] is disabled`
  // The gateway's steady state for an account's token: no digest of the email per request.
  if (account !== undefined && subject === account.uniqueId) return undefined
  // Only runiam's own tokens carry a subject runiam gave: an account's unique id.
  const ours = caller.issuer === ownIssuer && subject !== undefined && subject !== subjectFor(email)
  if (!ours) return undefined
  return account === undefined
    ? `service account [${email}] no longer exists`
    : `service account [${email}] was deleted; the account of that email now is another`
}

/** Whether `caller` speaks for a service account (the only callers the rule can refuse). */
export function speaksForAccount(caller: Caller): boolean {
  return caller.email !== undefined && caller.member.startsWith('serviceAccount:')
}

/** Accounts remembered before the memory starts over (each is a small record). */
const MAX_REMEMBERED = 10_000

/**
 * The standing of service accounts as the invoker gateway asks it, request after request: each
 * account read from the store once, then answered from memory until a service account change
 * reaches this process's change feed (its own commits at once; other workers' and replicas' as
 * the store refreshes, the same path a policy revocation takes to every decision index). A read
 * that raced with a change is used once and not remembered.
 */
export class AccountStanding {
  readonly #store: Pick<Store, 'getServiceAccount' | 'onChange'>
  readonly #ownIssuer: string
  readonly #accounts = new Map<string, ServiceAccountRecord | null>()
  /** Reads under way, by email as spelled, with the epoch they started in. */
  readonly #reading = new Map<
    string,
    { readonly epoch: number; readonly read: Promise<ServiceAccountRecord | undefined> }
  >()
  #epoch = 0
  readonly #unsubscribe: () => void

  constructor(store: Pick<Store, 'getServiceAccount' | 'onChange'>, ownIssuer: string) {
    this.#store = store
    this.#ownIssuer = ownIssuer
    this.#unsubscribe = store.onChange((changes) => this.#changed(changes))
  }

  close(): void {
    this.#unsubscribe()
  }

  #changed(changes: readonly Change[]): void {
    if (!changes.some((c) => c.kind === 'serviceAccount' || c.kind === 'reset')) return
    this.#epoch++
    this.#accounts.clear()
  }

  /**
   * Synchronously: why the caller's account is not in force (a string), null when it is or the
   * caller is no account, undefined when the account must be read first (refusal()).
   */
  now(caller: Caller): string | null | undefined {
    if (!speaksForAccount(caller)) return null
    // By the email as the token spells it (no lower-casing per request); each spelling's entry
    // is the same account's, read by its lower-case email.
    const known = this.#accounts.get(caller.email ?? '')
    if (known === undefined) return undefined
    return accountRefusal(caller, known ?? undefined, this.#ownIssuer) ?? null
  }

  /** Why the caller's account is not in force, or null; reads the account when not in memory. */
  async refusal(caller: Caller): Promise<string | null> {
    const now = this.now(caller)
    if (now !== undefined) return now
    const account = await this.#read(caller.email ?? '')
    return accountRefusal(caller, account, this.#ownIssuer) ?? null
  }

  /**
   * The account of `email`, one read at a time per spelling: requests arriving together while it
   * is read (a client's burst after a change dropped the memory) share the read.
   */
  #read(email: string): Promise<ServiceAccountRecord | undefined> {
    const epoch = this.#epoch
    const pending = this.#reading.get(email)
    if (pending !== undefined && pending.epoch === epoch) return pending.read
    const read = this.#store.getServiceAccount(asciiLower(email)).then(
      (account) => {
        if (this.#reading.get(email)?.read === read) this.#reading.delete(email)
        if (epoch === this.#epoch) {
          if (this.#accounts.size >= MAX_REMEMBERED) this.#accounts.clear()
          this.#accounts.set(email, account ?? null)
        }
        return account
      },
      (err: unknown) => {
        if (this.#reading.get(email)?.read === read) this.#reading.delete(email)
        throw err
      },
    )
    this.#reading.set(email, { epoch, read })
    return read
  }
}

/** The error a token of an account not in force gets where an ID token is verified. */
export function accountNotInForce(why: string): IamError {
  return new IamError(
    Code.UNAUTHENTICATED,
    'ID_TOKEN_INVALID',
    `The access token could not be verified: ${why}.`,
    { metadata: { check: 'account-not-in-force' } },
  )
}

/**
 * `verifier` with the standing applied to every caller it yields: the invoker gateway's verifier
 * (and the admin API's, for trusted issuers' ID tokens). A remembered token of an account whose
 * standing is in memory stays synchronous; otherwise remembered() answers undefined and verify()
 * reads the account.
 */
export function withAccountStanding(
  verifier: TokenVerifier,
  standing: AccountStanding,
): TokenVerifier {
  return {
    remembered(token, audiences) {
      const caller = verifier.remembered(token, audiences)
      if (caller === undefined) return undefined
      const why = standing.now(caller)
      if (why === undefined) return undefined
      if (why !== null) throw accountNotInForce(why)
      return caller
    },
    async verify(token, audiences) {
      const caller = await verifier.verify(token, audiences)
      const why = await standing.refusal(caller)
      if (why !== null) throw accountNotInForce(why)
      return caller
    },
  }
}
