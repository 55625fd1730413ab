// `runiam export`, `runiam import` and `runiam migrate`: the operator's tools that work on a store
// directly (no server, no credentials). Each parses its own flags, takes the store's whereabouts
// (--data, --database, --config) exactly as `runiam serve` does, and opens the store through the
// composition root, the one place that picks an engine. Nothing secret is ever printed.
import { existsSync, realpathSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { Code, IamError } from '@runiam/core'
import type { MigrationReport, Store } from '@runiam/store'
import { loadConfig } from './config/load.js'
import type { ServerConfig } from './config/schema.js'
import { prepareDataDir, SECRET_FILES } from './data-dir/data-dir.js'
import { openStore } from './main.js'
import { storeWhereabouts } from './store-open-error.js'
import { DEFAULT_MAX_FILE_MB, readExportFile, writeExportFile } from './portability/export-file.js'
import { exportStore } from './portability/export-store.js'
import { parseExport, writeImport } from './portability/import-store.js'
import './portability/portability-reasons.js'

export type OpsCommand = 'export' | 'import' | 'migrate'

type Write = (text: string) => void

const STORE_FLAGS = `  --data DIR          SQLite store: DIR/runiam.db (default ./.runiam, as runiam serve)
  --database URL      PostgreSQL store (postgres://…) instead of SQLite
  --config FILE       take --data/--database from runiam serve's YAML config file (flags win)
`

const HELP: Record<OpsCommand, string> = {
  export: `Usage: runiam export --output FILE [--include-private-keys] [--data DIR | --database URL]

Writes everything runiam keeps (organization, projects, Cloud Run resources, allow policies with
their etags, org policies, custom roles, groups, service accounts and their public keys, issuer
signing keys) to FILE as versioned JSON, atomically and owner-only (0600). Operations are left out (transient).
See docs/operations.md.

  --output FILE            where to write the export (required)
  --include-private-keys   also export the issuer's private signing keys
${STORE_FLAGS}`,
  import: `Usage: runiam import FILE [--data DIR | --database URL] [--max-file-mb N]

Reads an export made by \`runiam export\` into an EMPTY store, in one transaction, validating every
entry as the API would; a refusal names the entry and writes nothing. See docs/operations.md.

  --max-file-mb N     largest file read (default ${DEFAULT_MAX_FILE_MB}; the file is held in memory)
${STORE_FLAGS}`,
  migrate: `Usage: runiam migrate [--data DIR | --database URL]

Applies the store's schema migrations without serving and prints the schema version before and
after. Safe to run again (nothing left to apply). See docs/operations.md.

${STORE_FLAGS}`,
}

function usage(message: string): IamError {
  return new IamError(Code.INVALID_ARGUMENT, 'INVALID_CONFIG', message)
}

interface Parsed {
  readonly positionals: string[]
  readonly flags: Map<string, string | true>
  /** The words for loadConfig: --data, --database, --config and their values. */
  readonly storeArgs: string[]
}

const STORE_FLAG_NAMES = new Set(['--data', '--database', '--config'])

function parse(argv: readonly string[], own: Record<string, 'string' | 'bool'>): Parsed {
  const positionals: string[] = []
  const flags = new Map<string, string | true>()
  const storeArgs: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    if (!arg.startsWith('--')) {
      positionals.push(arg)
      continue
    }
    const eq = arg.indexOf('=')
    const name = eq > 0 ? arg.slice(0, eq) : arg
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined
    const kind = STORE_FLAG_NAMES.has(name) ? 'string' : own[name]
    if (kind === undefined) throw usage(`unrecognized arguments: ${arg}`)
    if (kind === 'bool') {
      if (inline !== undefined) throw usage(`argument ${name}: takes no value`)
      flags.set(name, true)
      continue
    }
    const value = inline ?? argv[++i]
    if (value === undefined || value === '') throw usage(`argument ${name}: expected one argument`)
    if (STORE_FLAG_NAMES.has(name)) storeArgs.push(name, value)
    else flags.set(name, value)
  }
  return { positionals, flags, storeArgs }
}

/** Where the store is, as `runiam serve` would find it; SQLite's folder made owner-only. */
function storeConfig(storeArgs: readonly string[], mustExist: boolean): ServerConfig {
  const config = loadConfig(storeArgs)
  if (config.database === undefined) {
    const file = join(config.dataDir, 'runiam.db')
    if (mustExist && !existsSync(file)) {
      throw new IamError(
        Code.NOT_FOUND,
        'STORE_NOT_FOUND',
        `There is no runiam store at ${file}: give --data DIR (the folder runiam serve used) or --database URL.`,
      )
    }
    prepareDataDir(config.dataDir, { log: () => {}, database: 'runiam.db' })
  }
  return config
}

async function withStore<T>(
  config: ServerConfig,
  fn: (store: Store) => Promise<T>,
  options: Parameters<typeof openStore>[1] = {},
): Promise<T> {
  const store = await openStore(config, options)
  try {
    return await fn(store)
  } finally {
    await store.close()
  }
}

