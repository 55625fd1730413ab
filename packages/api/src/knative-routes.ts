// Cloud Run's v1 services API, as data for routes.ts: the Knative serving paths
// (`/apis/serving.knative.dev/v1/namespaces/{ns}/services`, what `gcloud run services describe`
// and `replace` call on a regional host) and their locational twins under
// `/v1/projects/{p}/locations/{l}/services`, which carry the region in the path. Both answer v1
// (Knative) Service objects, synchronously; both are views of the one stored service.
// Compat: method ids, paths and permissions follow googlecloudsdk run_v1_client.py (reference
// method-tables/run_v1_client.py.methods.txt) and reference §1.7.
import type { ApiName, HttpMethod, RouteResourceType, RouteSpec } from './route-spec.js'

const API: ApiName = 'run/v1'

interface Method {
  readonly verb: string
  readonly method: HttpMethod
  readonly onItem: boolean
  readonly permission: string
  readonly body: boolean
  readonly note?: string
}

const METHODS: readonly Method[] = [
  {
    verb: 'create',
    method: 'POST',
    onItem: false,
    permission: 'run.services.create',
    body: true,
    note: 'checked on the new service; also run.services.setIamPolicy when the invoker-iam-disabled annotation is true',
  },
  { verb: 'get', method: 'GET', onItem: true, permission: 'run.services.get', body: false },
  { verb: 'list', method: 'GET', onItem: false, permission: 'run.services.list', body: false },
  {
    verb: 'replaceService',
    method: 'PUT',
    onItem: true,
    permission: 'run.services.update',
    body: true,
    note: 'also run.services.create when the service does not exist (it is created), run.services.setIamPolicy when the invoker-iam-disabled annotation changes',
  },
  {
    verb: 'delete',
    method: 'DELETE',
    onItem: true,
    permission: 'run.services.delete',
    body: false,
  },
]

function routes(
  idBase: string,
  prefix: string,
  parent: string,
  listOn: RouteResourceType,
): RouteSpec[] {
  return METHODS.map((m) => ({
    api: API,
    id: `${idBase}.${m.verb}`,
    method: m.method,
    template: m.onItem
      ? `${prefix}/{name=${parent}/services/*}`
      : `${prefix}/{parent=${parent}}/services`,
    permission: m.permission,
    resourceType: m.verb === 'list' ? listOn : 'service',
    body: m.body,
    ...(m.note === undefined ? {} : { note: m.note }),
  }))
}

export const KNATIVE_ROUTES: readonly RouteSpec[] = [
  ...routes('run.namespaces.services', '/apis/serving.knative.dev/v1', 'namespaces/*', 'project'),
  ...routes('run.projects.locations.services', '/v1', 'projects/*/locations/*', 'location'),
]
