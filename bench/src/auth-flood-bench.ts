// Authentication flood benchmark: what forged self-signed JWTs (AIP-4111) cost a real `runiam
// serve` (SQLite, no --dev, access log on to a file, as in production) and what a flood of them
// does to everyone else's admin calls. The bootstrap service account is the target: it gets 10
// keys (Google's limit, so a token without `kid` has the most keys to try) and another account
// gets one (its key id is "a kid of another account"). Forged tokens name the bootstrap account
// and carry random signatures, fresh kid and jti each, so no cache can help.
//
// 1. Per request, one connection, one request at a time: latency p50/p99 and the server's CPU per
//    request for a valid known-kid JWT (GET a project: 200), a known kid with a bad signature,
//    an unknown kid, no kid, another account's kid, an access token claiming runiam's own issuer
//    under an unknown kid, and no credentials at all (the floor). Goal:
//    an unknown-kid JWT costs no more than a known-kid one.
// 2. A victim calling GET project with a valid self-signed JWT, one call at a time: p50 alone and
//    during a flood (another process, `--flood-rate` requests/s over 32 connections; 0 = as fast as
//    the connections allow) of each forged kind, beside the same flood of credential-less requests
//    (the peer: any flood costs at least that). Goal: p50 during a flood ≤ 2× p50 alone.
//
// `--bin PATH` runs another build's CLI (e.g. an older commit's worktree); `--cpu-prof DIR` runs
// the server under `node --cpu-prof`. Prints a `skipped` line if the server cannot be set up.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createSign, randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { round } from './measure.js'
import { BIN, failureReason, startServe, stop, type Serve, waitFor } from './processes.js'

const PROJECT = 'auth-flood'
const AUDIENCE = 'https://cloudresourcemanager.googleapis.com/'
const FLOOD_CONNECTIONS = 32
const VICTIM_SAMPLES = 300
const COST_BUDGET_MS = 3000
const COST_MAX = 3000

const b64url = (x: Buffer | string): string => Buffer.from(x).toString('base64url')

interface KeyFile {
  readonly client_email: string
  readonly private_key: string
  readonly private_key_id: string
}

/** A self-signed JWT as google-auth-library's JWTAccess makes it (RS256, kid = key id). */
function selfSignedJwt(key: KeyFile): string {
  const now = Math.floor(Date.now() / 1000)
  const head = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: key.private_key_id }))
  const body = b64url(
    JSON.stringify({
      iss: key.client_email,
      sub: key.client_email,
      aud: AUDIENCE,
      iat: now,
      exp: now + 3600,
    }),
  )
  const signature = createSign('RSA-SHA256').update(`${head}.${body}`).sign(key.private_key)
  return `${head}.${body}.${b64url(signature)}`
}

type ForgedKind = 'unknown-kid' | 'no-kid' | 'other-account-kid' | 'runiam-unknown-kid'
type Kind = 'known-kid' | 'known-kid-bad-signature' | ForgedKind | 'no-credentials'

/**
 * A forged token naming `email`, never signed (a random 256-byte signature), with a fresh jti (and
 * kid, when unknown) each time. Self-contained apart from randomBytes and AUDIENCE, because the
 * flood process runs its source too (FLOOD_JS), so the bench and the flood forge alike.
 */
function forge(
  kind: string,
  email: string,
  kids: { own: string; other: string; issuer: string },
): string {
  const enc = (x: Buffer | string): string => Buffer.from(x).toString('base64url')
  const now = Math.floor(Date.now() / 1000)
  // runiam-unknown-kid: an access token claiming runiam's own issuer under a made-up kid, which
  // may make the server reload its signing keys (at most once a second).
  const runiam = kind === 'runiam-unknown-kid'
  const kid =
    kind === 'unknown-kid' || runiam
      ? randomBytes(20).toString('hex')
      : kind === 'other-account-kid'
        ? kids.other
        : kind === 'known-kid-bad-signature'
          ? kids.own
          : undefined
  const typ = runiam ? 'at+jwt' : 'JWT'
  const header = kid === undefined ? { alg: 'RS256', typ } : { alg: 'RS256', typ, kid }
  const claims = {
    iss: runiam ? kids.issuer : email,
    sub: email,
    aud: runiam ? kids.issuer : AUDIENCE,
    iat: now,
    exp: now + 3600,
    jti: randomBytes(8).toString('hex'),
  }
  return `${enc(JSON.stringify(header))}.${enc(JSON.stringify(claims))}.${enc(randomBytes(256))}`
}

