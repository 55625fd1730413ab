// Strings that are part of runiam's wire contract, defined once and imported by the server, the
// CLI and the tests: type URLs, OAuth grant types and scopes, identity endpoint paths.

/** The `@type` of a google.cloud.run.v2.Service inside an Operation's response. */
export const SERVICE_TYPE_URL = 'type.googleapis.com/google.cloud.run.v2.Service'
/** The `@type` of a google.cloud.run.v2.Job inside an Operation (job create, patch, delete). */
export const JOB_TYPE_URL = 'type.googleapis.com/google.cloud.run.v2.Job'
/** The `@type` of a google.cloud.run.v2.Execution inside an Operation (run, cancel, delete). */
export const EXECUTION_TYPE_URL = 'type.googleapis.com/google.cloud.run.v2.Execution'
/** The `@type` of a google.cloud.run.v2.WorkerPool inside an Operation's metadata and response. */
export const WORKER_POOL_TYPE_URL = 'type.googleapis.com/google.cloud.run.v2.WorkerPool'

/** OAuth 2.0 JWT-bearer grant (RFC 7523): service account key files exchange an assertion. */
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer'
/** runiam's development login grant (`runiam auth login EMAIL`; only with `serve --dev`). */
export const DEV_LOGIN_GRANT = 'urn:runiam:params:oauth:grant-type:dev-login'
/** The scope of runiam's access tokens, as Google's. */
export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform'

/** runiam's OAuth 2 token endpoint, relative to its issuer URL. */
export const TOKEN_PATH = '/token'
/** runiam's JWKS, relative to its issuer URL (Google's path). */
export const JWKS_PATH = '/oauth2/v3/certs'

/** The annotation naming a service's upstream URL (`runiam run deploy S --upstream URL`). */
export const UPSTREAM_ANNOTATION = 'runiam.dev/upstream'
/** Headers the invoker gateway sets for the upstream: the verified caller's member and email. */
export const CALLER_HEADER = 'x-runiam-caller'
export const CALLER_EMAIL_HEADER = 'x-runiam-caller-email'
