// The one way the CLI reaches @runiam/server (an optional dependency): loaded only by the commands
// that run it (`serve`, `export`, `import`, `migrate`), with a clear error when it is missing.
import { CliError } from '../cli-error.js'

/**
 * Imports the server package and returns its function `exported`; `command` names what the
 * user ran, for the error when the package is not installed.
 */
export async function loadServerFunction<F>(command: string, exported: string): Promise<F> {
  // A variable specifier keeps tsc from requiring the server package to build the CLI.
  const name = '@runiam/server'
  let mod: Record<string, unknown>
  try {
    mod = (await import(name)) as Record<string, unknown>
  } catch (err) {
    const code = (err as { code?: unknown }).code
    if (code === 'ERR_MODULE_NOT_FOUND' && String((err as Error).message).includes(name)) {
      throw new CliError(
        `The server package [${name}] is not installed; \`runiam ${command}\` needs it.`,
      )
    }
    throw err
  }
  const fn = mod[exported]
  if (typeof fn !== 'function')
    throw new CliError(`The server package [${name}] has no ${exported}() function.`)
  return fn as F
}
