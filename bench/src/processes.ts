// Process helpers shared by the benchmarks that run the built CLI: a free port, polling until
// something is up, `runiam serve` in its own process (stderr, the access log, to a file in the
// run's folder), the CLI with a private config folder, and dev-login tokens.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
/** This checkout's built CLI (`npm run build`). */
export const BIN = join(ROOT, 'packages/cli/dist/bin.js')

/** A TCP port on 127.0.0.1 that nothing listens on (free when asked, so taken by the caller). */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer()
    s.once('error', rej)
    s.listen(0, '127.0.0.1', () => {
      const a = s.address()
      const port = typeof a === 'object' && a !== null ? a.port : 0
      s.close(() => res(port))
    })
  })
}

/** Polls `probe` every 50 ms until it answers true (a throw counts as not yet) or `ms` pass. */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean>,
  ms = 30_000,
): Promise<void> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    try {
      if (await probe()) return
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`${what} did not come up in ${ms} ms`)
}

/** Stops a child (if it still runs) and waits for it to exit. */
export async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((r) => child.once('exit', r))
  child.kill(signal)
  await exited
}

export interface Serve {
  readonly child: ChildProcess
  readonly port: number
  /** http://127.0.0.1:port */
  readonly api: string
}

export interface ServeOptions {
  /** `--dev`: the dev-login grant (devLogin); without it, a bootstrap account, key in data/. */
  readonly dev: boolean
  /** The CLI to run: default this checkout's build. */
  readonly bin?: string
  /** Runs the server under `node --cpu-prof`, the profile written here on a clean exit. */
  readonly cpuProfDir?: string | undefined
  /** More `serve` flags (e.g. --database URL). */
  readonly args?: readonly string[]
  /** `--database URL`: PostgreSQL instead of the SQLite file in `dir`/data. */
  readonly database?: string | undefined
}

const logFile = (dir: string): string => join(dir, 'runiam.log')

/**
 * `runiam serve` on a free port with its data in `dir`/data and its stderr (access log, errors)
 * in `dir`/runiam.log; resolves once /healthz answers. If the server exits or does not come up,
 * it is stopped and the promise rejects (failureReason(error, dir) adds the log's tail).
 */
export async function startServe(dir: string, options: ServeOptions): Promise<Serve> {
  const port = await freePort()
  const api = `http://127.0.0.1:${port}`
  const nodeArgs =
    options.cpuProfDir === undefined
      ? []
      : (mkdirSync(options.cpuProfDir, { recursive: true }),
        ['--cpu-prof', '--cpu-prof-dir', resolve(options.cpuProfDir)])
  const args = [
    ...(options.dev ? ['--dev'] : []),
    '--port',
    String(port),
    '--data',
    join(dir, 'data'),
    ...(options.args ?? []),
    ...(options.database === undefined ? [] : ['--database', options.database]),
  ]
  const logFd = openSync(logFile(dir), 'w')
  const child = spawn(process.execPath, [...nodeArgs, options.bin ?? BIN, 'serve', ...args], {
    stdio: ['ignore', 'ignore', logFd],
  })
  closeSync(logFd)
  const exited = (): boolean => child.exitCode !== null || child.signalCode !== null
  try {
    await waitFor('runiam', async () => exited() || (await fetch(`${api}/healthz`)).ok)
    if (exited()) throw new Error(`runiam serve exited (${child.exitCode ?? child.signalCode})`)
  } catch (error) {
    await stop(child)
    throw error
  }
  return { child, port, api }
}

/** The error's message, with the tail of the server's log in `dir` when there is one. */
export function failureReason(error: unknown, dir: string): string {
  const message = error instanceof Error ? error.message : String(error)
  const path = logFile(dir)
  const log = existsSync(path) ? readFileSync(path, 'utf8').slice(-1500) : ''
  return `${message}${log ? ` | runiam: ${log}` : ''}`
}

/** The CLI's environment: its own config folder and HOME under `dir`, talking to `api`. */
export function cliEnv(
  dir: string,
  api: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '',
    HOME: dir,
    RUNIAM_CONFIG_DIR: join(dir, 'config'),
    RUNIAM_API_ENDPOINT: api,
    ...extra,
  }
}

/** Runs this checkout's CLI with `env`: its stdout, or an error carrying its stderr. */
export function runiamCli(env: NodeJS.ProcessEnv): (args: readonly string[]) => string {
  return (args) => {
    const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`runiam ${args.join(' ')} exited ${r.status}: ${r.stderr}`)
    return r.stdout
  }
}

/**
 * Tokens from a `serve --dev` server's dev-login grant for `subject`: an access token, and an ID
 * token for `audience` when one is given.
 */
export async function devLogin(
  api: string,
  subject: string,
  audience?: string,
): Promise<{ access_token: string; id_token: string }> {
  const r = await fetch(`${api}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'urn:runiam:params:oauth:grant-type:dev-login',
      subject,
      ...(audience === undefined ? {} : { audience }),
    }),
  })
  return (await r.json()) as { access_token: string; id_token: string }
}

const TICK_HZ = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100

/**
 * The CPU time (user + system, ms) of a process and all its descendants (a node:cluster primary
 * and its workers), from /proc (Linux); undefined elsewhere.
 */
export function treeCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined || processCpuMs(pid) === undefined) return undefined
  const parents = new Map<number, number[]>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)])
    } catch {
      // gone meanwhile
    }
  }
  let total = 0
  const visit = (p: number): void => {
    total += processCpuMs(p) ?? 0
    for (const child of parents.get(p) ?? []) visit(child)
  }
  visit(pid)
  return total
}

/** A process's CPU time (user + system), ms, from /proc (Linux); undefined elsewhere. */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICK_HZ
  } catch {
    return undefined
  }
}
