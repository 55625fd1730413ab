// IAM service accounts and their keys (iam.googleapis.com v1 shapes), and the IAM Service Account
// Credentials methods that mint their tokens (generateIdToken, generateAccessToken). A service
// account is both an identity (`serviceAccount:EMAIL`) and a resource with its own allow policy,
// stored under `projects/{projectId}/serviceAccounts/{email}` and inheriting the project's and the
// organization's. Authorize first (AIP-211), then look up, then act.
import { Code, IamError, permissionDenied } from '@runiam/core'
import type { ServiceAccountKeyRecord, ServiceAccountRecord } from '@runiam/store'
import type { Caller } from './caller.js'
import { isObject, isoTime, randomDigits, randomEtag, type ServiceContext } from './context.js'
import type { PolicyTarget } from './iam-policy-service.js'
import { invalidArgument } from './names.js'
import { projectNotFound } from './project-service.js'
import '../identity/service-account-reasons.js'

/** What the service needs of runiam's token issuer (injected by the composition root). */
export interface ServiceAccountTokenSigner {
  /** The token endpoint URL written into key files (`token_uri`). */
  readonly tokenUri: string
  /** The issuer URL (key files' cert URLs are built from it). */
  readonly issuer: string
  signIdToken(email: string, audience: string, subject: string): Promise<string>
  signAccessToken(email: string, lifetimeSeconds: number): Promise<{ token: string }>
}

export const SERVICE_ACCOUNT_DOMAIN = 'iam.gserviceaccount.com'

// Compat: CreateServiceAccountRequest.account_id: "must be 6-30 characters long, and match the
// regular expression `[a-z]([-a-z0-9]*[a-z0-9])`".
const ACCOUNT_ID_RE = /^[a-z](?:[-a-z0-9]{4,28}[a-z0-9])$/

/** Compat: a user-managed key is valid until the end of time unless an expiry is configured. */
const KEY_VALID_BEFORE = '9999-12-31T23:59:59Z'
const MAX_TOKEN_LIFETIME_S = 3600

export function serviceAccountEmail(accountId: string, projectId: string): string {
  return `${accountId}@${projectId}.${SERVICE_ACCOUNT_DOMAIN}`
}

export function serviceAccountName(sa: Pick<ServiceAccountRecord, 'projectId' | 'email'>): string {
  return `projects/${sa.projectId}/serviceAccounts/${sa.email}`
}

/** google.iam.admin.v1.ServiceAccount JSON. */
export function renderServiceAccount(sa: ServiceAccountRecord): Record<string, unknown> {
  return {
    name: serviceAccountName(sa),
    projectId: sa.projectId,
    uniqueId: sa.uniqueId,
    email: sa.email,
    ...(sa.displayName === '' ? {} : { displayName: sa.displayName }),
    ...(sa.description === '' ? {} : { description: sa.description }),
    etag: sa.etag,
    oauth2ClientId: sa.uniqueId,
    ...(sa.disabled ? { disabled: true } : {}),
  }
}

/** google.iam.admin.v1.ServiceAccountKey JSON (without the private key). */
export function renderKey(
  sa: ServiceAccountRecord,
  key: ServiceAccountKeyRecord,
): Record<string, unknown> {
  return {
    name: `${serviceAccountName(sa)}/keys/${key.keyId}`,
    validAfterTime: key.validAfterTime,
    validBeforeTime: key.validBeforeTime,
    keyAlgorithm: key.keyAlgorithm,
    keyOrigin: 'GOOGLE_PROVIDED',
    keyType: 'USER_MANAGED',
    ...(key.disabled ? { disabled: true } : {}),
  }
}

export function serviceAccountNotFound(name: string): IamError {
  // Compat: IAM's wording for a missing service account.
  return new IamError(Code.NOT_FOUND, 'RESOURCE_NOT_FOUND', `Unknown service account: ${name}`, {
    metadata: { name },
  })
}

function keyNotFound(name: string): IamError {
  return new IamError(
    Code.NOT_FOUND,
    'RESOURCE_NOT_FOUND',
    `Service account key ${name} does not exist.`,
    {
      metadata: { name },
    },
  )
}

