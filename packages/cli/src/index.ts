// @runiam/cli as a library: run a command line in-process (used by tests and tools that embed
// the CLI). The executable is bin.ts (cli.ts).
export { run, renderError } from './main.js'
export type { Io } from './io.js'
export { COMMANDS, GLOBAL_FLAGS } from './commands/table.js'
export type { CommandDef } from './commands/table.js'
export { parseArgs } from './args/parse-args.js'
export type { ArgsSpec, FlagSpec, ParsedArgs, PositionalSpec } from './args/spec.js'
