// The admin API's handlers for the IAM service account routes and the iamcredentials token
// methods: path variables, query and body into calls of the transport-free service account, key and token services
// (and the shared IamPolicyService for a service account's own policy).
import { routeKey } from '@runiam/api'
import type { Services } from '../services/create-services.js'
import { isObject } from '../services/context.js'
import { parseRequestedVersion } from '../services/iam-policy/iam-policy-service.js'
import type { Handler, HandlerContext } from './handler.js'

const param = (c: HandlerContext, name: string): string => c.params[name] ?? ''
const q = (c: HandlerContext, name: string): string | undefined => c.query.get(name) ?? undefined

/** Compat: gcloud sends `options.requestedPolicyVersion` in the query; the proto allows a body. */
function requestedVersion(c: HandlerContext): number | undefined {
  const fromQuery = q(c, 'options.requestedPolicyVersion')
  if (fromQuery !== undefined) return parseRequestedVersion(fromQuery)
  const options = isObject(c.body) ? c.body['options'] : undefined
  return isObject(options) ? parseRequestedVersion(options['requestedPolicyVersion']) : undefined
}

export function serviceAccountHandlers(s: Services): [string, Handler][] {
  const iam = (m: string): string =>
    routeKey({ api: 'iam/v1', id: `iam.projects.serviceAccounts.${m}` })
  const creds = (m: string): string =>
    routeKey({ api: 'iamcredentials/v1', id: `iamcredentials.projects.serviceAccounts.${m}` })
  const sa = s.serviceAccounts
  const keys = s.serviceAccountKeys
  const tokens = s.serviceAccountTokens
  return [
    [iam('create'), (c) => sa.create(c.caller, param(c, 'name'), c.body)],
    [
      iam('list'),
      (c) =>
        sa.list(c.caller, param(c, 'name'), {
          pageSize: q(c, 'pageSize'),
          pageToken: q(c, 'pageToken'),
        }),
    ],
    [iam('get'), (c) => sa.get(c.caller, param(c, 'name'))],
    [iam('patch'), (c) => sa.patch(c.caller, param(c, 'serviceAccount.name'), c.body)],
    [iam('delete'), (c) => sa.delete(c.caller, param(c, 'name'))],
    [iam('disable'), (c) => sa.setDisabled(c.caller, param(c, 'name'), true)],
    [iam('enable'), (c) => sa.setDisabled(c.caller, param(c, 'name'), false)],
    [
      iam('getIamPolicy'),
      async (c) => s.iam.get(c.caller, await sa.target(param(c, 'resource')), requestedVersion(c)),
    ],
    [
      iam('setIamPolicy'),
      async (c) => s.iam.set(c.caller, await sa.target(param(c, 'resource')), c.body, c.audit),
    ],
    [
      iam('testIamPermissions'),
      async (c) => s.iam.test(c.caller, await sa.target(param(c, 'resource')), c.body),
    ],
    [iam('keys.create'), (c) => keys.createKey(c.caller, param(c, 'name'), c.body)],
    [
      iam('keys.list'),
      (c) => keys.listKeys(c.caller, param(c, 'name'), c.query.getAll('keyTypes')),
    ],
    [iam('keys.get'), (c) => keys.getKey(c.caller, param(c, 'name'))],
    [iam('keys.delete'), (c) => keys.deleteKey(c.caller, param(c, 'name'))],
    [creds('generateIdToken'), (c) => tokens.generateIdToken(c.caller, param(c, 'name'), c.body)],
    [
      creds('generateAccessToken'),
      (c) => tokens.generateAccessToken(c.caller, param(c, 'name'), c.body),
    ],
  ]
}