function disabledAccount(email: string): IamError {
  return new IamError(
    Code.FAILED_PRECONDITION,
    'SERVICE_ACCOUNT_DISABLED',
    `Service account ${email} is disabled.`,
    { metadata: { email } },
  )
}

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64')
  const lines = b64.match(/.{1,64}/g) ?? []
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`
}

/** A new RSA 2048 key pair as PEM: PKCS#8 private (for the key file) and SPKI public (kept). */
export async function generateRsaKeyPem(): Promise<{ privatePem: string; publicPem: string }> {
  const pair = await globalThis.crypto.subtle.generateKey(
    {
      name: 'RSASSA-PKCS1-v1_5',
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: 'SHA-256',
    },
    true,
    ['sign', 'verify'],
  )
  const [pkcs8, spki] = await Promise.all([
    globalThis.crypto.subtle.exportKey('pkcs8', pair.privateKey),
    globalThis.crypto.subtle.exportKey('spki', pair.publicKey),
  ])
  return { privatePem: pem('PRIVATE KEY', pkcs8), publicPem: pem('PUBLIC KEY', spki) }
}

function randomHex(bytes: number): string {
  return [...globalThis.crypto.getRandomValues(new Uint8Array(bytes))]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('')
}

/** Google's JSON key file for a new key. The private key appears here and nowhere else. */
export function keyFileJson(
  sa: ServiceAccountRecord,
  keyId: string,
  privatePem: string,
  signer: Pick<ServiceAccountTokenSigner, 'tokenUri' | 'issuer'>,
): Record<string, string> {
  return {
    type: 'service_account',
    project_id: sa.projectId,
    private_key_id: keyId,
    private_key: privatePem,
    client_email: sa.email,
    client_id: sa.uniqueId,
    auth_uri: `${signer.issuer}/o/oauth2/auth`,
    token_uri: signer.tokenUri,
    auth_provider_x509_cert_url: `${signer.issuer}/oauth2/v1/certs`,
    client_x509_cert_url: `${signer.issuer}/robot/v1/metadata/x509/${encodeURIComponent(sa.email)}`,
    universe_domain: 'googleapis.com',
  }
}

/** A new key record plus its key file, for `sa`. */
export async function newKey(
  sa: ServiceAccountRecord,
  nowMs: number,
  signer: Pick<ServiceAccountTokenSigner, 'tokenUri' | 'issuer'>,
): Promise<{ record: ServiceAccountKeyRecord; keyFile: Record<string, string> }> {
  const { privatePem, publicPem } = await generateRsaKeyPem()
  const keyId = randomHex(20)
  const t = isoTime(nowMs)
  return {
    record: {
      keyId,
      serviceAccountEmail: sa.email,
      publicKeyPem: publicPem,
      keyAlgorithm: 'KEY_ALG_RSA_2048',
      validAfterTime: t,
      validBeforeTime: KEY_VALID_BEFORE,
      disabled: false,
      createTime: t,
    },
    keyFile: keyFileJson(sa, keyId, privatePem, signer),
  }
}

/** A fresh 21-digit unique id (Google's service account ids start with 1). */
export const newUniqueId = (): string => `1${randomDigits(20)}`

/** The parts of `projects/P/serviceAccounts/X[/keys/K]`. */
interface SaName {
  readonly project: string
  readonly account: string
  readonly keyId?: string
}

function parseName(name: string, withKey: boolean): SaName {
  const p = name.split('/')
  const ok =
    p[0] === 'projects' &&
    p[2] === 'serviceAccounts' &&
    p[1] !== undefined &&
    p[1] !== '' &&
    p[3] !== undefined &&
    p[3] !== '' &&
    (withKey ? p.length === 6 && p[4] === 'keys' && (p[5] ?? '') !== '' : p.length === 4)
  if (!ok) {
    throw invalidArgument('name', `Invalid resource name ${JSON.stringify(name)}.`)
  }
  return {
    project: p[1] as string,
    account: p[3] as string,
    ...(withKey ? { keyId: p[5] as string } : {}),
  }
}

function stringField(body: Record<string, unknown>, field: string, path = field): string {
  const v = body[field]
  if (v === undefined || v === null) return ''
  if (typeof v !== 'string') {
    throw invalidArgument(path, `Invalid value at '${path}' (TYPE_STRING), ${JSON.stringify(v)}`)
  }
  return v
}

// Compat: Google's limits on display names (100 characters) and descriptions (256).
function checkLength(value: string, field: string, max: number): string {
  if ([...value].length > max) {
    throw invalidArgument(field, `Field ${field} is too long: at most ${max} characters.`)
  }
  return value
}

export interface ListRequest {
  readonly pageSize?: string | undefined
  readonly pageToken?: string | undefined
}

export class ServiceAccountService {
  readonly #ctx: ServiceContext
  readonly #signer: ServiceAccountTokenSigner | undefined

  constructor(ctx: ServiceContext, signer?: ServiceAccountTokenSigner) {
    this.#ctx = ctx
    this.#signer = signer
  }

  #requireSigner(): ServiceAccountTokenSigner {
    if (this.#signer === undefined) {
      throw new IamError(Code.UNIMPLEMENTED, 'METHOD_NOT_ALLOWED', 'This server mints no tokens.')
    }
    return this.#signer
  }

  /**
   * The service account a name designates (email or unique id; project `-` or the account's own
   * project), or undefined.
   */
  async #find(parsed: SaName): Promise<ServiceAccountRecord | undefined> {
    const sa = await this.#ctx.store.getServiceAccount(parsed.account)
    if (sa === undefined || parsed.project === '-' || parsed.project === sa.projectId) return sa
    const project = await this.#ctx.checker.project(parsed.project)
    return project?.projectId === sa.projectId ? sa : undefined
  }

  /**
   * Checks `permission` on the service account `given` names: through its own policy when it
   * exists, else through what the name's project inherits. Denied the same way either way.
   */
  async #authorize(
    caller: Caller,
    permission: string,
    given: string,
    withKey = false,
  ): Promise<{ sa: ServiceAccountRecord | undefined; parsed: SaName }> {
    const parsed = parseName(given, withKey)
    const sa = await this.#find(parsed)
    const resource =
      sa === undefined
        ? `projects/${parsed.project}/serviceAccounts/${parsed.account}`
        : serviceAccountName(sa)
    const d = await this.#ctx.checker.decide(caller, permission, resource)
    const shown = withKey ? given.split('/').slice(0, 4).join('/') : given
    if (!d.allowed) throw permissionDenied(permission, shown)
    return { sa, parsed }
  }

  /** Compat: iam projects.serviceAccounts.create. */
  async create(
    caller: Caller,
    projectName: string,
    body: unknown,
  ): Promise<Record<string, unknown>> {
    const given = projectName.replace(/^projects\//, '')
    await this.#ctx.checker.require(caller, 'iam.serviceAccounts.create', `projects/${given}`)
    const project = await this.#ctx.checker.project(given)
    if (project === undefined) throw projectNotFound(given)
    if (!isObject(body)) throw invalidArgument('accountId', 'Request body must be a JSON object.')
    const accountId = body['accountId'] ?? body['account_id']
    if (accountId === undefined || accountId === null || accountId === '') {
      throw invalidArgument('accountId', 'Field accountId is required.')
    }
    if (typeof accountId !== 'string' || !ACCOUNT_ID_RE.test(accountId)) {
      throw invalidArgument(
        'accountId',
        `Invalid account ID ${JSON.stringify(accountId)}: it must be 6 to 30 characters long and ` +
          'match the regular expression [a-z]([-a-z0-9]*[a-z0-9]).',
      )
    }
    const rawSa = body['serviceAccount'] ?? body['service_account'] ?? {}
    if (!isObject(rawSa)) {
      throw invalidArgument(
        'serviceAccount',
        `Invalid value at 'service_account', ${JSON.stringify(rawSa)}`,
      )
    }
    const displayName = checkLength(
      stringField(rawSa, 'displayName', 'serviceAccount.displayName'),
      'serviceAccount.displayName',
      100,
    )
    const description = checkLength(
      stringField(rawSa, 'description', 'serviceAccount.description'),
      'serviceAccount.description',
      256,
    )
    const email = serviceAccountEmail(accountId, project.projectId)
    const now = this.#ctx.now()
    const sa = await this.#ctx.store.transact(async (tx) => {
      if ((await tx.getServiceAccount(email)) !== undefined) {
        // Compat: IAM's answer for a taken account id.
        throw new IamError(
          Code.ALREADY_EXISTS,
          'ALREADY_EXISTS',
          `Service account ${accountId} already exists within project projects/${project.projectId}.`,
          { metadata: { email } },
        )
      }
      let uniqueId = newUniqueId()
      while ((await tx.getServiceAccount(uniqueId)) !== undefined) uniqueId = newUniqueId()
      const record: ServiceAccountRecord = {
        email,
        projectId: project.projectId,
        uniqueId,
        displayName,
        description,
        disabled: false,
        etag: randomEtag(),
        createTime: isoTime(now),
      }
      await tx.createServiceAccount(record)
      return record
    })
    return renderServiceAccount(sa)
  }

  /** Compat: iam projects.serviceAccounts.get (email or unique id; project `-` accepted). */
  async get(caller: Caller, name: string): Promise<Record<string, unknown>> {
    const { sa } = await this.#authorize(caller, 'iam.serviceAccounts.get', name)
    if (sa === undefined) throw serviceAccountNotFound(name)
    return renderServiceAccount(sa)
  }

  /** Compat: iam projects.serviceAccounts.list: `{accounts, nextPageToken}` ordered by email. */
  async list(
    caller: Caller,
    projectName: string,
    request: ListRequest,
  ): Promise<Record<string, unknown>> {
    const given = projectName.replace(/^projects\//, '')
    await this.#ctx.checker.require(caller, 'iam.serviceAccounts.list', `projects/${given}`)
    const project = await this.#ctx.checker.project(given)
    if (project === undefined) throw projectNotFound(given)
    const size =
      request.pageSize === undefined || request.pageSize === '' ? 0 : Number(request.pageSize)
    if (!Number.isInteger(size) || size < 0) {
      throw invalidArgument(
        'pageSize',
        `Invalid value at 'page_size' (TYPE_INT32), "${request.pageSize}"`,
      )
    }
    const page = await this.#ctx.store.listServiceAccounts(project.projectId, {
      // Compat: IAM's default page size is 20, its maximum 100.
      pageSize: size === 0 ? 20 : Math.min(size, 100),
      ...(request.pageToken === undefined || request.pageToken === ''
        ? {}
        : { pageToken: request.pageToken }),
    })
    const out: Record<string, unknown> = {}
    if (page.items.length > 0) out['accounts'] = page.items.map(renderServiceAccount)
    if (page.nextPageToken !== undefined) out['nextPageToken'] = page.nextPageToken
    return out
  }

  /** Compat: iam projects.serviceAccounts.patch (displayName, description; mask optional). */
  async patch(caller: Caller, name: string, body: unknown): Promise<Record<string, unknown>> {
    const { sa } = await this.#authorize(caller, 'iam.serviceAccounts.update', name)
    if (sa === undefined) throw serviceAccountNotFound(name)
    if (!isObject(body))
      throw invalidArgument('serviceAccount', 'Request body must be a JSON object.')
    const patch = body['serviceAccount'] ?? {}
    if (!isObject(patch)) {
      throw invalidArgument(
        'serviceAccount',
        `Invalid value at 'service_account', ${JSON.stringify(patch)}`,
      )
    }
    const rawMask = body['updateMask']
    const mask =
      typeof rawMask === 'string' && rawMask !== ''
        ? rawMask.split(',').map((m) => m.trim())
        : ['displayName', 'description'].filter((f) => patch[f] !== undefined)
    for (const m of mask) {
      if (m !== 'displayName' && m !== 'description' && m !== 'display_name') {
        throw invalidArgument('updateMask', `Invalid update mask path ${JSON.stringify(m)}.`)
      }
    }
    const next: ServiceAccountRecord = {
      ...sa,
      ...(mask.includes('displayName') || mask.includes('display_name')
        ? {
            displayName: checkLength(
              stringField(patch, 'displayName', 'serviceAccount.displayName'),
              'serviceAccount.displayName',
              100,
            ),
          }
        : {}),
      ...(mask.includes('description')
        ? {
            description: checkLength(
              stringField(patch, 'description', 'serviceAccount.description'),
              'serviceAccount.description',
              256,
            ),
          }
        : {}),
      etag: randomEtag(),
    }
    await this.#ctx.store.transact((tx) => tx.updateServiceAccount(next))
    return renderServiceAccount(next)
  }

  /** Compat: iam projects.serviceAccounts.delete: `{}`; its keys and policy go with it. */
  async delete(caller: Caller, name: string): Promise<Record<string, unknown>> {
    const { sa } = await this.#authorize(caller, 'iam.serviceAccounts.delete', name)
    if (sa === undefined) throw serviceAccountNotFound(name)
    await this.#ctx.store.transact((tx) => tx.deleteServiceAccount(sa.email))
    return {}
  }

  /** Compat: iam projects.serviceAccounts.disable / enable: `{}`. */
  async setDisabled(
    caller: Caller,
    name: string,
    disabled: boolean,
  ): Promise<Record<string, unknown>> {
    const permission = disabled ? 'iam.serviceAccounts.disable' : 'iam.serviceAccounts.enable'
    const { sa } = await this.#authorize(caller, permission, name)
    if (sa === undefined) throw serviceAccountNotFound(name)
    if (sa.disabled !== disabled) {
      await this.#ctx.store.transact((tx) =>
        tx.updateServiceAccount({ ...sa, disabled, etag: randomEtag() }),
      )
    }
    return {}
  }

  /**
   * Compat: iam projects.serviceAccounts.keys.create: the key with `privateKeyData` (base64 of
   * Google's JSON key file). Only the public half is stored.
   */
  async createKey(caller: Caller, name: string, body: unknown): Promise<Record<string, unknown>> {
    const { sa } = await this.#authorize(caller, 'iam.serviceAccountKeys.create', name)
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
    const { record, keyFile } = await newKey(sa, this.#ctx.now(), this.#requireSigner())
    await this.#ctx.store.transact((tx) => tx.createServiceAccountKey(record))
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
  ): Promise<Record<string, unknown>> {
    const { sa } = await this.#authorize(caller, 'iam.serviceAccountKeys.list', name)
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
    const { sa, parsed } = await this.#authorize(caller, permission, name, true)
    if (sa === undefined) throw serviceAccountNotFound(name.split('/').slice(0, 4).join('/'))
    const key = await this.#ctx.store.getServiceAccountKey(parsed.keyId ?? '')
    if (key === undefined || key.serviceAccountEmail !== sa.email) throw keyNotFound(name)
    return { sa, key }
  }

  /** Compat: iam projects.serviceAccounts.keys.get. */
  async getKey(caller: Caller, name: string): Promise<Record<string, unknown>> {
    const { sa, key } = await this.#key(caller, 'iam.serviceAccountKeys.get', name)
    return renderKey(sa, key)
  }

  /** Compat: iam projects.serviceAccounts.keys.delete: `{}`; the key stops working at once. */
  async deleteKey(caller: Caller, name: string): Promise<Record<string, unknown>> {
    const { key } = await this.#key(caller, 'iam.serviceAccountKeys.delete', name)
    await this.#ctx.store.transact((tx) => tx.deleteServiceAccountKey(key.keyId))
    return {}
  }

  /**
   * The service account as an IAM policy target (iam.serviceAccounts.get/setIamPolicy). An
   * existing account is named canonically (project id and email), so that a `projects/-/…` or
   * unique-id name is authorized through the account's own and inherited policies.
   */
  async target(name: string): Promise<PolicyTarget> {
    const found = await this.#find(parseName(name, false))
    return {
      name: found === undefined ? name : serviceAccountName(found),
      type: 'serviceAccount',
      permissionPrefix: 'iam.serviceAccounts',
      resolve: async () => {
        const sa = await this.#find(parseName(name, false))
        return sa === undefined ? undefined : serviceAccountName(sa)
      },
      notFound: () => serviceAccountNotFound(name),
    }
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
      const { sa } = await this.#authorize(actor, 'iam.serviceAccounts.implicitDelegation', d)
      if (sa === undefined) throw serviceAccountNotFound(d)
      if (sa.disabled) throw disabledAccount(sa.email)
      actor = { member: `serviceAccount:${sa.email}`, email: sa.email }
    }
    const { sa } = await this.#authorize(actor, permission, name)
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
    const { token } = await this.#requireSigner().signAccessToken(sa.email, lifetime)
    const expireTime = new Date(Math.floor(now / 1000) * 1000 + lifetime * 1000)
      .toISOString()
      .replace('.000Z', 'Z')
    return { accessToken: token, expireTime }
  }
}
