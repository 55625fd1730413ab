// Gateway benchmark (issue 3): wrk with 64 connections against (a) a minimal upstream called
// directly, (b) nginx as a plain keep-alive reverse proxy to it, (c) runiam's own gateway with the
// invoker check on (a valid ID token, a conditional run.invoker binding; upstream = (a)) and (e)
// nginx with docs/nginx.md's auth_request block, runiam deciding — all in one run, each in its own
// process. Then (d) freshness: after each setIamPolicy response (etag flow), is the very next
// gateway request already decided under the new policy? Goals: (c) ≥ 0.6× (b) requests/s,
// p99(c) − p99(a) ≤ 2 ms, 0 stale decisions. nginx or wrk missing: one `skipped` line.
// `--cpu-prof DIR` runs the runiam server under `node --cpu-prof` and writes its profile to DIR.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { Agent, request } from 'node:http'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { round } from './measure.js'
import {
  BIN,
  cliEnv,
  devLogin,
  failureReason,
  freePort,
  ROOT,
  runiamCli,
  startServe,
  stop,
  waitFor,
} from './processes.js'

const PROJECT = 'gw-bench'
const SERVICE = 'hello'
const REGION = 'us-central1'
const CALLER = 'bench@example.com'
const CONNECTIONS = 64
const SECONDS = 10
const WARMUP_SECONDS = 2
const FLIPS = 50

/** The first candidate that runs at all (wrk -v exits 1, so only a spawn error counts). */
function which(candidates: readonly string[], args: readonly string[]): string | undefined {
  return candidates.find((p) => spawnSync(p, args).error === undefined)
}

/** The upstream (a): a minimal node:http server answering a small body, in its own process. */
/**
 * (f) the ceiling of any Node.js gateway here: a minimal one-process reverse proxy (undici pool,
 * the client runiam's gateway uses) that checks nothing. argv: listen port, upstream origin.
 */
const NODE_PROXY_JS = `
const http = require('node:http')
const { Pool } = require('undici')
const pool = new Pool(process.argv[2], { connections: 256 })
http.createServer((req, res) => {
  const headers = { ...req.headers }
  delete headers.connection
  delete headers.host
  pool.request({ method: req.method, path: req.url, headers, body: null }).then((up) => {
    const out = {}
    for (const k in up.headers) if (k !== 'connection' && k !== 'keep-alive' && k !== 'transfer-encoding') out[k] = up.headers[k]
    res.writeHead(up.statusCode, out)
    up.body.pipe(res)
  }, () => { res.writeHead(502).end() })
}).listen(Number(process.argv[1]), '127.0.0.1', () => console.log('ready'))
`

const UPSTREAM_JS = `
const http = require('node:http')
const body = Buffer.from('{"ok":true}\\n')
http.createServer((req, res) => {
  req.resume()
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length })
  res.end(body)
}).listen(Number(process.argv[1]), '127.0.0.1', () => console.log('ready'))
`

interface Wrk {
  requestsPerSec: number
  p50Ms: number
  p99Ms: number
  requests: number
  non2xx: number
  socketErrors: number
}

const UNIT_MS: Record<string, number> = { us: 1e-3, ms: 1, s: 1000, m: 60_000 }

