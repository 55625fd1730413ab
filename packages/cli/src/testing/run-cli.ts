// Runs the CLI in-process for tests: captured stdout/stderr, scripted stdin answers and a
// choice of whether stdin looks like a terminal.
import { readFile } from 'node:fs/promises'
import type { Io } from '../io.js'
import { run } from '../main.js'

export interface CliResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

export interface RunOptions {
  readonly env: Readonly<Record<string, string | undefined>>
  /** Lines typed at prompts; setting this (or tty) makes stdin a terminal. */
  readonly answers?: readonly string[]
  readonly tty?: boolean
}

export async function runCli(argv: readonly string[], opts: RunOptions): Promise<CliResult> {
  let stdout = ''
  let stderr = ''
  const answers = [...(opts.answers ?? [])]
  const io: Io = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    stdinIsTty: opts.tty ?? opts.answers !== undefined,
    readLine: async () => answers.shift(),
    readFile: (p) => readFile(p, 'utf8'),
  }
  const code = await run(argv, io, opts.env)
  return { code, stdout, stderr }
}
