// IAM deny-policy roles for scripts/gen-roles.mjs: roles/iam.denyReviewer and roles/iam.denyAdmin
// (policy-intelligence reference §4.6). Neither is in shared/reference/roles.json (a Cloud Run
// dump). Compat: Google gives no basic role the iam.denypolicies.* permissions, so a project owner
// cannot write a deny policy until someone grants it roles/iam.denyAdmin.

const READ = ['iam.denypolicies.get', 'iam.denypolicies.list']

export const DENY_ROLES = {
  'roles/iam.denyReviewer': {
    title: 'Deny Reviewer',
    description: 'Read access to deny policies.',
    stage: 'GA',
    permissions: READ,
  },
  'roles/iam.denyAdmin': {
    title: 'Deny Admin',
    description: 'Access to create, update and delete deny policies.',
    stage: 'GA',
    permissions: [
      ...READ,
      'iam.denypolicies.create',
      'iam.denypolicies.delete',
      'iam.denypolicies.update',
    ],
  },
}
