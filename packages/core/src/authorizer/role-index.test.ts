// predefinedRoleId (role-index.ts) finds a role by the shape of its name, then ===: it must answer
// exactly as a lookup by the whole name would, for fresh copies of every predefined name (as
// JSON.parse gives them), for near misses sharing a name's length and shaped characters, and for
// any other string (custom roles, empty, short, non-ASCII).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ROLE_DATA } from '../roles/catalog-data.js'
import { PREDEFINED_ROLE_COUNT, predefinedRoleId, predefinedRoleName } from './role-index.js'

const NAMES = Object.keys(ROLE_DATA)
const byName = new Map(NAMES.map((name, id) => [name, id]))
const reference = (role: string): number => byName.get(role) ?? -1
/** A copy that is not the catalog's own string object. */
const fresh = (s: string): string => JSON.parse(JSON.stringify(s)) as string

describe('predefinedRoleId', () => {
  it('finds every predefined role from a fresh copy of its name, and names it back', () => {
    expect(NAMES.length).toBe(PREDEFINED_ROLE_COUNT)
    NAMES.forEach((name, id) => {
      expect(predefinedRoleId(fresh(name))).toBe(id)
      expect(predefinedRoleName(id)).toBe(name)
    })
  })

  it('finds nothing for a name that differs in one character only', () => {
    for (const name of NAMES) {
      for (let i = 0; i < name.length; i++) {
        // Changes the characters the shape does not read, as well as those it does.
        const near = `${name.slice(0, i)}${name[i] === 'x' ? 'y' : 'x'}${name.slice(i + 1)}`
        expect(predefinedRoleId(near)).toBe(reference(near))
      }
      expect(predefinedRoleId(`${name} `)).toBe(-1)
      expect(predefinedRoleId(name.slice(0, -1))).toBe(-1)
      expect(predefinedRoleId(name.toUpperCase())).toBe(reference(name.toUpperCase()))
    }
  })

  it('answers as a lookup by the whole name for any string', () => {
    const role = fc.oneof(
      fc.string(),
      fc.string({ unit: 'grapheme' }),
      fc.constantFrom(
        '',
        'r',
        'ro',
        'roles/',
        'projects/p/roles/custom',
        'organizations/1/roles/r',
      ),
      fc.constantFrom(...NAMES).map((n) => `${n}`),
      fc
        .tuple(fc.constantFrom(...NAMES), fc.nat(), fc.string({ minLength: 1, maxLength: 1 }))
        .map(([n, at, c]) => `${n.slice(0, at % n.length)}${c}${n.slice((at % n.length) + 1)}`),
    )
    fc.assert(
      fc.property(role, (r) => predefinedRoleId(r) === reference(r)),
      { numRuns: 2_000 },
    )
  })
})
