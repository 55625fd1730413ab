// The command dispatcher: help, group errors, crash rendering, and the built executable.
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { renderError } from './main.js'
import type { Io } from './io.js'
import { runCli } from './testing/run-cli.js'

const env = { RUNIAM_CONFIG_DIR: '/nonexistent/runiam-test' }

function captureIo(): Io & { err: () => string } {
  let err = ''
  return {
    stdout: () => {},
    stderr: (t) => void (err += t),
    stdinIsTty: false,
    readLine: async () => undefined,
    readFile: async () => '',
    err: () => err,
  }
}

describe('run', () => {
  it('prints group and command help', async () => {
    const top = await runCli(['--help'], { env })
    expect(top.code).toBe(0)
    expect(top.stdout).toContain('GROUPS\n    auth\n    config\n    projects\n    run\n')
    const cmd = await runCli(['run', 'services', 'add-iam-policy-binding', '--help'], { env })
    expect(cmd.code).toBe(0)
    expect(cmd.stdout).toContain('--member=PRINCIPAL, --principal')
    expect(cmd.stdout).toContain('--condition-from-file=PATH')
  })

  it('rejects unknown commands and bare groups with exit 2', async () => {
    const bad = await runCli(['run', 'servicez'], { env })
    expect(bad.code).toBe(2)
    expect(bad.stderr.split('\n')[0]).toBe("ERROR: (runiam.run) Invalid choice: 'servicez'.")
    const bare = await runCli(['run', 'services'], { env })
    expect(bare.code).toBe(2)
    expect(bare.stderr.split('\n')[0]).toBe(
      'ERROR: (runiam.run.services) Command name argument expected.',
    )
  })

  it('takes gcloud release tracks (beta, alpha) as the same commands', async () => {
    for (const track of ['beta', 'alpha']) {
      const r = await runCli(
        [track, 'run', 'worker-pools', 'get-iam-policy', 'w', '--project', 'p'],
        {
          env,
        },
      )
      expect(r.stderr).toContain('Missing required argument [--region]')
    }
    const help = await runCli(['beta', 'run', 'services', '--help'], { env })
    expect(help.code).toBe(0)
  })

  it('accepts global flags before the command words', async () => {
    const r = await runCli(['--project', 'p', 'run', 'services', 'get-iam-policy', 's'], { env })
    expect(r.stderr).toContain('Missing required argument [--region]')
  })
})

describe('renderError', () => {
  it('prints an unexpected crash as one line, the stack only with RUNIAM_DEBUG', () => {
    const io = captureIo()
    expect(renderError(io, 'runiam.x', new TypeError('boom'), false)).toBe(1)
    expect(io.err()).toBe('ERROR: (runiam.x) boom\n')
    const dbg = captureIo()
    renderError(dbg, 'runiam.x', new TypeError('boom'), true)
    expect(dbg.err()).toContain('at ')
  })
})

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url))

describe.runIf(existsSync(bin))('the built executable', () => {
  it('runs --help and exits 0', async () => {
    const out = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(
        process.execPath,
        [bin, '--help'],
        { env: { ...process.env, ...env } },
        (err, stdout) =>
          resolve({ code: err === null ? 0 : Number((err as { code?: number }).code), stdout }),
      )
    })
    expect(out.code).toBe(0)
    expect(out.stdout).toContain('runiam GROUP | COMMAND')
  })

  it('exits 2 on a usage error', async () => {
    const code = await new Promise<number>((resolve) => {
      execFile(
        process.execPath,
        [bin, 'run', 'deploy'],
        { env: { ...process.env, ...env } },
        (err) => resolve(err === null ? 0 : Number((err as { code?: number }).code)),
      )
    })
    expect(code).toBe(2)
  })
})
