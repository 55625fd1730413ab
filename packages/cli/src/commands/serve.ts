// `runiam serve …`: the server lives in @runiam/server (an optional dependency), loaded only here.
import { CliError } from '../cli-error.js'
import type { CommandContext } from '../command-context.js'

interface ServerModule {
  serve(argv: string[]): Promise<unknown>
}

export async function serve(ctx: CommandContext): Promise<number> {
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
        `The server package [${name}] is not installed; \`runiam serve\` needs it.`,
      )
    }
    throw err
  }
  if (typeof mod.serve !== 'function')
    throw new CliError(`The server package [${name}] has no serve() function.`)
  const result = await mod.serve(Array.isArray(argv) ? argv : [])
  return typeof result === 'number' ? result : 0
}
