// Seeds a runiam store with many Cloud Run services for the admin benchmarks: one service is
// created through the real CLI (so its record is exactly what the server writes), then cloned
// under new names straight into the store (its name, uid and etag changed), each with an allow
// policy of 10 bindings as setIamPolicy would store it (canonical, with its etag). Creating
// 100,000 services through the API would take minutes; cloning takes seconds and leaves the
// same rows. The server must be stopped meanwhile (or not yet started): the store is opened here.
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { canonicalizePolicy, computeEtag, type Binding } from '@runiam/core'
import type { ResourceRecord, Store } from '@runiam/store'
import { cliEnv, devLogin, runiamCli, startServe, stop, type Serve } from './processes.js'

const BATCH = 5_000
// Ten distinct roles a service accepts, so a canonical policy keeps ten bindings (canonicalisation
// merges a role's bindings).
const ROLES = [
  'roles/run.invoker',
  'roles/run.servicesInvoker',
  'roles/run.viewer',
  'roles/run.developer',
  'roles/run.admin',
  'roles/run.sourceViewer',
  'roles/run.sourceDeveloper',
  'roles/run.editor',
  'roles/run.sshReader',
  'roles/run.sshRoot',
]

/** The allow policy of clone `i`: 10 bindings, a few members each, a shared pool of callers. */
export function seedPolicyBindings(i: number): Binding[] {
  return Array.from({ length: 10 }, (_, b) => ({
    role: ROLES[(i + b) % ROLES.length] as string,
    members: [
      `user:u${(i * 7 + b * 13) % 5_000}@example.com`,
      `group:g${(i + b) % 300}@example.com`,
    ],
  }))
}

/** Opens the store of a stopped server (SQLite data folder or PostgreSQL URL). */
export async function openBenchStore(target: {
  readonly dataDir?: string | undefined
  readonly database?: string | undefined
}): Promise<Store> {
  if (target.database !== undefined) {
    const { openPostgresStore } = await import('@runiam/store/postgres')
    return openPostgresStore({ url: target.database })
  }
  const { openSqliteStore } = await import('@runiam/store/sqlite')
  return openSqliteStore({ path: `${target.dataDir ?? '.'}/runiam.db` })
}

/**
 * Adds `count` clones of the service `template` (a full resource name) named
 * `${prefix}-${i}`, each with a seeded policy. Returns their full names.
 */
export async function seedServices(
  store: Store,
  template: string,
  prefix: string,
  count: number,
): Promise<string[]> {
  const base = await store.getResource(template)
  if (base === undefined) throw new Error(`no service ${template} to clone`)
  const parent = base.parent
  const names: string[] = []
  for (let start = 0; start < count; start += BATCH) {
    await store.transact(async (tx) => {
      for (let i = start; i < Math.min(count, start + BATCH); i++) {
        const name = `${parent}/services/${prefix}-${i}`
        const uid = randomUUID()
        const record: ResourceRecord = {
          ...base,
          name,
          etag: `"${uid}"`,
          body: { ...base.body, name, uid, etag: `"${uid}"` },
        }
        await tx.createResource(record)
        const canonical = canonicalizePolicy({ version: 1, bindings: seedPolicyBindings(i) })
        await tx.putPolicy(name, { ...canonical, etag: computeEtag(canonical) })
        names.push(name)
      }
    })
  }
  return names
}

export const SEED_PROJECT = 'admin-bench'
export const SEED_REGION = 'us-central1'

export interface SeededServer {
  readonly serve: Serve
  /** The seeded services' full names. */
  readonly services: readonly string[]
  /** An access token of user:admin@example.com (organization owner, dev login). */
  readonly adminToken: string
  /** Seconds the server took to come up on the seeded store. */
  readonly startSeconds: number
  readonly seedSeconds: number
}

/**
 * `runiam serve --dev` on `dir` (or `database`) holding `count` seeded services: started once to
 * create the project and the template service through the CLI, stopped, seeded, started again.
 */
export async function seededServer(
  dir: string,
  count: number,
  database?: string,
  cpuProfDir?: string,
  /** More `serve` flags for the seeded server (e.g. --console-dir). */
  serveArgs: readonly string[] = [],
): Promise<SeededServer> {
  const template = `projects/${SEED_PROJECT}/locations/${SEED_REGION}/services/template`
  const first = await startServe(dir, { dev: true, database })
  try {
    const cli = runiamCli(
      cliEnv(dir, first.api, { RUNIAM_PROJECT: SEED_PROJECT, RUNIAM_REGION: SEED_REGION }),
    )
    cli(['auth', 'login', 'admin@example.com'])
    cli(['projects', 'create', SEED_PROJECT])
    cli([
      'run',
      'deploy',
      'template',
      '--no-allow-unauthenticated',
      '--upstream',
      'http://127.0.0.1:9',
    ])
  } finally {
    await stop(first.child)
  }
  const t0 = performance.now()
  const store = await openBenchStore({ dataDir: join(dir, 'data'), database })
  let services: string[]
  try {
    services = await seedServices(store, template, 'svc', count)
  } finally {
    await store.close()
  }
  const seedSeconds = (performance.now() - t0) / 1000
  const t1 = performance.now()
  const serve = await startServe(dir, { dev: true, database, cpuProfDir, args: serveArgs })
  const startSeconds = (performance.now() - t1) / 1000
  const adminToken = (await devLogin(serve.api, 'admin@example.com')).access_token
  return { serve, services, adminToken, startSeconds, seedSeconds }
}
