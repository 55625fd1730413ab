// '@runiam/core/troubleshooter': Policy Troubleshooter (v3, with v1/v2alpha1 mappings), pure.
// Kept out of '@runiam/core' like the authorizer: it evaluates CEL conditions.
import './reasons.js'
export * from './types.js'
export { troubleshoot, NO_DENY } from './troubleshoot.js'
export { denyExplainer } from './deny-explanation.js'
export {
  readAccessTuple,
  invalidTuple,
  permissionFqdn,
  v1Permission,
  MAX_PERMISSION_LENGTH,
  MAX_PRINCIPAL_LENGTH,
  MAX_RESOURCE_NAME_LENGTH,
} from './access-tuple.js'
export type { ReadAccessTuple } from './access-tuple.js'
export { toV1Response, toV2alpha1Response } from './to-v1.js'
export type { V1TroubleshootResponse } from './to-v1.js'
