// The admin API's handlers for Cloud Run's v1 jobs API (run.googleapis.com/v1 Job and Execution
// objects on `/apis/run.googleapis.com/v1/namespaces/…`): the namespace from the path, the region
// from a regional Host (`{region}-host`, as gcloud derives it), into calls of KnativeJobs.
import { routeKey } from '@runiam/api'
import type { Services } from '../services/create-services.js'
import type { KnativeJobQuery, KnativeJobTarget } from '../services/run/knative-jobs.js'
import type { Handler, HandlerContext } from './handler.js'
import { regionFromHost } from './knative-handlers.js'

const param = (c: HandlerContext, name: string): string => c.params[name] ?? ''
const q = (c: HandlerContext, name: string): string | undefined => c.query.get(name) ?? undefined
const key = (id: string): string => routeKey({ api: 'run/v1', id })

function query(c: HandlerContext): KnativeJobQuery {
  return {
    dryRun: q(c, 'dryRun'),
    limit: q(c, 'limit'),
    continue: q(c, 'continue'),
    labelSelector: q(c, 'labelSelector'),
  }
}

/** `namespaces/P[/jobs/J | /executions/E]`, split. */
function target(c: HandlerContext, variable: 'parent' | 'name'): KnativeJobTarget & { id: string } {
  const parts = param(c, variable).split('/')
  return { project: parts[1] ?? '', region: regionFromHost(c.host), id: parts[3] ?? '' }
}

export function knativeJobHandlers(s: Services): [string, Handler][] {
  const k = s.knativeJobs
  const named =
    (fn: (c: HandlerContext, at: KnativeJobTarget, id: string) => Promise<unknown>): Handler =>
    (c) => {
      const t = target(c, 'name')
      return fn(c, t, t.id)
    }
  return [
    [
      key('run.namespaces.jobs.create'),
      (c) => k.create(c.caller, target(c, 'parent'), query(c), c.body),
    ],
    [key('run.namespaces.jobs.list'), (c) => k.list(c.caller, target(c, 'parent'), query(c))],
    [key('run.namespaces.jobs.get'), named((c, at, id) => k.get(c.caller, at, id))],
    [
      key('run.namespaces.jobs.replaceJob'),
      named((c, at, id) => k.replace(c.caller, at, id, query(c), c.body)),
    ],
    [key('run.namespaces.jobs.delete'), named((c, at, id) => k.delete(c.caller, at, id, query(c)))],
    [key('run.namespaces.jobs.run'), named((c, at, id) => k.run(c.caller, at, id, c.body))],
    [key('run.namespaces.executions.get'), named((c, at, id) => k.getExecution(c.caller, at, id))],
    [
      key('run.namespaces.executions.list'),
      (c) => k.listExecutions(c.caller, target(c, 'parent'), query(c)),
    ],
    [
      key('run.namespaces.executions.delete'),
      named((c, at, id) => k.deleteExecution(c.caller, at, id)),
    ],
    [
      key('run.namespaces.executions.cancel'),
      named((c, at, id) => k.cancel(c.caller, at, id, c.body)),
    ],
  ]
}
