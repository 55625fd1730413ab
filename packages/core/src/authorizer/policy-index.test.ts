// PolicyIndex (policy-index.ts): the plan a check reads. What it must keep from the per-permission
// maps it replaced: the explanation names the first granting binding in policy order, small
// policies (read front to back) and large ones (read through their member index) answer alike,
// a repeated check hands back the same frozen Decision, and member strings that are also
// property names of plain objects are just strings.
import { describe, expect, it } from 'vitest'
import type { Binding } from '../policy/types.js'
import { check, compilePolicy, principalSetFor, type CompiledPolicy } from './index.js'
import { memberHash } from './member-hash.js'

const INVOKE = 'run.routes.invoke'
const SERVICE = 'projects/p/locations/us-central1/services/s'
const attrs = { timeMs: Date.UTC(2026, 0, 1), host: 'h', path: '/' }
const alice = principalSetFor('user:alice@example.com', { groups: ['eng@example.com'] })

const decide = (policies: readonly CompiledPolicy[], principals = alice) =>
  check({ principals, permission: INVOKE, resource: SERVICE, attributes: attrs }, policies)

/** n bindings that grant nothing to alice (other users, and roles without run.routes.invoke). */
const filler = (n: number): Binding[] =>
  Array.from({ length: n }, (_, i) =>
    i % 2 === 0
      ? { role: 'roles/run.invoker', members: [`user:u${i}@example.com`] }
      : {
          role: 'roles/run.viewer',
          members: ['user:alice@example.com', `group:g${i}@example.com`],
        },
  )

