// What one runiam command is, as data: its path, grammar and a lazy loader for its
// implementation. The command table (table.ts) and its sibling tables are lists of these.
import type { ArgsSpec } from '../args/spec.js'
import type { CommandFn } from '../command-context.js'

export interface CommandDef {
  readonly path: readonly string[]
  readonly summary: string
  readonly args: ArgsSpec
  readonly load: () => Promise<CommandFn>
  /** Passes the raw words after the path through without parsing (`serve`). */
  readonly raw?: boolean
}
