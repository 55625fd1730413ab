// What every command implementation receives: its parsed arguments, the settings, terminal I/O
// and a lazily created API client (commands that never call the server never load it).
import type { RuniamClient } from '@runiam/api'
import type { ParsedArgs } from './args/spec.js'
import type { Io } from './io.js'
import type { Settings } from './settings/settings.js'

export interface CommandContext {
  /** gcloud-style command id without the tool name, e.g. "run.services.get-iam-policy". */
  readonly id: string
  readonly args: ParsedArgs
  readonly io: Io
  readonly settings: Settings
  /** The authenticated client for the active account. */
  client(): Promise<RuniamClient>
}

/** A command: returns its exit status (0 when it returns nothing). */
export type CommandFn = (ctx: CommandContext) => Promise<number | void>
