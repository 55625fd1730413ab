// set-iam-policy, add-iam-policy-binding and remove-iam-policy-binding for Cloud Run services,
// worker pools, jobs and projects (get-iam-policy lives in get-iam-policy.ts, apart, so that a
// read loads none of this), with gcloud's algorithm (reference §8.1): read
// the policy at version 3, change it, force version 3 and write it back with its etag (jobs: no
// version, no conditions, as gcloud's job commands). The whole cycle is retried when
// the write loses an etag race (SPEC §2), so concurrent users lose nothing.
import type { Policy } from '@runiam/api'
import type { ConditionArgument, Expr } from '@runiam/core'
import { CliError } from '../cli-error.js'
import type { CommandContext } from '../command-context.js'
import { formatResource, parseFormat } from '../output/format.js'
import { canPrompt, promptChoice, promptContinue, promptResponse } from '../prompt.js'
import { parseJsonOrYaml, readFileText } from '../read-structured-file.js'
import { flagBool, flagString, positional } from '../resource-refs.js'
import { policyTarget as target, type PolicyTarget } from './policy-target.js'

export type { PolicyTarget }
export { getIamPolicy } from './get-iam-policy.js'

function logUpdated(ctx: CommandContext, t: PolicyTarget, kind = t.kind): void {
  // Compat: gcloud iam_util.LogSetIamPolicy.
  ctx.io.stderr(`Updated IAM policy for ${kind} [${t.name}].\n`)
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/
const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/

export async function setIamPolicy(ctx: CommandContext): Promise<void> {
  const t = await target(ctx)
  const format = parseFormat(ctx.settings.format)
  const file = positional(ctx, 'POLICY_FILE')
  const doc = await parseJsonOrYaml(await readFileText(ctx.io, file))
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new CliError(
      `Policy file [${file}] is not a properly formatted YAML or JSON policy file.`,
    )
  }
  const policy = { ...(doc as Policy) }
  const keys = Object.keys(policy)
  if (policy.etag !== undefined) {
    if (
      typeof policy.etag !== 'string' ||
      !(BASE64.test(policy.etag) || BASE64URL.test(policy.etag))
    )
      throw new CliError(`The etag of policy file [${file}] is not properly formatted.`)
  } else {
    // Compat: gcloud iam_util.ParseYamlOrJsonPolicyFile warns and asks; --quiet and
    // non-interactive sessions take the default (proceed).
    await promptContinue(ctx, {
      message:
        'The specified policy does not contain an "etag" field identifying a specific version to replace. Changing a policy without an "etag" can overwrite concurrent policy changes.',
      promptString: 'Replace existing policy',
      cancelOnNo: true,
    })
  }
  if (t.version !== undefined) policy.version = t.version
  const result = await t.set(await ctx.client(), policy, t.fileMask(keys))
  logUpdated(ctx, t, t.setKind)
  ctx.io.stdout(formatResource(result, format))
}

/** --condition / --condition-from-file as core's ConditionArgument (undefined: neither given). */
async function conditionArgument(ctx: CommandContext): Promise<ConditionArgument | undefined> {
  const { parseConditionArgument, parseConditionFile } = await import('@runiam/core')
  const inline = flagString(ctx, 'condition')
  const file = flagString(ctx, 'condition-from-file')
  try {
    if (inline !== undefined) return parseConditionArgument(inline)
    if (file !== undefined) {
      const doc = await parseJsonOrYaml(await readFileText(ctx.io, file))
      return parseConditionFile(doc)
    }
  } catch (err) {
    if (err instanceof CliError) throw err
    const flag = inline !== undefined ? '--condition' : '--condition-from-file'
    throw new CliError(`argument ${flag}: ${(err as Error).message}`, 2)
  }
  return undefined
}

function describeCondition(c: Expr | undefined): string {
  if (c === undefined) return 'None'
  const parts = [`expression=${c.expression}`, `title=${c.title ?? ''}`]
  if (c.description !== undefined) parts.push(`description=${c.description}`)
  return parts.join(', ')
}

/** gcloud's interactive condition choice when the policy already has conditions. */
async function chooseCondition(
  ctx: CommandContext,
  mode: 'add' | 'remove',
  choices: readonly (Expr | undefined)[],
): Promise<{ condition?: ConditionArgument; all?: boolean }> {
  const list = [...choices]
  if (mode === 'add' && !list.includes(undefined)) list.push(undefined)
  const options = list.map(describeCondition)
  options.push(mode === 'add' ? 'Specify a new condition' : 'all conditions')
  const verb = mode === 'add' ? 'adding a binding' : 'removing a binding'
  const picked = await promptChoice(
    ctx,
    `The policy contains bindings with conditions, so specifying a condition is required when ${verb}. Please specify a condition.:`,
    options,
  )
  if (picked < list.length) {
    const c = list[picked]
    return { condition: c === undefined ? 'None' : c }
  }
  if (mode === 'remove') return { all: true }
  const expression = await promptResponse(ctx, 'Condition expression: ')
  const title = await promptResponse(ctx, 'Condition title: ')
  const description = await promptResponse(ctx, 'Condition description (optional): ')
  if (expression === '' || title === '') {
    throw new CliError(
      'condition must be either `None` or a list of key=value pairs. If not `None`, `expression` and `title` are required keys.',
    )
  }
  return {
    condition: description === '' ? { expression, title } : { expression, title, description },
  }
}

/** Core's client-side errors are printed as gcloud prints its own: no status word. */
function asCliError(err: unknown): unknown {
  const reason = (err as { reason?: unknown }).reason
  if (reason === 'BINDING_NOT_FOUND' || reason === 'CONDITION_REQUIRED')
    return new CliError((err as Error).message)
  return err
}

async function mutateBinding(ctx: CommandContext, mode: 'add' | 'remove'): Promise<void> {
  const t = await target(ctx)
  const format = parseFormat(ctx.settings.format)
  const member = flagString(ctx, 'member') as string
  const role = flagString(ctx, 'role') as string
  let condition = await conditionArgument(ctx)
  let all = flagBool(ctx, 'all') === true
  const [{ addBinding, removeBinding }, { readModifyWrite }, client] = await Promise.all([
    import('@runiam/core'),
    import('@runiam/api/client'),
    ctx.client(),
  ])
  let warning: string | undefined
  const result = await readModifyWrite(async () => {
    const policy = await t.get(client)
    for (;;) {
      const req = { member, role, condition, conditionsEnabled: t.conditions !== false, all }
      let change
      try {
        change = mode === 'add' ? addBinding(policy, req) : removeBinding(policy, req)
      } catch (err) {
        throw asCliError(err)
      }
      if (change.kind === 'conditionRequired') {
        if (!canPrompt(ctx)) throw asCliError(change.error)
        // Asked once: a retried cycle reuses the answer.
        const chosen = await chooseCondition(ctx, mode, change.choices)
        condition = chosen.condition
        all = chosen.all === true
        continue
      }
      warning = change.warning
      return t.set(
        client,
        t.version === undefined ? change.policy : { ...change.policy, version: t.version },
      )
    }
  })
  if (warning !== undefined) ctx.io.stderr(`WARNING: ${warning}\n`)
  logUpdated(ctx, t)
  ctx.io.stdout(formatResource(result, format))
}

export async function addIamPolicyBinding(ctx: CommandContext): Promise<void> {
  await mutateBinding(ctx, 'add')
}

export async function removeIamPolicyBinding(ctx: CommandContext): Promise<void> {
  await mutateBinding(ctx, 'remove')
}
