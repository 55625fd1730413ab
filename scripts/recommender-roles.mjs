// The IAM recommender's roles (roles/recommender.iamAdmin, roles/recommender.iamViewer) and the
// recommender permissions Google's basic roles hold, for scripts/gen-roles.mjs: runiam serves the
// Recommender v1 API for google.iam.policy.Recommender (checked with
// recommender.iamPolicyRecommendations.* on the project) and google.run.service.SecurityRecommender
// (recommender.runServiceSecurityRecommendations.*, already in the Cloud Run roles of
// shared/reference/roles.json). Written out from Google's IAM roles and permissions index
// ("Recommender roles"), the IAM-policy permissions only. docs/recommendations.md.

const READ = [
  'recommender.iamPolicyInsights.get',
  'recommender.iamPolicyInsights.list',
  'recommender.iamPolicyRecommendations.get',
  'recommender.iamPolicyRecommendations.list',
  'recommender.iamPolicyRecommenderConfig.get',
]
const WRITE = [
  'recommender.iamPolicyInsights.update',
  'recommender.iamPolicyRecommendations.update',
  'recommender.iamPolicyRecommenderConfig.update',
]
const RUN_READ = [
  'recommender.runServiceSecurityRecommendations.get',
  'recommender.runServiceSecurityRecommendations.list',
]
const RUN_WRITE = ['recommender.runServiceSecurityRecommendations.update']

export const RECOMMENDER_ROLES = {
  'roles/recommender.iamAdmin': {
    title: 'IAM Recommender Admin',
    description: 'Admin access to IAM policy recommendations and insights.',
    stage: 'GA',
    permissions: [...READ, ...WRITE],
  },
  'roles/recommender.iamViewer': {
    title: 'IAM Recommender Viewer',
    description: 'Viewer access to IAM policy recommendations and insights.',
    stage: 'GA',
    permissions: READ,
  },
}

// Compat: the basic roles read (viewer) and act on (editor, owner) IAM recommendations on Google.
export const BASIC_ROLE_RECOMMENDER_EXTRA = {
  'roles/owner': [...READ, ...WRITE, ...RUN_READ, ...RUN_WRITE],
  'roles/editor': [...READ, ...WRITE, ...RUN_READ, ...RUN_WRITE],
  'roles/viewer': [...READ, ...RUN_READ],
}