/** Parses wrk --latency output (Latency Distribution, Requests/sec, errors). */
export function parseWrk(out: string): Wrk {
  const lat = (q: string): number => {
    const m = new RegExp(`^\\s*${q}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(out)
    if (m?.[1] === undefined || m[2] === undefined) throw new Error(`wrk: no ${q}% line:\n${out}`)
    return Number(m[1]) * (UNIT_MS[m[2]] ?? Number.NaN)
  }
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(out)
  const total = /^\s*(\d+) requests in/m.exec(out)
  if (rps?.[1] === undefined || total?.[1] === undefined) throw new Error(`wrk output:\n${out}`)
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out)
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out)
  return {
    requestsPerSec: Math.round(Number(rps[1])),
    p50Ms: round(lat('50'), 3),
    p99Ms: round(lat('99'), 3),
    requests: Number(total[1]),
    non2xx: Number(non2xx?.[1] ?? 0),
    socketErrors: sock === null ? 0 : sock.slice(1).reduce((n, x) => n + Number(x), 0),
  }
}

function wrk(bin: string, url: string, headers: Record<string, string>, seconds: number): Wrk {
  const args = ['-t2', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency']
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`)
  const r = spawnSync(bin, [...args, url], { encoding: 'utf8', timeout: (seconds + 20) * 1000 })
  if (r.status !== 0) throw new Error(`wrk exited ${r.status}: ${r.stderr}`)
  return parseWrk(r.stdout)
}

/** Warm-up run (JIT, connection pools), then the measured run. */
function measure(bin: string, url: string, headers: Record<string, string>): Wrk {
  wrk(bin, url, headers, WARMUP_SECONDS)
  return wrk(bin, url, headers, SECONDS)
}

/** The documented nginx block (docs/nginx.md), its placeholder lines replaced. */
function documentedNginx(pairs: readonly (readonly [string, string])[]): string {
  const doc = readFileSync(join(ROOT, 'docs/nginx.md'), 'utf8')
  const m =
    /<!-- nginx-config:begin -->\s*```nginx\n([\s\S]*?)```\s*<!-- nginx-config:end -->/.exec(doc)
  if (m?.[1] === undefined) throw new Error('docs/nginx.md has no nginx-config block')
  let out = m[1]
  for (const [from, to] of pairs) {
    if (out.split(from).length !== 2) throw new Error(`docs/nginx.md: "${from}" not found once`)
    out = out.replace(from, to)
  }
  return out
}

function nginxConf(prefix: string, http: string): string {
  return [
    'worker_processes auto;', // Debian's default
    `error_log ${prefix}/error.log warn;`,
    `pid ${prefix}/nginx.pid;`,
    'events { worker_connections 4096; }',
    'http {',
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
      (t) => `  ${t}_temp_path ${prefix}/${t}_temp;`,
    ),
    http,
    '}',
    '',
  ].join('\n')
}

/** A child process that is stopped (and waited for) at the end. */
class Children {
  readonly #all: ChildProcess[] = []
  add(c: ChildProcess): ChildProcess {
    this.#all.push(c)
    return c
  }
  async stopAll(): Promise<void> {
    for (const c of this.#all.reverse()) await stop(c, 'SIGTERM')
  }
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 })

/** One GET with a Host header (fetch cannot set Host), answering the status. */
function get(port: number, host: string, path: string, token: string): Promise<number> {
  return new Promise((res, rej) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        agent,
        headers: { host, authorization: `Bearer ${token}` },
      },
      (r) => {
        r.resume()
        r.on('end', () => res(r.statusCode ?? 0))
      },
    )
    req.on('error', rej)
    req.end()
  })
}

interface Policy {
  version?: number
  etag?: string
  bindings?: { role: string; members: string[]; condition?: Record<string, string> }[]
}

const INVOKER_BINDING = {
  role: 'roles/run.invoker',
  members: [`user:${CALLER}`],
  condition: { title: 'any-path', expression: 'request.path.startsWith("/")' },
}

/** (d): N grant/revoke flips; after each setIamPolicy response, the next requests' decisions. */
async function freshness(
  api: string,
  accessToken: string,
  etag: string,
  probe: () => Promise<number>,
) {
  const resource = `${api}/v2/projects/${PROJECT}/locations/${REGION}/services/${SERVICE}`
  let current = etag
  let stale = 0
  const lagMs: number[] = []
  let worst = 0
  for (let i = 0; i < 2 * FLIPS; i++) {
    const grant = i % 2 === 1 // starts granted: first revoke, then grant, …
    const r = await fetch(`${resource}:setIamPolicy`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        policy: { version: 3, etag: current, bindings: grant ? [INVOKER_BINDING] : [] },
      }),
    })
    const policy = (await r.json()) as Policy
    const t0 = process.hrtime.bigint()
    if (r.status !== 200 || policy.etag === undefined) {
      throw new Error(`setIamPolicy ${r.status}: ${JSON.stringify(policy)}`)
    }
    current = policy.etag
    const want = grant ? 200 : 403
    let tries = 0
    for (;;) {
      tries++
      const status = await probe()
      if (status === want) break
      if (status !== 200 && status !== 403) throw new Error(`unexpected status ${status}`)
      if (tries > 1000) throw new Error('policy change never enforced')
    }
    stale += tries - 1
    worst = Math.max(worst, tries - 1)
    lagMs.push(Number(process.hrtime.bigint() - t0) / 1e6)
  }
  lagMs.sort((a, b) => a - b)
  return {
    flips: FLIPS,
    setIamPolicyCalls: 2 * FLIPS,
    staleDecisions: stale,
    worstStaleInARow: worst,
    responseToReflectingDecisionMs: {
      p50: round(lagMs[Math.floor(lagMs.length / 2)] ?? 0, 3),
      max: round(lagMs.at(-1) ?? 0, 3),
    },
    current,
  }
}

