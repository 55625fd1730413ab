// The error reasons of '@runiam/core/deny', registered in core's catalog when the deny entry point
// is loaded.
import { Code } from '../errors/code.js'
import { IamError } from '../errors/iam-error.js'
import { registerReasons } from '../errors/reasons.js'

export const DENY_REASONS = {
  INVALID_DENY_POLICY: {
    code: Code.INVALID_ARGUMENT,
    doc: 'A deny policy (or one of its rules) is malformed, misses a required field or passes a limit.',
  },
  DENY_PERMISSION_NOT_SUPPORTED: {
    code: Code.INVALID_ARGUMENT,
    doc: 'A deny rule names a permission that is not in SERVICE_FQDN/RESOURCE.ACTION form or that runiam does not know.',
  },
  DENY_PRINCIPAL_NOT_SUPPORTED: {
    code: Code.INVALID_ARGUMENT,
    doc: 'A deny rule names a principal identifier that is malformed or that runiam cannot match (e.g. a cloudIdentityCustomerId set).',
  },
  DENY_POLICY_LIMIT: {
    code: Code.FAILED_PRECONDITION,
    doc: 'An attachment point would hold more than 500 deny policies, or more than 500 deny rules across them.',
  },
} as const

registerReasons(DENY_REASONS)

export function denyPolicyLimit(message: string): IamError {
  return new IamError(Code.FAILED_PRECONDITION, 'DENY_POLICY_LIMIT', message)
}

export function invalidDenyPolicy(message: string, field?: string): IamError {
  return new IamError(Code.INVALID_ARGUMENT, 'INVALID_DENY_POLICY', message, {
    metadata: field === undefined ? {} : { field },
  })
}

export function denyPermissionNotSupported(message: string): IamError {
  return new IamError(Code.INVALID_ARGUMENT, 'DENY_PERMISSION_NOT_SUPPORTED', message)
}

export function denyPrincipalNotSupported(message: string): IamError {
  return new IamError(Code.INVALID_ARGUMENT, 'DENY_PRINCIPAL_NOT_SUPPORTED', message)
}
