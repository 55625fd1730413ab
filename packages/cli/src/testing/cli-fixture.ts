// One test world: a fake server, a fresh config directory and a logged-in account.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FakeGoogle } from './fake-google.js'
import { runCli, type CliResult } from './run-cli.js'

export interface Fixture {
  readonly fake: FakeGoogle
  readonly dir: string
  readonly env: Record<string, string>
  cli(argv: readonly string[], opts?: { answers?: string[]; tty?: boolean }): Promise<CliResult>
  close(): Promise<void>
}

export async function fixture(login = 'alice@example.com'): Promise<Fixture> {
  const fake = await new FakeGoogle().start()
  const dir = await mkdtemp(join(tmpdir(), 'runiam-cli-'))
  const env: Record<string, string> = {
    RUNIAM_CONFIG_DIR: join(dir, 'config'),
    RUNIAM_API_ENDPOINT: fake.endpoint,
  }
  const f: Fixture = {
    fake,
    dir,
    env,
    cli: (argv, opts = {}) => runCli(argv, { env, ...opts }),
    close: async () => {
      await fake.stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
  if (login !== '') {
    const r = await f.cli(['auth', 'login', login])
    if (r.code !== 0) throw new Error(`login failed: ${r.stderr}`)
    fake.requests.length = 0
  }
  return f
}
