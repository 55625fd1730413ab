// IAM service account keys (iam.googleapis.com v1 keys.*): only the public half is stored; the
// private key leaves the server once, in the key file keys.create answers with.
import type {
  CreatedServiceAccountKey,
  Empty,
  ListServiceAccountKeysResponse,
  ServiceAccountKey,
} from '@runiam/api'
import { Code, IamError } from '@runiam/core'
import type { ServiceAccountKeyRecord, ServiceAccountRecord, StoreReader } from '@runiam/store'
import type { Caller } from '../caller.js'
import { isObject, type ServiceContext } from '../context.js'
import { invalidArgument } from '../names.js'
import { ServiceAccountAccess } from './service-account-access.js'
import {
  keyNotFound,
  newKey,
  renderKey,
  requireSigner,
  serviceAccountNotFound,
  type ServiceAccountTokenSigner,
} from './service-account-model.js'

/** Compat: IAM allows at most 10 user-managed keys per service account (disabled ones count). */
export const MAX_KEYS_PER_SERVICE_ACCOUNT = 10

/**
 * Compat: keys.create on an account that has its 10 keys: Google's answer (since at least 2022; in
 * 2018 it was RESOURCE_EXHAUSTED "Maximum number of keys on account reached.") carries no detail,
 * so the ErrorInfo metadata says which limit was hit.
 */
function keyLimitReached(email: string): IamError {
  return new IamError(
    Code.FAILED_PRECONDITION,
    'SERVICE_ACCOUNT_KEY_LIMIT',
    'Precondition check failed.',
    { metadata: { email, limit: String(MAX_KEYS_PER_SERVICE_ACCOUNT) } },
  )
}

export class ServiceAccountKeyService {
  readonly #ctx: ServiceContext
  readonly #access: ServiceAccountAccess
  readonly #signer: ServiceAccountTokenSigner | undefined

  constructor(ctx: ServiceContext, signer?: ServiceAccountTokenSigner) {
    this.#ctx = ctx
    this.#access = new ServiceAccountAccess(ctx)
    this.#signer = signer
  }

  #requireSigner(): ServiceAccountTokenSigner {
    return requireSigner(this.#signer, 'keys')
  }

  /**
   * Compat: iam projects.serviceAccounts.keys.create: the key with `privateKeyData` (base64 of
   * Google's JSON key file). Only the public half is stored.
   */
  async createKey(caller: Caller, name: string, body: unknown): Promise<CreatedServiceAccountKey> {
    const { sa } = await this.#access.authorize(caller, 'iam.serviceAccountKeys.create', name)
    if (sa === undefined) throw serviceAccountNotFound(name)
    if (body !== undefined && body !== null && !isObject(body)) {
      throw invalidArgument('privateKeyType', 'Request body must be a JSON object.')
    }
    const b = isObject(body) ? body : {}
    const type = b['privateKeyType'] ?? 'TYPE_GOOGLE_CREDENTIALS_FILE'
    if (type !== 'TYPE_GOOGLE_CREDENTIALS_FILE' && type !== 'TYPE_UNSPECIFIED') {
      throw invalidArgument(
        'privateKeyType',
        `Unsupported privateKeyType ${JSON.stringify(type)}: runiam issues JSON key files (TYPE_GOOGLE_CREDENTIALS_FILE) only.`,
      )
    }
    const alg = b['keyAlgorithm'] ?? 'KEY_ALG_RSA_2048'
    if (alg !== 'KEY_ALG_RSA_2048' && alg !== 'KEY_ALG_UNSPECIFIED') {
      throw invalidArgument(
        'keyAlgorithm',
        `Unsupported keyAlgorithm ${JSON.stringify(alg)}: runiam issues KEY_ALG_RSA_2048 keys only.`,
      )
    }
    const atLimit = async (reader: Pick<StoreReader, 'listServiceAccountKeys'>) =>
      (await reader.listServiceAccountKeys(sa.email)).length >= MAX_KEYS_PER_SERVICE_ACCOUNT
    // Checked before the (slow) key generation so refusals cost nothing, and again inside the
    // transaction, under the account's lock, so that concurrent creates (on any replica) cannot
    // pass the limit together.
    if (await atLimit(this.#ctx.store)) throw keyLimitReached(sa.email)
    const { record, keyFile } = await newKey(sa, this.#ctx.now(), this.#requireSigner())
    await this.#ctx.store.transact(async (tx) => {
      // The account's lock makes the count exact until commit, on every engine and replica.
      await tx.lockServiceAccount(sa.email)
      if (await atLimit(tx)) throw keyLimitReached(sa.email)
      await tx.createServiceAccountKey(record)
    })
    return {
      ...renderKey(sa, record),
      privateKeyType: 'TYPE_GOOGLE_CREDENTIALS_FILE',
      privateKeyData: Buffer.from(JSON.stringify(keyFile, null, 2)).toString('base64'),
    }
  }

  /** Compat: iam projects.serviceAccounts.keys.list: `{keys}` (user-managed keys only). */
  async listKeys(
    caller: Caller,
    name: string,
    keyTypes: readonly string[],
  ): Promise<ListServiceAccountKeysResponse> {
    const { sa } = await this.#access.authorize(caller, 'iam.serviceAccountKeys.list', name)
    if (sa === undefined) throw serviceAccountNotFound(name)
    if (keyTypes.length > 0 && !keyTypes.includes('USER_MANAGED')) return {}
    const keys = await this.#ctx.store.listServiceAccountKeys(sa.email)
    return keys.length === 0 ? {} : { keys: keys.map((k) => renderKey(sa, k)) }
  }

  async #key(
    caller: Caller,
    permission: string,
    name: string,
  ): Promise<{ sa: ServiceAccountRecord; key: ServiceAccountKeyRecord }> {
    const { sa, parsed } = await this.#access.authorize(caller, permission, name, true)
    if (sa === undefined) throw serviceAccountNotFound(name.split('/').slice(0, 4).join('/'))
    const key = await this.#ctx.store.getServiceAccountKey(parsed.keyId ?? '')
    if (key === undefined || key.serviceAccountEmail !== sa.email) throw keyNotFound(name)
    return { sa, key }
  }

  /** Compat: iam projects.serviceAccounts.keys.get. */
  async getKey(caller: Caller, name: string): Promise<ServiceAccountKey> {
    const { sa, key } = await this.#key(caller, 'iam.serviceAccountKeys.get', name)
    return renderKey(sa, key)
  }

  /** Compat: iam projects.serviceAccounts.keys.delete: `{}`; the key stops working at once. */
  async deleteKey(caller: Caller, name: string): Promise<Empty> {
    const { key } = await this.#key(caller, 'iam.serviceAccountKeys.delete', name)
    await this.#ctx.store.transact((tx) => tx.deleteServiceAccountKey(key.keyId))
    return {}
  }
}
