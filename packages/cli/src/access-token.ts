// The bearer token for API calls: the active account's stored credential, renewed through the
// dev-login grant when it has expired (a dev login needs no secret, so renewal is safe), or minted
// from an activated service account key with the JWT-bearer grant.
import type { RuniamClient } from '@runiam/api'
import { CliError } from './cli-error.js'
import { readCredentials, writeCredentials, type DevCredential } from './settings/credentials.js'
import type { Settings } from './settings/settings.js'

/** Renew a little before expiry so a token does not lapse in flight. */
const SKEW_MS = 30_000

export function noActiveAccount(): CliError {
  return new CliError(
    'You do not currently have an active account selected.\nPlease run:\n\n  $ runiam auth login ACCOUNT\n\nto obtain new credentials.\n\nIf you have already logged in with a different account, run:\n\n  $ runiam config set account ACCOUNT\n\nto select an already authenticated account to use.',
  )
}

/** Stores the tokens from a dev login for `account`. */
export async function storeDevLogin(
  settings: Settings,
  account: string,
  endpoint: string,
  tokens: { access_token: string; id_token?: string; expires_in?: number },
  now = Date.now(),
): Promise<DevCredential> {
  const store = await readCredentials(settings.configDir)
  const cred: DevCredential = {
    type: 'dev',
    endpoint,
    access_token: tokens.access_token,
    ...(tokens.id_token === undefined ? {} : { id_token: tokens.id_token }),
    ...(typeof tokens.expires_in === 'number'
      ? { expires_at: now + tokens.expires_in * 1000 }
      : {}),
  }
  store[account] = cred
  await writeCredentials(settings.configDir, store)
  return cred
}

/** The access token for `account` (default: the active one), renewing it if needed. */
export async function accessToken(
  settings: Settings,
  client: () => RuniamClient,
  account = settings.account,
): Promise<string> {
  if (account === undefined) throw noActiveAccount()
  const store = await readCredentials(settings.configDir)
  const cred = store[account]
  if (cred === undefined) {
    throw new CliError(
      `There are no credentials for account [${account}]. Please run:\n\n  $ runiam auth login ${account}\n\nto obtain new credentials.`,
    )
  }
  if (cred.type === 'service_account') {
    const { serviceAccountAccessToken } = await import('./service-account-key.js')
    return serviceAccountAccessToken(cred.key)
  }
  if (cred.expires_at === undefined || cred.expires_at - SKEW_MS > Date.now())
    return cred.access_token
  const tokens = await client().devLogin(account)
  return (await storeDevLogin(settings, account, settings.endpoint, tokens)).access_token
}
