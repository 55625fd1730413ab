// runiam's signing key schedule, as pure functions of the stored keys and the time: which key
// signs now, which keys verify (and are published in the JWKS), and what a rotation writes. A key
// is published from its creation, signs from its activateTime (so every replica and every JWKS
// cache knows it before any token carries its kid), stops signing at its retireTime (the next
// key's activateTime) and is dropped at its dropTime (retireTime plus the longest token lifetime
// and the clock skew: no live token can still name it). docs/security.md, "Signing keys".
import type { SigningKeyRecord } from '@runiam/store'
import { Code, IamError } from '@runiam/core'
import './signing-key-reasons.js'

const ms = (iso: string | undefined): number | undefined =>
  iso === undefined ? undefined : Date.parse(iso)

/** When the key signs from: activateTime, or createTime for keys made at first start. */
export function activateMs(key: SigningKeyRecord): number {
  return ms(key.activateTime) ?? Date.parse(key.createTime)
}

/** Whether the record holds a private half to sign with. */
export function canSign(key: SigningKeyRecord): boolean {
  return Object.keys(key.privateJwk).length > 0
}

/** Dropped keys neither sign nor verify, and leave the JWKS. */
export function isDropped(key: SigningKeyRecord, now: number): boolean {
  const drop = ms(key.dropTime)
  return drop !== undefined && drop <= now
}

const isRetired = (key: SigningKeyRecord, now: number): boolean => {
  const retire = ms(key.retireTime)
  return retire !== undefined && retire <= now
}

/** Keys that verify tokens at `now` (and are published in the JWKS), oldest first. */
export function verifyingKeys(
  keys: readonly SigningKeyRecord[],
  now: number,
): readonly SigningKeyRecord[] {
  return keys.filter((k) => !isDropped(k, now))
}

/**
 * The key that signs at `now`: of the keys already active and not dropped, the most recently
 * activated one that is not retired; if every such key is retired (a schedule no rotation
 * writes), the most recently activated one, so runiam never stops signing.
 */
export function signingKeyAt(
  keys: readonly SigningKeyRecord[],
  now: number,
): SigningKeyRecord | undefined {
  // A key imported without its private half (runiam export without private keys) only verifies.
  const active = keys.filter((k) => canSign(k) && !isDropped(k, now) && activateMs(k) <= now)
  const newest = (list: readonly SigningKeyRecord[]): SigningKeyRecord | undefined =>
    list.reduce<SigningKeyRecord | undefined>(
      (best, k) =>
        best === undefined ||
        activateMs(k) > activateMs(best) ||
        (activateMs(k) === activateMs(best) && k.kid > best.kid)
          ? k
          : best,
      undefined,
    )
  return newest(active.filter((k) => !isRetired(k, now))) ?? newest(active)
}

/** A key published but not signing yet (a rotation under way), if any. */
export function pendingKey(
  keys: readonly SigningKeyRecord[],
  now: number,
): SigningKeyRecord | undefined {
  return keys.find((k) => canSign(k) && !isDropped(k, now) && activateMs(k) > now)
}

/** Keys past their drop time, to be deleted. */
export function droppedKeys(keys: readonly SigningKeyRecord[], now: number): readonly string[] {
  return keys.filter((k) => isDropped(k, now)).map((k) => k.kid)
}

export interface ScheduleTimes {
  /** Between publishing a new key and signing with it. */
  readonly activationDelayMs: number
  /** How long a retired key keeps verifying: the longest token lifetime plus the clock skew. */
  readonly retentionMs: number
}

export interface RotationPlan {
  /** The new key (with its activateTime) and every signing key retired in its favour. */
  readonly put: readonly SigningKeyRecord[]
  /** Keys already past their drop time. */
  readonly delete: readonly string[]
}

/**
 * What rotating to `fresh` (a new key, not stored yet) writes at `now`: `fresh` activates after
 * the activation delay; every key still signing then retires at that moment and drops after the
 * retention. One rotation at a time: while a new key waits to activate, another is refused.
 */
export function planRotation(
  keys: readonly SigningKeyRecord[],
  fresh: SigningKeyRecord,
  now: number,
  times: ScheduleTimes,
): RotationPlan {
  const pending = pendingKey(keys, now)
  if (pending !== undefined) {
    throw new IamError(
      Code.FAILED_PRECONDITION,
      'SIGNING_KEY_ROTATION_PENDING',
      `A signing key rotation is already under way: key ${pending.kid} starts signing at ${new Date(activateMs(pending)).toISOString()}. Rotate again after that.`,
      { metadata: { kid: pending.kid } },
    )
  }
  const activate = now + times.activationDelayMs
  const retireTime = new Date(activate).toISOString()
  const dropTime = new Date(activate + times.retentionMs).toISOString()
  const retired = keys
    .filter((k) => !isDropped(k, now) && k.retireTime === undefined)
    .map((k) => ({ ...k, retireTime, dropTime }))
  return {
    put: [
      { ...fresh, createTime: new Date(now).toISOString(), activateTime: retireTime },
      ...retired,
    ],
    delete: droppedKeys(keys, now),
  }
}

/** The state of a key at `now`, as the rotation answer and the CLI show it. */
export function keyState(
  key: SigningKeyRecord,
  now: number,
): 'PENDING' | 'SIGNING' | 'RETIRED' | 'DROPPED' {
  if (isDropped(key, now)) return 'DROPPED'
  if (activateMs(key) > now) return 'PENDING'
  return isRetired(key, now) ? 'RETIRED' : 'SIGNING'
}
