// Builds a ServerConfig from `runiam serve` arguments and an optional YAML/JSON config file
// (--config FILE; flags win over the file). Every problem is reported at once, before start.
import { readFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { availableParallelism } from 'node:os'
import { parse as parseYaml } from 'yaml'
import { Code, IamError } from '@runiam/core'
import {
  DEFAULTS,
  DEV_DEFAULT_OWNER,
  SECRET_KEYS,
  type ServerConfig,
  type ConsoleLoginConfig,
  type TrustedIssuerConfig,
} from './schema.js'
import { issuerUrlProblem } from './issuer-url.js'
import { parseUpstreams } from './upstream-allow.js'
import { defaultConsoleDir } from './console-dir.js'

type Raw = Record<string, unknown>

/** One `runiam serve` flag: the config key it sets, how its value is read, and its help text. */
export interface ServeFlag {
  readonly key: keyof ServerConfig
  readonly kind: 'string' | 'number' | 'bool' | 'list'
  /** The value's name in help (value flags only). */
  readonly metavar?: string
  readonly help: string
  /**
   * The raw name the value is kept under until validation, when it is not `key`: an old name
   * kept apart from the new one, so that both set can be compared (they must agree).
   */
  readonly rawKey?: string
}

/**
 * Every `serve` flag: the parser below and `runiam serve --help` (serve-help.ts) both read this
 * table, so the help cannot drift from what is parsed.
 */
export const FLAGS: Readonly<Record<string, ServeFlag>> = {
  '--host': {
    key: 'host',
    kind: 'string',
    metavar: 'ADDR',
    help: 'Listen address (default 127.0.0.1). --dev is refused unless it is a loopback address.',
  },
  '--port': {
    key: 'port',
    kind: 'number',
    metavar: 'N',
    help: 'Listen port (default 8080; 0 picks a free port).',
  },
  '--data': {
    key: 'dataDir',
    kind: 'string',
    metavar: 'DIR',
    help: 'Embedded store: SQLite file DIR/runiam.db (default ./.runiam), kept owner-only.',
  },
  '--database': {
    key: 'database',
    kind: 'string',
    metavar: 'URL',
    help: 'postgres://… : PostgreSQL instead of SQLite; several servers may share one database.',
  },
  '--dev': {
    key: 'dev',
    kind: 'bool',
    help: 'Development identity: `runiam auth login EMAIL` for any account, no password.',
  },
  '--demo': {
    key: 'demo',
    kind: 'bool',
    help: 'Seed project demo-project with service hello, and print commands to try.',
  },
  '--bootstrap-owner': {
    key: 'bootstrapOwners',
    kind: 'list',
    metavar: 'MEMBER',
    help: 'Repeatable: granted roles/owner on the organization (dev default user:admin@example.com).',
  },
  '--organization-domain': {
    key: 'organizationDomain',
    kind: 'string',
    metavar: 'D',
    help: "The organization's domain (default example.com).",
  },
  '--run-domain': {
    key: 'runDomain',
    kind: 'string',
    metavar: 'D',
    help: 'Base domain of service URLs (default run.localhost).',
  },
  '--issuer-url': {
    key: 'issuerUrl',
    kind: 'string',
    metavar: 'URL',
    help: 'The public issuer URL of tokens, the same on every replica (default http://HOST:PORT once listening).',
  },
  '--issuer': {
    key: 'issuerUrl',
    rawKey: 'issuer',
    kind: 'string',
    metavar: 'URL',
    help: 'Old name of --issuer-url (both given: they must agree).',
  },
  '--token-lifetime': {
    key: 'tokenLifetimeSeconds',
    kind: 'number',
    metavar: 'S',
    help: 'Lifetime of access and ID tokens, seconds (default 3600).',
  },
  '--key-activation-delay': {
    key: 'keyActivationSeconds',
    kind: 'number',
    metavar: 'S',
    help: 'Seconds between publishing a rotated signing key and signing with it (default 600; the JWKS is cached for half of it).',
  },
  '--access-log': {
    key: 'accessLog',
    kind: 'bool',
    help: 'A JSON access log line per request on stderr (default on; --no-access-log turns it off).',
  },
  '--audit-data-access': {
    key: 'auditDataAccess',
    kind: 'bool',
    help: "Audit logs: also write Data Access entries for admin reads and the gateway's refusals (default off).",
  },
  '--audit-retention-days': {
    key: 'auditRetentionDays',
    kind: 'number',
    metavar: 'DAYS',
    help: 'How long audit log entries are kept (default 400 days, as Google keeps Admin Activity logs).',
  },
  '--request-timeout': {
    key: 'requestTimeoutSeconds',
    kind: 'number',
    metavar: 'S',
    help: "The gateway's deadline for an upstream's response headers (default 300 s).",
  },
  '--headers-timeout': {
    key: 'headersTimeoutSeconds',
    kind: 'number',
    metavar: 'S',
    help: 'Slow clients: time to send the request line and headers (default 20 s).',
  },
  '--body-timeout': {
    key: 'bodyTimeoutSeconds',
    kind: 'number',
    metavar: 'S',
    help: 'Slow clients: time to send an admin API or token endpoint body (default 30 s).',
  },
  '--recommender-window': {
    key: 'recommenderWindowSeconds',
    kind: 'number',
    metavar: 'S',
    help: 'Recommendations: a grant unused this many seconds is recommended for removal (default 7776000, 90 days).',
  },
  '--usage-flush-interval': {
    key: 'usageFlushSeconds',
    kind: 'number',
    metavar: 'S',
    help: 'Seconds between writes of recorded grant usage to the store (default 5).',
  },
  '--decision-cache-entries': {
    key: 'decisionCacheEntries',
    kind: 'number',
    metavar: 'N',
    help: 'Resources each process keeps compiled for decisions, 1000 to 100000000 (default 100000).',
  },
  '--workers': {
    key: 'workers',
    kind: 'number',
    metavar: 'N',
    help: 'Server processes sharing the port, 1 to 64 (default one per core; 1 with --dev or --local-processes).',
  },
  '--local-processes': {
    key: 'localProcesses',
    kind: 'bool',
    help: "Run services whose container has a command as local processes, as the server's OS user (default on with --dev, off otherwise).",
  },
  '--console-dir': {
    key: 'consoleDir',
    kind: 'string',
    metavar: 'DIR',
    help: 'The built web console served at /console/ (default: the dist folder of the @runiam/console package).',
  },
}

/** `--config FILE`, parsed apart from FLAGS because it names where the other settings are. */
export const CONFIG_FLAG = {
  name: '--config',
  metavar: 'FILE',
  help: 'The same settings as YAML, plus trustedIssuers and upstreams (docs/gateway.md); flags win.',
} as const

function usage(message: string): IamError {
  return new IamError(Code.INVALID_ARGUMENT, 'INVALID_CONFIG', message)
}

/** Parses `serve` arguments into raw values (strings, booleans, lists) keyed by config key. */
export function parseServeArgs(argv: readonly string[]): { raw: Raw; configFile?: string } {
  const raw: Raw = {}
  let configFile: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    const eq = arg.indexOf('=')
    const name = eq > 0 ? arg.slice(0, eq) : arg
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined
    if (name === '--config') {
      configFile = inline ?? argv[++i]
      if (configFile === undefined) throw usage('argument --config: expected one argument')
      continue
    }
    const negated = name.startsWith('--no-') ? FLAGS[`--${name.slice(5)}`] : undefined
    if (negated?.kind === 'bool') {
      raw[negated.rawKey ?? negated.key] = false
      continue
    }
    const spec = FLAGS[name]
    if (spec === undefined) throw usage(`unrecognized arguments: ${arg}`)
    const key = spec.rawKey ?? spec.key
    if (spec.kind === 'bool') {
      raw[key] = inline === undefined ? true : !/^(false|0|no)$/i.test(inline)
      continue
    }
    const value = inline ?? argv[++i]
    if (value === undefined) throw usage(`argument ${name}: expected one argument`)
    if (spec.kind === 'list') {
      const list = (raw[key] as string[] | undefined) ?? []
      list.push(value)
      raw[key] = list
    } else raw[key] = value
  }
  return configFile === undefined ? { raw } : { raw, configFile }
}

