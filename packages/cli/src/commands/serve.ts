// `runiam serve …`: the server lives in @runiam/server (an optional dependency), loaded only here.
import type { CommandContext } from '../command-context.js'
import { loadServerFunction } from './load-server.js'

export async function serve(ctx: CommandContext): Promise<number> {
  const argv = ctx.args.flags.get('argv')
  const run = await loadServerFunction<(argv: string[]) => Promise<unknown>>('serve', 'serve')
  const result = await run(Array.isArray(argv) ? argv : [])
  return typeof result === 'number' ? result : 0
}
