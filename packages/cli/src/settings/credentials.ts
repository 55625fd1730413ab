// Stored credentials ({configDir}/credentials.json, mode 0600): one entry per account, as the
// token endpoint returned them, plus how they were obtained so an expired dev login can renew.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { writeJsonFile } from './config-file.js'

export interface DevCredential {
  /** How the tokens were obtained: 'dev' = dev-login grant (renewable without a secret). */
  readonly type: 'dev'
  readonly endpoint: string
  readonly access_token: string
  readonly id_token?: string
  /** Epoch milliseconds; absent when the server gave no expires_in. */
  readonly expires_at?: number
}

/**
 * A service account key file activated with `auth activate-service-account` (gcloud keeps the
 * key in its credential store too; this file is mode 0600). Tokens are minted from it with the
 * JWT-bearer grant whenever needed and never stored.
 */
export interface ServiceAccountCredential {
  readonly type: 'service_account'
  readonly key: ServiceAccountKeyFile
}

/** The fields of Google's JSON key file that runiam uses. */
export interface ServiceAccountKeyFile {
  readonly type: 'service_account'
  readonly project_id?: string
  readonly private_key_id: string
  readonly private_key: string
  readonly client_email: string
  readonly client_id?: string
  readonly token_uri: string
}

export type StoredCredential = DevCredential | ServiceAccountCredential

export type CredentialStore = Record<string, StoredCredential>

export const CREDENTIALS_FILE = 'credentials.json'

export async function readCredentials(configDir: string): Promise<CredentialStore> {
  try {
    const text = readFileSync(join(configDir, CREDENTIALS_FILE), 'utf8')
    const parsed = JSON.parse(text) as { accounts?: CredentialStore }
    return parsed.accounts ?? {}
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw new Error(
      `The credentials file [${join(configDir, CREDENTIALS_FILE)}] cannot be read (${(err as Error).message}); delete it and log in again.`,
    )
  }
}

export async function writeCredentials(configDir: string, store: CredentialStore): Promise<void> {
  await writeJsonFile(configDir, CREDENTIALS_FILE, { accounts: store }, 0o600)
}
