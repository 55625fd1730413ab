import { describe, it, expect } from 'vitest'
import { Code, IamError } from '@runiam/core'
import { decodeErrorBody, encodeError, ERROR_INFO_TYPE } from './envelope.js'

describe('error envelope', () => {
  it('encodes an IamError as Google does, with ErrorInfo and the legacy errors array', () => {
    const err = new IamError(
      Code.PERMISSION_DENIED,
      'IAM_PERMISSION_DENIED',
      "Permission 'run.services.get' denied on resource 'projects/p/locations/l/services/s' (or it may not exist).",
      { metadata: { permission: 'run.services.get' } },
    )
    const { status, body } = encodeError(err, { domain: 'run.googleapis.com' })
    expect(status).toBe(403)
    expect(body).toEqual({
      error: {
        code: 403,
        message: err.message,
        status: 'PERMISSION_DENIED',
        details: [
          {
            '@type': ERROR_INFO_TYPE,
            reason: 'IAM_PERMISSION_DENIED',
            domain: 'run.googleapis.com',
            metadata: { permission: 'run.services.get' },
          },
        ],
        errors: [{ message: err.message, domain: 'global', reason: 'forbidden' }],
      },
    })
  })

  it('round-trips through decode', () => {
    const bad = { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [] }
    const err = new IamError(
      Code.ABORTED,
      'ETAG_MISMATCH',
      'There were concurrent policy changes.',
      {
        details: [bad],
        metadata: { a: 'b' },
      },
    )
    const { status, body } = encodeError(err)
    expect(status).toBe(409)
    const back = decodeErrorBody(status, JSON.stringify(body))
    expect(back.code).toBe(Code.ABORTED)
    expect(back.reason).toBe('ETAG_MISMATCH')
    expect(back.message).toBe(err.message)
    expect(back.metadata).toEqual({ a: 'b' })
    expect(back.details).toEqual([bad])
  })

  it('lets the status string win over the HTTP number, and falls back to the HTTP number', () => {
    expect(
      decodeErrorBody(409, '{"error":{"code":409,"message":"x","status":"ALREADY_EXISTS"}}').code,
    ).toBe(Code.ALREADY_EXISTS)
    expect(decodeErrorBody(409, '{"error":{"code":409,"message":"conflict"}}').code).toBe(
      Code.ABORTED,
    )
    const plain = decodeErrorBody(403, 'Forbidden')
    expect([plain.code, plain.message]).toEqual([Code.PERMISSION_DENIED, 'Forbidden'])
    expect(decodeErrorBody(502, '').code).toBe(Code.INTERNAL)
    expect(decodeErrorBody(418, '').code).toBe(Code.FAILED_PRECONDITION)
    expect(decodeErrorBody(400, '').message).toBe('HTTP 400')
  })

  it('honours an HTTP status override (405)', () => {
    const e = new IamError(Code.UNIMPLEMENTED, 'METHOD_NOT_ALLOWED', 'no')
    expect(encodeError(e, { httpStatus: 405 }).body.error.code).toBe(405)
  })
})
