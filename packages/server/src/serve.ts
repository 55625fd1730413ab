// `runiam serve`: parse flags into the typed config, start the server (one process, or with
// --workers N a node:cluster primary and N workers), print where it listens (and, with --demo,
// what to try), and stop cleanly on SIGINT/SIGTERM.
import type { ServerSummary } from './cluster/cluster-messages.js'
import { loadConfig, redactConfig } from './config/load.js'
import type { ServerConfig } from './config/schema.js'
import { serveHelp } from './config/serve-help.js'
import { startServer, type RunningServer } from './main.js'
import { bufferedLog, streamWriter } from './observability/buffered-log.js'

/** What the banner reads: a running server, or the summary the first worker sent. */
type Banner = ServerSummary & { readonly config: ServerConfig }

function demoBanner(server: Banner): string {
  const d = server.demo
  if (d === undefined) return ''
  const owner = server.config.bootstrapOwners[0]?.replace(/^user:/, '') ?? 'admin@example.com'
  const env = server.port === 8080 ? '' : `export RUNIAM_API_ENDPOINT=${server.url}\n  `
  return `
Demo: project [${d.project}] with service [${d.service}] in [${d.region}], owned by ${owner}.
Try, in another terminal:
  ${env}npx runiam auth login ${owner}
  npx runiam config set project ${d.project}
  npx runiam config set run/region ${d.region}
  npx runiam run services get-iam-policy ${d.service}
  npx runiam run services add-iam-policy-binding ${d.service} --member=user:alice@example.com --role=roles/run.invoker
  URL=$(npx runiam run services describe ${d.service} --format='value(status.url)')
  npx runiam auth login alice@example.com
  npx runiam run services get-iam-policy ${d.service}   # alice is refused: 403 PERMISSION_DENIED
  # call the service through the invoker gateway as alice, then without a token
  curl -H "Authorization: Bearer $(npx runiam auth print-identity-token --audiences "$URL")" -H "Host: \${URL#http://}" ${server.url}/
  curl -H "Host: \${URL#http://}" ${server.url}/   # 403
`
}

/** SPEC §3: where the bootstrap service account's key file is (never its contents). */
function bootstrapBanner(server: Banner): string {
  const b = server.bootstrap
  if (b === undefined) return ''
  const what = b.created ? 'Created the bootstrap service account' : 'Bootstrap service account'
  return `${what} [${b.email}], owner of the organization. Its key file: ${b.keyFile}
Use it with:
  npx runiam auth activate-service-account --key-file ${b.keyFile}
`
}

/** Serves until SIGINT/SIGTERM; `--help` prints the flags and returns exit status 0. */
export async function serve(
  argv: readonly string[],
): Promise<RunningServer | { readonly url: string } | number> {
  if (argv.some((a) => a === '--help' || a === '-h')) {
    process.stdout.write(serveHelp())
    return 0
  }
  const config = loadConfig(argv)
  if (config.workers > 1) return serveWorkers(config)
  // Alone on its stderr: local processes' output comes through pipes and this log.
  const log = bufferedLog(streamWriter(process.stderr), {}, { shared: false })
  const server = await startServer(config, { log })
  log({ event: 'config', config: redactConfig(config) })
  printBanner({ ...server, config })
  const stop = () => {
    void server.close().then(() => process.exit(0))
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  return server
}

function printBanner(server: Banner): void {
  const { config } = server
  const store =
    config.database === undefined ? `SQLite store in ${config.dataDir}` : 'PostgreSQL store'
  const identity = config.dev ? ', development identity: anyone can log in as anyone' : ''
  const workers = config.workers > 1 ? `, ${config.workers} workers` : ''
  process.stdout.write(
    `runiam is serving on ${server.url} (${store}${identity}${workers})\nWeb console: ${server.url}/console/\n${demoBanner(server)}${bootstrapBanner(server)}`,
  )
}

/** --workers N > 1: this process is the cluster's primary; the workers serve (cluster/). */
async function serveWorkers(config: ServerConfig): Promise<{ readonly url: string }> {
  const log = bufferedLog(streamWriter(process.stderr), { pid: process.pid })
  const { runCluster } = await import('./cluster/cluster-primary.js')
  const cluster = await runCluster(config, { log })
  log({ event: 'config', config: redactConfig(config), workers: cluster.pids() })
  printBanner({ ...cluster.summary, config })
  let stopping = false
  const stop = () => {
    if (stopping) return
    stopping = true
    void cluster.close().then(() => process.exit(0))
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  return { url: cluster.summary.url }
}