/**
 * The flood, in its own process. argv: url path kind rate connections email kidsJson. Sends until
 * SIGTERM, then prints {sent, answered, perSec}. rate 0: closed loop (each connection sends its
 * next request when the last is answered); otherwise open loop at `rate`/s, never more than
 * `connections` in flight (requests that would exceed it are not sent, and not counted).
 */
const FLOOD_JS = `
const http = require('node:http')
const { randomBytes } = require('node:crypto')
const AUDIENCE = ${JSON.stringify(AUDIENCE)}
${forge.toString()}
const [url, path, kind, rateArg, connArg, email, kidsJson] = process.argv.slice(1)
const rate = Number(rateArg), connections = Number(connArg), kids = JSON.parse(kidsJson)
const agent = new http.Agent({ keepAlive: true, maxSockets: connections })
const target = new URL(url)
let inflight = 0, sent = 0, answered = 0
const started = Date.now()
function send() {
  if (inflight >= connections) return
  inflight++; sent++
  const headers = kind === 'no-credentials' ? {} : { authorization: 'Bearer ' + forge(kind, email, kids) }
  const req = http.request({ host: target.hostname, port: target.port, path, agent, headers }, (res) => {
    res.resume()
    res.on('end', () => { inflight--; answered++; if (rate === 0) send() })
  })
  req.on('error', () => { inflight--; if (rate === 0) setTimeout(send, 10) })
  req.end()
}
if (rate === 0) for (let i = 0; i < connections; i++) send()
else {
  const perTick = rate / 100
  let credit = 0
  setInterval(() => { credit += perTick; while (credit >= 1) { credit--; send() } }, 10)
}
process.on('SIGTERM', () => {
  const s = (Date.now() - started) / 1000
  process.stdout.write(JSON.stringify({ sent, answered, perSec: Math.round(answered / s) }) + '\\n')
  process.exit(0)
})
process.stdout.write('ready\\n')
`

/** Reads the server's CPU time (user + system), ms, from /proc (Linux); undefined elsewhere. */
function cpuMs(pid: number, tickHz: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / tickHz
  } catch {
    return undefined
  }
}

function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN
}

class Client {
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 1 })
  readonly base: string
  constructor(base: string) {
    this.base = base
  }

  /** One request; resolves with its status and the time it took, ms. */
  call(
    method: string,
    path: string,
    bearer?: string,
    body?: unknown,
  ): Promise<{ status: number; ms: number; text: string }> {
    const url = new URL(this.base)
    const text = body === undefined ? undefined : JSON.stringify(body)
    return new Promise((res, rej) => {
      const t0 = process.hrtime.bigint()
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path,
          method,
          agent: this.#agent,
          headers: {
            ...(bearer === undefined ? {} : { authorization: `Bearer ${bearer}` }),
            ...(text === undefined
              ? {}
              : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }),
          },
        },
        (r) => {
          let out = ''
          r.on('data', (d: Buffer) => (out += d.toString()))
          r.on('end', () =>
            res({
              status: r.statusCode ?? 0,
              ms: Number(process.hrtime.bigint() - t0) / 1e6,
              text: out,
            }),
          )
        },
      )
      req.on('error', rej)
      req.end(text)
    })
  }

  close(): void {
    this.#agent.destroy()
  }
}

interface Sample {
  readonly p50Ms: number
  readonly p99Ms: number
  readonly samples: number
}

function summarize(times: number[]): Sample {
  const sorted = [...times].sort((a, b) => a - b)
  return {
    p50Ms: round(percentile(sorted, 0.5), 3),
    p99Ms: round(percentile(sorted, 0.99), 3),
    samples: sorted.length,
  }
}

const skip = (reason: string): void =>
  console.log(JSON.stringify({ bench: 'auth-flood', skipped: reason }))

export interface AuthFloodOptions {
  /** The CLI to run (`runiam serve`): default this checkout's build. */
  readonly bin?: string
  readonly cpuProfDir?: string
  /** Flood requests per second; 0 = closed loop over the flood's connections. */
  readonly floodRate?: number
}

