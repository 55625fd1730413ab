// The composition root, and only wiring: config → complete → run, as SpiceDB does. It is the one
// place that picks a store engine; it builds every part once (services, identity, gateway, admin
// API, runtime) and hands each the others it needs. Rules live in the parts, never here.
import { TOKEN_PATH } from '@runiam/api'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { Code, IamError } from '@runiam/core'
import type { MigrationReport, Store } from '@runiam/store'
import { createAdminApp } from './admin/admin-app.js'
import type { WorkersPeer } from './cluster/workers-peer.js'
import { inheritedEnv } from './config/inherited-env.js'
import type { ServerConfig } from './config/schema.js'
import { prepareDataDir } from './data-dir/data-dir.js'
import { writeSecretFile } from './data-dir/secret-files.js'
import { handleAuthz } from './gateway/authz-endpoint.js'
import { createGateway, type GatewayRefusalNote } from './gateway/gateway-app.js'
import { HostIndex, routeOf } from './gateway/host-index.js'
import { unavailablePage } from './gateway/pages.js'
import { createConsoleAssets } from './console/console-assets.js'
import { createConsoleLogin, withConsoleLogin } from './console/console-login.js'
import { fenceSurfaces } from './http/feed-fence.js'
import { createFrontDoor, type FrontDoor, type Logger, type Surfaces } from './http/front-door.js'
import { drainer } from './http/drain.js'
import { listen, listenHosts, urlHost } from './http/listen.js'
import { closeIfBodyUnread, readBody } from './http/read-body.js'
import { AccountStanding, withAccountStanding } from './identity/account-standing.js'
import { createAuthenticator } from './identity/authenticate.js'
import { createIdentityRoutes } from './identity/identity-routes.js'
import { createIssuer } from './identity/issuer.js'
import { createJwtBearerGrant } from './identity/jwt-bearer-grant.js'
import { createServiceAccountAssertionCheck } from './identity/service-account-assertion.js'
import { SigningKeyRing } from './identity/signing-key-ring.js'
import { loadOrCreateSigningKey } from './identity/signing-keys.js'
import { createTokenVerifier } from './identity/token-verifier.js'
import { externalIssuers, runiamIssuer } from './identity/trusted-issuers.js'
import { createMetrics, type Metrics } from './observability/metrics.js'
import { JobRunner } from './runtime/job-runner.js'
import { ProcessSupervisor } from './runtime/process-supervisor.js'
import { ServiceLogs } from './runtime/service-logs.js'
import { whyStoreNotOpened } from './store-open-error.js'
import { WorkerPoolRunner } from './runtime/worker-pool-runner.js'
import { ensureBootstrapServiceAccount } from './services/bootstrap/bootstrap-service-account.js'
import { seedDemo } from './services/bootstrap/demo.js'
import { ensureOrganization } from './services/bootstrap/ensure-organization.js'
import { createServices } from './services/create-services.js'
import {
  MAX_TOKEN_LIFETIME_S,
  type ServiceAccountTokenSigner,
} from './services/iam/service-account-model.js'
import type { ScheduleTimes } from './services/keys/key-schedule.js'
import { InvokeCheck } from './services/invoke-check.js'
import { Propagation } from './services/propagation.js'
import { UpstreamPolicy } from './services/run/upstream-policy.js'

export type { Logger } from './http/front-door.js'

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

interface Options {
  readonly log?: Logger
  readonly now?: () => number
  /** In a worker of `serve --workers N` (node:cluster); absent: a single process, as ever. */
  readonly worker?: WorkerOptions
}

export interface WorkerOptions {
  /** Propagation to and from the other workers, over the cluster's IPC channel. */
  readonly peer: WorkersPeer
  /**
   * The port the first worker got. Given, this worker builds every part first and listens last
   * (sharing the port: it gets no connection before it can answer); absent, it listens first.
   */
  readonly port?: number
  /** The first worker of a run does the start-up chores that must happen once. */
  readonly setup: boolean
}

/**
 * The server's store. `serving`: this process serves requests, so on PostgreSQL it follows the
 * other replicas (LISTEN/NOTIFY) and both engines prune the change feed; tools leave it off.
 */
