// The `fields` system parameter: parsing Google's selection syntax and cutting a body down to it.
import { describe, expect, it } from 'vitest'
import { parseFields, selectFields } from './partial-response.js'

const LIST = {
  services: [
    { name: 'a', uri: 'https://a', template: { containers: [{ image: 'x', ports: [1] }] } },
    { name: 'b', template: { containers: [{ image: 'y' }, { image: 'z' }] }, etag: 'e' },
  ],
  nextPageToken: 't',
}

const pick = (fields: string, value: unknown = LIST): unknown =>
  selectFields(value, parseFields(fields))

describe('fields (partial response)', () => {
  it('keeps the named fields of each element of a list, and leaves out those it lacks', () => {
    expect(pick('services(name,uri),nextPageToken')).toEqual({
      services: [{ name: 'a', uri: 'https://a' }, { name: 'b' }],
      nextPageToken: 't',
    })
  })

  it('reads a/b as b inside a, merges paths into one field, and * as every field', () => {
    expect(pick('services/template/containers/image')).toEqual({
      services: [
        { template: { containers: [{ image: 'x' }] } },
        { template: { containers: [{ image: 'y' }, { image: 'z' }] } },
      ],
    })
    expect(pick('services/name, services(etag)')).toEqual({
      services: [{ name: 'a' }, { name: 'b', etag: 'e' }],
    })
    expect(pick('services(template/containers/image,name),services/name')).toEqual(
      pick('services(name,template(containers(image)))'),
    )
    expect(pick('*')).toEqual(LIST)
    expect(pick('services(*)')).toEqual({ services: LIST.services })
  })

  it('a whole field stays whole when a part of it is named too', () => {
    expect(pick('services,services/name')).toEqual({ services: LIST.services })
    expect(pick('services/name,services')).toEqual({ services: LIST.services })
  })

  it('refuses what is not a selection, saying so', () => {
    for (const bad of ['', ',', 'a,', 'a(', 'a()', 'a(b', 'a)b', 'a//b', 'a b(c', '1a', 'a-b'])
      expect(() => parseFields(bad), bad).toThrow(/Invalid field selection/)
  })

  it('refuses a selection too long or nested too deep, and keeps a field named __proto__', () => {
    expect(() => parseFields('a,'.repeat(3_000) + 'a')).toThrow(/longer than 4096 characters/)
    expect(() => parseFields(`${'a('.repeat(1_000)}b${')'.repeat(1_000)}`)).toThrow(
      /nested more than 32 deep/,
    )
    expect(() => parseFields(Array.from({ length: 40 }, () => 'a').join('/'))).toThrow(
      /nested more than 32 deep/,
    )
    expect(() => parseFields(`${'a('.repeat(31)}b${')'.repeat(31)}`)).not.toThrow()
    // Siblings do not add up to depth.
    expect(() => parseFields(Array.from({ length: 200 }, () => 'a(b/c)').join(','))).not.toThrow()
    const labels = JSON.parse('{"labels":{"__proto__":"x","team":"y"}}') as unknown
    expect(JSON.stringify(pick('labels(*)', labels))).toBe(
      '{"labels":{"__proto__":"x","team":"y"}}',
    )
  })
})
