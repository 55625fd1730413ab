// `runiam export`, `runiam import` and `runiam migrate`: operator tools that work on the store
// directly, so they live in @runiam/server (an optional dependency), loaded only for them, as
// `runiam serve` is. Every word after the command is the server's to parse.
import type { CommandContext } from '../command-context.js'
import { loadServerFunction } from './load-server.js'

type OpsCommand = 'export' | 'import' | 'migrate'

type OpsFunction = (
  command: OpsCommand,
  argv: string[],
  out: (text: string) => void,
) => Promise<number>

async function run(command: OpsCommand, ctx: CommandContext): Promise<number> {
  const argv = ctx.args.flags.get('argv')
  const opsCommand = await loadServerFunction<OpsFunction>(command, 'opsCommand')
  return opsCommand(command, Array.isArray(argv) ? argv : [], (text) => ctx.io.stdout(text))
}

export const exportStore = (ctx: CommandContext): Promise<number> => run('export', ctx)
export const importStore = (ctx: CommandContext): Promise<number> => run('import', ctx)
export const migrateStore = (ctx: CommandContext): Promise<number> => run('migrate', ctx)
