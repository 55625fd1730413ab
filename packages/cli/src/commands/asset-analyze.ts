// `runiam asset analyze-iam-policy`: gcloud's command over Cloud Asset's analyzeIamPolicy. The
// scope is --organization or --project (given explicitly, never the configured project), the
// selectors and options become `analysisQuery.*` parameters, and the answer is printed as gcloud
// renders it: one {policy, ACLs} entry per binding and a status line on stderr, or the whole
// response with --show-response.
// Compat: googlecloudsdk/api_lib/asset/client_util.py MakeAnalyzeIamPolicyHttpRequests and
// _RenderResponseforAnalyzeIamPolicy.
import type { AnalyzeIamPolicyResponse } from '@runiam/api'
import { CliError } from '../cli-error.js'
import type { CommandContext } from '../command-context.js'
import { formatList, formatResource, parseFormat } from '../output/format.js'

function flag(ctx: CommandContext, name: string): string | undefined {
  const v = ctx.args.flags.get(name)
  return typeof v === 'string' ? v : undefined
}

const isSet = (ctx: CommandContext, name: string): boolean => ctx.args.flags.get(name) === true

/** gcloud's comma list (ArgList): empty items dropped. */
const list = (v: string | undefined): string[] =>
  v === undefined
    ? []
    : v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '')

function scopeOf(ctx: CommandContext): string {
  const org = flag(ctx, 'organization')
  const project = flag(ctx, 'project')
  if (org !== undefined) return `organizations/${org.replace(/^organizations\//, '')}`
  if (project !== undefined) return `projects/${project}`
  // Compat: the required mutex group of flags.AddAnalyzerParentArgs.
  throw new CliError('Exactly one of (--organization | --project) must be specified.', 2)
}

/** The query parameters gcloud sends (options only when set, as apitools omits None). */
function parametersOf(ctx: CommandContext): URLSearchParams {
  const q = new URLSearchParams()
  const put = (name: string, value: string | undefined): void => {
    if (value !== undefined) q.append(`analysisQuery.${name}`, value)
  }
  put('resourceSelector.fullResourceName', flag(ctx, 'full-resource-name'))
  put('identitySelector.identity', flag(ctx, 'identity'))
  for (const r of list(flag(ctx, 'roles'))) put('accessSelector.roles', r)
  for (const p of list(flag(ctx, 'permissions'))) put('accessSelector.permissions', p)
  for (const [option, name] of [
    ['expand-groups', 'expandGroups'],
    ['expand-roles', 'expandRoles'],
    ['expand-resources', 'expandResources'],
    ['output-group-edges', 'outputGroupEdges'],
    ['output-resource-edges', 'outputResourceEdges'],
  ] as const) {
    if (!isSet(ctx, option)) continue
    if (option.startsWith('output-') && !isSet(ctx, 'show-response')) {
      // Compat: InvalidArgumentException from MakeAnalyzeIamPolicyHttpRequests.
      throw new CliError(
        `Invalid value for [--${option}]: Must be set together with --show-response to take effect.`,
        2,
      )
    }
    put(`options.${name}`, 'true')
  }
  put('conditionContext.accessTime', flag(ctx, 'access-time'))
  return q
}

/** Compat: _RenderAnalysisforAnalyzeIamPolicy: one entry per binding. */
function entriesOf(response: AnalyzeIamPolicyResponse): unknown[] {
  return (response.mainAnalysis.analysisResults ?? []).map((r) => ({
    policy: { attachedResource: r.attachedResourceFullName, binding: r.iamBinding },
    ACLs: r.accessControlLists.map((acl) => ({
      identities: r.identityList.identities,
      accesses: acl.accesses,
      resources: acl.resources,
      ...(acl.conditionEvaluation === undefined
        ? {}
        : { conditionEvaluationValue: acl.conditionEvaluation.evaluationValue }),
    })),
  }))
}

export async function analyzeIamPolicy(ctx: CommandContext): Promise<void> {
  const scope = scopeOf(ctx)
  const params = parametersOf(ctx)
  const format = parseFormat(ctx.settings.format)
  const client = await ctx.client()
  const response = await client.request<AnalyzeIamPolicyResponse>(
    'GET',
    `/v1/${scope}:analyzeIamPolicy?${params.toString()}`,
  )
  if (isSet(ctx, 'show-response')) {
    ctx.io.stdout(formatResource(response, format))
    return
  }
  const entries = entriesOf(response)
  ctx.io.stdout(formatList(entries, format))
  // Compat: _RenderResponseforAnalyzeIamPolicy's status line.
  const explored = response.fullyExplored
    ? 'Your analysis request is fully explored. '
    : 'Your analysis request is NOT fully explored. You can use the --show-response option to see the unexplored part. '
  ctx.io.stderr(
    `${explored}${
      entries.length === 0
        ? 'No matching ACL is found.'
        : 'The ACLs matching your requests are listed per IAM policy binding, so there could be duplications.'
    }\n`,
  )
}
