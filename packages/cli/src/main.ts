// The runiam command line: finds the command in the table, parses its flags, loads its
// implementation lazily and renders failures the way gcloud does. Kept free of heavy imports:
// a whole `runiam run services get-iam-policy S` must start and finish in well under 150 ms.
import type { RuniamClient } from '@runiam/api'
import { parseArgs } from './args/parse-args.js'
import type { ArgsSpec, FlagSpec, ParsedArgs } from './args/spec.js'
import { UsageError } from './args/usage-error.js'
import { CliError } from './cli-error.js'
import type { CommandContext } from './command-context.js'
import { COMMANDS, GLOBAL_FLAGS, type CommandDef } from './commands/table.js'
import type { Io } from './io.js'
import { outputRequest } from './output/output-flags.js'
import type { Env } from './settings/env.js'

const TOOL = 'runiam'

interface Found {
  readonly path: string[]
  readonly def: CommandDef | undefined
  /** The argv words that are not part of the command path. */
  readonly rest: string[]
  /** A word that named no command or group, where one was expected. */
  readonly invalid: string | undefined
}

const valuedGlobals = new Set(
  GLOBAL_FLAGS.filter((f) => f.kind !== 'bool').map((f) => `--${f.name}`),
)

function isPrefix(prefix: readonly string[], path: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((w, i) => path[i] === w)
}

/** Walks argv: command words may be interleaved with global flags (`--project p run …`). */
function findCommand(argv: readonly string[]): Found {
  const path: string[] = []
  const rest: string[] = []
  let def: CommandDef | undefined
  let invalid: string | undefined
  let i = 0
  for (; i < argv.length; i++) {
    const tok = argv[i] as string
    if (def !== undefined) break
    if (tok === '--') break
    if (tok.startsWith('-')) {
      rest.push(tok)
      if (valuedGlobals.has(tok) && i + 1 < argv.length) rest.push(argv[++i] as string)
      continue
    }
    // Compat: gcloud's release tracks (`gcloud beta run worker-pools …`, as Google's guides
    // write some commands) name the same commands here: the track word is skipped.
    if (path.length === 0 && (tok === 'beta' || tok === 'alpha')) continue
    const next = [...path, tok]
    if (!COMMANDS.some((c) => isPrefix(next, c.path))) {
      invalid = tok
      break
    }
    path.push(tok)
    def = COMMANDS.find((c) => c.path.length === next.length && isPrefix(next, c.path))
  }
  if (def?.raw === true) return { path, def, rest: argv.slice(i), invalid }
  rest.push(...argv.slice(i))
  return { path, def, rest, invalid }
}

function commandId(path: readonly string[]): string {
  return [TOOL, ...path].join('.')
}

function flagUsage(f: FlagSpec): string {
  const name = f.kind === 'bool' && f.negatable === true ? `--[no-]${f.name}` : `--${f.name}`
  return f.kind === 'bool' ? name : `${name}=${f.metavar ?? f.name.toUpperCase()}`
}

function usageLines(def: CommandDef): string {
  const required = def.args.flags.filter((f) => f.required === true).map(flagUsage)
  const optional = def.args.flags.filter((f) => f.required !== true).map((f) => `--${f.name}`)
  const positionals = def.args.positionals.map((p) =>
    p.required === true ? p.name : `[${p.name}]`,
  )
  const synopsis = [TOOL, ...def.path, ...positionals, ...required]
  if (optional.length > 0) synopsis.push('[optional flags]')
  let text = `Usage: ${synopsis.join(' ')}\n`
  if (optional.length > 0) text += `  optional flags may be  ${optional.join(' | ')}\n`
  text += `\nFor detailed information on this command and its flags, run:\n  ${TOOL} ${def.path.join(' ')} --help\n`
  return text
}

function commandHelp(def: CommandDef): string {
  const positionals = def.args.positionals.map((p) =>
    p.required === true ? p.name : `[${p.name}]`,
  )
  const required = def.args.flags.filter((f) => f.required === true).map(flagUsage)
  const optional = def.args.flags.filter((f) => f.required !== true).map((f) => `[${flagUsage(f)}]`)
  let text = `NAME\n    ${TOOL} ${def.path.join(' ')} - ${def.summary}\n\nSYNOPSIS\n    ${[TOOL, ...def.path, ...positionals, ...required, ...optional, '[GLOBAL-FLAG ...]'].join(' ')}\n`
  if (def.args.positionals.length > 0) {
    text += '\nPOSITIONAL ARGUMENTS\n'
    for (const p of def.args.positionals) text += `    ${p.name}\n        ${p.help}\n`
  }
  const section = (title: string, flags: readonly FlagSpec[]): void => {
    if (flags.length === 0) return
    text += `\n${title}\n`
    for (const f of flags) {
      const alias = (f.aliases ?? []).map((a) => `, --${a}`).join('')
      const short = f.short === undefined ? '' : `, -${f.short}`
      text += `    ${flagUsage(f)}${alias}${short}\n        ${f.help}\n`
    }
  }
  section(
    'REQUIRED FLAGS',
    def.args.flags.filter((f) => f.required === true),
  )
  section(
    'FLAGS',
    def.args.flags.filter((f) => f.required !== true),
  )
  section('GLOBAL FLAGS', GLOBAL_FLAGS)
  return text
}

