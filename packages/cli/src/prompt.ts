// gcloud's console prompts (console_io.PromptContinue / PromptChoice / PromptResponse). They ask
// only when stdin is a terminal and --quiet is off; otherwise they take the default answer.
import { CliError } from './cli-error.js'
import type { CommandContext } from './command-context.js'

export function canPrompt(ctx: CommandContext): boolean {
  return ctx.io.stdinIsTty && !ctx.settings.quiet
}

export interface ContinueOptions {
  readonly message?: string
  readonly promptString?: string
  readonly default?: boolean
  /** Answering no aborts the command ("Aborted by user."). */
  readonly cancelOnNo?: boolean
  /** Without a terminal (and without --quiet) fail instead of assuming the default. */
  readonly throwIfUnattended?: boolean
}

const UNATTENDED =
  'This prompt could not be answered because you are not in an interactive session. You can re-run the command with the --quiet flag to accept default answers for all prompts.'

async function answer(ctx: CommandContext): Promise<string> {
  const line = await ctx.io.readLine()
  if (line === undefined) throw new CliError('Aborted by user.')
  return line.trim()
}

/** Compat: console_io.PromptContinue. */
export async function promptContinue(
  ctx: CommandContext,
  opts: ContinueOptions = {},
): Promise<boolean> {
  const def = opts.default ?? true
  if (!canPrompt(ctx)) {
    if (opts.message !== undefined && !ctx.settings.quiet) ctx.io.stderr(`${opts.message}\n\n`)
    if (opts.throwIfUnattended === true && !ctx.settings.quiet) throw new CliError(UNATTENDED)
    return def
  }
  if (opts.message !== undefined) ctx.io.stderr(`${opts.message}\n\n`)
  ctx.io.stderr(`${opts.promptString ?? 'Do you want to continue'} (${def ? 'Y/n' : 'y/N'})?  `)
  for (;;) {
    const a = (await answer(ctx)).toLowerCase()
    let yes: boolean | undefined
    if (a === '') yes = def
    else if (a === 'y' || a === 'yes') yes = true
    else if (a === 'n' || a === 'no') yes = false
    if (yes !== undefined) {
      ctx.io.stderr('\n')
      if (!yes && opts.cancelOnNo === true) throw new CliError('Aborted by user.')
      return yes
    }
    ctx.io.stderr("Please enter 'y' or 'n':  ")
  }
}

/** Compat: console_io.PromptChoice: a numbered menu; returns the chosen index. */
export async function promptChoice(
  ctx: CommandContext,
  message: string,
  options: readonly string[],
): Promise<number> {
  ctx.io.stderr(`${message}\n`)
  options.forEach((o, i) => ctx.io.stderr(` [${i + 1}] ${o}\n`))
  ctx.io.stderr('Please enter your numeric choice:  ')
  for (;;) {
    const a = await answer(ctx)
    const n = Number(a)
    if (Number.isInteger(n) && n >= 1 && n <= options.length) return n - 1
    ctx.io.stderr(`Please enter a value between 1 and ${options.length}:  `)
  }
}

/** Compat: console_io.PromptResponse: free text. */
export async function promptResponse(ctx: CommandContext, message: string): Promise<string> {
  ctx.io.stderr(message)
  return answer(ctx)
}
