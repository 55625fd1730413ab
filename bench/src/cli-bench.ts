// CLI start-up benchmark: how long one whole `runiam run services get-iam-policy` process takes
// against a live dev server, beside an empty `node -e 0` measured in the same run. The CLI must
// start fast (it never loads the CEL engine or the server), so the goal is ≤150 ms per run.
// If the CLI or server is not built or a set-up step fails, prints one `skipped` line saying why.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const BIN = join(ROOT, 'packages/cli/dist/bin.js')
const RUNS = 20
const SERVICE = 'bench-svc'
const PROJECT = 'bench-project'

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

async function waitHealthy(url: string, server: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`server exited with status ${server.exitCode}`)
    try {
      const response = await fetch(`${url}/healthz`)
      if (response.ok) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`server not healthy at ${url}/healthz after ${timeoutMs} ms`)
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

function timeRuns(args: string[], env: NodeJS.ProcessEnv): number[] {
  const times: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint()
    const r = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    const ms = Number(process.hrtime.bigint() - t0) / 1e6
    if (r.status !== 0) {
      throw new Error(`\`node ${args.join(' ')}\` exited ${r.status}: ${String(r.stderr).trim()}`)
    }
    times.push(ms)
  }
  return times
}

const skip = (reason: string): void =>
  console.log(JSON.stringify({ bench: 'cli', measure: 'get-iam-policy-process', skipped: reason }))

/** Runs the CLI benchmark and prints its line (or a skipped line). */
export async function runCliBench(): Promise<void> {
  if (!existsSync(BIN)) {
    skip(`CLI not built: ${BIN} missing (run npm run build)`)
    return
  }
  const dir = mkdtempSync(join(tmpdir(), 'runiam-cli-bench-'))
  const port = await freePort()
  const endpoint = `http://127.0.0.1:${port}`
  const env = {
    ...process.env,
    RUNIAM_CONFIG_DIR: join(dir, 'config'),
    RUNIAM_API_ENDPOINT: endpoint,
  }
  const server = spawn(
    process.execPath,
    [BIN, 'serve', '--dev', '--port', String(port), '--data', join(dir, 'data')],
    { env, stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let serverErr = ''
  server.stderr?.on('data', (chunk: Buffer) => {
    serverErr = (serverErr + chunk.toString()).slice(-2000)
  })
  try {
    await waitHealthy(endpoint, server, 30_000)
    const cli = (args: string[]): void => {
      const r = spawnSync(process.execPath, [BIN, ...args], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      if (r.status !== 0) {
        throw new Error(
          `\`runiam ${args.join(' ')}\` exited ${r.status}: ${String(r.stderr).trim()}`,
        )
      }
    }
    cli(['auth', 'login', 'admin@example.com'])
    cli(['config', 'set', 'project', PROJECT])
    cli(['projects', 'create', PROJECT])
    cli(['run', 'deploy', SERVICE, '--region', 'us-central1', '--upstream', 'http://127.0.0.1:9'])
    const getPolicy = [BIN, 'run', 'services', 'get-iam-policy', SERVICE, '--region', 'us-central1']
    timeRuns(getPolicy, env).slice(0, 2) // warm the file cache
    const runiam = timeRuns(getPolicy, env)
    const node = timeRuns(['-e', '0'], env)
    const runiamMedian = median(runiam)
    const nodeMedian = median(node)
    console.log(
      JSON.stringify({
        bench: 'cli',
        measure: 'get-iam-policy-process',
        runs: RUNS,
        runiam: { medianMs: round1(runiamMedian), minMs: round1(Math.min(...runiam)) },
        'node -e 0': { medianMs: round1(nodeMedian), minMs: round1(Math.min(...node)) },
        ratio: { 'runiam/node': round1(runiamMedian / nodeMedian) },
        overMedianNodeMs: round1(runiamMedian - nodeMedian),
        goal: '≤150 ms per whole-process run (median)',
        loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
        met: runiamMedian <= 150,
      }),
    )
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    skip(`${message}${serverErr === '' ? '' : ` | server stderr: ${serverErr.trim()}`}`)
  } finally {
    server.kill()
    await new Promise((r) => (server.exitCode !== null ? r(null) : server.once('exit', r)))
    rmSync(dir, { recursive: true, force: true })
  }
}

function round1(x: number): number {
  return Math.round(x * 10) / 10
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runCliBench()