function groupHelp(path: readonly string[]): string {
  const below = COMMANDS.filter((c) => isPrefix(path, c.path) && c.path.length > path.length)
  const groups = new Map<string, string>()
  const commands: string[] = []
  for (const c of below) {
    const word = c.path[path.length] as string
    if (c.path.length === path.length + 1) commands.push(`    ${word.padEnd(28)}${c.summary}`)
    else if (!groups.has(word)) groups.set(word, `    ${word}`)
  }
  let text = `NAME\n    ${[TOOL, ...path].join(' ')}\n\nSYNOPSIS\n    ${[TOOL, ...path].join(' ')} ${groups.size > 0 ? 'GROUP | ' : ''}COMMAND [GLOBAL-FLAG ...]\n`
  if (groups.size > 0) text += `\nGROUPS\n${[...groups.values()].join('\n')}\n`
  if (commands.length > 0) text += `\nCOMMANDS\n${commands.join('\n')}\n`
  text += `\nGLOBAL FLAGS\n${GLOBAL_FLAGS.map((f) => `    ${flagUsage(f)}\n        ${f.help}`).join('\n')}\n`
  return text
}

function isIamErrorLike(e: unknown): e is Error & { status: string; code: number } {
  return (
    e instanceof Error &&
    e.name === 'IamError' &&
    typeof (e as { status?: unknown }).status === 'string'
  )
}

/** Renders a failure of command `id` on stderr and returns the exit status. */
export function renderError(
  io: Io,
  id: string,
  err: unknown,
  debug: boolean,
  def?: CommandDef,
): number {
  if (err instanceof UsageError) {
    io.stderr(`ERROR: (${id}) ${err.message}\n`)
    if (def !== undefined) io.stderr(usageLines(def))
    return 2
  }
  if (err instanceof CliError) {
    io.stderr(`ERROR: (${id}) ${err.message}\n`)
    return err.exitCode
  }
  if (isIamErrorLike(err)) {
    io.stderr(`ERROR: (${id}) ${err.status}: ${err.message}\n`)
    if (debug && err.stack !== undefined) io.stderr(`${err.stack}\n`)
    return 1
  }
  const message = err instanceof Error ? err.message : String(err)
  io.stderr(`ERROR: (${id}) ${message}\n`)
  if (debug && err instanceof Error && err.stack !== undefined) io.stderr(`${err.stack}\n`)
  return 1
}

function str(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name)
  return typeof v === 'string' ? v : undefined
}

/** Runs one command line; returns the process exit status. */
export async function run(argv: readonly string[], io: Io, env: Env): Promise<number> {
  const found = findCommand(argv)
  const id = commandId(found.path)
  const wantsHelp = found.rest.some((t) => t === '--help' || t === '-h')
  const debug = env['RUNIAM_DEBUG'] === '1'
  if (found.def === undefined) {
    if (
      found.path.length === 0 &&
      found.invalid === undefined &&
      found.rest.includes('--version')
    ) {
      io.stdout(await (await import('./version.js')).versionText())
      return 0
    }
    if (found.invalid !== undefined) {
      io.stderr(`ERROR: (${id}) Invalid choice: '${found.invalid}'.\n`)
      io.stderr(`Usage: ${[TOOL, ...found.path].join(' ')} [optional flags] <group | command>\n`)
      return 2
    }
    if (wantsHelp) {
      io.stdout(groupHelp(found.path))
      return 0
    }
    io.stderr(`ERROR: (${id}) Command name argument expected.\n\n${groupHelp(found.path)}`)
    return 2
  }
  const def = found.def
  if (def.raw === true) {
    try {
      return (await (await def.load())(rawContext(id, found.rest, io, env))) ?? 0
    } catch (err) {
      return renderError(io, id, err, debug)
    }
  }
  if (wantsHelp) {
    io.stdout(commandHelp(def))
    return 0
  }
  try {
    const spec: ArgsSpec = { ...def.args, flags: [...def.args.flags, ...GLOBAL_FLAGS] }
    const args = parseArgs(found.rest, spec)
    const { loadSettings } = await import('./settings/settings.js')
    const settings = await loadSettings(env, {
      project: str(args, 'project'),
      region: str(args, 'region'),
      account: str(args, 'account'),
      format: outputRequest(args),
      quiet: args.flags.get('quiet') === true,
    })
    const ctx = commandContext(id, args, io, settings)
    const fn = await def.load()
    return (await fn(ctx)) ?? 0
  } catch (err) {
    return renderError(io, id, err, debug, def)
  }
}

function commandContext(
  id: string,
  args: ParsedArgs,
  io: Io,
  settings: CommandContext['settings'],
): CommandContext {
  let client: Promise<RuniamClient> | undefined
  return {
    id: id.slice(TOOL.length + 1),
    args,
    io,
    settings,
    client: () => {
      client ??= (async () => {
        const [{ makeClient }, { accessToken }] = await Promise.all([
          import('./make-client.js'),
          import('./access-token.js'),
        ])
        const bare = await makeClient(settings.endpoint)
        return makeClient(settings.endpoint, () => accessToken(settings, () => bare))
      })()
      return client
    },
  }
}

/** `serve` gets its words untouched; it reads its own flags and configuration. */
function rawContext(id: string, rest: readonly string[], io: Io, env: Env): CommandContext {
  return {
    id: id.slice(TOOL.length + 1),
    args: { positionals: {}, flags: new Map([['argv', [...rest]]]) },
    io,
    settings: {
      configDir: '',
      endpoint: '',
      project: undefined,
      region: undefined,
      account: undefined,
      format: undefined,
      quiet: false,
      debug: env['RUNIAM_DEBUG'] === '1',
      properties: {},
      env,
    },
    client: () => Promise.reject(new Error('serve has no API client')),
  }
}