const skip = (reason: string): void =>
  console.log(JSON.stringify({ bench: 'gateway', skipped: reason }))

export async function runGatewayBench(options: { cpuProfDir?: string } = {}): Promise<void> {
  const wrkBin = which(['wrk', '/usr/bin/wrk', '/usr/local/bin/wrk'], ['-v'])
  const nginxBin = which(['/usr/sbin/nginx', '/usr/local/sbin/nginx', 'nginx'], ['-v'])
  if (!existsSync(BIN)) return skip(`CLI not built: ${BIN} missing (run npm run build)`)
  if (nginxBin === undefined) return skip('nginx not installed (apt-get install nginx-light)')
  if (wrkBin === undefined) return skip('wrk not installed (apt-get install wrk)')
  const children = new Children()
  const dir = mkdtempSync(join(tmpdir(), 'runiam-gw-bench-'))
  chmodSync(dir, 0o755) // nginx's workers drop root and write temp files under here
  try {
    // (a) the upstream
    const upPort = await freePort()
    children.add(spawn(process.execPath, ['-e', UPSTREAM_JS, String(upPort)], { stdio: 'ignore' }))
    const upstreamUrl = `http://127.0.0.1:${upPort}`
    await waitFor('upstream', async () => (await fetch(upstreamUrl)).ok)

    // runiam, in its own process as in production (access log on, to a file)
    const serve = await startServe(dir, { dev: true, cpuProfDir: options.cpuProfDir })
    const runiam = children.add(serve.child)
    const { api, port: apiPort } = serve
    const cli = runiamCli(cliEnv(dir, api, { RUNIAM_PROJECT: PROJECT, RUNIAM_REGION: REGION }))
    cli(['auth', 'login', 'admin@example.com'])
    cli(['projects', 'create', PROJECT])
    cli(['run', 'deploy', SERVICE, '--no-allow-unauthenticated', '--upstream', upstreamUrl])
    const uri = (
      JSON.parse(cli(['run', 'services', 'describe', SERVICE, '--format=json'])) as {
        uri: string
      }
    ).uri
    const host = new URL(uri).hostname
    const admin = (await devLogin(api, 'admin@example.com')).access_token
    const idToken = (await devLogin(api, CALLER, uri)).id_token
    const resource = `${api}/v2/projects/${PROJECT}/locations/${REGION}/services/${SERVICE}`
    const got = await fetch(`${resource}:getIamPolicy?options.requestedPolicyVersion=3`, {
      headers: { authorization: `Bearer ${admin}` },
    })
    const initial = (await got.json()) as Policy
    const set = await fetch(`${resource}:setIamPolicy`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        policy: { version: 3, etag: initial.etag, bindings: [INVOKER_BINDING] },
      }),
    })
    const granted = (await set.json()) as Policy
    if (set.status !== 200)
      throw new Error(`setIamPolicy ${set.status}: ${JSON.stringify(granted)}`)
    const auth = { Host: host, Authorization: `Bearer ${idToken}` }
    if ((await get(apiPort, host, '/', idToken)) !== 200) throw new Error('gateway refused')

    // nginx: (b) plain reverse proxy, (e) the documented auth_request block
    const plainPort = await freePort()
    const authPort = await freePort()
    const nginxPrefix = join(dir, 'nginx')
    mkdirSync(nginxPrefix, { mode: 0o755 })
    const plain = [
      `upstream bench_app { server 127.0.0.1:${upPort}; keepalive 64; }`,
      'server {',
      `  listen 127.0.0.1:${plainPort};`,
      `  access_log ${nginxPrefix}/plain.access.log;`,
      '  location / {',
      '    proxy_pass http://bench_app;',
      '    proxy_http_version 1.1;',
      '    proxy_set_header Connection "";',
      '    proxy_set_header Host $http_host;',
      '  }',
      '}',
    ].join('\n')
    const documented = documentedNginx([
      ['server 127.0.0.1:8080;', `server 127.0.0.1:${apiPort};`],
      ['server 127.0.0.1:3000;', `server 127.0.0.1:${upPort};`],
      ['listen 80;', `listen 127.0.0.1:${authPort};`],
      ['server_name hello-123456789012.us-central1.run.localhost;', `server_name ${host};`],
      ['/var/log/nginx/', `${nginxPrefix}/`],
    ])
    const conf = join(nginxPrefix, 'nginx.conf')
    writeFileSync(conf, nginxConf(nginxPrefix, `${plain}\n${documented}`))
    const nginxArgs = ['-c', conf, '-p', nginxPrefix, '-g', 'daemon off;']
    const check = spawnSync(nginxBin, ['-t', ...nginxArgs], { encoding: 'utf8' })
    if (check.status !== 0) throw new Error(`nginx -t: ${check.stderr}`)
    const nginx = children.add(spawn(nginxBin, nginxArgs, { stdio: 'ignore' }))
    await waitFor('nginx', async () => (await get(authPort, host, '/', idToken)) === 200)

    const nodeProxyPort = await freePort()
    children.add(
      spawn(process.execPath, ['-e', NODE_PROXY_JS, String(nodeProxyPort), upstreamUrl], {
        stdio: 'ignore',
        cwd: ROOT,
      }),
    )
    await waitFor('node proxy', async () => (await fetch(`http://127.0.0.1:${nodeProxyPort}/`)).ok)

    const a = measure(wrkBin, `${upstreamUrl}/`, auth)
    const b = measure(wrkBin, `http://127.0.0.1:${plainPort}/`, auth)
    const c = measure(wrkBin, `${api}/`, auth)
    const e = measure(wrkBin, `http://127.0.0.1:${authPort}/`, auth)
    const f = measure(wrkBin, `http://127.0.0.1:${nodeProxyPort}/`, auth)
    const common = {
      connections: CONNECTIONS,
      seconds: SECONDS,
      cpus: cpus().length,
      loadAverage1m: round(loadavg()[0] ?? 0),
    }
    console.log(
      JSON.stringify({
        bench: 'gateway',
        measure: 'throughput-latency',
        ...common,
        '(a) upstream direct': a,
        '(b) nginx reverse proxy': b,
        '(c) runiam gateway (invoker check, conditional binding)': c,
        '(e) nginx auth_request → runiam (docs/nginx.md)': e,
        '(f) minimal Node.js proxy, no check (ceiling for one Node process)': f,
        ratio: {
          'rps (c)/(b)': round(c.requestsPerSec / b.requestsPerSec),
          'rps (c)/(a)': round(c.requestsPerSec / a.requestsPerSec),
          'rps (e)/(b)': round(e.requestsPerSec / b.requestsPerSec),
          'rps (f)/(b)': round(f.requestsPerSec / b.requestsPerSec),
          'rps (c)/(f)': round(c.requestsPerSec / f.requestsPerSec),
          'p99 (c)-(a) ms': round(c.p99Ms - a.p99Ms, 3),
          'p99 (b)-(a) ms': round(b.p99Ms - a.p99Ms, 3),
        },
        goal: '(c) ≥ 0.6× (b) requests/s and p99(c) − p99(a) ≤ 2 ms',
        met: {
          throughput: c.requestsPerSec >= 0.6 * b.requestsPerSec,
          p99: c.p99Ms - a.p99Ms <= 2,
        },
        valid: [a, b, c, e, f].every((w) => w.non2xx === 0 && w.socketErrors === 0),
        nginx: 'worker_processes auto, upstream keepalive 64, access_log on',
        runiam: 'serve --dev, one process, access log on (to a file)',
      }),
    )

    // (d) freshness, through runiam's gateway and through nginx's auth_request
    const viaGateway = await freshness(api, admin, granted.etag ?? '', () =>
      get(apiPort, host, '/', idToken),
    )
    const viaNginx = await freshness(api, admin, viaGateway.current, () =>
      get(authPort, host, '/', idToken),
    )
    const strip = ({ current: _c, ...rest }: typeof viaGateway) => rest
    console.log(
      JSON.stringify({
        bench: 'gateway',
        measure: 'policy-freshness',
        'runiam gateway': strip(viaGateway),
        'nginx auth_request': strip(viaNginx),
        goal: '0 stale decisions: the request right after the setIamPolicy response sees it',
        met: viaGateway.staleDecisions === 0 && viaNginx.staleDecisions === 0,
      }),
    )
    await stop(nginx, 'SIGQUIT')
    await stop(runiam, 'SIGINT') // a clean exit writes the --cpu-prof profile
  } catch (error) {
    skip(failureReason(error, dir))
  } finally {
    agent.destroy()
    await children.stopAll()
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--cpu-prof')
  const dir = i > 0 ? process.argv[i + 1] : undefined
  await runGatewayBench(dir === undefined ? {} : { cpuProfDir: dir })
}
