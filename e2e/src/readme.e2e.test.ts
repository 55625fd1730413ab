// The README as a new user meets it: a fresh `git clone` of this repository in a temporary folder,
// `npm install`, `npm start`, then every command line that the README's quick start, the start
// banner and "Putting an existing app behind the gateway" print, run by bash as written (parsed out
// of README.md and the banner, so this test fails when they drift from what works). Each line must
// succeed, or fail exactly where its comment says (`# 403 …`, `… PERMISSION_DENIED`).
//
// What is cloned is the committed HEAD of the repository holding this file: uncommitted changes
// are not part of the run. Departures from the letter of the README, each forced by the test
// setting: `npm start` gets `-- --port 0` (8080 may be taken), so the README's
// http://127.0.0.1:8080 is replaced by the server's address and RUNIAM_API_ENDPOINT is set as the
// banner says; the app section's placeholders (127.0.0.1:3000, /path/to/server.js) are replaced by
// an app and a program this test provides; and `npm test` is not run (it would run this suite).
//
// `npm install`: a real one takes one to three minutes on our shared machines, so by default the
// clone gets the checkout's installed packages instead (a node_modules of symlinks to them, with
// the workspace links and `.bin/runiam` made as npm makes them), `npm install --dry-run` shows
// what a real install would print (engine warnings included), and the committed bin target npm
// links is checked. RUNIAM_README_FULL_INSTALL=1 or CI=true runs the real `npm install
// --prefer-offline` in the clone.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT } from './harness.js'

const run = promisify(execFile)
const FULL_INSTALL =
  process.env['RUNIAM_README_FULL_INSTALL'] === '1' || process.env['CI'] === 'true'
const README = readFileSync(join(ROOT, 'README.md'), 'utf8')
const work = mkdtempSync(join(tmpdir(), 'runiam-readme-'))
const clone = join(work, 'runiam')
/** The environment of the user's shell: their PATH, but a home (and runiam config) of their own. */
const baseEnv = (): Record<string, string> => {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith('RUNIAM_') && !k.startsWith('npm_')) env[k] = v
  return env
}

let server: ChildProcess | undefined
let serverOut = ''
let url = ''
let upstream: Server
let installLog = ''
/** The quick start's terminal: the app section continues in it, as a reader would. */
let readmeHome = ''

/**
 * The checkout's installed packages for the clone: each top-level package a symlink to the
 * checkout's, the workspace links relative (so they reach the clone's own packages), the `.bin`
 * links copied (they are relative too), and `runiam` linked from the clone's package.json `bin`.
 */
function linkInstalledPackages(): void {
  const from = join(ROOT, 'node_modules')
  const to = join(clone, 'node_modules')
  mkdirSync(join(to, '.bin'), { recursive: true })
  for (const entry of readdirSync(from)) {
    if (entry.startsWith('.')) continue
    if (entry === '@runiam') {
      mkdirSync(join(to, entry))
      for (const pkg of readdirSync(join(from, entry)))
        symlinkSync(readlinkSync(join(from, entry, pkg)), join(to, entry, pkg))
    } else symlinkSync(join(from, entry), join(to, entry))
  }
  for (const bin of readdirSync(join(from, '.bin')))
    if (bin !== 'runiam') symlinkSync(readlinkSync(join(from, '.bin', bin)), join(to, '.bin', bin))
  const cli = JSON.parse(readFileSync(join(clone, 'packages/cli/package.json'), 'utf8')) as {
    bin: Record<string, string>
  }
  for (const [name, target] of Object.entries(cli.bin))
    symlinkSync(join('..', '@runiam', 'cli', target), join(to, '.bin', name))
}

/** The ```sh blocks of the README section whose heading starts with `heading`. */
function shBlocks(heading: string): string[] {
  const start = README.indexOf(`\n## ${heading}`)
  expect(start, `README section "${heading}"`).toBeGreaterThanOrEqual(0)
  const end = README.indexOf('\n## ', start + 1)
  const section = README.slice(start, end === -1 ? undefined : end)
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] as string)
}

/** Command lines of a block: blank and comment-only lines dropped. */
function commandLines(block: string): string[] {
  return block
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
}