export async function openStore(
  config: ServerConfig,
  options: {
    readonly serving?: boolean
    readonly onMigrated?: (report: MigrationReport) => void
    /** 'refuse': an older schema is refused, not migrated (runiam export reads, never upgrades). */
    readonly pendingMigrations?: 'apply' | 'refuse'
  } = {},
): Promise<Store> {
  const serving = options.serving === true
  const retention = serving ? { changeFeedRetentionSeconds: config.changeFeedRetentionSeconds } : {}
  const onMigrated = options.onMigrated === undefined ? {} : { onMigrated: options.onMigrated }
  const pending =
    options.pendingMigrations === undefined ? {} : { pendingMigrations: options.pendingMigrations }
  const opened =
    config.database !== undefined
      ? import('@runiam/store/postgres').then(({ openPostgresStore }) =>
          openPostgresStore({
            url: config.database as string,
            follow: serving,
            ...retention,
            ...onMigrated,
            ...pending,
          }),
        )
      : // SQLite's file is created 0600 before it is opened (data-dir.ts), so its WAL is too.
        import('@runiam/store/sqlite').then(({ openSqliteStore }) =>
          openSqliteStore({
            path: join(config.dataDir, 'runiam.db'),
            ...retention,
            ...onMigrated,
            ...pending,
          }),
        )
  // Only ever opened at start-up: the operator is told why it could not be.
  return opened.catch((err: unknown) => {
    throw whyStoreNotOpened(err, config)
  })
}

/** Opens the store, listens, completes the parts, serves until close(). */
export async function startServer(
  config: ServerConfig,
  options: Options = {},
): Promise<RunningServer> {
  const log: Logger = options.log ?? (() => {})
  prepareDataDir(config.dataDir, {
    log,
    ...(config.database === undefined ? { database: 'runiam.db' } : {}),
  })
  const store = await openStore(config, { serving: true })
  // From here this worker answers the other workers' refresh requests from its store.
  const detachWorker = options.worker?.peer.attach(store)
  const metrics = createMetrics()
  const runSuffix = `.${config.runDomain.toLowerCase()}`
  // Clients repeat their Host header request after request: the last one's answer is kept.
  let lastHost: string | undefined
  let lastIsService = false
  const door = createFrontDoor({
    isServiceHost: (host) => {
      if (host !== lastHost) {
        lastIsService = host.replace(/:\d+$/, '').toLowerCase().endsWith(runSuffix)
        lastHost = host
      }
      return lastIsService
    },
    observe: (route, status, seconds) => metrics.request(route, status, seconds),
    log,
    accessLog: config.accessLog,
    limits: {
      headersTimeoutMs: config.headersTimeoutSeconds * 1000,
      // The gateway's request deadline bounds an upload too; admin bodies are small.
      requestTimeoutMs: (config.requestTimeoutSeconds + 10) * 1000,
      keepAliveTimeoutMs: 65_000,
    },
  })
  const listenOrFail = async (): Promise<number> => {
    try {
      return await listen(door.server, config.host, config.port)
    } catch (err) {
      throw new IamError(
        Code.UNAVAILABLE,
        'LISTEN_FAILED',
        `Cannot listen on ${config.host}:${config.port}: ${(err as Error).message}`,
        { cause: err },
      )
    }
  }
  const known = options.worker?.port
  let port: number
  try {
    port = known ?? (await listenOrFail())
  } catch (err) {
    detachWorker?.()
    await store.close()
    throw err
  }
  const url = `http://${urlHost(config.host)}:${port}`
  let parts: Completed
  try {
    parts = await complete(config, {
      store,
      url,
      port,
      log,
      metrics,
      now: options.now ?? Date.now,
      worker: options.worker,
    })
  } catch (err) {
    if (door.server.listening)
      await new Promise<void>((resolve) => door.server.close(() => resolve()))
    detachWorker?.()
    await store.close()
    throw err
  }
  const running = run(parts, door, metrics, detachWorker)
  if (known !== undefined) {
    try {
      const got = await listenOrFail()
      if (got !== known) {
        throw new IamError(
          Code.UNAVAILABLE,
          'LISTEN_FAILED',
          `This worker got port ${got}, not the server's port ${known}.`,
        )
      }
    } catch (err) {
      await running.close()
      throw err
    }
  }
  return running
}

type Completed = Awaited<ReturnType<typeof complete>>

