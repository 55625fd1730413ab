// Google's service account roles and the service account permissions Google's basic roles hold,
// for scripts/gen-roles.mjs. Neither is in shared/reference/roles.json (a Cloud Run dump), so they
// are written out here from Google's IAM documentation ("Roles for managing and impersonating
// service accounts", cloud.google.com/iam/docs/service-account-permissions, and the IAM roles and
// permissions index, checked 2026-11). Notable facts kept from there:
// - roles/owner and roles/editor hold actAs and key management but none of the token minting
//   permissions (getAccessToken, getOpenIdToken, signBlob, signJwt, implicitDelegation): even a
//   project owner needs roles/iam.serviceAccountTokenCreator to impersonate a service account.
// - roles/editor lacks iam.serviceAccounts.setIamPolicy (k8s-config-connector#709).

const PROJECT_READ = ['resourcemanager.projects.get', 'resourcemanager.projects.list']

export const SERVICE_ACCOUNT_ROLES = {
  'roles/iam.serviceAccountAdmin': {
    title: 'Service Account Admin',
    description: 'Create and manage service accounts.',
    stage: 'GA',
    permissions: [
      'iam.serviceAccounts.create',
      'iam.serviceAccounts.delete',
      'iam.serviceAccounts.disable',
      'iam.serviceAccounts.enable',
      'iam.serviceAccounts.get',
      'iam.serviceAccounts.getIamPolicy',
      'iam.serviceAccounts.list',
      'iam.serviceAccounts.setIamPolicy',
      'iam.serviceAccounts.undelete',
      'iam.serviceAccounts.update',
      ...PROJECT_READ,
    ],
  },
  'roles/iam.serviceAccountKeyAdmin': {
    title: 'Service Account Key Admin',
    description: 'Create and manage (and rotate) service account keys.',
    stage: 'GA',
    permissions: [
      'iam.serviceAccountKeys.create',
      'iam.serviceAccountKeys.delete',
      'iam.serviceAccountKeys.disable',
      'iam.serviceAccountKeys.enable',
      'iam.serviceAccountKeys.get',
      'iam.serviceAccountKeys.list',
      'iam.serviceAccounts.get',
      'iam.serviceAccounts.list',
      ...PROJECT_READ,
    ],
  },
  'roles/iam.serviceAccountOpenIdTokenCreator': {
    title: 'Service Account OpenID Connect Identity Token Creator',
    description: 'Impersonate service accounts (create OIDC identity tokens).',
    stage: 'GA',
    permissions: ['iam.serviceAccounts.getOpenIdToken'],
  },
  'roles/iam.serviceAccountTokenCreator': {
    title: 'Service Account Token Creator',
    description:
      'Impersonate service accounts (create OAuth2 access tokens, sign blobs or JWTs, etc).',
    stage: 'GA',
    permissions: [
      'iam.serviceAccounts.get',
      'iam.serviceAccounts.getAccessToken',
      'iam.serviceAccounts.getOpenIdToken',
      'iam.serviceAccounts.implicitDelegation',
      'iam.serviceAccounts.list',
      'iam.serviceAccounts.signBlob',
      'iam.serviceAccounts.signJwt',
      ...PROJECT_READ,
    ],
  },
  'roles/iam.serviceAccountUser': {
    title: 'Service Account User',
    description: 'Run operations as the service account.',
    stage: 'GA',
    permissions: [
      'iam.serviceAccounts.actAs',
      'iam.serviceAccounts.get',
      'iam.serviceAccounts.list',
      ...PROJECT_READ,
    ],
  },
}

const KEYS_MANAGE = [
  'iam.serviceAccountKeys.create',
  'iam.serviceAccountKeys.delete',
  'iam.serviceAccountKeys.disable',
  'iam.serviceAccountKeys.enable',
  'iam.serviceAccountKeys.get',
  'iam.serviceAccountKeys.list',
]
const ACCOUNTS_EDIT = [
  'iam.serviceAccounts.actAs',
  'iam.serviceAccounts.create',
  'iam.serviceAccounts.delete',
  'iam.serviceAccounts.disable',
  'iam.serviceAccounts.enable',
  'iam.serviceAccounts.get',
  'iam.serviceAccounts.getIamPolicy',
  'iam.serviceAccounts.list',
  'iam.serviceAccounts.undelete',
  'iam.serviceAccounts.update',
]

/** Service account permissions of the basic roles, added to what roles.json lists for them. */
export const BASIC_ROLE_IAM_EXTRA = {
  'roles/owner': [...ACCOUNTS_EDIT, 'iam.serviceAccounts.setIamPolicy', ...KEYS_MANAGE],
  'roles/editor': [...ACCOUNTS_EDIT, ...KEYS_MANAGE],
  'roles/viewer': [
    'iam.serviceAccountKeys.get',
    'iam.serviceAccountKeys.list',
    'iam.serviceAccounts.get',
    'iam.serviceAccounts.getIamPolicy',
    'iam.serviceAccounts.list',
  ],
}
