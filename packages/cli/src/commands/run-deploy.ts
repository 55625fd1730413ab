// `runiam run deploy SERVICE`: create or update a service through Cloud Run v2 (its upstream in
// the annotation runiam.dev/upstream), then gcloud's --[no-]allow-unauthenticated handling
// (reference §8.2): an allUsers roles/run.invoker binding added or removed through v1 IAM.
import { UPSTREAM_ANNOTATION } from '@runiam/api'
import type { Policy, RuniamClient, Service, ServiceRef } from '@runiam/api'

/** The v2 Service request body (the api package's ServiceInput). */
type ServiceInput = Parameters<RuniamClient['createService']>[1]
import { CliError } from '../cli-error.js'
import type { CommandContext } from '../command-context.js'
import { canPrompt, promptContinue } from '../prompt.js'
import { flagBool, flagString, positional, serviceRef } from '../resource-refs.js'
import { containerFields } from './container-flags.js'

export { UPSTREAM_ANNOTATION }
/** The image recorded when none is given: the upstream (or the built-in responder) serves. */
export const DEFAULT_IMAGE = 'us-docker.pkg.dev/cloudrun/container/hello'
const INVOKER_ROLE = 'roles/run.invoker'
const ALL_USERS = 'allUsers'
// Compat: gcloud's NEEDED_IAM_PERMISSIONS for the allow-unauthenticated prompt.
const SET_IAM_PERMISSION = 'run.services.setIamPolicy'

function isNotFound(err: unknown): boolean {
  return (err as { status?: unknown }).status === 'NOT_FOUND'
}

async function existingService(
  client: RuniamClient,
  ref: ServiceRef,
): Promise<Service | undefined> {
  try {
    return await client.getService(ref)
  } catch (err) {
    if (isNotFound(err)) return undefined
    throw err
  }
}

/**
 * Compat: gcloud flags.GetAllowUnauthenticated: the flag if given; for a new service without it,
 * ask (interactive and allowed to set IAM) or say it will require authentication.
 */
async function allowUnauthenticated(
  ctx: CommandContext,
  client: RuniamClient,
  ref: ServiceRef,
  exists: boolean,
): Promise<boolean | undefined> {
  const flag = flagBool(ctx, 'allow-unauthenticated')
  if (flag !== undefined) return flag === false && !exists ? undefined : flag
  if (exists || flagBool(ctx, 'invoker-iam-check') === false) return undefined
  if (canPrompt(ctx)) {
    // The service does not exist yet, so ask at the project, whose policy it will inherit.
    // A failed check counts as "not allowed": the deploy itself must not fail over a question.
    const held = await client
      .testProjectIamPermissions(ref.project, [SET_IAM_PERMISSION])
      .catch(() => [] as string[])
    if (held.includes(SET_IAM_PERMISSION)) {
      const yes = await promptContinue(ctx, {
        promptString: `Allow unauthenticated invocations to [${ref.service}]`,
        default: false,
      })
      return yes ? true : undefined
    }
  }
  ctx.io.stderr('This service will require authentication to be invoked.\n')
  return undefined
}

async function setAllUsersInvoker(
  client: RuniamClient,
  ref: ServiceRef,
  allow: boolean,
): Promise<void> {
  const [{ addBinding, removeBinding }, { readModifyWrite }] = await Promise.all([
    import('@runiam/core'),
    import('@runiam/api/client'),
  ])
  const req = { member: ALL_USERS, role: INVOKER_ROLE, conditionsEnabled: false }
  await readModifyWrite(async () => {
    // Compat: gcloud reads without requestedPolicyVersion here and always writes the policy back.
    const policy = await client.getServiceIamPolicy(ref)
    let next: Policy = policy
    if (allow) {
      const change = addBinding(policy, req)
      if (change.kind === 'updated') next = change.policy
    } else {
      const holds = (policy.bindings ?? []).some(
        (b) => b.role === INVOKER_ROLE && b.members.includes(ALL_USERS),
      )
      if (holds) {
        const change = removeBinding(policy, req)
        if (change.kind === 'updated') next = change.policy
      }
    }
    return client.setServiceIamPolicy(ref, next)
  })
}

function revisionOf(s: Service, ref: ServiceRef): string {
  const name = s.latestReadyRevision ?? s.latestCreatedRevision
  if (name !== undefined && name !== '') return name.split('/').pop() as string
  const gen = Number(s.generation ?? '1')
  return `${ref.service}-${String(Number.isFinite(gen) ? gen : 1).padStart(5, '0')}`
}