/** Builds every part, once, over the open store and the address the server listens on. */
async function complete(
  config: ServerConfig,
  env: {
    store: Store
    url: string
    port: number
    log: Logger
    metrics: Metrics
    now: () => number
    worker: WorkerOptions | undefined
  },
) {
  const { store, log, now } = env
  // The signing keys follow the store (rotation on any replica) and their schedule in time.
  const keySchedule = signingKeySchedule(config)
  const keys = await SigningKeyRing.open(store, await loadOrCreateSigningKey(store, now()), {
    now,
    // Well inside the activation delay, so a replica whose change feed is lost still knows a new
    // key before it signs, and deletes dropped keys soon after their time.
    resyncMs: Math.min(60_000, Math.max(1_000, keySchedule.activationDelayMs / 4)),
    log,
  })
  const issuer = createIssuer({
    issuer: config.issuerUrl ?? env.url,
    keys,
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
  const signer: ServiceAccountTokenSigner = {
    tokenUri,
    issuer: issuer.issuer,
    signIdToken: (email, audience, subject) => issuer.signIdToken(email, audience, subject),
    signAccessToken: (email, lifetime, subject) => issuer.signAccessToken(email, lifetime, subject),
  }
  const bootstrap = config.dev
    ? undefined
    : await writeBootstrapKey(config, store, org.id, signer, env)
  const demo =
    config.demo && config.bootstrapOwners[0] !== undefined
      ? await seedDemo(store, {
          owner: config.bootstrapOwners[0],
          now: now(),
          runDomain: config.runDomain,
          servicePort: env.port,
        })
      : undefined
  const assertions = createServiceAccountAssertionCheck({ store, now })
  const verifier = createTokenVerifier({
    issuers: [runiamIssuer(issuer.issuer, keys), ...externalIssuers(config.trustedIssuers)],
    now,
  })
  const authenticate = createAuthenticator({
    issuer,
    verifier,
    apiAudiences: new Map(
      config.trustedIssuers
        .filter((t) => (t.apiAudiences ?? []).length > 0 && t.issuer !== issuer.issuer)
        .map((t) => [t.issuer, t.apiAudiences ?? []]),
    ),
    store,
    assertions,
    now,
  })
  const identity = createIdentityRoutes({
    issuer,
    jwks: () => keys.jwks(),
    // Half the activation delay: a cache filled just before a rotation expires with time to
    // spare before the new key signs (docs/security.md, "Signing keys").
    jwksMaxAgeSeconds: Math.floor(config.keyActivationSeconds / 2),
    dev: config.dev,
    log,
    jwtBearer: createJwtBearerGrant({ store, assertions, issuer, tokenUri, now }),
    bodies: {
      read: (req, limit) => readBody(req, { limit, timeoutMs: config.bodyTimeoutSeconds * 1000 }),
      decline: closeIfBodyUnread,
    },
  })
  // Services whose container has a command run as local processes (runtime/); their output is
  // kept under the data folder and read through Cloud Logging's entries:list.
  const serviceLogs = new ServiceLogs({ dir: join(config.dataDir, 'logs'), now, log })
  const runtime = new ProcessSupervisor({
    logs: serviceLogs,
    workDir: join(config.dataDir, 'services'),
    inheritedEnv: inheritedEnv(),
    log,
  })
  // Job executions run as local processes too (same opt-in); their output is read the same way.
  const jobLogs = new ServiceLogs({ dir: join(config.dataDir, 'job-logs'), now, log })
  const jobRunner = new JobRunner({
    logs: jobLogs,
    workDir: join(config.dataDir, 'jobs'),
    inheritedEnv: inheritedEnv(),
    log,
  })
  // Worker pools with a command run as local processes too (their own supervisor, folders and
  // logs), started when created and kept running; only with --local-processes (run()).
  const workerPoolLogs = new ServiceLogs({
    dir: join(config.dataDir, 'worker-pool-logs'),
    now,
    log,
  })
  const workerPools = new WorkerPoolRunner({
    store,
    supervisor: new ProcessSupervisor({
      logs: workerPoolLogs,
      workDir: join(config.dataDir, 'worker-pools'),
      inheritedEnv: inheritedEnv(),
      log,
    }),
    log,
  })
  // One upstream policy: services write under it, the gateway re-checks every request with it.
  const upstreams = new UpstreamPolicy({
    allow: config.upstreams.allow,
    self: { port: env.port, hosts: listenHosts(config.host) },
    selfUrls: [issuer.issuer],
    runDomain: config.runDomain,
  })
  const services = createServices({
    store,
    now,
    runDomain: config.runDomain,
    servicePort: env.port,
    serviceLogs,
    workerPoolLogs,
    serviceAccountTokens: signer,
    upstreams,
    jobs: { ...(config.localProcesses ? { launcher: jobRunner } : {}), logs: jobLogs, log },
    signingKeys: keySchedule,
    recommenderWindowMs: config.recommenderWindowSeconds * 1000,
    decisionCacheEntries: config.decisionCacheEntries,
    usageFlushFailed: (error) =>
      log({ event: 'usage_flush_failed', error: (error as Error).message }),
    audit: { dataAccess: config.auditDataAccess, retentionDays: config.auditRetentionDays },
  })
  services.usage.start(config.usageFlushSeconds)
  // Executions an earlier run of this server left unfinished are failed (not resumed); with
  // workers only the first does it, as a restarted worker would fail its siblings' executions.
  if (env.worker?.setup !== false) await services.jobs.executions.reconcile()
  const hosts = new HostIndex(store)
  // Service accounts' standing, as the gateway asks it on every request an account's token makes.
  const standing = new AccountStanding(store, issuer.issuer)
  // Workers and replicas join as peers; a write is answered once they have all applied it.
  const propagation = new Propagation({ timeoutMs: 2_000, log })
  // Replicas on one PostgreSQL database: a write is answered once the others have applied it.
  const follower = store.follower
  if (follower !== undefined) {
    propagation.add({ name: 'replicas', settle: (r, signal) => follower.settle(r, signal) })
  }
  if (env.worker !== undefined) propagation.add(env.worker.peer)
  return {
    config,
    store,
    url: env.url,
    port: env.port,
    log,
    org,
    bootstrap,
    demo,
    services,
    hosts,
    standing,
    runtime,
    serviceLogs,
    jobRunner,
    jobLogs,
    workerPools,
    workerPoolLogs,
    identity,
    propagation,
    keys,
    admin: createAdminApp({
      services,
      authenticate,
      log,
      bodyTimeoutMs: config.bodyTimeoutSeconds * 1000,
      settle: () => propagation.settle(store.committedRevision()),
    }),
    gateway: createGateway({
      hosts,
      invoke: new InvokeCheck(services.checker, withAccountStanding(verifier, standing), (s) =>
        services.usage.invokedOpenly(s),
      ),
      upstreams,
      now,
      timeoutMs: config.requestTimeoutSeconds * 1000,
      observer: env.metrics.gateway,
      log,
      ...(config.localProcesses ? { runtime } : {}),
      ...(config.auditDataAccess
        ? {
            onRefused: (r: GatewayRefusalNote) => {
              services.audit
                .gatewayRefusal({
                  resourceName: r.service,
                  ...(r.caller === undefined ? {} : { caller: r.caller }),
                  callerIp: r.callerIp,
                  ...(r.userAgent === undefined ? {} : { userAgent: r.userAgent }),
                  status: r.status,
                  detail: r.detail,
                })
                .catch((err: unknown) => log({ event: 'audit_error', error: String(err) }))
            },
          }
        : {}),
    }),
  }
}

/**
 * When a rotated key signs and when a retired one is dropped: after the configured activation
 * delay, and after the longest token runiam signs (its configured lifetime, or generateAccessToken's
 * hour) plus the 30 s of clock skew its verifiers allow.
 */
function signingKeySchedule(config: ServerConfig): ScheduleTimes {
  return {
    activationDelayMs: config.keyActivationSeconds * 1000,
    retentionMs: (Math.max(config.tokenLifetimeSeconds, MAX_TOKEN_LIFETIME_S) + 30) * 1000,
  }
}

/** Outside --dev: the bootstrap service account and its key file in the data folder (SPEC §3). */
async function writeBootstrapKey(
  config: ServerConfig,
  store: Store,
  organizationId: string,
  signer: ServiceAccountTokenSigner,
  env: { log: Logger; now: () => number },
): Promise<{ email: string; keyFile: string; created: boolean } | undefined> {
  const account = await ensureBootstrapServiceAccount(store, {
    organizationId,
    now: env.now(),
    signer,
  })
  // With PostgreSQL the key file still goes into the folder --data names.
  const keyPath = join(config.dataDir, 'bootstrap-key.json')
  if (account.keyFile !== undefined) {
    writeSecretFile(keyPath, `${JSON.stringify(account.keyFile, null, 2)}\n`)
    env.log({ event: 'bootstrap_key_written', account: account.email, path: keyPath })
  }
  if (account.keyFile === undefined && !existsSync(keyPath)) return undefined
  return { email: account.email, keyFile: keyPath, created: account.keyFile !== undefined }
}

/** Serves the completed parts through the front door until close(). */
function run(
  parts: Completed,
  door: FrontDoor,
  metrics: Metrics,
  detachWorker: (() => void) | undefined,
): RunningServer {
  const { store, runtime, gateway, admin } = parts
  // Before the door serves: it records the connections upgraded from here on.
  const drain = drainer(door.server)
  // A changed or deleted service's process is stopped as soon as the store says so.
  const stopRuntimeSync = store.onChange((changes) => {
    if (!changes.some((c) => c.kind === 'resource' || c.kind === 'reset')) return
    store
      .listAllResources('service')
      .then((records) => runtime.sync(records.map((r) => routeOf(r).route)))
      .catch((err: unknown) => parts.log({ event: 'runtime_sync_failed', error: String(err) }))
  })
  if (parts.config.localProcesses) void parts.workerPools.start()
  // Audit entries older than the retention go, at start and then hourly.
  const pruneAudit = (): void => {
    parts.services.audit
      .prune()
      .then((n) => {
        if (n > 0) parts.log({ event: 'audit_pruned', entries: n })
      })
      .catch((err: unknown) => parts.log({ event: 'audit_prune_failed', error: String(err) }))
  }
  pruneAudit()
  const auditPruner = setInterval(pruneAudit, 3_600_000)
  auditPruner.unref()
  const surfaces: Surfaces = {
    authz: async (req, res, ctx) => void (await handleAuthz(gateway, req, res, ctx)),
    gateway,
    console: withConsoleLogin(
      createConsoleAssets({ dir: parts.config.consoleDir }),
      createConsoleLogin({
        issuers: parts.config.trustedIssuers,
        read: (req, limit) =>
          readBody(req, { limit, timeoutMs: parts.config.bodyTimeoutSeconds * 1000 }),
        log: parts.log,
      }),
    ),
    identity: parts.identity,
    admin: (req, res, ctx, target) => admin.handle(req, res, ctx, target),
    ready: () =>
      store.ping().then(
        () => ({ ok: true, store: 'ok' }),
        () => ({ ok: false, store: 'unavailable' }),
      ),
    metrics: async () => ({
      contentType: metrics.registry.contentType,
      text: await metrics.registry.metrics(),
    }),
  }
  // A replica that cannot follow the others refuses to decide until it has caught up.
  const follower = store.follower
  door.serve(
    follower === undefined
      ? surfaces
      : fenceSurfaces(surfaces, follower, { gatewayPage: unavailablePage }),
  )
  return {
    url: parts.url,
    port: parts.port,
    config: parts.config,
    organizationId: parts.org.id,
    ...(parts.demo === undefined ? {} : { demo: parts.demo }),
    ...(parts.bootstrap === undefined ? {} : { bootstrap: parts.bootstrap }),
    async close() {
      clearInterval(auditPruner)
      // Requests in flight are answered (within DRAIN_GRACE_MS) before the parts they use close.
      await drain()
      parts.hosts.close()
      parts.standing.close()
      parts.keys.close()
      parts.services.close()
      stopRuntimeSync()
      await runtime.close()
      // Running executions are cancelled (their processes stopped) and that is recorded.
      await parts.jobRunner.close()
      await parts.services.jobs.executions.flush()
      await parts.workerPools.close()
      await parts.serviceLogs.close()
      await parts.workerPoolLogs.close()
      await parts.jobLogs.close()
      // What was used since the last flush is written before the store closes.
      await parts.services.usage.close()
      // Serving has stopped: this worker no longer holds the others' writes back.
      detachWorker?.()
      await store.close()
    },
  }
}