function readConfigFile(path: string): Raw {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (cause) {
    throw new IamError(
      Code.INVALID_ARGUMENT,
      'INVALID_CONFIG',
      `Cannot read config file [${path}].`,
      {
        cause,
      },
    )
  }
  const doc: unknown = parseYaml(text)
  if (doc === null || doc === undefined) return {}
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw usage(`Config file [${path}] must be a mapping of settings.`)
  }
  return doc as Raw
}

const isLoopback = (host: string): boolean =>
  host === 'localhost' ||
  host === '::1' ||
  (isIP(host) === 4 && host.startsWith('127.')) ||
  host === '[::1]'

function parseTrustedIssuers(value: unknown, problems: string[]): TrustedIssuerConfig[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) {
    problems.push('trustedIssuers must be a list')
    return []
  }
  const out: TrustedIssuerConfig[] = []
  value.forEach((raw: unknown, i) => {
    const at = `trustedIssuers[${i}]`
    if (typeof raw !== 'object' || raw === null)
      return void problems.push(`${at} must be a mapping`)
    const r = raw as Record<string, unknown>
    for (const k of Object.keys(r)) {
      if (
        ![
          'issuer',
          'jwksUri',
          'jwksFile',
          'claim',
          'subjectPrincipal',
          'apiAudiences',
          'allowServiceAccounts',
          'maxTokenLifetimeSeconds',
          'consoleLogin',
        ].includes(k)
      ) {
        problems.push(`${at}: unknown key '${k}'`)
      }
    }
    const issuer = r['issuer']
    if (typeof issuer !== 'string' || issuer === '')
      return void problems.push(`${at}.issuer is required`)
    const jwksUri = typeof r['jwksUri'] === 'string' ? r['jwksUri'] : undefined
    const jwksFile = typeof r['jwksFile'] === 'string' ? r['jwksFile'] : undefined
    if ((jwksUri === undefined) === (jwksFile === undefined)) {
      problems.push(`${at} (${issuer}) needs exactly one of jwksUri and jwksFile`)
    }
    const claim = r['claim'] ?? 'email'
    if (claim !== 'email' && claim !== 'subject')
      problems.push(`${at}.claim must be email or subject, got ${JSON.stringify(claim)}`)
    const subjectPrincipal =
      typeof r['subjectPrincipal'] === 'string' ? r['subjectPrincipal'] : undefined
    if (
      claim === 'subject' &&
      (subjectPrincipal === undefined ||
        !subjectPrincipal.includes('{sub}') ||
        !/^principal(Set)?:\/\//.test(subjectPrincipal))
    ) {
      problems.push(`${at}.subjectPrincipal must be a principal://… template containing {sub}`)
    }
    const aud = r['apiAudiences']
    if (aud !== undefined && (!Array.isArray(aud) || aud.some((a) => typeof a !== 'string'))) {
      problems.push(`${at}.apiAudiences must be a list of strings`)
    }
    const allowSa = r['allowServiceAccounts']
    if (allowSa !== undefined && typeof allowSa !== 'boolean') {
      problems.push(`${at}.allowServiceAccounts must be true or false`)
    }
    const maxLifetime = r['maxTokenLifetimeSeconds']
    if (
      maxLifetime !== undefined &&
      (typeof maxLifetime !== 'number' ||
        !Number.isInteger(maxLifetime) ||
        maxLifetime < 60 ||
        maxLifetime > 7 * 86400)
    ) {
      problems.push(`${at}.maxTokenLifetimeSeconds must be an integer from 60 to 604800`)
    }
    const consoleLogin = parseConsoleLogin(
      r['consoleLogin'],
      `${at}.consoleLogin`,
      Array.isArray(aud) ? aud : [],
      problems,
    )
    out.push({
      issuer,
      ...(consoleLogin === undefined ? {} : { consoleLogin }),
      ...(allowSa === true ? { allowServiceAccounts: true } : {}),
      ...(typeof maxLifetime === 'number' ? { maxTokenLifetimeSeconds: maxLifetime } : {}),
      ...(jwksUri === undefined ? {} : { jwksUri }),
      ...(jwksFile === undefined ? {} : { jwksFile }),
      claim: claim === 'subject' ? 'subject' : 'email',
      ...(subjectPrincipal === undefined ? {} : { subjectPrincipal }),
      ...(Array.isArray(aud) ? { apiAudiences: aud as string[] } : {}),
    })
  })
  return out
}

