// `runiam admin rotate-keys` behind the admin API: authorize (runiam.signingKeys.rotate on the
// organization, which only roles/owner holds), then publish a new signing key that starts signing
// after the activation delay, retiring the current one (key-schedule.ts has the rules).
import type { RotateSigningKeysResponse, SigningKeyInfo } from '@runiam/api'
import type { SigningKeyRecord } from '@runiam/store'
import type { Caller } from '../caller.js'
import type { ServiceContext } from '../context.js'
import {
  activateMs,
  keyState,
  planRotation,
  verifyingKeys,
  type ScheduleTimes,
} from './key-schedule.js'
import { newSigningKey } from './new-signing-key.js'

export const ROTATE_PERMISSION = 'runiam.signingKeys.rotate'

function info(key: SigningKeyRecord, now: number): SigningKeyInfo {
  return {
    kid: key.kid,
    alg: key.alg,
    state: keyState(key, now) as SigningKeyInfo['state'],
    createTime: key.createTime,
    activateTime: new Date(activateMs(key)).toISOString(),
    ...(key.retireTime === undefined ? {} : { retireTime: key.retireTime }),
    ...(key.dropTime === undefined ? {} : { dropTime: key.dropTime }),
  }
}

export class SigningKeyService {
  readonly #ctx: ServiceContext
  readonly #times: ScheduleTimes

  constructor(ctx: ServiceContext, times: ScheduleTimes) {
    this.#ctx = ctx
    this.#times = times
  }

  async rotate(caller: Caller): Promise<RotateSigningKeysResponse> {
    const org = await this.#ctx.checker.organization()
    // Compat (AIP-211 in spirit): the permission is checked before anything is looked at or made.
    await this.#ctx.checker.require(
      caller,
      ROTATE_PERMISSION,
      org === undefined ? 'organizations/unknown' : `organizations/${org.id}`,
    )
    const times = this.#times
    const fresh = await newSigningKey(this.#ctx.now())
    const { key, keys, now } = await this.#ctx.store.transact(async (tx) => {
      await tx.lockSigningKeys()
      const now = this.#ctx.now()
      const plan = planRotation(await tx.listSigningKeys(), fresh, now, times)
      for (const kid of plan.delete) await tx.deleteSigningKey(kid)
      for (const k of plan.put) await tx.putSigningKey(k)
      return { key: plan.put[0] as SigningKeyRecord, keys: await tx.listSigningKeys(), now }
    })
    // Keys past their drop time were deleted above; none is shown as DROPPED.
    return { key: info(key, now), keys: verifyingKeys(keys, now).map((k) => info(k, now)) }
  }
}
