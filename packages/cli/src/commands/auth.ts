// `runiam auth login|list|revoke|print-access-token`: development login against runiam's token
// endpoint and the local credential store.
import { CliError } from '../cli-error.js'
import type { CommandContext } from '../command-context.js'
import { formatList, parseFormat } from '../output/format.js'
import { readProperties, writeProperties } from '../settings/config-file.js'
import { readCredentials, writeCredentials } from '../settings/credentials.js'

async function setActiveAccount(ctx: CommandContext, account: string | undefined): Promise<void> {
  const props = await readProperties(ctx.settings.configDir)
  const core = { ...(props['core'] ?? {}) }
  if (account === undefined) delete core['account']
  else core['account'] = account
  props['core'] = core
  await writeProperties(ctx.settings.configDir, props)
}

export async function login(ctx: CommandContext): Promise<void> {
  const account = ctx.args.positionals['ACCOUNT'] as string
  const [{ makeClient }, { storeDevLogin }] = await Promise.all([
    import('../make-client.js'),
    import('../access-token.js'),
  ])
  const tokens = await (await makeClient(ctx.settings.endpoint)).devLogin(account)
  await storeDevLogin(ctx.settings, account, ctx.settings.endpoint, tokens)
  await setActiveAccount(ctx, account)
  // Compat: gcloud auth login's closing message.
  ctx.io.stderr(`\nYou are now logged in as [${account}].\n`)
  if (ctx.settings.project !== undefined) {
    ctx.io.stderr(
      `Your current project is [${ctx.settings.project}].  You can change this setting by running:\n  $ runiam config set project PROJECT_ID\n`,
    )
  }
}

export async function list(ctx: CommandContext): Promise<void> {
  const accounts = Object.keys(await readCredentials(ctx.settings.configDir)).sort()
  const active = ctx.settings.account
  const format = parseFormat(ctx.settings.format)
  if (accounts.length === 0) {
    ctx.io.stderr(
      'No credentialed accounts.\n\nTo login, run:\n  $ runiam auth login `ACCOUNT`\n\n',
    )
    return
  }
  if (format.kind !== 'default') {
    const rows = accounts.map((a) => ({ account: a, status: a === active ? 'ACTIVE' : '' }))
    ctx.io.stdout(formatList(rows, format))
    return
  }
  // Compat: gcloud auth list's table.
  let out = '    Credentialed Accounts\nACTIVE  ACCOUNT\n'
  for (const a of accounts) out += `${a === active ? '*' : ' '}       ${a}\n`
  ctx.io.stdout(out)
  ctx.io.stderr('\nTo set the active account, run:\n    $ runiam config set account `ACCOUNT`\n\n')
}

export async function revoke(ctx: CommandContext): Promise<void> {
  const store = await readCredentials(ctx.settings.configDir)
  const account = ctx.args.positionals['ACCOUNT'] ?? ctx.settings.account
  if (account === undefined) {
    throw new CliError('No credentials available to revoke.')
  }
  if (store[account] === undefined) {
    // Compat: gcloud auth revoke with an unknown account.
    throw new CliError('Invalid value for [accounts]: The given account name does not exist')
  }
  delete store[account]
  await writeCredentials(ctx.settings.configDir, store)
  const configured = ctx.settings.properties['core']?.['account']
  if (configured === account) await setActiveAccount(ctx, undefined)
  ctx.io.stderr(`Revoked credentials:\n - ${account}\n`)
}

export async function printAccessToken(ctx: CommandContext): Promise<void> {
  const [{ makeClient }, { accessToken }] = await Promise.all([
    import('../make-client.js'),
    import('../access-token.js'),
  ])
  const bare = await makeClient(ctx.settings.endpoint)
  const account = ctx.args.positionals['ACCOUNT'] ?? ctx.settings.account
  ctx.io.stdout(`${await accessToken(ctx.settings, () => bare, account)}\n`)
}
