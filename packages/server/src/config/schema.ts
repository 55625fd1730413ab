// The server's typed configuration: one object, merged from the config file and command-line flags
// and validated before anything starts. Nothing else in the server reads process.env or argv.

export interface ServerConfig {
  /** Listen address. `--dev` is refused unless this is a loopback address. */
  readonly host: string
  /** 0 picks a free port (tests). */
  readonly port: number
  /** Embedded store folder (SQLite file runiam.db inside). Ignored when `database` is set. */
  readonly dataDir: string
  /** postgres://… — PostgreSQL instead of SQLite. Secret: may carry a password. */
  readonly database?: string
  /** Development identity: anyone can log in as any account (runiam auth login EMAIL). */
  readonly dev: boolean
  /** Seed a demo project and service, and print what to try (npm start). */
  readonly demo: boolean
  /** Members granted roles/owner on the organization at first start. */
  readonly bootstrapOwners: readonly string[]
  readonly organizationDomain: string
  /** Base domain of service URLs: http://{service}-{projectNumber}.{region}.{runDomain}:{port} */
  readonly runDomain: string
  /**
   * The public issuer URL of runiam's tokens (`iss`), the same on every replica so that a token
   * minted by one verifies on all; default http://{host}:{port} once listening. Config file: also
   * `issuer` (its old name). Canonical origin only (issuer-url.ts).
   */
  readonly issuerUrl?: string
  /** Lifetime of access and ID tokens, seconds. */
  readonly tokenLifetimeSeconds: number
  /**
   * Between publishing a rotated signing key and signing with it, seconds: at least the
   * propagation to every replica plus the JWKS cache lifetime, which is half of it.
   */
  readonly keyActivationSeconds: number
  /** Write JSON access logs to stderr. */
  readonly accessLog: boolean
  /**
   * Run services whose container has a command as local processes of the server (as the server's
   * OS user: docs/local-processes.md). Default: on with --dev, off otherwise (opt in).
   */
  readonly localProcesses: boolean
  /**
   * Server processes on the one port (node:cluster), 1 to 64; 1 is a single process, no cluster.
   * Default: one per core (os.availableParallelism()), 1 with --dev or --local-processes.
   */
  readonly workers: number
  /** Gateway: deadline for an upstream's response headers, seconds (Cloud Run's default: 300). */
  readonly requestTimeoutSeconds: number
  /** Slow clients: time to send the request line and headers, seconds. */
  readonly headersTimeoutSeconds: number
  /** Slow clients: time to send an admin API or token endpoint body, seconds. */
  readonly bodyTimeoutSeconds: number
  /** OIDC issuers whose ID tokens are accepted at the gateway (and, with apiAudiences, the API). */
  readonly trustedIssuers: readonly TrustedIssuerConfig[]
  /**
   * Where services may send the gateway's requests (annotation runiam.dev/upstream), config file
   * only. Default: loopback with --dev, nothing otherwise. docs/gateway.md has the rules.
   */
  readonly upstreams: { readonly allow: readonly UpstreamAllowEntry[] }
  /**
   * How long the change feed keeps changes, seconds (config file only; never fewer than the newest
   * 10,000 are kept). A replica or worker away longer than this drops its caches when it returns.
   */
  readonly changeFeedRetentionSeconds: number
  /**
   * The recommenders' observation window, seconds (default 90 days, Google's): a grant unused
   * this long gets a recommendation (docs/recommendations.md).
   */
  readonly recommenderWindowSeconds: number
  /** How often recorded grant usage is written to the store, seconds (default 5). */
  readonly usageFlushSeconds: number
  /**
   * How many resources each process keeps compiled in its decision index (policies, ancestry
   * chains, deny chains, custom roles; default 100,000). A cache that grows past it is dropped
   * whole and refilled from the store as requests come (docs/operations.md, Large indexes).
   */
  readonly decisionCacheEntries: number
  /**
   * Cloud Audit Logs: also write Data Access entries for admin reads and the gateway's refusals
   * (401/403). Admin writes are always logged (docs/audit.md).
   */
  readonly auditDataAccess: boolean
  /** How long audit entries are kept, days (Google keeps Admin Activity logs 400 days). */
  readonly auditRetentionDays: number
  /**
   * The built web console (index.html and assets/) served at /console/. Default: the dist folder
   * of the @runiam/console package, found through module resolution (config/console-dir.ts);
   * absent when that package cannot be found, and /console/ then says how to build it.
   */
  readonly consoleDir?: string
}

