// `runiam auth activate-service-account` and `runiam auth print-identity-token`: service account
// key files as credentials, and ID tokens for calling services (a user's dev login, a key file's
// target_audience exchange, or generateIdToken when impersonating).
import { DEV_LOGIN_GRANT } from '@runiam/api'
import { CliError } from '../cli-error.js'
import type { CommandContext } from '../command-context.js'
import { flagBool, flagString } from '../resource-refs.js'
import { readProperties, writeProperties } from '../settings/config-file.js'
import { readCredentials, writeCredentials } from '../settings/credentials.js'

async function setActiveAccount(ctx: CommandContext, account: string): Promise<void> {
  const props = await readProperties(ctx.settings.configDir)
  props['core'] = { ...(props['core'] ?? {}), account }
  await writeProperties(ctx.settings.configDir, props)
}

/** Compat: gcloud auth activate-service-account [ACCOUNT] --key-file=FILE. */
export async function activateServiceAccount(ctx: CommandContext): Promise<void> {
  const file = flagString(ctx, 'key-file')
  if (file === undefined) throw new CliError('Missing required argument [--key-file].', 2)
  let text: string
  try {
    text = await ctx.io.readFile(file)
  } catch (err) {
    throw new CliError(`Unable to read file [${file}]: ${(err as Error).message}`)
  }
  const { parseKeyFile } = await import('../service-account-key.js')
  const key = parseKeyFile(text, file)
  const account = ctx.args.positionals['ACCOUNT']
  if (account !== undefined && account.toLowerCase() !== key.client_email.toLowerCase()) {
    // Compat: gcloud refuses an ACCOUNT that is not the key file's.
    throw new CliError(
      `The given account name does not match the account name in the key file. [${account}] != [${key.client_email}]`,
    )
  }
  const store = await readCredentials(ctx.settings.configDir)
  store[key.client_email] = { type: 'service_account', key }
  await writeCredentials(ctx.settings.configDir, store)
  await setActiveAccount(ctx, key.client_email)
  ctx.io.stderr(`Activated service account credentials for: [${key.client_email}]\n`)
}

/** Compat: gcloud auth print-identity-token [--audiences] [--impersonate-service-account]. */
export async function printIdentityToken(ctx: CommandContext): Promise<void> {
  const audiences = flagString(ctx, 'audiences')
  if (audiences !== undefined && audiences.includes(',')) {
    throw new CliError('Only one audience is supported: --audiences takes a single URL.')
  }
  const impersonate = flagString(ctx, 'impersonate-service-account')
  // Without --audiences the token is for runiam itself (its API endpoint).
  const audience = audiences ?? ctx.settings.endpoint
  let token: string
  if (impersonate !== undefined) {
    const client = await ctx.client()
    const res = await client.request<{ token?: string }>(
      'POST',
      `/v1/projects/-/serviceAccounts/${encodeURIComponent(impersonate)}:generateIdToken`,
      { body: { audience, includeEmail: flagBool(ctx, 'include-email') ?? false } },
    )
    if (typeof res.token !== 'string') throw new CliError('generateIdToken returned no token.')
    token = res.token
  } else {
    const account = ctx.settings.account
    const { noActiveAccount } = await import('../access-token.js')
    if (account === undefined) throw noActiveAccount()
    const cred = (await readCredentials(ctx.settings.configDir))[account]
    if (cred === undefined) {
      throw new CliError(
        `There are no credentials for account [${account}]. Please run:\n\n  $ runiam auth login ${account}\n\nto obtain new credentials.`,
      )
    }
    if (cred.type === 'service_account') {
      const { serviceAccountIdToken } = await import('../service-account-key.js')
      token = await serviceAccountIdToken(cred.key, audience)
    } else {
      token = await devIdToken(ctx, account, audience)
    }
  }
  ctx.io.stdout(`${token}\n`)
}

/** A dev-login ID token with the audience (the dev-login grant takes an `audience`). */
async function devIdToken(ctx: CommandContext, account: string, audience: string): Promise<string> {
  const { nodeFetch } = await import('../node-fetch.js')
  const { decodeError } = await import('@runiam/api/client')
  const res = await nodeFetch(`${ctx.settings.endpoint.replace(/\/+$/, '')}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: DEV_LOGIN_GRANT,
      subject: account,
      audience,
    }).toString(),
  })
  const text = await res.text()
  if (res.status !== 200) throw decodeError(res.status, text)
  const json = JSON.parse(text) as { id_token?: unknown }
  if (typeof json.id_token !== 'string')
    throw new CliError('The token endpoint returned no id_token.')
  return json.id_token
}