interface LineResult {
  readonly line: string
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs the lines in one bash session (variables carry over, as in a terminal), recording each
 * line's exit status and output. `curl` is wrapped to also print the HTTP status on a last line.
 */
async function runLines(
  lines: readonly string[],
  env: Record<string, string>,
): Promise<LineResult[]> {
  const out = mkdtempSync(join(work, 'lines-'))
  const script = [
    `curl() { command curl -sS -w '\\n%{http_code}' "$@"; }`,
    ...lines.map(
      (line, i) => `{ ${line}\n} >"${out}/${i}.out" 2>"${out}/${i}.err"; echo $? >"${out}/${i}.rc"`,
    ),
  ].join('\n')
  await new Promise<void>((resolve, reject) => {
    const bash = spawn('bash', ['-c', script], { cwd: clone, env, stdio: 'ignore' })
    bash.once('error', reject)
    bash.once('exit', () => resolve())
  })
  return lines.map((line, i) => ({
    line,
    code: Number(readFileSync(join(out, `${i}.rc`), 'utf8')),
    stdout: readFileSync(join(out, `${i}.out`), 'utf8'),
    stderr: readFileSync(join(out, `${i}.err`), 'utf8'),
  }))
}

/** What a line's comment promises: a refusal, an HTTP status, a name in the answer. */
function check(r: LineResult): void {
  const comment = /\s#\s(.*)$/.exec(r.line)?.[1] ?? ''
  const what = `${r.line}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`
  if (comment.includes('PERMISSION_DENIED')) {
    expect(r.code, what).toBe(1)
    expect(r.stderr, what).toContain('PERMISSION_DENIED')
    return
  }
  expect(r.code, what).toBe(0)
  if (r.line.startsWith('curl ')) {
    const status = Number(r.stdout.trim().split('\n').at(-1))
    expect(status, what).toBe(Number(/^(\d{3})\b/.exec(comment)?.[1] ?? 200))
    const naming = /naming (\w+)/.exec(comment)?.[1]
    if (naming !== undefined) expect(r.stdout, what).toContain(naming)
  }
}

beforeAll(async () => {
  const head = (await run('git', ['rev-parse', 'HEAD'], { cwd: ROOT })).stdout.trim()
  await run('git', ['clone', '--quiet', '--no-checkout', ROOT, clone])
  await run('git', ['checkout', '--quiet', '--detach', head], { cwd: clone })
  const install = await run(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      ...(FULL_INSTALL ? [] : ['--dry-run']),
    ],
    { cwd: clone, env: baseEnv(), maxBuffer: 16 << 20 },
  )
  installLog = install.stdout + install.stderr
  if (!FULL_INSTALL) linkInstalledPackages()
  upstream = createServer((_req, res) => res.end('answered by the upstream app\n'))
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r))
}, 600_000)

afterAll(async () => {
  if (server?.pid !== undefined && server.exitCode === null) {
    const exited = new Promise((r) => server?.once('exit', r))
    // npm start was spawned in a process group of its own: stop npm, sh and runiam serve.
    process.kill(-server.pid, 'SIGTERM')
    await exited
  }
  await new Promise<void>((r) => upstream?.close(() => r()))
  rmSync(work, { recursive: true, force: true })
})