export async function deploy(ctx: CommandContext): Promise<void> {
  const ref = serviceRef(ctx, positional(ctx, 'SERVICE'))
  const upstream = flagString(ctx, 'upstream')
  const image = flagString(ctx, 'image')
  const invokerIamCheck = flagBool(ctx, 'invoker-iam-check')
  const container = containerFields(ctx)
  if (upstream !== undefined) {
    let ok = false
    try {
      const u = new URL(upstream)
      ok = u.protocol === 'http:' || u.protocol === 'https:'
    } catch {
      ok = false
    }
    if (!ok)
      throw new CliError(`Invalid value for [--upstream]: [${upstream}] is not an http(s) URL.`, 2)
  }
  const [{ operationResult }, client] = await Promise.all([
    import('@runiam/api/client'),
    ctx.client(),
  ])
  const existing = await existingService(client, ref)
  const allow = await allowUnauthenticated(ctx, client, ref, existing !== undefined)

  ctx.io.stderr(
    `Deploying container to Cloud Run service [${ref.service}] in project [${ref.project}] region [${ref.region}]\n`,
  )
  let service: Service | undefined
  try {
    if (existing === undefined) {
      const body: ServiceInput = {
        template: { containers: [{ image: image ?? DEFAULT_IMAGE, ...container }] },
      }
      if (upstream !== undefined) body.annotations = { [UPSTREAM_ANNOTATION]: upstream }
      if (invokerIamCheck !== undefined) body.invokerIamDisabled = !invokerIamCheck
      ctx.io.stderr('Deploying new service...')
      service = operationResult<Service>(await client.createService(ref, body))
    } else {
      const body: ServiceInput = {}
      const mask: string[] = []
      if (upstream !== undefined) {
        body.annotations = { ...(existing.annotations ?? {}), [UPSTREAM_ANNOTATION]: upstream }
        mask.push('annotations')
      }
      // A deploy always makes a new revision, so the template is always sent.
      const containers = (existing.template?.containers ?? []).map((c) => ({ ...c }))
      if (image !== undefined) containers[0] = { ...(containers[0] ?? {}), image }
      if (containers.length === 0) containers.push({ image: DEFAULT_IMAGE })
      const first = containers[0]
      if (first !== undefined) containers[0] = { ...first, ...container }
      body.template = { ...existing.template, containers }
      mask.push('template')
      if (invokerIamCheck !== undefined) {
        body.invokerIamDisabled = !invokerIamCheck
        mask.push('invokerIamDisabled')
      }
      ctx.io.stderr('Deploying...')
      service = operationResult<Service>(await client.updateService(ref, body, mask.join(',')))
    }
  } catch (err) {
    // End the progress line so the error starts on its own.
    ctx.io.stderr('\n')
    throw err
  }
  ctx.io.stderr(' Done.\n')
  const deployed = service ?? (await client.getService(ref))

  if (allow !== undefined) {
    ctx.io.stderr('  Setting IAM Policy...')
    try {
      await setAllUsersInvoker(client, ref, allow)
      ctx.io.stderr('done\n')
    } catch {
      ctx.io.stderr('failed\n')
      // Compat: gcloud does not fail the deploy when the IAM step fails; it says what to run.
      const verb = allow ? 'add' : 'remove'
      ctx.io.stderr(
        `WARNING: Setting IAM policy failed, try "runiam run services ${verb}-iam-policy-binding --region=${ref.region} --member=allUsers --role=roles/run.invoker ${ref.service}"\n`,
      )
    }
  }
  ctx.io.stderr(
    `Done.\nService [${ref.service}] revision [${revisionOf(deployed, ref)}] has been deployed and is serving 100 percent of traffic.\n`,
  )
  const url = deployed.uri || deployed.urls?.[0]
  if (url !== undefined) ctx.io.stderr(`Service URL: ${url}\n`)
}

/**
 * `run services update SERVICE`: changes settings of an existing service without a new image —
 * here the invoker IAM check and the upstream. Compat: gcloud's `run services update` with
 * `--[no-]invoker-iam-check` writes the invoker-iam-disabled setting and nothing else.
 */
export async function update(ctx: CommandContext): Promise<void> {
  const ref = serviceRef(ctx, positional(ctx, 'SERVICE'))
  const upstream = flagString(ctx, 'upstream')
  const image = flagString(ctx, 'image')
  const invokerIamCheck = flagBool(ctx, 'invoker-iam-check')
  if (upstream === undefined && image === undefined && invokerIamCheck === undefined) {
    throw new CliError(
      'No configuration change requested. Did you mean to include the flags `--invoker-iam-check`, `--upstream` or `--image`?',
      2,
    )
  }
  const [{ operationResult }, client] = await Promise.all([
    import('@runiam/api/client'),
    ctx.client(),
  ])
  const existing = await client.getService(ref)
  const body: ServiceInput = {}
  const mask: string[] = []
  if (upstream !== undefined) {
    body.annotations = { ...(existing.annotations ?? {}), [UPSTREAM_ANNOTATION]: upstream }
    mask.push('annotations')
  }
  if (image !== undefined) {
    const containers = (existing.template?.containers ?? []).map((c) => ({ ...c }))
    containers[0] = { ...(containers[0] ?? {}), image }
    body.template = { ...existing.template, containers }
    mask.push('template')
  }
  if (invokerIamCheck !== undefined) {
    body.invokerIamDisabled = !invokerIamCheck
    mask.push('invokerIamDisabled')
  }
  ctx.io.stderr(
    `Updating Cloud Run service [${ref.service}] in project [${ref.project}] region [${ref.region}]\n`,
  )
  let service: Service | undefined
  try {
    ctx.io.stderr('Deploying...')
    service = operationResult<Service>(await client.updateService(ref, body, mask.join(',')))
  } catch (err) {
    ctx.io.stderr('\n')
    throw err
  }
  ctx.io.stderr(' Done.\n')
  service ??= await client.getService(ref)
  ctx.io.stderr(
    `Done.\nService [${ref.service}] revision [${revisionOf(service, ref)}] has been deployed and is serving 100 percent of traffic.\n`,
  )
  const url = service.uri || service.urls?.[0]
  if (url !== undefined) ctx.io.stderr(`Service URL: ${url}\n`)
}
