// Generates packages/core/src/roles/catalog-data.ts from ../shared/reference/roles.json (Google's
// predefined Cloud Run roles, dumped from `gcloud iam roles describe`). Run: node scripts/gen-roles.mjs
// The basic roles in the dump list only their run.* permissions; the resourcemanager.* permissions
// they hold on Google are added here (RM_EXTRA) so project- and org-level IAM works.
import { readFileSync, writeFileSync } from 'node:fs'
import { BASIC_ROLE_IAM_EXTRA, SERVICE_ACCOUNT_ROLES } from './service-account-roles.mjs'
import { BASIC_ROLE_LOGGING_EXTRA, LOGGING_ROLES } from './logging-roles.mjs'
import { BASIC_ROLE_CLOUD_IDENTITY_EXTRA, CLOUD_IDENTITY_ROLES } from './cloud-identity-roles.mjs'
import { BASIC_ROLE_ROLES_EXTRA, CUSTOM_ROLE_ROLES } from './custom-role-roles.mjs'
import { BASIC_ROLE_RUNIAM_EXTRA } from './runiam-roles.mjs'
import { BASIC_ROLE_CLOUDASSET_EXTRA, CLOUDASSET_ROLES } from './cloudasset-roles.mjs'
import { BASIC_ROLE_RECOMMENDER_EXTRA, RECOMMENDER_ROLES } from './recommender-roles.mjs'
import { DENY_ROLES } from './deny-roles.mjs'

const src = new URL('../../shared/reference/roles.json', import.meta.url)
const out = new URL('../packages/core/src/roles/catalog-data.ts', import.meta.url)
const data = JSON.parse(readFileSync(src, 'utf8'))

const RM_EXTRA = {
  'roles/owner': [
    'resourcemanager.organizations.get',
    'resourcemanager.organizations.getIamPolicy',
    'resourcemanager.organizations.setIamPolicy',
    'resourcemanager.projects.create',
    'resourcemanager.projects.delete',
    'resourcemanager.projects.get',
    'resourcemanager.projects.getIamPolicy',
    'resourcemanager.projects.list',
    'resourcemanager.projects.setIamPolicy',
    'resourcemanager.projects.update',
  ],
  'roles/editor': [
    'resourcemanager.organizations.get',
    'resourcemanager.projects.get',
    'resourcemanager.projects.getIamPolicy',
    'resourcemanager.projects.list',
    'resourcemanager.projects.update',
  ],
  'roles/viewer': [
    'resourcemanager.organizations.get',
    'resourcemanager.projects.get',
    'resourcemanager.projects.getIamPolicy',
    'resourcemanager.projects.list',
  ],
}

// Org Policy permissions: roles/viewer, editor and owner hold the read ones on Google. runiam
// also gives roles/owner the write ones, so that the organization's bootstrap owner can set
// organization policies without first granting itself roles/orgpolicy.policyAdmin (a deviation,
// see docs/api-compat.md).
const ORGPOLICY_READ = [
  'orgpolicy.constraints.list',
  'orgpolicy.policies.list',
  'orgpolicy.policy.get',
]
const ORGPOLICY_EXTRA = {
  'roles/owner': [
    ...ORGPOLICY_READ,
    'orgpolicy.policies.create',
    'orgpolicy.policies.delete',
    'orgpolicy.policies.update',
    'orgpolicy.policy.set',
  ],
  'roles/editor': ORGPOLICY_READ,
  'roles/viewer': ORGPOLICY_READ,
}

