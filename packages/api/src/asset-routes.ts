// Cloud Asset v1's analyzeIamPolicy (cloudasset.googleapis.com), as data for routes.ts: who has
// what access on which resource, answered synchronously from runiam's own policies. The query
// travels as `analysisQuery.*` query parameters; the scope (a project or the organization) is in
// the path, and the permission is checked on it.
// Compat: google/cloud/asset/v1/asset_service.proto AnalyzeIamPolicy
// (`get: "/v1/{analysis_query.scope=*/*}:analyzeIamPolicy"`), permission per the method's comment
// and Cloud Asset's access control page.
import type { RouteSpec } from './route-spec.js'

export const ASSET_ROUTES: readonly RouteSpec[] = [
  {
    api: 'cloudasset/v1',
    id: 'cloudasset.analyzeIamPolicy',
    method: 'GET',
    template: '/v1/{analysisQuery.scope=*/*}:analyzeIamPolicy',
    permission: 'cloudasset.assets.analyzeIamPolicy',
    resourceType: 'project',
    body: false,
    note: 'checked on the scope: projects/P or organizations/O',
  },
]
