// The shape of a command's grammar: positional arguments and flags, as data. The parser, the
// usage lines and the help text are all derived from it.

export type FlagKind = 'string' | 'bool' | 'multi'

export interface FlagSpec {
  /** Long name without dashes, e.g. "member". */
  readonly name: string
  readonly kind: FlagKind
  readonly help: string
  readonly required?: boolean
  /** Other long names for the same flag, e.g. "principal" for "member". */
  readonly aliases?: readonly string[]
  /** One-letter short form, e.g. "q" for "quiet". */
  readonly short?: string
  readonly metavar?: string
  /** For bool flags: whether --no-NAME is accepted (gcloud's StoreTrueFalse). */
  readonly negatable?: boolean
}

export interface PositionalSpec {
  readonly name: string
  readonly help: string
  readonly required?: boolean
}

export interface ArgsSpec {
  readonly positionals: readonly PositionalSpec[]
  readonly flags: readonly FlagSpec[]
  /** Groups of flag names of which at most one may be given. */
  readonly exclusive?: readonly (readonly string[])[]
}

export type FlagValue = string | boolean | string[]

export interface ParsedArgs {
  /** Positional values by their spec name. */
  readonly positionals: Readonly<Record<string, string>>
  /** Flag values by canonical name; absent when not given. */
  readonly flags: ReadonlyMap<string, FlagValue>
}
