// Google's roles for managing custom roles and the iam.roles.* permissions Google's basic roles
// hold, for scripts/gen-roles.mjs. Neither is in shared/reference/roles.json (a Cloud Run dump);
// written out from Google's IAM roles index (iann0036/iam-dataset gcp/roles/iam.roleAdmin.json,
// iam.roleViewer.json, iam.organizationRoleAdmin.json, iam.organizationRoleViewer.json and
// editor.json, an automated dump of `gcloud iam roles describe`). roles/editor (and roles/viewer)
// may read custom roles but not write them; roles/owner may do everything.

const ROLES_READ = ['iam.roles.get', 'iam.roles.list']
const ROLES_WRITE = [
  'iam.roles.create',
  'iam.roles.delete',
  'iam.roles.undelete',
  'iam.roles.update',
]

export const CUSTOM_ROLE_ROLES = {
  'roles/iam.roleAdmin': {
    title: 'Role Administrator',
    description: 'Access to administer all custom roles in the project.',
    stage: 'GA',
    permissions: [
      ...ROLES_READ,
      ...ROLES_WRITE,
      'resourcemanager.projects.get',
      'resourcemanager.projects.getIamPolicy',
    ],
  },
  'roles/iam.roleViewer': {
    title: 'Role Viewer',
    description: 'Read access to all custom roles in the project.',
    stage: 'GA',
    permissions: [
      ...ROLES_READ,
      'resourcemanager.projects.get',
      'resourcemanager.projects.getIamPolicy',
    ],
  },
  'roles/iam.organizationRoleAdmin': {
    title: 'Organization Role Administrator',
    description:
      'Access to administer all custom roles in the organization and the projects below it.',
    stage: 'GA',
    permissions: [
      ...ROLES_READ,
      ...ROLES_WRITE,
      'resourcemanager.organizations.get',
      'resourcemanager.organizations.getIamPolicy',
      'resourcemanager.projects.get',
      'resourcemanager.projects.getIamPolicy',
      'resourcemanager.projects.list',
    ],
  },
  'roles/iam.organizationRoleViewer': {
    title: 'Organization Role Viewer',
    description: 'Read access to all custom roles in the organization and the projects below it.',
    stage: 'GA',
    permissions: [
      ...ROLES_READ,
      'resourcemanager.organizations.get',
      'resourcemanager.organizations.getIamPolicy',
      'resourcemanager.projects.get',
      'resourcemanager.projects.getIamPolicy',
      'resourcemanager.projects.list',
    ],
  },
}

/** iam.roles.* permissions of the basic roles, added to what roles.json lists for them. */
export const BASIC_ROLE_ROLES_EXTRA = {
  'roles/owner': [...ROLES_READ, ...ROLES_WRITE],
  'roles/editor': ROLES_READ,
  'roles/viewer': ROLES_READ,
}
