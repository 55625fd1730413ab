// `run deploy --command=COMMAND,… --args=ARG,…`: the container's entrypoint and arguments, which
// runiam runs as a local process (docs/local-processes.md). Compat: gcloud's ArgList flags:
// comma-separated, `^D^` at the start picks another delimiter D (for arguments with commas), and
// an empty value resets the field.
import type { FlagSpec } from '../args/spec.js'
import type { CommandContext } from '../command-context.js'
import { flagString } from '../resource-refs.js'

export const CONTAINER_FLAGS: readonly FlagSpec[] = [
  {
    name: 'command',
    kind: 'string',
    metavar: 'COMMAND',
    help: 'Entrypoint of the container, comma-separated; runiam runs it as a local process with PORT set. An empty value resets it.',
  },
  {
    name: 'args',
    kind: 'string',
    metavar: 'ARG',
    help: 'Comma-separated arguments passed to the command (^D^ first picks another delimiter D). An empty value resets them.',
  },
]

/** Compat: gcloud arg_parsers.ArgList splitting, with its ^D^ alternate delimiter. */
export function splitArgList(value: string): string[] {
  if (value === '') return []
  const m = /^\^([^^]+)\^/.exec(value)
  return m === null ? value.split(',') : value.slice(m[0].length).split(m[1] as string)
}

/** The container fields --command and --args set (only those given). */
export function containerFields(ctx: CommandContext): { command?: string[]; args?: string[] } {
  const command = flagString(ctx, 'command')
  const args = flagString(ctx, 'args')
  return {
    ...(command === undefined ? {} : { command: splitArgList(command) }),
    ...(args === undefined ? {} : { args: splitArgList(args) }),
  }
}
