// `runiam policy-troubleshoot iam RESOURCE --principal-email --permission`: Policy
// Troubleshooter's v3 iam:troubleshoot, printed as gcloud prints a response (YAML unless
// --format), and a one-line verdict on stderr naming the binding(s) and deny rule(s) that decide
// it.
// Compat: gcloud policy-troubleshoot iam (which calls v2alpha1; runiam calls v3, a superset with
// overallAccessState and the deny side, see docs/troubleshooting.md).
import type { TroubleshootIamPolicyResponse } from '@runiam/api'
import type { CommandContext } from '../command-context.js'
import { formatResource, parseFormat } from '../output/format.js'

function flag(ctx: CommandContext, name: string): string | undefined {
  const v = ctx.args.flags.get(name)
  return typeof v === 'string' ? v : undefined
}

/** The request body: the access tuple and the request attributes given. */
export function troubleshootBody(ctx: CommandContext): unknown {
  const request: Record<string, string> = {}
  const time = flag(ctx, 'request-time')
  const host = flag(ctx, 'request-host')
  const path = flag(ctx, 'resource-request-path')
  if (time !== undefined) request['receiveTime'] = time
  if (host !== undefined) request['host'] = host
  if (path !== undefined) request['path'] = path
  return {
    accessTuple: {
      principal: flag(ctx, 'principal-email') ?? '',
      fullResourceName: ctx.args.positionals['RESOURCE'] ?? '',
      permission: flag(ctx, 'permission') ?? '',
      ...(Object.keys(request).length === 0 ? {} : { conditionContext: { request } }),
    },
  }
}

/** "CAN_ACCESS: roles/run.invoker on //… grants it to group:eng@example.com", etc. */
export function verdictLine(r: TroubleshootIamPolicyResponse): string {
  const granting: string[] = []
  const unknown: string[] = []
  for (const p of r.allowPolicyExplanation.explainedPolicies) {
    for (const b of p.bindingExplanations ?? []) {
      const members = Object.entries(b.memberships)
        .filter(([, m]) => m.membership !== 'MEMBERSHIP_NOT_MATCHED')
        .map(([member]) => member)
      const what = `${b.role} on ${p.fullResourceName ?? '?'} (${members.join(', ')})`
      if (b.allowAccessState === 'ALLOW_ACCESS_STATE_GRANTED') granting.push(what)
      else if (b.allowAccessState !== 'ALLOW_ACCESS_STATE_NOT_GRANTED') unknown.push(what)
    }
  }
  const hidden = r.allowPolicyExplanation.explainedPolicies.filter(
    (p) => p.fullResourceName === undefined,
  ).length
  const parts: string[] = [r.overallAccessState]
  if (granting.length > 0) parts.push(`granted by ${granting.join('; ')}`)
  if (unknown.length > 0) parts.push(`undecided: ${unknown.join('; ')}`)
  if (hidden > 0) parts.push(`${hidden} polic${hidden === 1 ? 'y' : 'ies'} you may not read`)
  parts.push(...denyParts(r))
  return `${parts.join(' — ')}\n`
}

/** The deny side of the verdict line: the denying and undecided rules, the unreadable points. */
function denyParts(r: TroubleshootIamPolicyResponse): string[] {
  const denying: string[] = []
  const unknown: string[] = []
  let hidden = 0
  for (const res of r.denyPolicyExplanation.explainedResources) {
    if (res.fullResourceName === undefined) hidden++
    for (const p of res.explainedPolicies ?? []) {
      p.ruleExplanations.forEach((rule, i) => {
        const what = `rule ${i} of ${p.policy.name}`
        if (rule.denyAccessState === 'DENY_ACCESS_STATE_DENIED') denying.push(what)
        else if (rule.denyAccessState !== 'DENY_ACCESS_STATE_NOT_DENIED') unknown.push(what)
      })
    }
  }
  const parts: string[] = []
  if (denying.length > 0) parts.push(`denied by ${denying.join('; ')}`)
  if (unknown.length > 0) parts.push(`deny undecided: ${unknown.join('; ')}`)
  if (hidden > 0)
    parts.push(`deny policies of ${hidden} resource${hidden === 1 ? '' : 's'} you may not read`)
  return parts
}

export async function troubleshootIam(ctx: CommandContext): Promise<void> {
  const format = parseFormat(ctx.settings.format)
  const client = await ctx.client()
  const response = await client.request<TroubleshootIamPolicyResponse>(
    'POST',
    '/v3/iam:troubleshoot',
    { body: troubleshootBody(ctx) },
  )
  ctx.io.stdout(formatResource(response, format))
  ctx.io.stderr(verdictLine(response))
}
