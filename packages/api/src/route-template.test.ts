import { describe, it, expect } from 'vitest'
import { compileTemplate } from './route-template.js'

describe('compileTemplate', () => {
  it('matches a variable with a multi-segment pattern and a custom verb', () => {
    const t = compileTemplate('/v2/{resource=projects/*/locations/*/services/*}:getIamPolicy')
    expect(t.verb).toBe('getIamPolicy')
    expect(t.variables).toEqual(['resource'])
    expect(t.match('/v2/projects/p/locations/us-central1/services/s:getIamPolicy')).toEqual({
      resource: 'projects/p/locations/us-central1/services/s',
    })
    expect(t.match('/v2/projects/p/locations/us-central1/services/s')).toBeUndefined()
    expect(t.match('/v2/projects/p/locations/us-central1/services/s:setIamPolicy')).toBeUndefined()
    expect(t.match('/v2/projects/p/locations/l/jobs/s:getIamPolicy')).toBeUndefined()
    expect(t.match('/v2/projects/p/locations/l/services/s/x:getIamPolicy')).toBeUndefined()
  })

  it('does not let a verb-less template match a path with a verb', () => {
    const t = compileTemplate('/v2/{name=projects/*/locations/*/services/*}')
    expect(t.match('/v2/projects/p/locations/l/services/s')).toEqual({
      name: 'projects/p/locations/l/services/s',
    })
    expect(t.match('/v2/projects/p/locations/l/services/s:getIamPolicy')).toBeUndefined()
  })

  it('supports literal segments after a variable, bare variables and dotted names', () => {
    const t = compileTemplate('/v2/{parent=projects/*/locations/*}/services')
    expect(t.match('/v2/projects/p/locations/l/services')).toEqual({
      parent: 'projects/p/locations/l',
    })
    expect(t.match('/v2/projects/p/locations/l/jobs')).toBeUndefined()
    const b = compileTemplate('/v1/projects/{projectId}')
    expect(b.match('/v1/projects/my-proj')).toEqual({ projectId: 'my-proj' })
    expect(b.match('/v1/projects/a/b')).toBeUndefined()
    const d = compileTemplate('/v2/{service.name=projects/*/locations/*/services/*}')
    expect(d.variables).toEqual(['service.name'])
    expect(d.match('/v2/projects/p/locations/l/services/s')).toEqual({
      'service.name': 'projects/p/locations/l/services/s',
    })
  })

  it('matches ** as one or more trailing segments', () => {
    const t = compileTemplate('/v1/{name=operations/**}')
    expect(t.match('/v1/operations/cp.123')).toEqual({ name: 'operations/cp.123' })
    expect(t.match('/v1/operations/a/b/c')).toEqual({ name: 'operations/a/b/c' })
    expect(t.match('/v1/operations')).toBeUndefined()
  })

  it('percent-decodes segments and refuses encoded slashes and empty segments', () => {
    const t = compileTemplate('/v1/projects/{projectId}')
    expect(t.match('/v1/projects/a%2Db')).toEqual({ projectId: 'a-b' })
    expect(t.match('/v1/projects/a%2Fb')).toBeUndefined()
    expect(t.match('/v1/projects/%E0%A4%A')).toBeUndefined()
    expect(t.match('/v1//projects/x')).toBeUndefined()
  })

  it('expands variables back into a path and validates their shape', () => {
    const t = compileTemplate('/v2/{resource=projects/*/locations/*/services/*}:setIamPolicy')
    expect(t.expand({ resource: 'projects/p/locations/l/services/s' })).toBe(
      '/v2/projects/p/locations/l/services/s:setIamPolicy',
    )
    expect(() => t.expand({ resource: 'projects/p/services/s' })).toThrow(/does not match/)
    expect(() => t.expand({})).toThrow(/Missing value for 'resource'/)
    const b = compileTemplate('/v1/projects/{projectId}')
    expect(b.expand({ projectId: 'a b' })).toBe('/v1/projects/a%20b')
    const o = compileTemplate('/v1/{name=operations/**}')
    expect(o.expand({ name: 'operations/x/y' })).toBe('/v1/operations/x/y')
    expect(() => o.expand({ name: 'projects/x' })).toThrow(/does not match/)
  })

  it('rejects malformed templates', () => {
    expect(() => compileTemplate('v1/x')).toThrow(/must start with/)
    expect(() => compileTemplate('/v1/{x=**}/y')).toThrow(/last segment/)
    expect(() => compileTemplate('/v1/{x')).toThrow(/unclosed/)
    expect(() => compileTemplate('/v1/x/')).toThrow(/trailing/)
  })
})