const CONSOLE_LOGIN_KEYS = ['clientId', 'displayName', 'authorizationEndpoint', 'tokenEndpoint']

/** An absolute http(s) URL with no user info or fragment (an endpoint the server or browser uses). */
function isEndpointUrl(value: string): boolean {
  try {
    const u = new URL(value)
    return (
      (u.protocol === 'https:' || u.protocol === 'http:') &&
      u.username === '' &&
      u.password === '' &&
      u.hash === ''
    )
  } catch {
    return false
  }
}

function parseConsoleLogin(
  value: unknown,
  at: string,
  apiAudiences: readonly unknown[],
  problems: string[],
): ConsoleLoginConfig | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push(`${at} must be a mapping (clientId, displayName, …)`)
    return undefined
  }
  const r = value as Record<string, unknown>
  for (const k of Object.keys(r)) {
    if (!CONSOLE_LOGIN_KEYS.includes(k)) problems.push(`${at}: unknown key '${k}'`)
  }
  const clientId = r['clientId']
  if (typeof clientId !== 'string' || clientId === '') {
    problems.push(`${at}.clientId is required`)
    return undefined
  }
  if (!apiAudiences.includes(clientId)) {
    problems.push(
      `${at}.clientId ${JSON.stringify(clientId)} must be one of the issuer's apiAudiences (the console signs in with the ID token, whose audience is the client id)`,
    )
  }
  const out: { -readonly [K in keyof ConsoleLoginConfig]: ConsoleLoginConfig[K] } = { clientId }
  const displayName = r['displayName']
  if (displayName !== undefined) {
    if (typeof displayName !== 'string' || displayName.trim() === '' || displayName.length > 60)
      problems.push(`${at}.displayName must be a string of 1 to 60 characters`)
    else out.displayName = displayName.trim()
  }
  for (const key of ['authorizationEndpoint', 'tokenEndpoint'] as const) {
    const v = r[key]
    if (v === undefined) continue
    if (typeof v !== 'string' || !isEndpointUrl(v))
      problems.push(`${at}.${key} must be an absolute http(s) URL, got ${JSON.stringify(v)}`)
    else out[key] = v
  }
  return out
}

