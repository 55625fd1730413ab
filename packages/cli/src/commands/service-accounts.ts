// `runiam iam service-accounts create|list|describe|delete|disable|enable` and `… keys create|list|delete`,
// against the IAM API's v1 paths, with gcloud's messages and prompts.
import { chmod, writeFile } from 'node:fs/promises'
import type {
  CreatedServiceAccountKey,
  ListServiceAccountKeysResponse,
  ListServiceAccountsResponse,
  ServiceAccount,
} from '@runiam/api'
import { CliError } from '../cli-error.js'
import type { CommandContext } from '../command-context.js'
import { formatList, formatResource, formatTable, parseFormat } from '../output/format.js'
import { promptContinue } from '../prompt.js'
import { flagString, positional, requireProject } from '../resource-refs.js'

/** Compat: gcloud names an account by email (or unique id) under `projects/-`. */
function accountPath(account: string): string {
  if (account.startsWith('projects/')) return `/v1/${account}`
  return `/v1/projects/-/serviceAccounts/${encodeURIComponent(account)}`
}

function iamAccount(ctx: CommandContext): string {
  const sa = flagString(ctx, 'iam-account')
  if (sa === undefined) throw new CliError('Missing required argument [--iam-account].', 2)
  return sa
}

const keyIdOf = (name: string): string => name.split('/').at(-1) ?? name

/** Compat: gcloud iam service-accounts create NAME [--display-name] [--description]. */
export async function create(ctx: CommandContext): Promise<void> {
  const name = positional(ctx, 'NAME')
  const project = requireProject(ctx)
  const displayName = flagString(ctx, 'display-name')
  const description = flagString(ctx, 'description')
  const client = await ctx.client()
  const sa = await client.request<ServiceAccount>(
    'POST',
    `/v1/projects/${encodeURIComponent(project)}/serviceAccounts`,
    {
      body: {
        accountId: name,
        serviceAccount: {
          ...(displayName === undefined ? {} : { displayName }),
          ...(description === undefined ? {} : { description }),
        },
      },
    },
  )
  ctx.io.stderr(`Created service account [${name}].\n`)
  const format = parseFormat(ctx.settings.format)
  if (format.kind !== 'default') ctx.io.stdout(formatResource(sa, format))
}

/** Compat: gcloud iam service-accounts list (DISPLAY NAME, EMAIL, DISABLED). */
export async function list(ctx: CommandContext): Promise<void> {
  const project = requireProject(ctx)
  const client = await ctx.client()
  const accounts: ServiceAccount[] = []
  let pageToken: string | undefined
  do {
    const page = await client.request<ListServiceAccountsResponse>(
      'GET',
      `/v1/projects/${encodeURIComponent(project)}/serviceAccounts`,
      { query: { pageSize: 100, pageToken } },
    )
    accounts.push(...(page.accounts ?? []))
    pageToken = page.nextPageToken === '' ? undefined : page.nextPageToken
  } while (pageToken !== undefined)
  const format = parseFormat(ctx.settings.format)
  if (format.kind !== 'default') {
    ctx.io.stdout(formatList(accounts, format))
    return
  }
  if (accounts.length === 0) {
    ctx.io.stderr('Listed 0 items.\n')
    return
  }
  ctx.io.stdout(
    formatTable(
      ['DISPLAY NAME', 'EMAIL', 'DISABLED'],
      accounts.map((a) => [a.displayName ?? '', a.email, a.disabled === true ? 'True' : 'False']),
    ),
  )
}

/** Compat: gcloud iam service-accounts describe SA. */
export async function describe(ctx: CommandContext): Promise<void> {
  const sa = await (
    await ctx.client()
  ).request('GET', accountPath(positional(ctx, 'SERVICE_ACCOUNT')))
  ctx.io.stdout(formatResource(sa, parseFormat(ctx.settings.format)))
}

/** Compat: gcloud iam service-accounts delete SA (prompts unless --quiet). */
export async function remove(ctx: CommandContext): Promise<void> {
  const account = positional(ctx, 'SERVICE_ACCOUNT')
  await promptContinue(ctx, {
    message: `You are about to delete service account [${account}].`,
    cancelOnNo: true,
  })
  await (await ctx.client()).request('DELETE', accountPath(account))
  ctx.io.stderr(`deleted service account [${account}]\n`)
}

