// The error reasons of organization policies (Org Policy v2 API and the writes it governs),
// registered so that listReasons() covers them. docs/errors.md lists them with the others.
// A policy that does not fit its constraint is INVALID_FIELD; a policy not set is RESOURCE_NOT_FOUND.
import { Code, registerReasons } from '@runiam/core'

export const ORG_POLICY_REASONS = {
  DOMAIN_RESTRICTED_SHARING: {
    code: Code.FAILED_PRECONDITION,
    doc: 'A setIamPolicy adds a member outside the domains that constraints/iam.allowedPolicyMemberDomains allows.',
  },
  INVOKER_IAM_REQUIRED: {
    code: Code.FAILED_PRECONDITION,
    doc: 'A service write sets invokerIamDisabled while constraints/run.managed.requireInvokerIam is enforced.',
  },
  UNKNOWN_CONSTRAINT: {
    code: Code.INVALID_ARGUMENT,
    doc: 'An organization policy names a constraint runiam does not know.',
  },
} as const

registerReasons(ORG_POLICY_REASONS)
