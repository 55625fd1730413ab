// The IAM v2 deny-policy routes (iam.googleapis.com google.iam.v2.Policies): list, get, create,
// update, delete and operations.get. The attachment point is one URL-encoded path segment, kept
// encoded in names (`policies/cloudresourcemanager.googleapis.com%2Fprojects%2Fp/denypolicies/d`).
// Permissions are checked on the attachment point's project or organization.
// Compat: google/iam/v2/policy.proto http rules (reference §4.1); runiam serves `denypolicies`,
// the only kind of the GA track, so the kind segment is a literal.
import type { RouteSpec } from './route-spec.js'

const PARENT = '{parent=policies/*/denypolicies}'
const NAME = 'policies/*/denypolicies/*'
const common = { api: 'iam/v2', resourceType: 'project', encodedSlashes: true } as const

export const DENY_POLICY_ROUTES: readonly RouteSpec[] = [
  {
    ...common,
    id: 'iam.policies.listPolicies',
    method: 'GET',
    template: `/v2/${PARENT}`,
    permission: 'iam.denypolicies.list',
    body: false,
  },
  {
    ...common,
    id: 'iam.policies.createPolicy',
    method: 'POST',
    template: `/v2/${PARENT}`,
    permission: 'iam.denypolicies.create',
    body: true,
  },
  {
    ...common,
    id: 'iam.policies.get',
    method: 'GET',
    template: `/v2/{name=${NAME}}`,
    permission: 'iam.denypolicies.get',
    body: false,
  },
  {
    ...common,
    id: 'iam.policies.update',
    method: 'PUT',
    template: `/v2/{policy.name=${NAME}}`,
    permission: 'iam.denypolicies.update',
    body: true,
  },
  {
    ...common,
    id: 'iam.policies.delete',
    method: 'DELETE',
    template: `/v2/{name=${NAME}}`,
    permission: 'iam.denypolicies.delete',
    body: false,
  },
  {
    ...common,
    id: 'iam.policies.operations.get',
    method: 'GET',
    template: `/v2/{name=${NAME}/operations/*}`,
    permission: 'iam.denypolicies.get',
    body: false,
  },
]
