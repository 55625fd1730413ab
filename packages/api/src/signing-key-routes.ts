// runiam's own admin methods (no Google counterpart), as data for routes.ts: rotating the signing
// key of runiam's token issuer. The permission is runiam's and only roles/owner holds it, checked
// on the organization (docs/api-compat.md, "runiam's own methods").
import type { RouteSpec } from './route-spec.js'

export const SIGNING_KEY_ROUTES: readonly RouteSpec[] = [
  {
    api: 'runiam/v1',
    id: 'runiam.signingKeys.rotate',
    method: 'POST',
    template: '/runiam/v1/signingKeys:rotate',
    permission: 'runiam.signingKeys.rotate',
    resourceType: 'organization',
    body: false,
    note: "checked on the deployment's organization",
  },
]
