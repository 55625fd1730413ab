// `runiam metadata-server --impersonate-service-account SA --port P`: the GCE metadata endpoints
// that google-auth-library (gcp-metadata) reads, so unmodified application code run with
// GCE_METADATA_HOST=127.0.0.1:P gets ID tokens (and access tokens) for the service account.
// Tokens are minted with the CLI's active credentials through iamcredentials generateIdToken /
// generateAccessToken (the caller needs roles/iam.serviceAccountTokenCreator on SA) and cached
// until five minutes before they expire. Bound to loopback: anyone who reaches it gets tokens.
// Compat: reference google-client-libraries.md §7.
import { CLOUD_PLATFORM_SCOPE } from '@runiam/api'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { RuniamClient } from '@runiam/api'
import { CliError } from '../cli-error.js'
import type { CommandContext } from '../command-context.js'
import { flagString } from '../resource-refs.js'

export interface MetadataServerOptions {
  /** The service account to impersonate (email). */
  readonly serviceAccount: string
  readonly client: RuniamClient
  readonly host?: string
  /** 0 picks a free port. */
  readonly port: number
  /** project-id; default: the project in the service account's email. */
  readonly project?: string
  now?(): number
  log?(line: string): void
}

export interface RunningMetadataServer {
  readonly port: number
  readonly url: string
  close(): Promise<void>
}

const PREFIX = '/computeMetadata/v1'
const REFRESH_BEFORE_MS = 5 * 60_000
const SCOPES = [CLOUD_PLATFORM_SCOPE]

function jwtExpiryMs(token: string): number {
  try {
    const payload = JSON.parse(
      Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'),
    ) as { exp?: unknown }
    return typeof payload.exp === 'number' ? payload.exp * 1000 : 0
  } catch {
    return 0
  }
}

/** The project id in `NAME@PROJECT.iam.gserviceaccount.com`. */
function projectOfEmail(email: string): string | undefined {
  return /^[^@]+@([^.]+)\.iam\.gserviceaccount\.com$/i.exec(email)?.[1]
}

/** A stable 19-digit instance id for this account (no real instance behind it). */
function instanceId(email: string): string {
  let h = 1469598103934665603n
  for (const c of email) h = ((h ^ BigInt(c.charCodeAt(0))) * 1099511628211n) % 10n ** 19n
  return (h + 10n ** 18n).toString().slice(0, 19)
}

/**
 * Whether a request's Host names loopback (localhost, *.localhost, 127.x, [::1]) or the metadata
 * server's own name. A web page whose DNS name is rebound to 127.0.0.1 reaches this server from
 * the developer's browser as its own origin (and may then send Metadata-Flavor), but its requests
 * carry its own name as Host, which a page cannot change.
 */
export function isLocalHost(host: string | undefined): boolean {
  if (host === undefined || host === '') return false
  let name: string
  try {
    name = new URL(`http://${host}`).hostname.replace(/\.$/, '')
  } catch {
    return false
  }
  return (
    name === 'localhost' ||
    name.endsWith('.localhost') ||
    name === '[::1]' ||
    name === 'metadata.google.internal' ||
    /^127\.\d+\.\d+\.\d+$/.test(name)
  )
}

