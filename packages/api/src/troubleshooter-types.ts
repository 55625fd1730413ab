// Policy Troubleshooter JSON shapes. Declared once, in @runiam/core/troubleshooter (the
// troubleshooter returns them); re-exported here as types only, so importing @runiam/api does not
// load the CEL engine. Compat: google.cloud.policytroubleshooter.iam.v3 / v1.
export type {
  AccessTuple,
  AllowBindingExplanation,
  ConditionContext,
  ConditionExplanation,
  DenyPolicyExplanation,
  DenyRuleExplanation,
  ExplainedAllowPolicy,
  ExplainedDenyPolicy,
  ExplainedDenyResource,
  OverallAccessState,
  TroubleshootIamPolicyResponse,
  V1TroubleshootResponse,
} from '@runiam/core/troubleshooter'