/** Whether `path` names a file of the data folder: the database, its WAL, the bootstrap key… */
function isDataDirFile(path: string, dataDir: string): boolean {
  try {
    const folder = realpathSync(dirname(path))
    if (folder !== realpathSync(dataDir)) return false
  } catch {
    return false // a folder that does not exist holds no store (the write reports it)
  }
  return [...SECRET_FILES, 'runiam.db-journal'].includes(basename(path))
}

async function runExport(argv: readonly string[], out: Write): Promise<number> {
  const a = parse(argv, { '--output': 'string', '--include-private-keys': 'bool' })
  if (a.positionals.length > 0) throw usage(`unrecognized arguments: ${a.positionals.join(' ')}`)
  const output = a.flags.get('--output')
  if (typeof output !== 'string') throw usage('argument --output: FILE is required')
  const includePrivateKeys = a.flags.get('--include-private-keys') === true
  const config = storeConfig(a.storeArgs, true)
  if (isDataDirFile(output, config.dataDir)) {
    // The rename would put JSON where the database (or the bootstrap key) was: gone for good.
    throw usage(
      `argument --output: ${output} is a file of runiam's data folder; write the export elsewhere`,
    )
  }
  // A backup reads the store as it is: an older schema is refused, never upgraded under the
  // runiam processes that may be serving it.
  const doc = await withStore(
    config,
    (store) => exportStore(store, { includePrivateKeys, now: Date.now() }),
    { pendingMigrations: 'refuse' },
  )
  writeExportFile(output, `${JSON.stringify(doc, null, 2)}\n`)
  out(
    `Exported ${storeWhereabouts(config)} (revision ${doc.source.revision}) to [${output}]: ` +
      `${doc.projects.length} projects, ${doc.resources.length} Run resources, ` +
      `${doc.policies.length} allow policies, ${doc.serviceAccounts.length} service accounts, ` +
      `${doc.groups.length} groups; private keys ${doc.privateKeys}.\n`,
  )
  return 0
}

async function runImport(argv: readonly string[], out: Write): Promise<number> {
  const a = parse(argv, { '--max-file-mb': 'string' })
  const [file, ...extra] = a.positionals
  if (file === undefined) throw usage('argument FILE: the export file to import is required')
  if (extra.length > 0) throw usage(`unrecognized arguments: ${extra.join(' ')}`)
  const rawMax = a.flags.get('--max-file-mb')
  const maxMb = rawMax === undefined ? DEFAULT_MAX_FILE_MB : Number(rawMax)
  if (!Number.isInteger(maxMb) || maxMb < 1) {
    throw usage(`argument --max-file-mb: a whole number of MiB, got ${JSON.stringify(rawMax)}`)
  }
  // The file first, read and checked: a bad file must not create a data folder or a schema.
  const parsed = await parseExport(readExportFile(file, maxMb), { now: Date.now() })
  const config = storeConfig(a.storeArgs, false)
  const summary = await withStore(config, (store) => writeImport(store, parsed))
  out(
    `Imported [${file}] into ${storeWhereabouts(config)}: ${summary.projects} projects, ` +
      `${summary.resources} Run resources, ${summary.policies} allow policies, ` +
      `${summary.orgPolicies} org policies, ${summary.customRoles} custom roles, ` +
      `${summary.serviceAccounts} service accounts, ${summary.groups} groups, ` +
      `${summary.signingKeys} signing keys.\n`,
  )
  return 0
}

async function runMigrate(argv: readonly string[], out: Write): Promise<number> {
  const a = parse(argv, {})
  if (a.positionals.length > 0) throw usage(`unrecognized arguments: ${a.positionals.join(' ')}`)
  const config = storeConfig(a.storeArgs, false)
  let report: MigrationReport | undefined
  await withStore(config, async () => {}, {
    onMigrated: (r) => {
      report = r
    },
  })
  if (report === undefined)
    throw new IamError(Code.INTERNAL, 'BUG', 'The store reported no migration.')
  const r: MigrationReport = report
  out(
    `${storeWhereabouts(config)}\nSchema version before: ${r.before}${r.before === 0 ? ' (new database)' : ''}\n` +
      `Schema version after: ${r.after} (${r.applied.length === 0 ? 'nothing to apply' : `applied: ${r.applied.join(', ')}`})\n`,
  )
  return 0
}

/** Runs one of the commands; `--help` prints its usage. Errors are IamErrors (the CLI renders them). */
export async function opsCommand(
  command: OpsCommand,
  argv: readonly string[],
  out: Write = (text) => void process.stdout.write(text),
): Promise<number> {
  if (argv.some((a) => a === '--help' || a === '-h')) {
    out(HELP[command])
    return 0
  }
  switch (command) {
    case 'export':
      return runExport(argv, out)
    case 'import':
      return runImport(argv, out)
    case 'migrate':
      return runMigrate(argv, out)
  }
}
