// runiam's own permissions, for scripts/gen-roles.mjs: methods Google has no counterpart of
// (rotating the signing key of runiam's token issuer). Only roles/owner holds them, checked on the
// organization; custom roles may not (packages/core/src/roles/custom-role.ts), so an owner of the
// organization is the only one who can rotate. docs/api-compat.md, "runiam's own methods".

export const BASIC_ROLE_RUNIAM_EXTRA = {
  'roles/owner': ['runiam.signingKeys.rotate'],
}