const EXTRA_ROLES = {
  'roles/orgpolicy.policyAdmin': {
    title: 'Organization Policy Administrator',
    description: 'The permission to set Organization Policies on resources.',
    stage: 'GA',
    permissions: [
      'orgpolicy.constraints.list',
      'orgpolicy.customConstraints.create',
      'orgpolicy.customConstraints.delete',
      'orgpolicy.customConstraints.get',
      'orgpolicy.customConstraints.list',
      'orgpolicy.customConstraints.update',
      'orgpolicy.policies.create',
      'orgpolicy.policies.delete',
      'orgpolicy.policies.list',
      'orgpolicy.policies.update',
      'orgpolicy.policy.get',
      'orgpolicy.policy.set',
    ],
  },
  'roles/orgpolicy.policyViewer': {
    title: 'Organization Policy Viewer',
    description: 'Access to view Organization Policies on resources.',
    stage: 'GA',
    permissions: ['orgpolicy.constraints.list', 'orgpolicy.policies.list', 'orgpolicy.policy.get'],
  },
  'roles/resourcemanager.organizationAdmin': {
    title: 'Organization Administrator',
    description: 'Access to administer all resources belonging to the organization.',
    stage: 'GA',
    permissions: [
      'resourcemanager.organizations.get',
      'resourcemanager.organizations.getIamPolicy',
      'resourcemanager.organizations.setIamPolicy',
      'resourcemanager.projects.get',
      'resourcemanager.projects.getIamPolicy',
      'resourcemanager.projects.list',
      'resourcemanager.projects.setIamPolicy',
    ],
  },
  'roles/resourcemanager.projectCreator': {
    title: 'Project Creator',
    description:
      'Provides access to create new projects. Once a user creates a project, they are automatically granted the owner role for that project.',
    stage: 'GA',
    permissions: ['resourcemanager.organizations.get', 'resourcemanager.projects.create'],
  },
}

const roles = {}
for (const [name, r] of Object.entries(data)) {
  if (!name.startsWith('roles/')) continue
  const perms = [
    ...(r.permissions ?? r.permissions_run_only ?? []),
    ...(RM_EXTRA[name] ?? []),
    ...(ORGPOLICY_EXTRA[name] ?? []),
    // Service account permissions of the basic roles: see service-account-roles.mjs.
    ...(BASIC_ROLE_IAM_EXTRA[name] ?? []),
    // logging.logEntries.list: see logging-roles.mjs.
    ...(BASIC_ROLE_LOGGING_EXTRA[name] ?? []),
    // Group management: see cloud-identity-roles.mjs.
    ...(BASIC_ROLE_CLOUD_IDENTITY_EXTRA[name] ?? []),
    // iam.roles.*: see custom-role-roles.mjs.
    ...(BASIC_ROLE_ROLES_EXTRA[name] ?? []),
    // runiam's own permissions (signing key rotation): see runiam-roles.mjs.
    ...(BASIC_ROLE_RUNIAM_EXTRA[name] ?? []),
    // Cloud Asset (analyzeIamPolicy): see cloudasset-roles.mjs.
    ...(BASIC_ROLE_CLOUDASSET_EXTRA[name] ?? []),
    // Recommender (IAM and Cloud Run recommendations): see recommender-roles.mjs.
    ...(BASIC_ROLE_RECOMMENDER_EXTRA[name] ?? []),
  ]
  roles[name] = {
    title: r.title,
    description: r.description,
    stage: r.stage,
    permissions: [...new Set(perms)].sort(),
  }
}
Object.assign(roles, EXTRA_ROLES)
for (const [name, r] of Object.entries({
  ...SERVICE_ACCOUNT_ROLES,
  ...LOGGING_ROLES,
  ...CLOUD_IDENTITY_ROLES,
  ...CUSTOM_ROLE_ROLES,
  ...CLOUDASSET_ROLES,
  ...RECOMMENDER_ROLES,
  ...DENY_ROLES,
})) {
  roles[name] = { ...r, permissions: [...new Set(r.permissions)].sort() }
}

const body = `// GENERATED by scripts/gen-roles.mjs from shared/reference/roles.json: do not edit by hand.
// Google's predefined roles known to runiam, with their exact permissions.

export interface RoleData {
  readonly title: string
  readonly description: string
  readonly stage: string
  readonly permissions: readonly string[]
}

export const ROLE_DATA: Readonly<Record<string, RoleData>> = ${JSON.stringify(roles, null, 2)}
`
writeFileSync(out, body)
console.log(`wrote ${Object.keys(roles).length} roles`)
