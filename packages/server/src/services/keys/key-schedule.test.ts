// The signing key schedule on a fake clock: a rotated key is published at once, signs only after
// the activation delay, the old key verifies until its last token can have expired and is then
// dropped; one rotation at a time.
import { describe, expect, it } from 'vitest'
import type { SigningKeyRecord } from '@runiam/store'
import {
  droppedKeys,
  keyState,
  pendingKey,
  planRotation,
  signingKeyAt,
  verifyingKeys,
} from './key-schedule.js'

const T0 = Date.UTC(2026, 11, 3, 12)
const SECOND = 1000
const times = { activationDelayMs: 600 * SECOND, retentionMs: 3630 * SECOND }

const key = (kid: string, at: number): SigningKeyRecord => ({
  kid,
  alg: 'RS256',
  privateJwk: { kty: 'EC', d: 'private' },
  publicJwk: { kid },
  createTime: new Date(at).toISOString(),
})

/** Applies a plan the way the rotation's transaction does. */
function apply(
  keys: readonly SigningKeyRecord[],
  plan: ReturnType<typeof planRotation>,
): SigningKeyRecord[] {
  const byKid = new Map(keys.filter((k) => !plan.delete.includes(k.kid)).map((k) => [k.kid, k]))
  for (const k of plan.put) byKid.set(k.kid, k)
  return [...byKid.values()]
}

const kids = (keys: readonly SigningKeyRecord[]): string[] => keys.map((k) => k.kid).sort()

describe('key schedule', () => {
  it('a first key signs from its creation', () => {
    const keys = [key('k1', T0)]
    expect(signingKeyAt(keys, T0)?.kid).toBe('k1')
    expect(keyState(keys[0] as SigningKeyRecord, T0)).toBe('SIGNING')
    expect(pendingKey(keys, T0)).toBeUndefined()
  })

  it('rotation: published at once, signs after the delay, old key verifies until dropped', () => {
    const rotateAt = T0 + 3600 * SECOND
    let keys = apply([key('k1', T0)], planRotation([key('k1', T0)], key('k2', 0), rotateAt, times))
    const k2 = keys.find((k) => k.kid === 'k2') as SigningKeyRecord
    const k1 = keys.find((k) => k.kid === 'k1') as SigningKeyRecord
    const activate = rotateAt + times.activationDelayMs
    expect(k2.createTime).toBe(new Date(rotateAt).toISOString())
    expect(k2.activateTime).toBe(new Date(activate).toISOString())
    expect(k1.retireTime).toBe(new Date(activate).toISOString())
    expect(k1.dropTime).toBe(new Date(activate + times.retentionMs).toISOString())

    // Just after rotating: both published, the old one still signs, the new one is pending.
    expect(kids(verifyingKeys(keys, rotateAt))).toEqual(['k1', 'k2'])
    expect(signingKeyAt(keys, rotateAt)?.kid).toBe('k1')
    expect(signingKeyAt(keys, activate - 1)?.kid).toBe('k1')
    expect(keyState(k2, activate - 1)).toBe('PENDING')
    expect(pendingKey(keys, activate - 1)?.kid).toBe('k2')

    // At activation the new key signs; the old one only verifies.
    expect(signingKeyAt(keys, activate)?.kid).toBe('k2')
    expect(keyState(k1, activate)).toBe('RETIRED')
    expect(keyState(k2, activate)).toBe('SIGNING')
    expect(kids(verifyingKeys(keys, activate + times.retentionMs - 1))).toEqual(['k1', 'k2'])
    expect(droppedKeys(keys, activate + times.retentionMs - 1)).toEqual([])

    // After the retention the old key is gone from the JWKS and from verification.
    const dropped = activate + times.retentionMs
    expect(kids(verifyingKeys(keys, dropped))).toEqual(['k2'])
    expect(droppedKeys(keys, dropped)).toEqual(['k1'])
    expect(keyState(k1, dropped)).toBe('DROPPED')
    expect(signingKeyAt(keys, dropped)?.kid).toBe('k2')

    // The next rotation deletes what is dropped and retires k2.
    const plan = planRotation(keys, key('k3', 0), dropped, times)
    expect(plan.delete).toEqual(['k1'])
    keys = apply(keys, plan)
    expect(kids(keys)).toEqual(['k2', 'k3'])
    expect(signingKeyAt(keys, dropped)?.kid).toBe('k2')
    expect(signingKeyAt(keys, dropped + times.activationDelayMs)?.kid).toBe('k3')
  })

  it('refuses a second rotation while a new key waits to activate, naming it', () => {
    const keys = apply([key('k1', T0)], planRotation([key('k1', T0)], key('k2', 0), T0, times))
    expect(() => planRotation(keys, key('k3', 0), T0 + 599 * SECOND, times)).toThrow(
      /already under way: key k2 starts signing at 2026-12-03T12:10:00\.000Z/,
    )
    // Once it signs, rotating again is fine, and retires only the key still signing.
    const again = planRotation(keys, key('k3', 0), T0 + 600 * SECOND, times)
    expect(again.put.map((k) => k.kid)).toEqual(['k3', 'k2'])
  })

  it('never stops signing, even if every active key was retired', () => {
    const retired = { ...key('k1', T0), retireTime: new Date(T0 + SECOND).toISOString() }
    expect(signingKeyAt([retired], T0 + 2 * SECOND)?.kid).toBe('k1')
    const gone = { ...retired, dropTime: new Date(T0 + 2 * SECOND).toISOString() }
    expect(signingKeyAt([gone], T0 + 2 * SECOND)).toBeUndefined()
  })
})

describe('keys without a private half', () => {
  it('only verify: they never sign, nor count as a pending key', () => {
    const verifyOnly = { ...key('k9', T0), privateJwk: {} }
    expect(signingKeyAt([verifyOnly], T0 + 1)).toBeUndefined()
    expect(pendingKey([{ ...verifyOnly, activateTime: new Date(T0 + 10).toISOString() }], T0)).toBe(
      undefined,
    )
    expect(verifyingKeys([verifyOnly], T0 + 1).map((k) => k.kid)).toEqual(['k9'])
  })
})
