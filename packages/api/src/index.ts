// @runiam/api: the wire contract shared by the server, the CLI and the console: Google's JSON
// types, the route table as data, the path-template matcher, the router, the error envelope and
// the fetch-based client.
import './reasons.js'
export * from './types.js'
export * from './iam-types.js'
export * from './role-types.js'
export * from './orgpolicy-types.js'
export * from './logging-types.js'
export * from './job-types.js'
export * from './knative-types.js'
export * from './knative-job-types.js'
export * from './worker-pool-types.js'
export * from './cloud-identity-types.js'
export * from './hierarchy-types.js'
export * from './signing-key-types.js'
export * from './asset-types.js'
export * from './recommender-types.js'
export * from './troubleshooter-types.js'
export * from './deny-policy-types.js'
export * from './wire-constants.js'
export * from './route-template.js'
export * from './routes.js'
export * from './router.js'
export * from './envelope.js'
// The client folder declares its own wire types too; only its non-overlapping names are
// re-exported here, so `Service`, `Operation`… above stay the one definition.
export {
  createClient,
  decodeError,
  codeFromHttpStatus,
  operationResult,
  readModifyWrite,
} from './client/index.js'
export type {
  ClientOptions,
  FetchLike,
  QueryValue,
  RequestOptions,
  RuniamClient,
  TokenResponse,
  RetryOptions,
  Project,
  ListProjectsResponse,
  ServiceRef,
} from './client/index.js'
