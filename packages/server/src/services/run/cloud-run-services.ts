// Cloud Run Admin API v2 services: create, get, list, patch, delete and the policy target for
// service IAM (v1 and v2 paths alike) are the methods every resource kind shares
// (run-resources.ts), plus a service's own rules: turning the invoker check off needs
// run.services.setIamPolicy and is governed by an organization constraint, and the upstream a
// service names must be one the upstream policy allows.
import { SERVICE_TYPE_URL, type ListServicesResponse, type Service } from '@runiam/api'
import type { Caller } from '../caller.js'
import type { ServiceContext } from '../context.js'
import { invalidArgument } from '../names.js'
import { checkRequireInvokerIam } from '../org-policy/org-policy-enforcer.js'
import type { RunResourceKind, RunResourceRules } from './run-resource-kind.js'
import { RunResources, type RunWriteQuery } from './run-resources.js'
import { applyServiceMask, buildService, readServiceInput, writableOf } from './service-body.js'
import { checkServiceUpstream, type UpstreamPolicy } from './upstream-policy.js'
import { REVISION_TEMPLATE_ACCOUNT } from './runtime-account.js'

/** Query parameters of the write methods, as strings from the URL. */
export interface WriteQuery extends RunWriteQuery {
  readonly serviceId?: string | undefined
}

/** `projects/P/locations/L/services/S` split, with P as given (empty parts allowed). */
function parseServiceName(name: string) {
  const p = name.split('/')
  if (p.length !== 6 || p[0] !== 'projects' || p[2] !== 'locations' || p[4] !== 'services') {
    throw invalidArgument('name', `Invalid service name '${name}'.`)
  }
  return { project: p[1] ?? '', location: p[3] ?? '', id: p[5] ?? '' }
}

/** A service, as the methods every kind shares (and the v1 API) take it. */
export const SERVICES: RunResourceKind = {
  runtimeAccount: { path: REVISION_TEMPLATE_ACCOUNT, field: 'service.template.service_account' },
  kind: 'service',
  collection: 'services',
  permissionPrefix: 'run.services',
  typeUrl: SERVICE_TYPE_URL,
  notFoundKind: 'SERVICE',
  listField: 'services',
  idField: 'serviceId',
  nameField: 'service.name',
  parse: parseServiceName,
  readInput: readServiceInput,
  writableOf,
  applyMask: applyServiceMask,
  build: (a, ctx) =>
    buildService({
      name: a.name,
      serviceId: a.ref.id,
      location: a.ref.location,
      projectNumber: a.project.projectNumber,
      input: a.input,
      actor: a.actor,
      nowMs: a.nowMs,
      runDomain: ctx.runDomain,
      servicePort: ctx.servicePort,
      ...(a.previous === undefined ? {} : { previous: a.previous }),
    }),
}

/** A service's own rules: the invoker check and the upstream policy. */
function serviceRules(ctx: ServiceContext, upstreams: UpstreamPolicy): RunResourceRules {
  const setIamPolicy = (caller: Caller, name: string, shownAs?: string) =>
    ctx.checker.require(caller, 'run.services.setIamPolicy', name, shownAs)
  return {
    // Compat: disabling the invoker check also needs run.services.setIamPolicy (public access doc).
    authorizeCreate: async (caller, input, name, shownAs) => {
      if (input['invokerIamDisabled'] === true) await setIamPolicy(caller, name, shownAs)
    },
    admitCreate: async (input, canonical) => {
      if (input['invokerIamDisabled'] === true) await checkRequireInvokerIam(ctx.store, canonical)
    },
    admitUpdate: async (caller, merged, current, name, canonical, shownAs) => {
      const off = merged['invokerIamDisabled'] === true
      if (off === (current.body['invokerIamDisabled'] === true)) return
      await setIamPolicy(caller, name, shownAs)
      // Compat: constraints/run.managed.requireInvokerIam governs turning the check off; a
      // service that already has it off keeps it (the constraint is not retroactive).
      if (off) await checkRequireInvokerIam(ctx.store, canonical)
    },
    checkBody: (reader, canonical, body, previous) =>
      checkServiceUpstream(upstreams, reader, canonical, body, previous),
  }
}

export class CloudRunServices extends RunResources<Service, ListServicesResponse, WriteQuery> {
  constructor(ctx: ServiceContext, upstreams: UpstreamPolicy) {
    super(ctx, SERVICES, serviceRules(ctx, upstreams))
  }
}
