// CLI start-up benchmark: how long one whole `runiam run services get-iam-policy` process takes
// against a live dev server, beside an empty `node -e 0` measured in the same run, run by run
// (CLI, node, CLI, node, …) so that load from other processes weighs on both alike. The CLI must
// start fast (it loads only the modules the command uses: never the CEL engine, the server, the
// route table or the role catalog), so the goal is ≤100 ms per run (issue 8). The line says whether
// NODE_EXTRA_CA_CERTS is set: node then parses that file's certificates before running any code
// (with the whole system bundle, over four fifths of a `node -e 0`'s instructions), in both runs.
// When it is set, the same pair is also timed with it removed (`withoutExtraCaCerts`), so the line
// shows what the CLI itself costs beside what that variable costs every node process; `met` is
// judged on the environment as inherited.
// It times the command as users run it: the npm bin (packages/cli/bin/runiam.cjs), which runs the
// bundled CommonJS launcher. If the CLI or server is not built or a set-up step fails, prints one
// `skipped` line saying why.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { median, round } from './measure.js'
import { BIN, ROOT, failureReason, runiamCli, startServe, stop, type Serve } from './processes.js'

const RUNS = 20
const SERVICE = 'bench-svc'
const PROJECT = 'bench-project'
/** What npm links as `runiam`. */
const RUNIAM = join(ROOT, 'packages/cli/bin/runiam.cjs')

/** One whole-process run of `node ARGS`, in ms; throws if it fails. */
function timeRun(args: string[], env: NodeJS.ProcessEnv): number {
  const t0 = process.hrtime.bigint()
  const r = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  if (r.status !== 0) {
    throw new Error(`\`node ${args.join(' ')}\` exited ${r.status}: ${String(r.stderr).trim()}`)
  }
  return ms
}

/**
 * RUNS runs of each command, interleaved (a, b, a, b, …): a burst of load from the other processes
 * on the machine then slows both alike instead of one whole series.
 */
function timePairs(a: string[], b: string[], env: NodeJS.ProcessEnv): [number[], number[]] {
  const as: number[] = []
  const bs: number[] = []
  for (let i = 0; i < RUNS; i++) {
    as.push(timeRun(a, env))
    bs.push(timeRun(b, env))
  }
  return [as, bs]
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
  let server: Serve | undefined
  try {
    server = await startServe(dir, { dev: true })
    // The whole inherited environment, as a user's shell has it (NODE_OPTIONS,
    // NODE_EXTRA_CA_CERTS and the like change how long every node process takes to start).
    const env = {
      ...process.env,
      RUNIAM_CONFIG_DIR: join(dir, 'config'),
      RUNIAM_API_ENDPOINT: server.api,
    }
    const cli = runiamCli(env)
    cli(['auth', 'login', 'admin@example.com'])
    cli(['config', 'set', 'project', PROJECT])
    cli(['projects', 'create', PROJECT])
    cli(['run', 'deploy', SERVICE, '--region', 'us-central1', '--upstream', 'http://127.0.0.1:9'])
    const getPolicy = [
      RUNIAM,
      'run',
      'services',
      'get-iam-policy',
      SERVICE,
      '--region',
      'us-central1',
    ]
    // Warm the file cache (and write the CLI's code cache).
    for (let i = 0; i < 2; i++) timeRun(getPolicy, env)
    const [runiam, node] = timePairs(getPolicy, ['-e', '0'], env)
    const runiamMedian = median(runiam)
    const nodeMedian = median(node)
    const extraCaCerts = (process.env['NODE_EXTRA_CA_CERTS'] ?? '') !== ''
    let withoutExtraCaCerts: Record<string, unknown> | undefined
    if (extraCaCerts) {
      const bare = { ...env, NODE_EXTRA_CA_CERTS: '' }
      const [rs, ns] = timePairs(getPolicy, ['-e', '0'], bare)
      const r = median(rs)
      const n = median(ns)
      withoutExtraCaCerts = {
        runiamMedianMs: round(r, 1),
        nodeMedianMs: round(n, 1),
        overMedianNodeMs: round(r - n, 1),
      }
    }
    console.log(
      JSON.stringify({
        bench: 'cli',
        measure: 'get-iam-policy-process',
        runs: RUNS,
        runiam: { medianMs: round(runiamMedian, 1), minMs: round(Math.min(...runiam), 1) },
        'node -e 0': { medianMs: round(nodeMedian, 1), minMs: round(Math.min(...node), 1) },
        ratio: { 'runiam/node': round(runiamMedian / nodeMedian, 1) },
        overMedianNodeMs: round(runiamMedian - nodeMedian, 1),
        goal: '≤100 ms per whole-process run (median)',
        nodeExtraCaCerts: extraCaCerts,
        ...(withoutExtraCaCerts === undefined ? {} : { withoutExtraCaCerts }),
        loadAverage1m: round(loadavg()[0] ?? 0),
        met: runiamMedian <= 100,
      }),
    )
  } catch (error) {
    skip(failureReason(error, dir))
  } finally {
    if (server !== undefined) await stop(server.child)
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runCliBench()
