// The role → permission index the authorizer reads, built once from the generated catalog. Each
// predefined role has a small integer id; each permission some role holds maps to the set of role
// ids holding it, as a bitset. A check looks its permission up once and then tests each binding's
// role with one bit test, whatever the policy's size (no per-role Set lookups, no per-policy
// index to build). A permission no role holds has no bitset: the check answers at once.
import { ROLE_DATA } from '../roles/catalog-data.js'

/** Which predefined roles hold one permission: bit `id` set for the role with that id. */
export type RoleBits = Uint32Array

const roleIds = new Map<string, number>()
/** The role name strings, by id: compiled bindings hold these, not the caller's copies. */
const roleNames: string[] = []
for (const role of Object.keys(ROLE_DATA)) {
  roleIds.set(role, roleNames.length)
  roleNames.push(role)
}

const WORDS = (roleNames.length + 31) >>> 5

const rolesByPermission = new Map<string, RoleBits>()
for (const [role, data] of Object.entries(ROLE_DATA)) {
  const id = roleIds.get(role) as number
  for (const permission of data.permissions) {
    let bits = rolesByPermission.get(permission)
    if (bits === undefined) rolesByPermission.set(permission, (bits = new Uint32Array(WORDS)))
    bits[id >>> 5] = (bits[id >>> 5] as number) | (1 << (id & 31))
  }
}

/**
 * Predefined role ids by the shape of their name (its length and three of its characters). A
 * stored policy's role strings come fresh from JSON.parse, and a Map lookup hashes each one whole
 * first (~12 instructions a character: ~2,500 per service policy of 10 bindings, a tenth of what
 * its compile costs besides JSON.parse); the shape picks the one or two candidates and === decides,
 * so a name is found exactly when the Map would find it.
 */
const SHAPES = 1024
const byShape: (number[] | undefined)[] = new Array<undefined>(SHAPES).fill(undefined)
/** The shortest predefined role name: a shorter name is none, and every name shaped is this long. */
const SHORTEST = Math.min(...roleNames.map((r) => r.length))

function shapeOf(role: string): number {
  const n = role.length
  return (
    (n * 977 + role.charCodeAt(n - 1) * 31 + role.charCodeAt(n - 2) * 7 + role.charCodeAt(n >> 1)) &
    (SHAPES - 1)
  )
}

if (SHORTEST < 2) throw new Error('a predefined role name too short to shape')
roleNames.forEach((role, id) => {
  const shape = shapeOf(role)
  ;(byShape[shape] ??= []).push(id)
})

/** The id of a predefined role, or -1 for any other name (custom, or unknown: grants nothing). */
export function predefinedRoleId(role: string): number {
  if (role.length < SHORTEST) return -1
  const ids = byShape[shapeOf(role)]
  if (ids === undefined) return -1
  for (let k = 0; k < ids.length; k++) {
    const id = ids[k] as number
    if (roleNames[id] === role) return id
  }
  return -1
}

/** The catalog's own string for a predefined role id. */
export function predefinedRoleName(id: number): string {
  return roleNames[id] as string
}

/** How many predefined roles there are (ids are 0 … count - 1). */
export const PREDEFINED_ROLE_COUNT = roleNames.length

/**
 * The predefined roles holding `permission`, or undefined when no role holds it at all (custom
 * roles are validated to hold only permissions some predefined role holds, so then nothing can
 * grant it).
 */
export function rolesHolding(permission: string): RoleBits | undefined {
  // The last few permissions asked: callers ask the same handful (invoke, get, …) as string
  // constants, which compare by pointer; a Map lookup costs several times more per check.
  for (let i = 0; i < RECENT; i++) if (recentKeys[i] === permission) return recentBits[i]
  const bits = rolesByPermission.get(permission)
  recentKeys[nextRecent] = permission
  recentBits[nextRecent] = bits
  nextRecent = (nextRecent + 1) % RECENT
  return bits
}

const RECENT = 4
// Strings only (an empty slot is '', which no role holds, so its undefined bits are right): a
// comparison V8 has only ever seen between strings is a pointer test, not a call to the generic
// StrictEqual (~25 instructions a check).
const recentKeys: string[] = new Array<string>(RECENT).fill('')
const recentBits: (RoleBits | undefined)[] = new Array<undefined>(RECENT).fill(undefined)
let nextRecent = 0

/** Whether the role with id `id` is in `bits`. */
export function hasRole(bits: RoleBits, id: number): boolean {
  return (((bits[id >>> 5] as number) >>> (id & 31)) & 1) !== 0
}