describe('PolicyIndex', () => {
  for (const [size, pad] of [
    ['small', 2],
    ['large', 40],
  ] as const) {
    it(`names the first granting binding in policy order (${size} policy)`, () => {
      const compiled = compilePolicy(SERVICE, {
        bindings: [
          ...filler(pad),
          // The caller's group comes first, the caller itself later: the group's binding decides.
          { role: 'roles/run.servicesInvoker', members: ['group:eng@example.com'] },
          ...filler(pad),
          {
            role: 'roles/run.invoker',
            members: ['user:bob@example.com', 'user:alice@example.com'],
          },
        ],
      })
      const first = decide([compiled])
      expect(first).toEqual({
        allowed: true,
        grantedBy: [
          { resource: SERVICE, role: 'roles/run.servicesInvoker', member: 'group:eng@example.com' },
        ],
        conditionErrors: [],
      })
      expect(decide([compiled])).toBe(first)
    })

    it(`lets an unconditional grant win over an earlier conditional one (${size} policy)`, () => {
      const compiled = compilePolicy(SERVICE, {
        bindings: [
          ...filler(pad),
          {
            role: 'roles/run.invoker',
            members: ['user:alice@example.com'],
            condition: { expression: 'request.path.startsWith(' },
          },
          ...filler(pad),
          { role: 'roles/run.invoker', members: ['group:eng@example.com'] },
        ],
      })
      expect(decide([compiled])).toEqual({
        allowed: true,
        grantedBy: [
          { resource: SERVICE, role: 'roles/run.invoker', member: 'group:eng@example.com' },
        ],
        conditionErrors: [],
      })
    })

    it(`evaluates a conditional binding naming several of the caller's members once (${size})`, () => {
      const compiled = compilePolicy(SERVICE, {
        bindings: [
          ...filler(pad),
          {
            role: 'roles/run.invoker',
            members: ['user:alice@example.com', 'group:eng@example.com', 'allUsers'],
            condition: { title: 'broken', expression: 'request.path.startsWith(' },
          },
        ],
      })
      const d = decide([compiled])
      expect(d.allowed).toBe(false)
      expect(d.conditionErrors).toHaveLength(1)
      expect(d.conditionErrors[0]).toMatchObject({
        resource: SERVICE,
        role: 'roles/run.invoker',
        expression: 'request.path.startsWith(',
      })
    })
  }

  it('treats member strings that are object property names as plain strings', () => {
    const compiled = compilePolicy(SERVICE, {
      bindings: [
        { role: 'roles/run.invoker', members: ['__proto__', 'constructor', 'toString'] },
        { role: 'roles/run.invoker', members: ['user:__proto__@example.com'] },
      ],
    })
    expect(compiled.bindings[0]?.members).toEqual(['__proto__', 'constructor', 'toString'])
    expect(decide([compiled]).allowed).toBe(false)
    expect(decide([compiled], principalSetFor('user:__proto__@example.com')).grantedBy).toEqual([
      { resource: SERVICE, role: 'roles/run.invoker', member: 'user:__proto__@example.com' },
    ])
    // A hand-made principal set is matched by content, not by the interned strings.
    expect(decide([compiled], { members: new Set(['constructor']) }).allowed).toBe(true)
  })

  it('compiles a policy at validation’s size limit, and refuses one far beyond it', () => {
    const custom = (n: number): Binding[] =>
      Array.from({ length: n }, (_, i) => ({
        role: `projects/p/roles/r${i}`,
        members: [`user:u${i}@example.com`],
      }))
    const resolver = (role: string) =>
      role === 'projects/p/roles/r1499' ? new Set([INVOKE]) : undefined
    const big = compilePolicy(SERVICE, { bindings: custom(1_500) }, { customRoles: resolver })
    expect(big.bindings).toHaveLength(1_500)
    expect(decide([big], principalSetFor('user:u1499@example.com')).grantedBy).toEqual([
      { resource: SERVICE, role: 'projects/p/roles/r1499', member: 'user:u1499@example.com' },
    ])
    expect(() => compilePolicy(SERVICE, { bindings: custom(2_100) })).toThrow(RangeError)
  })

  it('the member-hash pre-filter neither rejects a match nor lets a same-hash look-alike in', () => {
    // A member whose hash is one of alice's but which is not hers: it passes the bucket and the
    // hash tests, not the Set.
    const hashes = new Set(
      [
        'user:alice@example.com',
        'domain:example.com',
        'group:eng@example.com',
        'allUsers',
        'allAuthenticatedUsers',
      ].map(memberHash),
    )
    let lookAlike = ''
    for (let i = 0; lookAlike === ''; i++) {
      const m = `user:alice${i}@example.com`
      if (hashes.has(memberHash(m))) lookAlike = m
    }
    for (const pad of [0, 40]) {
      const compiled = compilePolicy(SERVICE, {
        bindings: [...filler(pad), { role: 'roles/run.invoker', members: [lookAlike] }],
      })
      expect(decide([compiled]).allowed).toBe(false)
      expect(decide([compiled], principalSetFor(lookAlike)).allowed).toBe(true)
    }
    // Hand-written (not normalised) members are matched in their normalised form, hash included.
    const mixed = compilePolicy(SERVICE, {
      bindings: [{ role: 'roles/run.invoker', members: ['group:ENG@Example.com'] }],
    })
    expect(decide([mixed]).allowed).toBe(true)
    expect(decide([mixed], { members: new Set(['group:eng@example.com']) }).allowed).toBe(true)
  })

  it('finds a grant at every position, for a caller with more members than it keeps inline', () => {
    // Positions around the 16 codes kept in the policy object's own fields, the plain scan of
    // the elements (17 … 32 pairs) and the member index (over 32); a caller with 12 groups has
    // 16 members, past the eight hashes a principal set keeps in its own fields.
    const groups = Array.from({ length: 12 }, (_, i) => `team${i}@example.com`)
    const many = principalSetFor('user:carol@example.com', { groups })
    for (const total of [1, 15, 16, 17, 32, 33, 40]) {
      for (let at = 0; at < total; at++) {
        const bindings: Binding[] = Array.from({ length: total }, (_, i) => ({
          role: 'roles/run.invoker',
          members: [`user:other${i}@example.com`],
        }))
        bindings[at] = { role: 'roles/run.invoker', members: ['group:team11@example.com'] }
        const compiled = compilePolicy(SERVICE, { bindings })
        expect(decide([compiled], many).grantedBy).toEqual([
          { resource: SERVICE, role: 'roles/run.invoker', member: 'group:team11@example.com' },
        ])
        // A hand-made principal set keeps no hashes: the member index is read by each member's.
        expect(decide([compiled], { members: new Set(many.members) }).grantedBy).toEqual([
          { resource: SERVICE, role: 'roles/run.invoker', member: 'group:team11@example.com' },
        ])
        expect(decide([compiled]).allowed).toBe(false)
        expect(decide([compiled], { members: new Set(alice.members) }).allowed).toBe(false)
      }
    }
  })

  it('skips a hand-written conditional binding without members (condition numbers stay right)', () => {
    const compiled = compilePolicy(SERVICE, {
      version: 3,
      bindings: [
        { role: 'roles/run.invoker', members: [], condition: { expression: 'false' } },
        ...filler(7),
        {
          role: 'roles/run.invoker',
          members: ['user:alice@example.com'],
          condition: { title: 'root', expression: 'request.path == "/"' },
        },
      ],
    })
    expect(decide([compiled]).grantedBy).toEqual([
      {
        resource: SERVICE,
        role: 'roles/run.invoker',
        member: 'user:alice@example.com',
        condition: { title: 'root', expression: 'request.path == "/"' },
      },
    ])
    expect(compiled.bindings.map((b) => b.condition?.expression)).toEqual([
      ...Array.from({ length: 7 }, () => undefined),
      'request.path == "/"',
    ])
  })

  it('compiles 8,191 conditional bindings and refuses more', () => {
    const conditional = (n: number): Binding[] =>
      Array.from({ length: n }, (_, i) => ({
        role: 'roles/run.invoker',
        members: [`user:u${i}@example.com`],
        condition: { expression: 'request.path == "/"' },
      }))
    const big = compilePolicy(SERVICE, { version: 3, bindings: conditional(8_191) })
    expect(decide([big], principalSetFor('user:u8190@example.com')).allowed).toBe(true)
    expect(() => compilePolicy(SERVICE, { version: 3, bindings: conditional(8_192) })).toThrow(
      RangeError,
    )
  })
})