export async function startMetadataServer(
  options: MetadataServerOptions,
): Promise<RunningMetadataServer> {
  const now = options.now ?? Date.now
  const email = options.serviceAccount
  const project = options.project ?? projectOfEmail(email) ?? ''
  const saPath = `/v1/projects/-/serviceAccounts/${encodeURIComponent(email)}`
  const idTokens = new Map<string, { token: string; expiresAt: number }>()
  let accessToken: { token: string; expiresAt: number } | undefined
  let projectNumber: string | undefined

  async function idToken(audience: string): Promise<string> {
    const hit = idTokens.get(audience)
    if (hit !== undefined && hit.expiresAt - REFRESH_BEFORE_MS > now()) return hit.token
    const res = await options.client.request<{ token?: string }>(
      'POST',
      `${saPath}:generateIdToken`,
      { body: { audience, includeEmail: true } },
    )
    if (typeof res.token !== 'string') throw new Error('generateIdToken returned no token')
    if (idTokens.size > 1000) idTokens.clear()
    idTokens.set(audience, { token: res.token, expiresAt: jwtExpiryMs(res.token) })
    return res.token
  }

  async function token(): Promise<{ token: string; expiresAt: number }> {
    if (accessToken !== undefined && accessToken.expiresAt - REFRESH_BEFORE_MS > now()) {
      return accessToken
    }
    const res = await options.client.request<{ accessToken?: string; expireTime?: string }>(
      'POST',
      `${saPath}:generateAccessToken`,
      { body: { scope: SCOPES } },
    )
    if (typeof res.accessToken !== 'string')
      throw new Error('generateAccessToken returned no token')
    accessToken = {
      token: res.accessToken,
      expiresAt: Date.parse(res.expireTime ?? '') || now() + 3600_000,
    }
    return accessToken
  }

  async function numericProjectId(): Promise<string> {
    if (projectNumber !== undefined) return projectNumber
    const p = await options.client.getProject(project)
    projectNumber = p.projectNumber ?? '0'
    return projectNumber
  }

  const send = (res: ServerResponse, status: number, body: string, type = 'text/plain'): void => {
    // Compat: gcp-metadata rejects any answer without Metadata-Flavor: Google.
    res.writeHead(status, {
      'metadata-flavor': 'Google',
      'content-type': `${type}; charset=utf-8`,
      'content-length': Buffer.byteLength(body),
      server: 'Metadata Server for VM',
    })
    res.end(body)
  }

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://metadata.invalid')
    const path = url.pathname
    if (!isLocalHost(req.headers.host)) {
      // DNS rebinding: anyone who reaches this server gets the account's tokens.
      return send(res, 403, 'Forbidden: the Host must be a loopback name or address\n')
    }
    if (path === '/' || path === '') return send(res, 200, 'computeMetadata/\n')
    if (req.headers['metadata-flavor'] !== 'Google') {
      // Compat: the GCE metadata server's answer to a request without the header.
      return send(res, 403, 'Missing required header "Metadata-Flavor": "Google"\n')
    }
    if (req.method !== 'GET') return send(res, 405, 'Method not allowed\n')
    const sub = path.startsWith(PREFIX) ? path.slice(PREFIX.length) : undefined
    if (sub === undefined) return send(res, 404, 'Not Found\n')
    const recursive = url.searchParams.get('recursive') === 'true'
    const account = /^\/instance\/service-accounts\/([^/]+)(\/.*)?$/.exec(sub)
    if (account !== null) {
      const who = decodeURIComponent(account[1] ?? '')
      if (who !== 'default' && who.toLowerCase() !== email.toLowerCase()) {
        return send(res, 404, 'Not Found\n')
      }
      const rest = account[2] ?? '/'
      switch (rest) {
        case '/':
        case '':
          return recursive
            ? send(
                res,
                200,
                JSON.stringify({ aliases: ['default'], email, scopes: SCOPES }),
                'application/json',
              )
            : send(res, 200, 'aliases\nemail\nidentity\nscopes\ntoken\n')
        case '/email':
          return send(res, 200, email)
        case '/aliases':
          return send(res, 200, 'default\n')
        case '/scopes':
          return send(res, 200, `${SCOPES.join('\n')}\n`)
        case '/identity': {
          const audience = url.searchParams.get('audience') ?? ''
          if (audience === '') return send(res, 400, 'non-empty audience parameter required\n')
          return send(res, 200, await idToken(audience))
        }
        case '/token': {
          const t = await token()
          return send(
            res,
            200,
            JSON.stringify({
              access_token: t.token,
              expires_in: Math.max(0, Math.floor((t.expiresAt - now()) / 1000)),
              token_type: 'Bearer',
            }),
            'application/json',
          )
        }
        default:
          return send(res, 404, 'Not Found\n')
      }
    }
    switch (sub) {
      case '/instance':
      case '/instance/':
        return send(res, 200, 'id\nservice-accounts/\nzone\n')
      case '/instance/service-accounts':
      case '/instance/service-accounts/':
        return send(res, 200, `default/\n${email}/\n`)
      case '/instance/id':
        return send(res, 200, instanceId(email))
      case '/instance/zone':
        return send(res, 200, `projects/${await numericProjectId()}/zones/local`)
      case '/project/project-id':
        return send(res, 200, project)
      case '/project/numeric-project-id':
        return send(res, 200, await numericProjectId())
      case '/universe/universe-domain':
        return send(res, 200, 'googleapis.com')
      default:
        return send(res, 404, 'Not Found\n')
    }
  }

  const server: Server = createServer((req, res) => {
    answer(req, res).catch((err: unknown) => {
      const message = err instanceof Error ? err.message : String(err)
      options.log?.(`metadata-server: ${req.url ?? ''}: ${message}\n`)
      if (!res.headersSent) send(res, 500, `${message}\n`)
      else res.end()
    })
  })
  const host = options.host ?? '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  return {
    port,
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

/** The command: serves until SIGINT/SIGTERM. */
export async function metadataServer(ctx: CommandContext): Promise<number> {
  const sa = flagString(ctx, 'impersonate-service-account')
  if (sa === undefined) {
    throw new CliError('Missing required argument [--impersonate-service-account].', 2)
  }
  const portText = flagString(ctx, 'port') ?? '8090'
  const port = Number(portText)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new CliError(`Invalid value for [--port]: ${portText} is not a port number.`, 2)
  }
  const client = await ctx.client()
  // Fail now, not at the first request, when the caller may not mint the account's tokens.
  await client.request(
    'POST',
    `/v1/projects/-/serviceAccounts/${encodeURIComponent(sa)}:generateIdToken`,
    { body: { audience: ctx.settings.endpoint } },
  )
  const project = ctx.settings.project
  const running = await startMetadataServer({
    serviceAccount: sa,
    client,
    port,
    ...(project === undefined ? {} : { project }),
    log: (line) => ctx.io.stderr(line),
  })
  const hostPort = `127.0.0.1:${running.port}`
  ctx.io.stderr(
    `Serving the GCE metadata server for [${sa}] on ${running.url}\nPoint google-auth-library at it with:\n  export GCE_METADATA_HOST=${hostPort}\n`,
  )
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  await running.close()
  return 0
}
