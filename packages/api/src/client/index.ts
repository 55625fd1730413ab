// The api package's HTTP client: createClient, error decoding and the etag-retry helper. Also
// exported alone as @runiam/api/client: it loads neither the route table nor core's catalogs, so a
// CLI command that only calls the API starts fast. The client's own error reasons register here.
import '../reasons.js'
export { createClient } from './create-client.js'
export type {
  ClientOptions,
  FetchLike,
  QueryValue,
  RequestOptions,
  ResponseLike,
  RuniamClient,
  TokenResponse,
} from './create-client.js'
export { decodeError, codeFromHttpStatus } from './decode-error.js'
export { operationResult } from './operation-result.js'
export { readModifyWrite } from './read-modify-write.js'
export type { RetryOptions } from './read-modify-write.js'
export type * from './types.js'
