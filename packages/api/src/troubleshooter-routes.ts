// Policy Troubleshooter's iam:troubleshoot (policytroubleshooter.googleapis.com), as data for
// routes.ts: v3 (allow and deny), v1 (allow only) and v2alpha1 (v1 plus condition explanations;
// what `gcloud policy-troubleshoot iam` calls). No permission is checked first: each policy on the
// path is shown only to a caller holding its getIamPolicy, the others are reported as unknown.
// Compat: google/cloud/policytroubleshooter/iam/v3/troubleshooter.proto and
// policytroubleshooter/v1/checker.proto (`post: "/v3/iam:troubleshoot"`, `/v1/iam:troubleshoot`).
import type { RouteSpec } from './route-spec.js'

const NOTE = 'each policy on the path is shown only to a caller holding its getIamPolicy'

export const TROUBLESHOOTER_ROUTES: readonly RouteSpec[] = [
  {
    api: 'policytroubleshooter/v3',
    id: 'policytroubleshooter.iam.troubleshoot',
    method: 'POST',
    template: '/v3/iam:troubleshoot',
    resourceType: 'organization',
    body: true,
    note: NOTE,
  },
  {
    api: 'policytroubleshooter/v1',
    id: 'policytroubleshooter.iam.troubleshoot',
    method: 'POST',
    template: '/v1/iam:troubleshoot',
    resourceType: 'organization',
    body: true,
    note: NOTE,
  },
  {
    api: 'policytroubleshooter/v2alpha1',
    id: 'policytroubleshooter.iam.troubleshoot',
    method: 'POST',
    template: '/v2alpha1/iam:troubleshoot',
    resourceType: 'organization',
    body: true,
    note: NOTE,
  },
]
