// Recommender v1 (recommender.googleapis.com), as data for routes.ts: list, get and the marks of
// the recommendations runiam computes from the decisions it records, for the IAM recommender
// (google.iam.policy.Recommender, location global) and the Cloud Run public-service recommender
// (google.run.service.SecurityRecommender, location = region). The permission depends on the
// recommender in the path, so the table names none: the service checks
// recommender.iamPolicyRecommendations.{list,get,update} or
// recommender.runServiceSecurityRecommendations.{list,get,update} on the project first.
// Compat: google/cloud/recommender/v1/recommender_service.proto (http rules and permissions).
import type { RouteSpec } from './route-spec.js'

const PARENT = 'projects/*/locations/*/recommenders/*'
const NOTE =
  'recommender.iamPolicyRecommendations.* or recommender.runServiceSecurityRecommendations.* (by recommender), checked on the project'

const mark = (verb: string): RouteSpec => ({
  api: 'recommender/v1',
  id: `recommender.projects.locations.recommenders.recommendations.${verb}`,
  method: 'POST',
  template: `/v1/{name=${PARENT}/recommendations/*}:${verb}`,
  resourceType: 'project',
  body: true,
  note: NOTE.replace('*', 'update').replace('*', 'update'),
})

export const RECOMMENDER_ROUTES: readonly RouteSpec[] = [
  {
    api: 'recommender/v1',
    id: 'recommender.projects.locations.recommenders.recommendations.list',
    method: 'GET',
    template: `/v1/{parent=${PARENT}}/recommendations`,
    resourceType: 'project',
    body: false,
    note: NOTE.replace('*', 'list').replace('*', 'list'),
  },
  {
    api: 'recommender/v1',
    id: 'recommender.projects.locations.recommenders.recommendations.get',
    method: 'GET',
    template: `/v1/{name=${PARENT}/recommendations/*}`,
    resourceType: 'project',
    body: false,
    note: NOTE.replace('*', 'get').replace('*', 'get'),
  },
  mark('markClaimed'),
  mark('markSucceeded'),
  mark('markFailed'),
  mark('markDismissed'),
]
