// `runiam serve`: parse flags into the typed config, start the server, print where it listens
// (and, with --demo, what to try), and stop cleanly on SIGINT/SIGTERM.
import { loadConfig, redactConfig } from './config/load.js'
import { serveHelp } from './config/serve-help.js'
import { startServer, type RunningServer } from './main.js'

function demoBanner(server: RunningServer): string {
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
function bootstrapBanner(server: RunningServer): string {
  const b = server.bootstrap
  if (b === undefined) return ''
  const what = b.created ? 'Created the bootstrap service account' : 'Bootstrap service account'
  return `${what} [${b.email}], owner of the organization. Its key file: ${b.keyFile}
Use it with:
  npx runiam auth activate-service-account --key-file ${b.keyFile}
`
}

/**
 * JSON log lines, batched: lines logged during one turn of the event loop are written together
 * on the next, so a busy gateway makes one write per batch instead of one per line.
 */
function bufferedLog(write: (text: string) => void) {
  let lines: string[] = []
  const flush = () => {
    const text = lines.join('')
    lines = []
    write(text)
  }
  process.once('exit', () => {
    if (lines.length > 0) flush()
  })
  // The timestamp text is made once per millisecond, and the entry is not copied to put it first:
  // both showed per request in the gateway's profile.
  let stampMs = Number.NaN
  let stamp = ''
  return (entry: Record<string, unknown>): void => {
    if (lines.length === 0) setImmediate(flush)
    const now = Date.now()
    if (now !== stampMs) {
      stampMs = now
      stamp = `{"time":"${new Date(now).toISOString()}"`
    }
    const json = JSON.stringify(entry)
    lines.push(json === '{}' ? `${stamp}}\n` : `${stamp},${json.slice(1)}\n`)
  }
}

/** Serves until SIGINT/SIGTERM; `--help` prints the flags and returns exit status 0. */
export async function serve(argv: readonly string[]): Promise<RunningServer | number> {
  if (argv.some((a) => a === '--help' || a === '-h')) {
    process.stdout.write(serveHelp())
    return 0
  }
  const config = loadConfig(argv)
  const log = bufferedLog((text) => process.stderr.write(text))
  const server = await startServer(config, { log })
  log({ event: 'config', config: redactConfig(config) })
  const store =
    config.database === undefined ? `SQLite store in ${config.dataDir}` : 'PostgreSQL store'
  const identity = config.dev ? ', development identity: anyone can log in as anyone' : ''
  process.stdout.write(
    `runiam is serving on ${server.url} (${store}${identity})\n${demoBanner(server)}${bootstrapBanner(server)}`,
  )
  const stop = () => {
    void server.close().then(() => process.exit(0))
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  return server
}