describe('the README on a fresh clone', () => {
  it('npm install prints no engine warnings and links runiam, which asks to be built first', async () => {
    expect(installLog).not.toContain('EBADENGINE')
    // npm links a bin at install time only if its target exists then: it must be committed.
    const cli = JSON.parse(readFileSync(join(clone, 'packages/cli/package.json'), 'utf8')) as {
      bin: { runiam: string }
    }
    const target = join(clone, 'packages/cli', cli.bin.runiam)
    expect(statSync(target).mode & 0o111).not.toBe(0)
    expect(existsSync(join(clone, 'packages/cli/dist'))).toBe(false)
    expect(existsSync(join(clone, 'node_modules/.bin/runiam'))).toBe(true)
    const early = await run('npx', ['runiam', '--help'], { cwd: clone, env: baseEnv() }).catch(
      (e: unknown) => e as { code: number; stderr: string },
    )
    expect((early as { code: number }).code).toBe(1)
    expect((early as { stderr: string }).stderr).toContain('npm run build')
  })

  it('the quick start installs and starts as written (npm test aside)', async () => {
    const [setup] = shBlocks('Quick start')
    expect(commandLines(setup ?? '').map((l) => l.replace(/\s+#.*$/, ''))).toEqual([
      'npm install && npm start',
      'npm install && npm test',
    ])
    server = spawn('npm', ['start', '--', '--port', '0'], {
      cwd: clone,
      env: baseEnv(),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    server.stdout?.on('data', (d: Buffer) => (serverOut += d.toString()))
    let serverErr = ''
    server.stderr?.on('data', (d: Buffer) => (serverErr += d.toString()))
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no banner:\n${serverOut}\n${serverErr}`)),
        240_000,
      )
      server?.stdout?.on('data', () => {
        const m = /serving on (http:\/\/\S+)/.exec(serverOut)
        if (m?.[1] !== undefined && serverOut.includes('curl -H "Host:')) {
          clearTimeout(timer)
          resolve(m[1])
        }
      })
      server?.once('exit', (code) =>
        reject(new Error(`npm start exited ${code}:\n${serverOut}\n${serverErr}`)),
      )
    })
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  }, 300_000)

  it('every command the start banner prints works', async () => {
    const banner = serverOut.slice(serverOut.indexOf('Try, in another terminal:'))
    const lines = commandLines(
      banner
        .split('\n')
        .slice(1)
        .filter((l) => l.startsWith('  '))
        .join('\n'),
    )
    expect(lines[0]).toBe(`export RUNIAM_API_ENDPOINT=${url}`)
    expect(lines.length).toBeGreaterThan(8)
    const home = mkdtempSync(join(work, 'banner-home-'))
    for (const r of await runLines(lines, { ...baseEnv(), HOME: home })) check(r)
  })

  it("every command of the README's quick start works, and the server's --help and --version", async () => {
    const [, commands] = shBlocks('Quick start')
    const lines = commandLines(commands ?? '').map((l) =>
      l.replaceAll('http://127.0.0.1:8080', url),
    )
    expect(lines[0]).toMatch(/^npx runiam --help\s/)
    readmeHome = mkdtempSync(join(work, 'readme-home-'))
    const env = { ...baseEnv(), HOME: readmeHome, RUNIAM_API_ENDPOINT: url }
    const results = await runLines(
      [...lines, 'npx runiam serve --help', 'npx runiam --version'],
      env,
    )
    for (const r of results) check(r)
    const table = results.find((r) => r.line.includes('--flatten='))
    expect(table?.stdout).toMatch(/^ROLE +MEMBERS\n/)
    expect(table?.stdout).toMatch(/^roles\/run\.viewer +user:bob@example\.com$/m)
    expect(results.find((r) => r.line === 'npx runiam organizations list')?.stdout).toMatch(
      /^DISPLAY_NAME +ID +DIRECTORY_CUSTOMER_ID\nexample\.com +\d+ +C\d+\n$/,
    )
    expect(results.at(-2)?.stdout).toContain('--[no-]local-processes')
    expect(results.at(-1)?.stdout).toMatch(/^runiam \d+\.\d+\.\d+\n$/)
  })

  it('putting an existing app, and a program runiam runs, behind the gateway works as written', async () => {
    const [block] = shBlocks('Putting an existing app behind the gateway')
    const program = join(work, 'server.js')
    writeFileSync(
      program,
      "require('node:http').createServer((q, s) => s.end('answered by the local program\\n')).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening'))\n",
    )
    const port = (upstream.address() as AddressInfo).port
    const lines = commandLines(block ?? '').map((l) =>
      l
        .replaceAll('http://127.0.0.1:8080', url)
        .replaceAll('127.0.0.1:3000', `127.0.0.1:${port}`)
        .replaceAll('/path/to/server.js', program),
    )
    const env = { ...baseEnv(), HOME: readmeHome, RUNIAM_API_ENDPOINT: url }
    const results = await runLines(lines, env)
    for (const r of results) check(r)
    const answers = results.filter((r) => r.line.startsWith('curl ')).map((r) => r.stdout)
    expect(answers[0]).toContain('answered by the upstream app')
    expect(answers[1]).toContain('answered by the local program')
    expect(results.at(-1)?.stdout).toContain('listening')
  })
})