export async function runAuthFloodBench(options: AuthFloodOptions = {}): Promise<void> {
  const bin = options.bin ?? BIN
  const floodRate = options.floodRate ?? 1000
  if (!existsSync(bin)) return skip(`CLI not built: ${bin} missing (run npm run build)`)
  const dir = mkdtempSync(join(tmpdir(), 'runiam-auth-flood-'))
  const tickHz = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100
  let server: Serve | undefined
  let clientToClose: Client | undefined
  let flood: ChildProcess | undefined
  try {
    server = await startServe(dir, { dev: false, bin, cpuProfDir: options.cpuProfDir })
    const { child: serverProcess, api: base } = server
    const client = new Client(base)
    clientToClose = client
    const keyPath = join(dir, 'data', 'bootstrap-key.json')
    await waitFor('bootstrap key file', () => Promise.resolve(existsSync(keyPath)))
    const key = JSON.parse(readFileSync(keyPath, 'utf8')) as KeyFile
    const email = key.client_email
    const valid = selfSignedJwt(key)
    const must = async (method: string, path: string, body?: unknown): Promise<string> => {
      const r = await client.call(method, path, valid, body)
      if (r.status !== 200) throw new Error(`${method} ${path}: ${r.status} ${r.text}`)
      return r.text
    }
    await must('POST', '/v1/projects', { projectId: PROJECT })
    await waitFor(
      'project',
      async () => (await client.call('GET', `/v1/projects/${PROJECT}`, valid)).status === 200,
    )
    // 10 keys on the target account (Google's limit): the most a kid-less token can be tried with.
    const ownKeys = JSON.parse(
      await must('GET', `/v1/projects/-/serviceAccounts/${email}/keys`),
    ) as {
      keys?: unknown[]
    }
    for (let n = ownKeys.keys?.length ?? 0; n < 10; n++) {
      await must('POST', `/v1/projects/-/serviceAccounts/${email}/keys`, {})
    }
    const other = JSON.parse(
      await must('POST', `/v1/projects/${PROJECT}/serviceAccounts`, { accountId: 'other-account' }),
    ) as { email: string }
    const otherKey = JSON.parse(
      await must('POST', `/v1/projects/-/serviceAccounts/${other.email}/keys`, {}),
    ) as { name: string }
    const kids = {
      own: key.private_key_id,
      other: otherKey.name.split('/').at(-1) ?? '',
      // runiam's issuer: the server's own address (no --issuer-url here).
      issuer: base,
    }
    const victimPath = `/v1/projects/${PROJECT}`
    const tokenFor = (kind: Kind): string | undefined =>
      kind === 'known-kid'
        ? valid
        : kind === 'no-credentials'
          ? undefined
          : forge(kind, email, kids)

    // 1. Per-request cost, one request at a time.
    const kinds: Kind[] = [
      'known-kid',
      'known-kid-bad-signature',
      'unknown-kid',
      'no-kid',
      'other-account-kid',
      'runiam-unknown-kid',
      'no-credentials',
    ]
    const cost: Record<string, Sample & { status: number; serverCpuUs?: number }> = {}
    for (const kind of kinds) {
      for (let i = 0; i < 50; i++) await client.call('GET', victimPath, tokenFor(kind))
      const times: number[] = []
      let status = 0
      const cpu0 = cpuMs(serverProcess.pid ?? 0, tickHz)
      const deadline = Date.now() + COST_BUDGET_MS
      while (times.length < COST_MAX && Date.now() < deadline) {
        const r = await client.call('GET', victimPath, tokenFor(kind))
        status = r.status
        times.push(r.ms)
      }
      const cpu1 = cpuMs(serverProcess.pid ?? 0, tickHz)
      cost[kind] = {
        ...summarize(times),
        status,
        ...(cpu0 === undefined || cpu1 === undefined
          ? {}
          : { serverCpuUs: Math.round(((cpu1 - cpu0) * 1000) / times.length) }),
      }
    }
    const unknown = cost['unknown-kid']
    const known = cost['known-kid']
    const knownBad = cost['known-kid-bad-signature']
    console.log(
      JSON.stringify({
        bench: 'auth-flood',
        measure: 'per-request-cost',
        server: `${bin === BIN ? 'this build' : bin}: SQLite, no --dev, access log to a file`,
        request: `GET ${victimPath}, one connection, one request at a time`,
        kinds: cost,
        ratio: {
          'unknown-kid/known-kid p50': round((unknown?.p50Ms ?? 0) / (known?.p50Ms ?? 1), 2),
          'unknown-kid/known-kid-bad-signature p50': round(
            (unknown?.p50Ms ?? 0) / (knownBad?.p50Ms ?? 1),
            2,
          ),
        },
        goal: 'an unknown-kid JWT costs no more than a known-kid one (p50)',
        loadAverage1m: round(loadavg()[0] ?? 0, 2),
        met: (unknown?.p50Ms ?? Infinity) <= (known?.p50Ms ?? 0),
      }),
    )

    // 2. The victim's p50 alone and during each flood.
    const victim = async (): Promise<Sample> => {
      const times: number[] = []
      for (let i = 0; i < VICTIM_SAMPLES; i++) {
        const r = await client.call('GET', victimPath, valid)
        if (r.status !== 200) throw new Error(`victim call: ${r.status} ${r.text}`)
        times.push(r.ms)
      }
      return summarize(times)
    }
    const during = async (kind: ForgedKind | 'no-credentials') => {
      const alone = await victim()
      flood = spawn(
        process.execPath,
        [
          '-e',
          FLOOD_JS,
          base,
          victimPath,
          kind,
          String(floodRate),
          String(FLOOD_CONNECTIONS),
          email,
          JSON.stringify(kids),
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      )
      let out = ''
      flood.stdout?.on('data', (d: Buffer) => (out += d.toString()))
      await waitFor('flood', () => Promise.resolve(out.includes('ready')))
      await new Promise((r) => setTimeout(r, 500)) // let the flood reach its pace
      const sample = await victim()
      await stop(flood)
      flood = undefined
      const stats = JSON.parse(out.split('\n').find((l) => l.startsWith('{')) ?? '{}') as {
        perSec?: number
      }
      return { alone, during: sample, floodAnsweredPerSec: stats.perSec ?? 0 }
    }
    const peer = await during('no-credentials')
    for (const kind of [
      'unknown-kid',
      'no-kid',
      'other-account-kid',
      'runiam-unknown-kid',
    ] as const) {
      const r = await during(kind)
      const ratio = round(r.during.p50Ms / r.alone.p50Ms, 2)
      console.log(
        JSON.stringify({
          bench: 'auth-flood',
          measure: 'admin-p50-during-flood',
          flood: kind,
          floodRate: floodRate === 0 ? 'closed loop' : `${floodRate}/s`,
          floodConnections: FLOOD_CONNECTIONS,
          floodAnsweredPerSec: r.floodAnsweredPerSec,
          victim: `GET ${victimPath} with a valid self-signed JWT, one at a time`,
          alone: r.alone,
          during: r.during,
          ratio: { 'during/alone p50': ratio },
          peer: {
            flood: 'no-credentials (the same flood without any Authorization header)',
            floodAnsweredPerSec: peer.floodAnsweredPerSec,
            alone: peer.alone,
            during: peer.during,
            ratio: { 'during/alone p50': round(peer.during.p50Ms / peer.alone.p50Ms, 2) },
          },
          goal: 'p50 during the flood ≤ 2× p50 alone',
          loadAverage1m: round(loadavg()[0] ?? 0, 2),
          met: ratio <= 2,
        }),
      )
    }
    await stop(serverProcess, 'SIGINT') // a clean exit writes the --cpu-prof profile
  } catch (error) {
    skip(failureReason(error, dir))
  } finally {
    clientToClose?.close()
    if (flood !== undefined) await stop(flood)
    if (server !== undefined) await stop(server.child)
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name: string): string | undefined => {
    const i = process.argv.indexOf(name)
    return i > 0 ? process.argv[i + 1] : undefined
  }
  const bin = arg('--bin')
  const cpuProfDir = arg('--cpu-prof')
  const rate = arg('--flood-rate')
  await runAuthFloodBench({
    ...(bin === undefined ? {} : { bin: resolve(bin) }),
    ...(cpuProfDir === undefined ? {} : { cpuProfDir }),
    ...(rate === undefined ? {} : { floodRate: Number(rate) }),
  })
}
