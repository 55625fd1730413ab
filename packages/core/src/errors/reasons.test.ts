import { describe, expect, it } from 'vitest'
import { Code, httpStatusOf } from './code.js'
import {
  REASONS,
  badRequestDetail,
  etagMismatch,
  formatCount,
  invalidField,
  invalidMember,
  listReasons,
  permissionDenied,
  registerReasons,
  resourceNotFound,
  roleNotFound,
  roleNotSupported,
  unauthenticated,
} from './reasons.js'

describe('reason catalog', () => {
  it('lists every core reason, sorted, in UPPER_SNAKE', () => {
    const listed = listReasons().map((r) => r.reason)
    for (const name of Object.keys(REASONS)) expect(listed).toContain(name)
    expect([...listed].sort()).toEqual(listed)
    expect(listed.every((r) => /^[A-Z][A-Z0-9_]*$/.test(r))).toBe(true)
  })

  it('lets other packages register reasons, idempotently', () => {
    registerReasons({ TEST_ONLY_REASON: { code: Code.FAILED_PRECONDITION, doc: 'test' } })
    registerReasons({ TEST_ONLY_REASON: { code: Code.FAILED_PRECONDITION, doc: 'test' } })
    expect(listReasons().filter((r) => r.reason === 'TEST_ONLY_REASON')).toHaveLength(1)
    expect(() =>
      registerReasons({ TEST_ONLY_REASON: { code: Code.INTERNAL, doc: 'other' } }),
    ).toThrow(/different codes/)
    expect(() => registerReasons({ lower: { code: Code.INTERNAL, doc: 'x' } })).toThrow(
      /UPPER_SNAKE/,
    )
  })
})

describe('constructors', () => {
  it.each([
    [
      invalidMember('bob'),
      'INVALID_ARGUMENT',
      400,
      'INVALID_MEMBER',
      'Policy members must be of the form "<type>:<value>". Got: "bob".',
    ],
    [
      roleNotFound('roles/x'),
      'INVALID_ARGUMENT',
      400,
      'ROLE_NOT_FOUND',
      "Role (roles/x) does not exist in the resource's hierarchy.",
    ],
    [
      roleNotSupported('roles/x'),
      'INVALID_ARGUMENT',
      400,
      'ROLE_NOT_SUPPORTED',
      'Role roles/x is not supported for this resource.',
    ],
    [
      etagMismatch('BwAAAAAAAAA=', 'BwBBBBBBBBB='),
      'ABORTED',
      409,
      'ETAG_MISMATCH',
      "There were concurrent policy changes. Please retry the whole read-modify-write with exponential backoff. The request's ETag 'BwAAAAAAAAA=' did not match the current policy's ETag 'BwBBBBBBBBB='.",
    ],
    [
      permissionDenied('run.services.setIamPolicy', 'projects/p/locations/l/services/s'),
      'PERMISSION_DENIED',
      403,
      'IAM_PERMISSION_DENIED',
      "Permission 'run.services.setIamPolicy' denied on resource 'projects/p/locations/l/services/s' (or it may not exist).",
    ],
    [
      unauthenticated(),
      'UNAUTHENTICATED',
      401,
      'UNAUTHENTICATED',
      'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
    ],
    [
      resourceNotFound('SERVICE', 'hello', 'us-central1', 'p'),
      'NOT_FOUND',
      404,
      'RESOURCE_NOT_FOUND',
      "Resource 'hello' of kind 'SERVICE' in region 'us-central1' in project 'p' does not exist.",
    ],
    [invalidField('policy.version', 'bad'), 'INVALID_ARGUMENT', 400, 'INVALID_FIELD', 'bad'],
  ])('%#: %s', (e, status, http, reason, message) => {
    expect([e.status, httpStatusOf(e.code), e.reason, e.message]).toEqual([
      status,
      http,
      reason,
      message,
    ])
    expect(REASONS[e.reason as keyof typeof REASONS].code).toBe(e.code)
  })

  it('attaches the ErrorInfo detail to permission denials', () => {
    expect(permissionDenied('run.routes.invoke', 'r').details).toEqual([
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'IAM_PERMISSION_DENIED',
        domain: 'iam.googleapis.com',
        metadata: { permission: 'run.routes.invoke', resource: 'r' },
      },
    ])
  })

  it('builds BadRequest details', () => {
    expect(badRequestDetail([{ field: 'a', description: 'b' }])).toEqual({
      '@type': 'type.googleapis.com/google.rpc.BadRequest',
      fieldViolations: [{ field: 'a', description: 'b' }],
    })
  })

  it.each([
    [0, '0'],
    [999, '999'],
    [1000, '1,000'],
    [1503, '1,503'],
    [1234567, '1,234,567'],
  ])('formatCount(%d) = %s', (n, s) => {
    expect(formatCount(n)).toBe(s)
  })
})
