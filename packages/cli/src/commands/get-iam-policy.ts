// get-iam-policy for every kind of resource (services, worker pools, jobs, projects, service
// accounts, organizations): read the policy (version 3 where gcloud asks for it) and print it. Its
// own module, apart from the commands that change policies, so it loads only what it uses.
import type { CommandContext } from '../command-context.js'
import { formatResource, parseFormat } from '../output/format.js'
import { policyTarget } from './policy-target.js'

export async function getIamPolicy(ctx: CommandContext): Promise<void> {
  const t = await policyTarget(ctx)
  const format = parseFormat(ctx.settings.format)
  const policy = await t.get(await ctx.client())
  ctx.io.stdout(formatResource(policy, format))
}
