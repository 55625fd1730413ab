// The admin API handlers of Cloud Run jobs, executions and tasks (v2), and of job IAM (v2 and
// the v1 paths gcloud calls): each turns the request into a call of the transport-free job
// services.
import { routeKey, type ApiName } from '@runiam/api'
import type { Services } from '../services/create-services.js'
import { parseRequestedVersion } from '../services/iam-policy/iam-policy-service.js'
import type { Handler, HandlerContext } from './handler.js'

const q = (c: HandlerContext, name: string): string | undefined => c.query.get(name) ?? undefined
const param = (c: HandlerContext, name: string): string => c.params[name] ?? ''
const id = (verb: string): string => `run.projects.locations.jobs.${verb}`

function jobIamHandlers(s: Services, api: ApiName): [string, Handler][] {
  const target = (c: HandlerContext) => s.jobs.jobs.target(param(c, 'resource'))
  return [
    [
      routeKey({ api, id: id('getIamPolicy') }),
      (c) =>
        s.iam.get(
          c.caller,
          target(c),
          parseRequestedVersion(q(c, 'options.requestedPolicyVersion')),
        ),
    ],
    [
      routeKey({ api, id: id('setIamPolicy') }),
      (c) => s.iam.set(c.caller, target(c), c.body, c.audit),
    ],
    [
      routeKey({ api, id: id('testIamPermissions') }),
      (c) => s.iam.test(c.caller, target(c), c.body),
    ],
  ]
}

export function jobHandlers(s: Services): [string, Handler][] {
  const { jobs, executions } = s.jobs
  const v2 = (verb: string): string => routeKey({ api: 'run/v2', id: id(verb) })
  const page = (c: HandlerContext) => ({
    pageSize: q(c, 'pageSize'),
    pageToken: q(c, 'pageToken'),
  })
  return [
    [
      v2('create'),
      (c) =>
        jobs.create(
          c.caller,
          param(c, 'parent'),
          { jobId: q(c, 'jobId') ?? q(c, 'job_id'), validateOnly: q(c, 'validateOnly') },
          c.body,
        ),
    ],
    [v2('get'), (c) => jobs.get(c.caller, param(c, 'name'))],
    [v2('list'), (c) => jobs.list(c.caller, param(c, 'parent'), page(c))],
    [
      v2('patch'),
      (c) =>
        jobs.patch(
          c.caller,
          param(c, 'job.name'),
          {
            updateMask: q(c, 'updateMask'),
            allowMissing: q(c, 'allowMissing'),
            validateOnly: q(c, 'validateOnly'),
          },
          c.body,
        ),
    ],
    [
      v2('delete'),
      (c) =>
        jobs.delete(c.caller, param(c, 'name'), {
          etag: q(c, 'etag'),
          validateOnly: q(c, 'validateOnly'),
        }),
    ],
    [v2('run'), (c) => executions.run(c.caller, param(c, 'name'), c.body)],
    ...jobIamHandlers(s, 'run/v2'),
    ...jobIamHandlers(s, 'run/v1'),
    [v2('executions.get'), (c) => executions.get(c.caller, param(c, 'name'))],
    [v2('executions.list'), (c) => executions.list(c.caller, param(c, 'parent'), page(c))],
    [
      v2('executions.delete'),
      (c) =>
        executions.delete(c.caller, param(c, 'name'), {
          etag: q(c, 'etag'),
          validateOnly: q(c, 'validateOnly'),
        }),
    ],
    [v2('executions.cancel'), (c) => executions.cancel(c.caller, param(c, 'name'), c.body)],
    [v2('executions.tasks.get'), (c) => executions.getTask(c.caller, param(c, 'name'))],
    [
      v2('executions.tasks.list'),
      (c) => executions.listTasks(c.caller, param(c, 'parent'), page(c)),
    ],
  ]
}
