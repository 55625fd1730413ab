// Google's Organization Policy v2 JSON shapes for the methods runiam serves.

/** google.cloud.orgpolicy.v2.PolicySpec.PolicyRule. */
export interface OrgPolicyRule {
  readonly values?: { readonly allowedValues?: string[]; readonly deniedValues?: string[] }
  readonly allowAll?: boolean
  readonly denyAll?: boolean
  readonly enforce?: boolean
}

/** google.cloud.orgpolicy.v2.PolicySpec. */
export interface OrgPolicySpec {
  readonly etag?: string
  readonly updateTime?: string
  readonly rules?: readonly OrgPolicyRule[]
  readonly inheritFromParent?: boolean
  readonly reset?: boolean
}

/** google.cloud.orgpolicy.v2.Policy. */
export interface OrgPolicy {
  readonly name: string
  readonly spec?: OrgPolicySpec
  readonly etag?: string
}

export interface ListOrgPoliciesResponse {
  readonly policies?: readonly OrgPolicy[]
  readonly nextPageToken?: string
}

/** google.cloud.orgpolicy.v2.Constraint. */
export interface OrgPolicyConstraint {
  readonly name: string
  readonly displayName: string
  readonly description: string
  readonly constraintDefault: 'ALLOW' | 'DENY' | 'CONSTRAINT_DEFAULT_UNSPECIFIED'
  readonly booleanConstraint?: Record<string, never>
  readonly listConstraint?: { readonly supportsIn: boolean; readonly supportsUnder: boolean }
}

export interface ListConstraintsResponse {
  readonly constraints?: readonly OrgPolicyConstraint[]
  readonly nextPageToken?: string
}
