// The admin API's handlers for Cloud Run's v1 services API (Knative serving objects): the
// namespaces paths (region from a regional Host, `{region}-host`, as gcloud derives it) and the
// /v1/projects/P/locations/L paths (region in the path), into calls of KnativeServices.
import { routeKey } from '@runiam/api'
import type { Services } from '../services/create-services.js'
import type { KnativeQuery, KnativeTarget } from '../services/run/knative-services.js'
import type { Handler, HandlerContext } from './handler.js'

const param = (c: HandlerContext, name: string): string => c.params[name] ?? ''
const q = (c: HandlerContext, name: string): string | undefined => c.query.get(name) ?? undefined

// Compat: gcloud's DeriveRegionalEndpoint prefixes the host with `{region}-`
// (`us-central1-run.googleapis.com`). Only Google-shaped regions are read from a host, so a
// server whose own name merely contains hyphens is never taken for a region.
const REGIONAL_HOST =
  /^((?:us|europe|asia|australia|northamerica|southamerica|me|africa)-[a-z]+\d+)-[^.:]/

/** The region a regional endpoint's Host names, if any. */
export function regionFromHost(host: string | undefined): string | undefined {
  return REGIONAL_HOST.exec((host ?? '').toLowerCase())?.[1]
}

function query(c: HandlerContext): KnativeQuery {
  return { dryRun: q(c, 'dryRun'), limit: q(c, 'limit'), continue: q(c, 'continue') }
}

/** `namespaces/P[/services/S]` or `projects/P/locations/L[/services/S]`, split. */
function target(c: HandlerContext, variable: 'parent' | 'name'): KnativeTarget & { id: string } {
  const parts = param(c, variable).split('/')
  if (parts[0] === 'namespaces') {
    return {
      project: parts[1] ?? '',
      region: regionFromHost(c.host),
      namespaced: true,
      id: parts[3] ?? '',
    }
  }
  return { project: parts[1] ?? '', region: parts[3] ?? '', namespaced: false, id: parts[5] ?? '' }
}

export function knativeHandlers(s: Services): [string, Handler][] {
  const k = s.knativeServices
  const out: [string, Handler][] = []
  for (const idBase of ['run.namespaces.services', 'run.projects.locations.services']) {
    const key = (verb: string): string => routeKey({ api: 'run/v1', id: `${idBase}.${verb}` })
    out.push(
      [key('create'), (c) => k.create(c.caller, target(c, 'parent'), query(c), c.body)],
      [key('list'), (c) => k.list(c.caller, target(c, 'parent'), query(c))],
      [
        key('get'),
        (c) => {
          const t = target(c, 'name')
          return k.get(c.caller, t, t.id)
        },
      ],
      [
        key('replaceService'),
        (c) => {
          const t = target(c, 'name')
          return k.replace(c.caller, t, t.id, query(c), c.body)
        },
      ],
      [
        key('delete'),
        (c) => {
          const t = target(c, 'name')
          return k.delete(c.caller, t, t.id, query(c))
        },
      ],
    )
  }
  return out
}