/**
 * One `upstreams.allow` entry, parsed. Written as `loopback`, `http://10.0.0.5:8080`,
 * `https://*.internal.example` (one DNS label in place of `*`) or `http://10.0.0.5:*` (any port);
 * no path, query or user info. Hosts are WHATWG-canonical; an omitted port is the scheme's.
 */
export type UpstreamAllowEntry =
  | { readonly kind: 'loopback' }
  | {
      readonly kind: 'origin'
      readonly scheme: 'http' | 'https'
      readonly host: string
      readonly port: number | '*'
    }
  | {
      readonly kind: 'wildcard'
      readonly scheme: 'http' | 'https'
      readonly suffix: string
      readonly port: number | '*'
    }

/** A trusted external token issuer (config file only). */
export interface TrustedIssuerConfig {
  /** The exact `iss` claim. */
  readonly issuer: string
  /** Where its signing keys are: a JWKS URL, or a JWKS JSON file. Exactly one. */
  readonly jwksUri?: string
  readonly jwksFile?: string
  /**
   * How a token becomes a member: `email` → user:EMAIL / serviceAccount:EMAIL; `subject` →
   * `subjectPrincipal` with `{sub}` replaced, e.g.
   * principal://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/ci/subject/{sub}
   */
  readonly claim: 'email' | 'subject'
  readonly subjectPrincipal?: string
  /** Audiences under which its tokens may call the admin API; none: gateway only. */
  readonly apiAudiences?: readonly string[]
  /**
   * Whether its tokens' `email` may name a service account (*.gserviceaccount.com, the bootstrap
   * account included). Default false: an external issuer speaks for people only.
   */
  readonly allowServiceAccounts?: boolean
  /** Longest token lifetime (exp − iat) accepted from it, seconds (default 86,400). */
  readonly maxTokenLifetimeSeconds?: number
  /** Offer "Sign in with …" on the web console through this issuer (docs/console.md). */
  readonly consoleLogin?: ConsoleLoginConfig
}

/**
 * A trusted issuer's console login: authorization code + PKCE, a public client (no secret). The
 * client id must be one of the issuer's apiAudiences, so the ID token it yields calls the API.
 * The endpoints default to the issuer's discovery document, fetched by the server.
 */
export interface ConsoleLoginConfig {
  readonly clientId: string
  /** On the sign-in button: "Sign in with {displayName}". Default: the issuer's host. */
  readonly displayName?: string
  readonly authorizationEndpoint?: string
  readonly tokenEndpoint?: string
}

/** Keys whose values are secrets: redacted wherever the config is printed. */
export const SECRET_KEYS: ReadonlySet<keyof ServerConfig> = new Set(['database'])

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 8080,
  dataDir: './.runiam',
  dev: false,
  demo: false,
  bootstrapOwners: [],
  organizationDomain: 'example.com',
  runDomain: 'run.localhost',
  tokenLifetimeSeconds: 3600,
  keyActivationSeconds: 600,
  accessLog: true,
  requestTimeoutSeconds: 300,
  headersTimeoutSeconds: 20,
  bodyTimeoutSeconds: 30,
  trustedIssuers: [],
  changeFeedRetentionSeconds: 3600,
  recommenderWindowSeconds: 90 * 86400,
  usageFlushSeconds: 5,
  decisionCacheEntries: 100_000,
  auditDataAccess: false,
  auditRetentionDays: 400,
} as const satisfies Partial<ServerConfig>

/** The organization owner used in --dev when no --bootstrap-owner is given. */
export const DEV_DEFAULT_OWNER = 'user:admin@example.com'
