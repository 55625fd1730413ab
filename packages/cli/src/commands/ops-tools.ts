// `runiam export`, `runiam import` and `runiam migrate`: operator tools that work on the store
// directly, so they live in @runiam/server (an optional dependency), loaded only for them, as
// `runiam serve` is. Every word after the command is the server's to parse.
import { CliError } from '../cli-error.js'
import type { CommandContext } from '../command-context.js'

type OpsCommand = 'export' | 'import' | 'migrate'

interface ServerModule {
  opsCommand(command: OpsCommand, argv: string[], out: (text: string) => void): Promise<number>
}

async function run(command: OpsCommand, ctx: CommandContext): Promise<number> {
  const argv = ctx.args.flags.get('argv')
  // A variable specifier keeps tsc from requiring the server package to build the CLI.
  const name = '@runiam/server'
  let mod: ServerModule
  try {
    mod = (await import(name)) as ServerModule
  } catch (err) {
    const code = (err as { code?: unknown }).code
    if (code === 'ERR_MODULE_NOT_FOUND' && String((err as Error).message).includes(name)) {
      throw new CliError(
        `The server package [${name}] is not installed; \`runiam ${command}\` needs it.`,
      )
    }
    throw err
  }
  if (typeof mod.opsCommand !== 'function') {
    throw new CliError(`The server package [${name}] has no opsCommand() function.`)
  }
  return mod.opsCommand(command, Array.isArray(argv) ? argv : [], (text) => ctx.io.stdout(text))
}

export const exportStore = (ctx: CommandContext): Promise<number> => run('export', ctx)
export const importStore = (ctx: CommandContext): Promise<number> => run('import', ctx)
export const migrateStore = (ctx: CommandContext): Promise<number> => run('migrate', ctx)
