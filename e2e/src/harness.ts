// Black-box harness for end-to-end tests: spawns the built `runiam serve` and the built `runiam`
// CLI as real processes (no internals imported), each user with a config dir of their own.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)))
export const BIN = join(ROOT, 'packages/cli/dist/bin.js')

export interface ServerProcess {
  readonly url: string
  readonly dataDir: string
  /** Without --dev: the bootstrap service account's key file (owner of the organization). */
  readonly bootstrapKeyFile: string
  readonly logs: () => string
  /** SIGTERM, then waits for exit; resolves with the exit status (null: ended by a signal). */
  stop(): Promise<number | null>
}

/**
 * Starts `runiam serve --dev --port 0` on a fresh data folder (or the given extra flags). With
 * `dev: false` the server runs as in production: no dev login, and the bootstrap service account's
 * key file (`bootstrapKeyFile`) is the way in.
 */
export async function startServer(
  extra: readonly string[] = [],
  options: { dataDir?: string; keepData?: boolean; dev?: boolean } = {},
): Promise<ServerProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'runiam-e2e-'))
  const child: ChildProcess = spawn(
    process.execPath,
    [
      BIN,
      'serve',
      ...(options.dev === false ? [] : ['--dev']),
      '--data',
      dataDir,
      ...(extra.includes('--port') ? [] : ['--port', '0']),
      ...extra,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let out = ''
  let err = ''
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()))
  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`server did not start:\n${out}\n${err}`)), 20_000)
    const check = () => {
      const m = /serving on (http:\/\/\S+)/.exec(out)
      if (m?.[1] !== undefined) {
        clearTimeout(timer)
        res(m[1])
      }
    }
    child.stdout?.on('data', check)
    child.once('exit', (code) => {
      clearTimeout(timer)
      rej(new Error(`server exited with ${code}:\n${out}\n${err}`))
    })
  })
  return {
    url,
    dataDir,
    bootstrapKeyFile: join(dataDir, 'bootstrap-key.json'),
    logs: () => err,
    async stop() {
      // Ended by a signal (a test killed it), it has no exit code, and no exit to wait for.
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r))
        child.kill('SIGTERM')
        await exited
      }
      if (options.keepData !== true) rmSync(dataDir, { recursive: true, force: true })
      return child.exitCode
    },
  }
}

export interface CliResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** A person at a terminal: their own RUNIAM_CONFIG_DIR, pointed at the server. */
export interface User {
  readonly email: string
  run(args: readonly string[], input?: string): Promise<CliResult>
}

export function cli(
  args: readonly string[],
  env: Record<string, string>,
  input?: string,
): Promise<CliResult> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env['PATH'] ?? '', HOME: env['HOME'] ?? tmpdir(), ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.once('error', rej)
    child.once('close', (code) => res({ code: code ?? -1, stdout, stderr }))
    child.stdin.end(input ?? '')
  })
}

/** Logs `email` in (dev identity) in a fresh config dir and returns a handle to act as them. */
export async function login(server: ServerProcess, email: string, project?: string): Promise<User> {
  const dir = mkdtempSync(join(tmpdir(), 'runiam-user-'))
  const env: Record<string, string> = {
    RUNIAM_CONFIG_DIR: dir,
    RUNIAM_API_ENDPOINT: server.url,
    RUNIAM_REGION: 'us-central1',
    HOME: dir,
    ...(project === undefined ? {} : { RUNIAM_PROJECT: project }),
  }
  const r = await cli(['auth', 'login', email], env)
  if (r.code !== 0) throw new Error(`login ${email} failed: ${r.stderr}`)
  return { email, run: (args, input) => cli(args, env, input) }
}

/** A fresh config dir with `keyFile`'s service account activated (a server without --dev). */
export async function keyFileUser(
  server: ServerProcess,
  keyFile: string,
  project?: string,
): Promise<User> {
  const dir = mkdtempSync(join(tmpdir(), 'runiam-sa-user-'))
  const env: Record<string, string> = {
    RUNIAM_CONFIG_DIR: dir,
    RUNIAM_API_ENDPOINT: server.url,
    RUNIAM_REGION: 'us-central1',
    HOME: dir,
    ...(project === undefined ? {} : { RUNIAM_PROJECT: project }),
  }
  const r = await cli(['auth', 'activate-service-account', '--key-file', keyFile], env)
  if (r.code !== 0) throw new Error(`activating ${keyFile} failed: ${r.stderr}`)
  const email = /\[(.+)\]/.exec(r.stderr)?.[1] ?? ''
  return { email, run: (args, input) => cli(args, env, input) }
}

/** An ID token for `email` with `audience`, from the dev identity's token endpoint. */
export async function idToken(
  server: ServerProcess,
  email: string,
  audience: string,
): Promise<string> {
  const res = await fetch(`${server.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'urn:runiam:params:oauth:grant-type:dev-login',
      subject: email,
      audience,
    }),
  })
  if (res.status !== 200)
    throw new Error(`dev login of ${email} failed: ${res.status} ${await res.text()}`)
  return ((await res.json()) as { id_token: string }).id_token
}

export interface Reply {
  readonly status: number
  readonly body: string
  readonly headers: Record<string, string | string[] | undefined>
}

/**
 * A request to a service: sent to the server's socket with the service URL's Host header (service
 * hosts under *.run.localhost do not resolve on most machines).
 */
export function invokeService(
  server: ServerProcess,
  serviceUrl: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const target = new URL(serviceUrl)
  const at = new URL(server.url)
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: at.hostname,
        port: at.port,
        path,
        method: 'GET',
        headers: { host: target.host, ...headers },
      },
      (res) => {
        let body = ''
        res.on('data', (d: Buffer) => (body += d.toString()))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }))
      },
    )
    req.on('error', reject)
    req.end()
  })
}
