// The admin API's route handlers: one per route of the @runiam/api table, each translating the
// HTTP request (path variables, query, JSON body) into a call of a transport-free service.
import { routeKey, type ApiName, type RouteSpec } from '@runiam/api'
import type { Handler, HandlerContext } from './handler.js'
import { parseRequestedVersion } from '../services/iam-policy/iam-policy-service.js'
import type { PolicyTarget } from '../services/policy-target.js'
import type { Services } from '../services/create-services.js'
import { isObject } from '../services/context.js'
import { jobHandlers } from './job-handlers.js'
import { hierarchyHandlers } from './hierarchy-handlers.js'
import { loggingHandlers } from './logging-handlers.js'
import { orgPolicyHandlers } from './org-policy-handlers.js'
import { serviceAccountHandlers } from './service-account-handlers.js'
import { knativeHandlers } from './knative-handlers.js'
import { knativeJobHandlers } from './knative-job-handlers.js'
import { workerPoolHandlers } from './worker-pool-handlers.js'
import { cloudIdentityHandlers } from './cloud-identity-handlers.js'
import { roleHandlers } from './role-handlers.js'
import { denyPolicyHandlers } from './deny-policy-handlers.js'
import { assetHandlers } from './asset-handlers.js'
import { recommenderHandlers } from './recommender-handlers.js'
import { troubleshooterHandlers } from './troubleshooter-handlers.js'

const q = (query: URLSearchParams, name: string): string | undefined => query.get(name) ?? undefined

function param(ctx: HandlerContext, name: string): string {
  return ctx.params[name] ?? ''
}

/** Body `options.requestedPolicyVersion` (Resource Manager getIamPolicy is a POST). */
function bodyVersion(body: unknown): number | undefined {
  if (!isObject(body)) return undefined
  const options = body['options']
  return isObject(options) ? parseRequestedVersion(options['requestedPolicyVersion']) : undefined
}

function iamHandlers(
  s: Services,
  api: ApiName,
  idBase: string,
  target: (resource: string) => PolicyTarget,
  getInQuery: boolean,
): [string, Handler][] {
  return [
    [
      routeKey({ api, id: `${idBase}.getIamPolicy` }),
      (c) =>
        s.iam.get(
          c.caller,
          target(param(c, 'resource')),
          getInQuery
            ? parseRequestedVersion(q(c.query, 'options.requestedPolicyVersion'))
            : bodyVersion(c.body),
        ),
    ],
    [
      routeKey({ api, id: `${idBase}.setIamPolicy` }),
      (c) => s.iam.set(c.caller, target(param(c, 'resource')), c.body, c.audit),
    ],
    [
      routeKey({ api, id: `${idBase}.testIamPermissions` }),
      (c) => s.iam.test(c.caller, target(param(c, 'resource')), c.body),
    ],
  ]
}

const projectOf = (resource: string): string => resource.slice('projects/'.length)