/** Compat: gcloud iam service-accounts disable SA. */
export async function disable(ctx: CommandContext): Promise<void> {
  const account = positional(ctx, 'SERVICE_ACCOUNT')
  await (await ctx.client()).request('POST', `${accountPath(account)}:disable`, {})
  ctx.io.stderr(`Disabled service account [${account}].\n`)
}

/** Compat: gcloud iam service-accounts enable SA. */
export async function enable(ctx: CommandContext): Promise<void> {
  const account = positional(ctx, 'SERVICE_ACCOUNT')
  await (await ctx.client()).request('POST', `${accountPath(account)}:enable`, {})
  ctx.io.stderr(`Enabled service account [${account}].\n`)
}

/** Compat: gcloud iam service-accounts keys create FILE --iam-account SA (file mode 0600). */
export async function keysCreate(ctx: CommandContext): Promise<void> {
  const file = positional(ctx, 'OUTPUT_FILE')
  const account = iamAccount(ctx)
  const type = flagString(ctx, 'key-file-type') ?? 'json'
  if (type !== 'json') {
    throw new CliError(`Invalid value for [--key-file-type]: runiam issues json key files only.`, 2)
  }
  const key = await (
    await ctx.client()
  ).request<CreatedServiceAccountKey>('POST', `${accountPath(account)}/keys`, {
    body: { privateKeyType: 'TYPE_GOOGLE_CREDENTIALS_FILE', keyAlgorithm: 'KEY_ALG_RSA_2048' },
  })
  if (typeof key.privateKeyData !== 'string') {
    throw new CliError('The server returned the key without its private key data.')
  }
  const contents = Buffer.from(key.privateKeyData, 'base64')
  try {
    await writeFile(file, contents, { mode: 0o600 })
    await chmod(file, 0o600)
  } catch (err) {
    throw new CliError(`Unable to write file [${file}]: ${(err as Error).message}`)
  }
  ctx.io.stderr(`created key [${keyIdOf(key.name)}] of type [json] as [${file}] for [${account}]\n`)
}

/** Compat: gcloud iam service-accounts keys list --iam-account SA. */
export async function keysList(ctx: CommandContext): Promise<void> {
  const account = iamAccount(ctx)
  const managed = flagString(ctx, 'managed-by') ?? 'any'
  if (!['any', 'user', 'system'].includes(managed)) {
    throw new CliError(
      `argument --managed-by: Invalid choice: '${managed}'. Valid choices are [any, system, user].`,
      2,
    )
  }
  const query =
    managed === 'any' ? {} : { keyTypes: managed === 'user' ? 'USER_MANAGED' : 'SYSTEM_MANAGED' }
  const res = await (
    await ctx.client()
  ).request<ListServiceAccountKeysResponse>('GET', `${accountPath(account)}/keys`, { query })
  const keys = res.keys ?? []
  const format = parseFormat(ctx.settings.format)
  if (format.kind !== 'default') {
    ctx.io.stdout(formatList(keys, format))
    return
  }
  if (keys.length === 0) {
    ctx.io.stderr('Listed 0 items.\n')
    return
  }
  ctx.io.stdout(
    formatTable(
      ['KEY_ID', 'CREATED_AT', 'EXPIRES_AT', 'DISABLED'],
      keys.map((k) => [
        keyIdOf(k.name),
        (k.validAfterTime ?? '').replace(/\.\d+Z$/, 'Z'),
        k.validBeforeTime ?? '',
        k.disabled === true ? 'True' : '',
      ]),
    ),
  )
}

/** Compat: gcloud iam service-accounts keys delete KEY_ID --iam-account SA. */
export async function keysDelete(ctx: CommandContext): Promise<void> {
  const keyId = positional(ctx, 'KEY_ID')
  const account = iamAccount(ctx)
  await promptContinue(ctx, {
    message: `You are about to delete key [${keyId}] for service account [${account}].`,
    cancelOnNo: true,
  })
  await (
    await ctx.client()
  ).request('DELETE', `${accountPath(account)}/keys/${encodeURIComponent(keyId)}`)
  ctx.io.stderr(`deleted key [${keyId}] for service account [${account}]\n`)
}