/**
 * The issuer URL from the flags, else the file, under either name (`issuerUrl`, or its old name
 * `issuer`); both names in one place must agree. Checked to be canonical (issuer-url.ts).
 */
function resolveIssuerUrl(flags: Raw, file: Raw, problems: string[]): string | undefined {
  const pick = (source: Raw, names: string): unknown => {
    const current = source['issuerUrl']
    const old = source['issuer']
    if (current !== undefined && old !== undefined && current !== old) {
      problems.push(
        `${names} disagree (${JSON.stringify(current)} and ${JSON.stringify(old)}): give only --issuer-url (issuerUrl)`,
      )
    }
    return current ?? old
  }
  const value =
    pick(flags, '--issuer-url and its old name --issuer') ??
    pick(file, 'issuerUrl and its old name issuer in the config file')
  if (value === undefined) return undefined
  if (typeof value !== 'string') {
    problems.push(`issuerUrl must be a string, got ${JSON.stringify(value)}`)
    return undefined
  }
  const problem = issuerUrlProblem(value)
  if (problem !== undefined) problems.push(problem)
  return value
}

/** Merges defaults ← file ← flags and validates the result; throws one error listing every problem. */
export function loadConfig(argv: readonly string[]): ServerConfig {
  const { raw: flags, configFile } = parseServeArgs(argv)
  const file = configFile === undefined ? {} : readConfigFile(configFile)
  const merged: Raw = { ...DEFAULTS, ...file, ...flags }
  const problems: string[] = []
  const str = (k: keyof ServerConfig): string | undefined => {
    const v = merged[k]
    if (v === undefined) return undefined
    if (typeof v !== 'string' || v === '')
      problems.push(`${k} must be a non-empty string, got ${JSON.stringify(v)}`)
    return typeof v === 'string' ? v : undefined
  }
  const num = (k: keyof ServerConfig, min: number, max: number): number => {
    const v = merged[k]
    // A number, or a flag's (or a quoted YAML value's) decimal digits: never true, [2], 0x10 or 1e1.
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${k} must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`)
      return min
    }
    return n
  }
  const bool = (k: keyof ServerConfig): boolean => {
    const v = merged[k]
    if (typeof v !== 'boolean')
      problems.push(`${k} must be true or false, got ${JSON.stringify(v)}`)
    return v === true
  }
  const owners = merged['bootstrapOwners']
  if (!Array.isArray(owners) || owners.some((o) => typeof o !== 'string' || !o.includes(':'))) {
    problems.push(
      `bootstrapOwners must be members such as user:alice@example.com, got ${JSON.stringify(owners)}`,
    )
  }
  const host = str('host') ?? DEFAULTS.host
  const database = str('database')
  if (database !== undefined && !/^postgres(ql)?:\/\//.test(database)) {
    problems.push('database must be a postgres:// URL')
  }
  const dev = bool('dev')
  if (dev && !isLoopback(host)) {
    problems.push(
      `--dev lets anyone log in as anyone, so it is refused unless --host is a loopback address (got ${host})`,
    )
  }
  const issuerUrl = resolveIssuerUrl(flags, file, problems)
  const trustedIssuers = parseTrustedIssuers(merged['trustedIssuers'], problems)
  const upstreams = parseUpstreams(file['upstreams'], dev, problems)
  const known = new Set<string>([
    ...Object.values(FLAGS).flatMap((f) => [f.key, f.rawKey ?? f.key]),
    'trustedIssuers',
    'upstreams',
    'changeFeedRetentionSeconds',
  ])
  for (const k of Object.keys(file))
    if (!known.has(k)) problems.push(`unknown setting '${k}' in ${configFile}`)
  // Local processes live inside the server process that started them (the gateway forwards to
  // them, jobs and worker pools are supervised there), so they run only in a single process:
  // with --dev they default on unless --workers asks for more than one; both at once is refused.
  const askedWorkers = merged['workers'] === undefined ? undefined : num('workers', 1, 64)
  const localProcesses =
    merged['localProcesses'] === undefined
      ? dev && (askedWorkers ?? 1) === 1
      : bool('localProcesses')
  const workers = askedWorkers ?? (dev || localProcesses ? 1 : Math.min(64, availableParallelism()))
  if (localProcesses && workers > 1) {
    problems.push(
      `--local-processes runs services, jobs and worker pools inside the server process, so it needs --workers 1 (got workers ${workers})`,
    )
  }
  const bootstrapOwners = Array.isArray(owners) ? (owners as string[]) : []
  const config: ServerConfig = {
    host,
    port: num('port', 0, 65535),
    dataDir: str('dataDir') ?? DEFAULTS.dataDir,
    ...consoleDirSetting(str('consoleDir')),
    ...(database === undefined ? {} : { database }),
    dev,
    demo: bool('demo'),
    bootstrapOwners: bootstrapOwners.length === 0 && dev ? [DEV_DEFAULT_OWNER] : bootstrapOwners,
    organizationDomain: str('organizationDomain') ?? DEFAULTS.organizationDomain,
    runDomain: str('runDomain') ?? DEFAULTS.runDomain,
    ...(issuerUrl === undefined ? {} : { issuerUrl }),
    tokenLifetimeSeconds: num('tokenLifetimeSeconds', 60, 86400),
    keyActivationSeconds: num('keyActivationSeconds', 1, 7 * 86400),
    accessLog: bool('accessLog'),
    requestTimeoutSeconds: num('requestTimeoutSeconds', 1, 3600),
    headersTimeoutSeconds: num('headersTimeoutSeconds', 1, 300),
    bodyTimeoutSeconds: num('bodyTimeoutSeconds', 1, 3600),
    localProcesses,
    workers,
    trustedIssuers,
    upstreams,
    changeFeedRetentionSeconds: num('changeFeedRetentionSeconds', 60, 30 * 86400),
    recommenderWindowSeconds: num('recommenderWindowSeconds', 1, 400 * 86400),
    usageFlushSeconds: num('usageFlushSeconds', 1, 3600),
    decisionCacheEntries: num('decisionCacheEntries', 1_000, 100_000_000),
    auditDataAccess: bool('auditDataAccess'),
    auditRetentionDays: num('auditRetentionDays', 1, 3650),
  }
  if (problems.length > 0)
    throw usage(`Invalid server configuration:\n  - ${problems.join('\n  - ')}`)
  return config
}

/** The console folder given, else the console package's build; neither: no consoleDir. */
function consoleDirSetting(given: string | undefined): { consoleDir?: string } {
  const dir = given ?? defaultConsoleDir()
  return dir === undefined ? {} : { consoleDir: dir }
}

/** The config as printable JSON, secrets redacted (a postgres URL keeps only its host). */
export function redactConfig(config: ServerConfig): Record<string, unknown> {
  const out: Record<string, unknown> = { ...config }
  for (const k of SECRET_KEYS) {
    const v = out[k]
    if (typeof v === 'string') out[k] = v.replace(/\/\/[^@/]*@/, '//***@')
  }
  return out
}
