// Cloud Asset's roles/cloudasset.viewer and roles/cloudasset.owner, and the Cloud Asset permissions
// runiam gives roles/owner, for scripts/gen-roles.mjs: runiam serves analyzeIamPolicy, checked
// with cloudasset.assets.analyzeIamPolicy on its scope (a project or the organization). Neither
// role is in shared/reference/roles.json (a Cloud Run dump); written out from Google's IAM roles
// and permissions index ("Cloud Asset Inventory roles", checked 2026-12), the cloudasset.* core
// permissions only (the recommender and resource-manager ones the roles also list are left out).
// docs/api-compat.md, "Cloud Asset v1: analyzeIamPolicy".

const READ = [
  'cloudasset.assets.analyzeIamPolicy',
  'cloudasset.assets.exportIamPolicy',
  'cloudasset.assets.exportResource',
  'cloudasset.assets.listIamPolicy',
  'cloudasset.assets.listResource',
  'cloudasset.assets.searchAllIamPolicies',
  'cloudasset.assets.searchAllResources',
  'cloudasset.feeds.get',
  'cloudasset.feeds.list',
  'cloudasset.savedqueries.get',
  'cloudasset.savedqueries.list',
]

export const CLOUDASSET_ROLES = {
  'roles/cloudasset.viewer': {
    title: 'Cloud Asset Viewer',
    description: 'Read-only access to Cloud Asset metadata',
    stage: 'GA',
    permissions: READ,
  },
  'roles/cloudasset.owner': {
    title: 'Cloud Asset Owner',
    description: 'Full access to Cloud Asset metadata',
    stage: 'GA',
    permissions: [
      ...READ,
      'cloudasset.feeds.create',
      'cloudasset.feeds.delete',
      'cloudasset.feeds.update',
      'cloudasset.savedqueries.create',
      'cloudasset.savedqueries.delete',
      'cloudasset.savedqueries.update',
    ],
  },
}

// runiam: only roles/owner among the basic roles analyzes policies (who-has-access answers are
// as sensitive as the policies themselves); viewers and editors are granted roles/cloudasset.viewer.
export const BASIC_ROLE_CLOUDASSET_EXTRA = {
  'roles/owner': [
    'cloudasset.assets.analyzeIamPolicy',
    'cloudasset.assets.searchAllIamPolicies',
    'cloudasset.assets.searchAllResources',
  ],
}
