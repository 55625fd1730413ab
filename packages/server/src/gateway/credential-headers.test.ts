// credentialHeaders lists what req.headersDistinct lists for the two credential headers, in any
// spelling of their names, duplicates kept (the check refuses a request carrying two).
import { describe, expect, it } from 'vitest'
import { credentialHeaders } from './credential-headers.js'

describe('credentialHeaders', () => {
  it('collects every value of each credential header, whatever the case of its name', () => {
    const rawHeaders = [
      'Host',
      'a.run.localhost',
      'AUTHORIZATION',
      'Bearer one',
      'X-Serverless-Authorization',
      'Bearer two',
      'authorization',
      'Bearer three',
      'X-Authorization',
      'Bearer not-this',
      'x-serverless-authorization-2',
      'Bearer nor-this',
    ]
    expect(credentialHeaders({ rawHeaders })).toEqual({
      authorization: ['Bearer one', 'Bearer three'],
      serverlessAuthorization: ['Bearer two'],
    })
  })

  it('answers undefined for a header that is absent', () => {
    expect(credentialHeaders({ rawHeaders: ['Host', 'x'] })).toEqual({
      authorization: undefined,
      serverlessAuthorization: undefined,
    })
  })
})
