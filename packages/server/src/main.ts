// The composition root: the only place that picks a store engine and wires config → store →
// identity → admin API → HTTP listener. Everything else receives its dependencies.
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { join } from 'node:path'
import { Code, IamError } from '@runiam/core'
import type { Store } from '@runiam/store'
import { decodeJwt } from 'jose'
import { createRouter, ROUTES, routeKey } from '@runiam/api'
import { check, principalSetFor } from '@runiam/core/authorizer'
import { createAdminApp } from './admin/admin-app.js'
import { inheritedEnv } from './config/inherited-env.js'
import type { ServerConfig } from './config/schema.js'
import { AUTHZ_PREFIX, handleAuthz } from './gateway/authz-endpoint.js'
import { createGateway, gatewayLogOf, INVOKE_PERMISSION } from './gateway/gateway-app.js'
import { HostIndex, routeOf } from './gateway/host-index.js'
import { createIdentityRoutes, TOKEN_PATH } from './identity/identity-routes.js'
import { createIssuer, type Issuer } from './identity/issuer.js'
import { createJwtBearerGrant } from './identity/jwt-bearer-grant.js'
import { loadOrCreateSigningKey, publicJwks } from './identity/signing-keys.js'
import { createTokenVerifier, type TokenVerifier } from './identity/token-verifier.js'
import { externalIssuers, runiamIssuer } from './identity/trusted-issuers.js'
import { createMetrics } from './observability/metrics.js'
import { ProcessSupervisor } from './runtime/process-supervisor.js'
import { ServiceLogs } from './runtime/service-logs.js'
import { ensureOrganization } from './services/bootstrap.js'
import { ensureBootstrapServiceAccount } from './services/bootstrap-service-account.js'
import type { ServiceAccountTokenSigner } from './services/service-account-service.js'
import type { Caller } from './services/caller.js'
import { seedDemo } from './services/demo.js'

export interface RunningServer {
  readonly url: string
  readonly port: number
  readonly config: ServerConfig
  readonly organizationId: string
  readonly demo?: { project: string; service: string; region: string }
  /** Outside --dev: the bootstrap service account (SPEC §3) and where its key file is. */
  readonly bootstrap?: { email: string; keyFile: string; created: boolean }
  close(): Promise<void>
}

export type Logger = (entry: Record<string, unknown>) => void

export async function openStore(config: ServerConfig): Promise<Store> {
  if (config.database !== undefined) {
    const { openPostgresStore } = await import('@runiam/store/postgres')
    return openPostgresStore({ url: config.database })
  }
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 })
  const { openSqliteStore } = await import('@runiam/store/sqlite')
  return openSqliteStore({ path: join(config.dataDir, 'runiam.db') })
}

function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization
  if (header === undefined || header === '') return undefined
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
  if (match?.[1] === undefined) {
    throw new IamError(
      Code.UNAUTHENTICATED,
      'ACCESS_TOKEN_INVALID',
      'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
    )
  }
  return match[1]
}

/**
 * Admin API authentication: runiam's own access tokens, and ID tokens of trusted external issuers
 * configured with apiAudiences (e.g. a CI system's OIDC tokens).
 */
/** The authenticated caller of each admin request, for the access log. */
const callerOfRequest = new WeakMap<IncomingMessage, string>()

function authenticator(issuer: Issuer, verifier: TokenVerifier, config: ServerConfig) {
  const apiAudiences = new Map(
    config.trustedIssuers
      .filter((t) => (t.apiAudiences ?? []).length > 0)
      .map((t) => [t.issuer, t.apiAudiences ?? []]),
  )
  return async (req: IncomingMessage): Promise<Caller | undefined> => {
    const token = bearerToken(req)
    if (token === undefined) return undefined
    let iss: unknown
    try {
      iss = decodeJwt(token).iss
    } catch {
      iss = undefined
    }
    const audiences = typeof iss === 'string' ? apiAudiences.get(iss) : undefined
    if (audiences !== undefined && iss !== issuer.issuer) {
      const identity = await verifier.verify(token, audiences)
      return { member: identity.member, email: identity.email ?? '' }
    }
    const identity = await issuer.verifyAccessToken(token)
    return { member: identity.member, email: identity.email }
  }
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve((server.address() as AddressInfo).port)
    })
  })
}

const urlHost = (host: string): string => (host.includes(':') ? `[${host}]` : host)

