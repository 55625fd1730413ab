// IAM service accounts and keys as data: their names, Google's JSON shapes, the key files and the
// errors IAM answers with. A service account is both an identity (`serviceAccount:EMAIL`) and a
// resource with its own allow policy, stored under `projects/{projectId}/serviceAccounts/{email}`.
import type { ServiceAccount, ServiceAccountKey } from '@runiam/api'
import { Code, IamError } from '@runiam/core'
import type { ServiceAccountKeyRecord, ServiceAccountRecord } from '@runiam/store'
import { isoTime, randomDigits } from '../context.js'
import { invalidArgument } from '../names.js'
import './service-account-reasons.js'

/** What the service needs of runiam's token issuer (injected by the composition root). */
export interface ServiceAccountTokenSigner {
  /** The token endpoint URL written into key files (`token_uri`). */
  readonly tokenUri: string
  /** The issuer URL (key files' cert URLs are built from it). */
  readonly issuer: string
  signIdToken(email: string, audience: string, subject: string): Promise<string>
  /** `subject`: the account's unique id. */
  signAccessToken(
    email: string,
    lifetimeSeconds: number,
    subject: string,
  ): Promise<{ token: string }>
}

/** The signer, or UNIMPLEMENTED when this server was built without one (tests of other parts). */
export function requireSigner(
  signer: ServiceAccountTokenSigner | undefined,
  what: 'keys' | 'tokens',
): ServiceAccountTokenSigner {
  if (signer === undefined) {
    throw new IamError(Code.UNIMPLEMENTED, 'METHOD_NOT_ALLOWED', `This server mints no ${what}.`)
  }
  return signer
}

export const SERVICE_ACCOUNT_DOMAIN = 'iam.gserviceaccount.com'

// Compat: CreateServiceAccountRequest.account_id: "must be 6-30 characters long, and match the
// regular expression `[a-z]([-a-z0-9]*[a-z0-9])`".
export const ACCOUNT_ID_RE = /^[a-z](?:[-a-z0-9]{4,28}[a-z0-9])$/

/** Compat: a user-managed key is valid until the end of time unless an expiry is configured. */
const KEY_VALID_BEFORE = '9999-12-31T23:59:59Z'
export const MAX_TOKEN_LIFETIME_S = 3600

export function serviceAccountEmail(accountId: string, projectId: string): string {
  return `${accountId}@${projectId}.${SERVICE_ACCOUNT_DOMAIN}`
}

export function serviceAccountName(sa: Pick<ServiceAccountRecord, 'projectId' | 'email'>): string {
  return `projects/${sa.projectId}/serviceAccounts/${sa.email}`
}

/** google.iam.admin.v1.ServiceAccount JSON. */
export function renderServiceAccount(sa: ServiceAccountRecord): ServiceAccount {
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
): ServiceAccountKey {
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

export function keyNotFound(name: string): IamError {
  return new IamError(
    Code.NOT_FOUND,
    'RESOURCE_NOT_FOUND',
    `Service account key ${name} does not exist.`,
    {
      metadata: { name },
    },
  )
}

export function disabledAccount(email: string): IamError {
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
export interface SaName {
  readonly project: string
  readonly account: string
  readonly keyId?: string
}

export function parseServiceAccountName(name: string, withKey: boolean): SaName {
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

export function stringField(body: Record<string, unknown>, field: string, path = field): string {
  const v = body[field]
  if (v === undefined || v === null) return ''
  if (typeof v !== 'string') {
    throw invalidArgument(path, `Invalid value at '${path}' (TYPE_STRING), ${JSON.stringify(v)}`)
  }
  return v
}

// Compat: Google's limits on display names (100 characters) and descriptions (256).
export function checkLength(value: string, field: string, max: number): string {
  if ([...value].length > max) {
    throw invalidArgument(field, `Field ${field} is too long: at most ${max} characters.`)
  }
  return value
}

export interface ListRequest {
  readonly pageSize?: string | undefined
  readonly pageToken?: string | undefined
}