export function createHandlers(s: Services): ReadonlyMap<string, Handler> {
  const svc = (r: string): PolicyTarget => s.runServices.target(r)
  const project = (r: string): PolicyTarget => s.projects.target(projectOf(r))
  const org = (r: string): PolicyTarget => s.organizations.target(r)
  const entries: [string, Handler][] = [
    [
      routeKey({ api: 'run/v2', id: 'run.projects.locations.services.create' }),
      (c) =>
        s.runServices.create(
          c.caller,
          param(c, 'parent'),
          {
            serviceId: q(c.query, 'serviceId') ?? q(c.query, 'service_id'),
            validateOnly: q(c.query, 'validateOnly'),
          },
          c.body,
        ),
    ],
    [
      routeKey({ api: 'run/v2', id: 'run.projects.locations.services.get' }),
      (c) => s.runServices.get(c.caller, param(c, 'name')),
    ],
    [
      routeKey({ api: 'run/v2', id: 'run.projects.locations.services.list' }),
      (c) =>
        s.runServices.list(c.caller, param(c, 'parent'), {
          pageSize: q(c.query, 'pageSize'),
          pageToken: q(c.query, 'pageToken'),
        }),
    ],
    [
      routeKey({ api: 'run/v2', id: 'run.projects.locations.services.patch' }),
      (c) =>
        s.runServices.patch(
          c.caller,
          param(c, 'service.name'),
          {
            updateMask: q(c.query, 'updateMask'),
            allowMissing: q(c.query, 'allowMissing'),
            validateOnly: q(c.query, 'validateOnly'),
          },
          c.body,
        ),
    ],
    [
      routeKey({ api: 'run/v2', id: 'run.projects.locations.services.delete' }),
      (c) =>
        s.runServices.delete(c.caller, param(c, 'name'), {
          etag: q(c.query, 'etag'),
          validateOnly: q(c.query, 'validateOnly'),
        }),
    ],
    ...iamHandlers(s, 'run/v2', 'run.projects.locations.services', svc, true),
    ...iamHandlers(s, 'run/v1', 'run.projects.locations.services', svc, true),
    [
      routeKey({ api: 'run/v2', id: 'run.projects.locations.operations.get' }),
      (c) => s.runOperations.get(c.caller, param(c, 'name')),
    ],
  ]
  for (const v of ['v1', 'v3'] as const) {
    const api: ApiName = `cloudresourcemanager/${v}`
    entries.push(
      [
        routeKey({ api, id: 'cloudresourcemanager.projects.create' }),
        (c) => s.projects.create(c.caller, c.body, v),
      ],
      [
        routeKey({ api, id: 'cloudresourcemanager.projects.get' }),
        (c) =>
          s.projects.get(
            c.caller,
            v === 'v1' ? param(c, 'projectId') : projectOf(param(c, 'name')),
            v,
          ),
      ],
      [
        routeKey({ api, id: 'cloudresourcemanager.projects.list' }),
        (c) =>
          s.projects.list(
            c.caller,
            { pageSize: q(c.query, 'pageSize'), pageToken: q(c.query, 'pageToken') },
            v,
          ),
      ],
      ...iamHandlers(s, api, 'cloudresourcemanager.projects', project, false),
      [
        routeKey({ api, id: 'cloudresourcemanager.organizations.get' }),
        (c) => s.organizations.get(c.caller, param(c, 'name'), v),
      ],
      ...iamHandlers(s, api, 'cloudresourcemanager.organizations', org, false),
      [
        routeKey({ api, id: 'cloudresourcemanager.operations.get' }),
        (c) => s.operations.getCrm(c.caller, param(c, 'name')),
      ],
    )
  }
  entries.push(...orgPolicyHandlers(s))
  entries.push(...serviceAccountHandlers(s))
  entries.push(...loggingHandlers(s))
  entries.push(...jobHandlers(s))
  entries.push(...knativeHandlers(s))
  entries.push(...knativeJobHandlers(s))
  entries.push(...workerPoolHandlers(s))
  entries.push(...cloudIdentityHandlers(s))
  entries.push(...roleHandlers(s))
  entries.push(...assetHandlers(s))
  entries.push(...recommenderHandlers(s))
  entries.push(...troubleshooterHandlers(s))
  entries.push(...denyPolicyHandlers(s))
  entries.push(...hierarchyHandlers(s))
  entries.push([
    routeKey({ api: 'runiam/v1', id: 'runiam.signingKeys.rotate' }),
    (c) => s.signingKeys.rotate(c.caller),
  ])
  return new Map(entries)
}

/** The ErrorInfo domain of a route's API. */
export function domainOf(route: RouteSpec): string {
  if (route.api === 'logging/v2') return 'logging.googleapis.com'
  if (route.api === 'cloudasset/v1') return 'cloudasset.googleapis.com'
  if (route.api === 'recommender/v1') return 'recommender.googleapis.com'
  if (route.api.startsWith('policytroubleshooter/')) return 'policytroubleshooter.googleapis.com'
  if (route.api === 'cloudidentity/v1') return 'cloudidentity.googleapis.com'
  if (route.api === 'orgpolicy/v2') return 'orgpolicy.googleapis.com'
  if (route.api === 'iam/v1' || route.api === 'iam/v2') return 'iam.googleapis.com'
  if (route.api === 'iamcredentials/v1') return 'iamcredentials.googleapis.com'
  if (route.api === 'runiam/v1') return 'runiam.dev'
  return route.api.startsWith('run/') ? 'run.googleapis.com' : 'cloudresourcemanager.googleapis.com'
}
