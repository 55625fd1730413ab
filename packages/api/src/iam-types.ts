// Google's IAM (iam.googleapis.com v1) and IAM Service Account Credentials (iamcredentials v1)
// JSON shapes for the methods runiam serves.

/** google.iam.admin.v1.ServiceAccount. */
export interface ServiceAccount {
  readonly name: string
  readonly projectId: string
  readonly uniqueId: string
  readonly email: string
  readonly displayName?: string
  readonly description?: string
  readonly etag: string
  readonly oauth2ClientId: string
  readonly disabled?: boolean
}

export interface ListServiceAccountsResponse {
  readonly accounts?: readonly ServiceAccount[]
  readonly nextPageToken?: string
}

/** google.iam.admin.v1.ServiceAccountKey (without the private key). */
export interface ServiceAccountKey {
  readonly name: string
  readonly validAfterTime: string
  readonly validBeforeTime: string
  readonly keyAlgorithm: string
  readonly keyOrigin: 'GOOGLE_PROVIDED' | 'USER_PROVIDED'
  readonly keyType: 'USER_MANAGED' | 'SYSTEM_MANAGED'
  readonly disabled?: boolean
}

/** keys.create's answer: the key with the base64 JSON key file, the only copy of the private key. */
export interface CreatedServiceAccountKey extends ServiceAccountKey {
  readonly privateKeyType: 'TYPE_GOOGLE_CREDENTIALS_FILE'
  readonly privateKeyData: string
}

export interface ListServiceAccountKeysResponse {
  readonly keys?: readonly ServiceAccountKey[]
}

/** iamcredentials generateIdToken. */
export interface GenerateIdTokenResponse {
  readonly token: string
}

/** iamcredentials generateAccessToken. */
export interface GenerateAccessTokenResponse {
  readonly accessToken: string
  readonly expireTime: string
}

/** google.protobuf.Empty, as deletes and enable/disable answer. */
export type Empty = Record<string, never>
