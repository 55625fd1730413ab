// Who may manage Cloud Identity groups in runiam, for scripts/gen-roles.mjs. On Google, groups are
// managed by Google Workspace / Cloud Identity admin roles (the Admin console's "Groups Admin"),
// not by IAM roles, and the Cloud Identity API checks no IAM permission. runiam has no admin
// console, so it puts group management on its own IAM, checked on the organization:
// - cloudidentity.groups.* permissions, one per method (docs/api-compat.md lists which);
// - roles/owner holds all of them (the organization's bootstrap owner can manage groups at once);
// - roles/cloudidentity.groupsAdmin and roles/cloudidentity.groupsViewer stand in for the Admin
//   console's Groups Admin and for read access; they are runiam's roles, not Google's.
// Granted on a project they give nothing: every group method is checked on the organization.

const ALL = [
  'cloudidentity.groups.create',
  'cloudidentity.groups.delete',
  'cloudidentity.groups.get',
  'cloudidentity.groups.list',
  'cloudidentity.groups.update',
  'cloudidentity.groups.memberships.create',
  'cloudidentity.groups.memberships.delete',
  'cloudidentity.groups.memberships.get',
  'cloudidentity.groups.memberships.list',
]

const READ = [
  'cloudidentity.groups.get',
  'cloudidentity.groups.list',
  'cloudidentity.groups.memberships.get',
  'cloudidentity.groups.memberships.list',
]

export const CLOUD_IDENTITY_ROLES = {
  'roles/cloudidentity.groupsAdmin': {
    title: 'Groups Admin',
    description:
      "runiam's stand-in for the Admin console's Groups Admin: create, change and delete the organization's groups and their memberships.",
    stage: 'GA',
    permissions: ALL,
  },
  'roles/cloudidentity.groupsViewer': {
    title: 'Groups Viewer',
    description: "runiam's read access to the organization's groups and their memberships.",
    stage: 'GA',
    permissions: READ,
  },
}

export const BASIC_ROLE_CLOUD_IDENTITY_EXTRA = {
  'roles/owner': ALL,
}
