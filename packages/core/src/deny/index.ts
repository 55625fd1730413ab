// '@runiam/core/deny': IAM deny policies (IAM v2 google.iam.v2.Policy with DenyRule rules). Pure.
//
// The API other parts (the server's decision path, the troubleshooter, the analyzer) use:
//   validateDenyPolicy(body)            → canonical DenyPolicyContent, or INVALID_ARGUMENT
//   compileDenyPolicy(name, content)    → CompiledDenyPolicy (compile once, on load)
//   evaluateDeny(principals, permission, attributes, compiled[])
//                                       → { denied, by: [{policy, ruleIndex}], conditionErrors }
//     `permission` is the v1 name (run.routes.invoke); `principals` a principal set from
//     principalSetFor (members user:, group:, allUsers …); `compiled` the policies attached to
//     the resource's organization and project. It lists EVERY denying rule (a troubleshooter can
//     show all of them) and never throws; a denialCondition that errors makes its rule deny.
//   narrowDenyPolicies(compiled[], permission) → only the rules that can deny that permission
//     (cache it per chain and permission: same answers from evaluateDeny, less work).
//   toDenyPermission / parseDenyPermission: v1 ↔ v2 (`run.googleapis.com/routes.invoke`) names.
//   canonicalDenyPrincipal / memberOfDenyPrincipal: v2 principal identifiers ↔ v1 members.
//   parseAttachmentPoint, attachmentPointOf, denyPoliciesParent, checkDenyPolicyId: names.
// Kept out of '@runiam/core' because it loads the CEL engine (denialCondition).
import './reasons.js'
export type * from './types.js'
export { DENY_REASONS, denyPolicyLimit, invalidDenyPolicy } from './reasons.js'
export {
  validateDenyPolicy,
  MAX_DENY_POLICIES_PER_ATTACHMENT,
  MAX_DENY_RULES,
  MAX_RULE_LIST,
} from './validate-deny-policy.js'
export { compileDenyPolicy } from './compile-deny-policy.js'
export {
  DENY_CONDITION_BUDGET,
  evaluateDeny,
  narrowDenyPolicies,
  NOT_DENIED,
} from './evaluate-deny.js'
export {
  matchesPermission,
  parseDenyPermission,
  permissionMatcher,
  toDenyPermission,
  type DenyPermission,
} from './deny-permission.js'
export { canonicalDenyPrincipal, memberOfDenyPrincipal, PUBLIC_ALL } from './deny-principal.js'
export {
  attachmentPointOf,
  checkDenyPolicyId,
  denyPoliciesParent,
  parseAttachmentPoint,
  type AttachmentPoint,
} from './deny-policy-name.js'