/** Opens the store, listens, bootstraps the organization and serves until close(). */
export async function startServer(
  config: ServerConfig,
  options: { log?: Logger; now?: () => number } = {},
): Promise<RunningServer> {
  const now = options.now ?? Date.now
  const log: Logger = options.log ?? (() => {})
  const store = await openStore(config)
  let handler: (req: IncomingMessage, res: ServerResponse) => Promise<void> = async (_req, res) => {
    res.writeHead(503, { 'content-type': 'text/plain' }).end('starting\n')
  }
  let upgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => Promise<void> = async (
    _req,
    socket,
  ) => {
    socket.destroy()
  }
  const metrics = createMetrics()
  const router = createRouter(ROUTES)
  /** The metrics label of a request: a Google method id, or the surface that served it. */
  const routeLabel = new WeakMap<ServerResponse, string>()
  let requestIds = 0
  const server = createServer((req, res) => {
    const started = process.hrtime.bigint()
    const requestId = `${process.pid.toString(36)}-${(++requestIds).toString(36)}`
    res.setHeader('x-request-id', requestId)
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9
      const route = routeLabel.get(res) ?? 'unknown'
      metrics.request(route, res.statusCode, seconds)
      if (!config.accessLog) return
      log({
        event: 'request',
        requestId,
        route,
        method: req.method,
        host: req.headers.host,
        path: (req.url ?? '').split('?')[0],
        status: res.statusCode,
        ms: seconds * 1000,
        caller: callerOfRequest.get(req) ?? null,
        ...gatewayLogOf.get(req),
      })
    })
    handler(req, res).catch((err: unknown) => {
      log({ event: 'unhandled', error: String(err) })
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' })
      res.end()
    })
  })
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgrade(req, socket, head).catch(() => socket.destroy())
  })
  server.keepAliveTimeout = 65_000
  let port: number
  try {
    port = await listen(server, config.host, config.port)
  } catch (err) {
    await store.close()
    throw new IamError(
      Code.UNAVAILABLE,
      'LISTEN_FAILED',
      `Cannot listen on ${config.host}:${config.port}: ${(err as Error).message}`,
      { cause: err },
    )
  }
  const url = `http://${urlHost(config.host)}:${port}`
  const key = await loadOrCreateSigningKey(store, now())
  const issuer = createIssuer({
    issuer: config.issuer ?? url,
    key,
    jwks: await publicJwks(store),
    lifetimeSeconds: config.tokenLifetimeSeconds,
    now,
  })
  const org = await ensureOrganization(store, {
    domain: config.organizationDomain,
    owners: config.bootstrapOwners,
    now: now(),
  })
  // Service account tokens are signed by runiam's own issuer; key files name its token endpoint.
  const tokenUri = `${issuer.issuer}${TOKEN_PATH}`
  const serviceAccountTokens: ServiceAccountTokenSigner = {
    tokenUri,
    issuer: issuer.issuer,
    signIdToken: (email, audience, subject) => issuer.signIdToken(email, audience, subject),
    signAccessToken: (email, lifetime) => issuer.signAccessToken(email, lifetime),
  }
  let bootstrap: { email: string; keyFile: string; created: boolean } | undefined
  if (!config.dev) {
    const account = await ensureBootstrapServiceAccount(store, {
      organizationId: org.id,
      now: now(),
      signer: serviceAccountTokens,
    })
    // With PostgreSQL the key file still goes into the folder --data names.
    const keyPath = join(config.dataDir, 'bootstrap-key.json')
    if (account.keyFile !== undefined) {
      mkdirSync(config.dataDir, { recursive: true, mode: 0o700 })
      writeFileSync(keyPath, `${JSON.stringify(account.keyFile, null, 2)}\n`, {
        mode: 0o600,
      })
      // A file left from an earlier database keeps its old mode on overwrite: tighten it.
      chmodSync(keyPath, 0o600)
      log({ event: 'bootstrap_key_written', account: account.email, path: keyPath })
    }
    if (account.keyFile !== undefined || existsSync(keyPath)) {
      bootstrap = { email: account.email, keyFile: keyPath, created: account.keyFile !== undefined }
    }
  }
  const demo =
    config.demo && config.bootstrapOwners[0] !== undefined
      ? await seedDemo(store, {
          owner: config.bootstrapOwners[0],
          now: now(),
          runDomain: config.runDomain,
          servicePort: port,
        })
      : undefined
  const identity = createIdentityRoutes({
    issuer,
    jwks: () => publicJwks(store),
    dev: config.dev,
    log,
    jwtBearer: createJwtBearerGrant({ store, issuer, tokenUri, now }),
  })
  const verifier = createTokenVerifier({
    issuers: [
      runiamIssuer(issuer.issuer, await publicJwks(store)),
      ...externalIssuers(config.trustedIssuers),
    ],
    now,
  })
  // Services whose container has a command run as local processes (runtime/); their output is
  // kept under the data folder and read through Cloud Logging's entries:list. A changed or
  // deleted service's process is stopped as soon as the store says so.
  const serviceLogs = new ServiceLogs({ dir: join(config.dataDir, 'logs'), now, log })
  const runtime = new ProcessSupervisor({
    logs: serviceLogs,
    workDir: join(config.dataDir, 'services'),
    inheritedEnv: inheritedEnv(),
    log,
  })
  const stopRuntimeSync = store.onChange((changes) => {
    if (!changes.some((c) => c.kind === 'resource')) return
    store
      .listAllResources('service')
      .then((records) => runtime.sync(records.map((r) => routeOf(r).route)))
      .catch((err: unknown) => log({ event: 'runtime_sync_failed', error: String(err) }))
  })
  const admin = createAdminApp({
    store,
    authenticate: authenticator(issuer, verifier, config),
    onCaller: (req, caller) => callerOfRequest.set(req, caller.member),
    now,
    runDomain: config.runDomain,
    servicePort: port,
    log,
    serviceLogs,
    serviceAccountTokens,
  })
  const hosts = new HostIndex(store)
  const gateway = createGateway({
    hosts,
    verifier,
    now,
    timeoutMs: config.requestTimeoutSeconds * 1000,
    observer: metrics.gateway,
    log,
    ...(config.localProcesses ? { runtime } : {}),
    // The hot path: compiled policies straight from the checker's cache (no await when cached).
    authorize: (member, resource, attributes) => {
      const request = {
        principals: principalSetFor(member),
        permission: INVOKE_PERMISSION,
        resource,
        attributes,
      }
      const policies = admin.services.checker.policiesNow(resource)
      return policies !== undefined
        ? check(request, policies)
        : admin.services.checker.policiesFor(resource).then((p) => check(request, p))
    },
  })
  const runSuffix = `.${config.runDomain.toLowerCase()}`
  const isServiceHost = (req: IncomingMessage): boolean =>
    (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase().endsWith(runSuffix)
  handler = async (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    if (path.startsWith(AUTHZ_PREFIX)) {
      routeLabel.set(res, 'authz')
      await handleAuthz(gateway, req, res)
      return
    }
    if (isServiceHost(req)) {
      routeLabel.set(res, 'gateway')
      await gateway.handle(req, res)
      return
    }
    if (path === '/healthz' || path === '/readyz') {
      // Liveness (/healthz) stays 200 while the process runs; readiness (/readyz) is 503 while
      // the store cannot serve, so a load balancer sends traffic elsewhere. ping() is bounded (2 s).
      routeLabel.set(res, path.slice(1))
      const storeState = await store.ping().then(
        () => 'ok',
        () => 'unavailable',
      )
      const status = path === '/healthz' ? 'ok' : storeState
      res
        .writeHead(status === 'ok' ? 200 : 503, {
          'content-type': 'application/json',
          'cache-control': 'no-store',
        })
        .end(JSON.stringify({ status, store: storeState }))
      return
    }
    if (path === '/metrics') {
      routeLabel.set(res, 'metrics')
      const text = await metrics.registry.metrics()
      res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text)
      return
    }
    routeLabel.set(res, 'identity')
    if (await identity(req, res, path)) return
    const match = router.match((req.method ?? 'GET').toUpperCase(), path)
    routeLabel.set(res, match.kind === 'found' ? routeKey(match.route) : 'admin-unknown')
    await admin.handle(req, res)
  }
  upgrade = async (req, socket, head) => {
    if (isServiceHost(req)) await gateway.handleUpgrade(req, socket, head)
    else socket.destroy()
  }
  return {
    url,
    port,
    config,
    organizationId: org.id,
    ...(demo === undefined ? {} : { demo }),
    ...(bootstrap === undefined ? {} : { bootstrap }),
    async close() {
      hosts.close()
      admin.close()
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
      stopRuntimeSync()
      await runtime.close()
      await serviceLogs.close()
      await store.close()
    },
  }
}
