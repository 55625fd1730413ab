// A service account's standing: the rule (accountRefusal) for each kind of token, and the
// gateway's memory of it (AccountStanding) on a real SQLite store: read once, dropped by a service
// account change, never remembered from a read that raced with one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Code } from '@runiam/core'
import type { ServiceAccountRecord, Store } from '@runiam/store'
import type { Caller } from '../services/caller.js'
import { FIXTURE_TIME, openOrgProjectStore } from '../services/test-harness.js'
import { accountRefusal, AccountStanding, withAccountStanding } from './account-standing.js'
import { subjectFor } from './issuer.js'
import type { TokenVerifier } from './token-verifier.js'

const OWN = 'https://runiam.example'
const EMAIL = 'worker@p.iam.gserviceaccount.com'
const ACCOUNT: ServiceAccountRecord = {
  email: EMAIL,
  projectId: 'p',
  uniqueId: '100000000000000000001',
  displayName: '',
  description: '',
  disabled: false,
  etag: 'e',
  createTime: FIXTURE_TIME,
}
const idToken = (fields: Partial<Caller> = {}): Caller => ({
  member: `serviceAccount:${EMAIL}`,
  email: EMAIL,
  credential: 'id-token',
  issuer: OWN,
  subject: ACCOUNT.uniqueId,
  ...fields,
})

describe('accountRefusal', () => {
  it('refuses a disabled account whoever issued the token', () => {
    const disabled = { ...ACCOUNT, disabled: true }
    for (const caller of [
      idToken(),
      idToken({ issuer: 'https://external.example', subject: 'x' }),
      idToken({ subject: subjectFor(EMAIL) }),
      idToken({ email: EMAIL.toUpperCase() }),
    ]) {
      expect(accountRefusal(caller, disabled, OWN)).toMatch(/is disabled$/)
    }
  })

  it('tells a deleted or remade account from runiam’s own subject alone', () => {
    expect(accountRefusal(idToken(), undefined, OWN)).toMatch(/no longer exists$/)
    expect(accountRefusal(idToken(), { ...ACCOUNT, uniqueId: '2' }, OWN)).toMatch(/now is another$/)
    expect(accountRefusal(idToken(), ACCOUNT, OWN)).toBeUndefined()
    // A development login's token for the email (no account's subject) and an external issuer's
    // token (its own subjects) are not judged by subject.
    expect(accountRefusal(idToken({ subject: subjectFor(EMAIL) }), undefined, OWN)).toBeUndefined()
    expect(
      accountRefusal(idToken({ issuer: 'https://external.example' }), undefined, OWN),
    ).toBeUndefined()
    expect(
      accountRefusal(
        idToken({ issuer: 'https://external.example', subject: '9' }),
        { ...ACCOUNT, uniqueId: '2' },
        OWN,
      ),
    ).toBeUndefined()
  })
})

describe('AccountStanding on SQLite', () => {
  let store: Store
  let dispose: () => Promise<void>

  beforeAll(async () => {
    ;({ store, dispose } = await openOrgProjectStore('runiam-account-standing-'))
    await store.transact((tx) => tx.createServiceAccount(ACCOUNT))
  })
  afterAll(() => dispose())

  const setDisabled = (disabled: boolean) =>
    store.transact((tx) => tx.updateServiceAccount({ ...ACCOUNT, disabled }))
  /** The store, its account reads held (after reading) until release(), and counted. */
  const gated = () => {
    let count = 0
    let release = (): void => {}
    const gate = new Promise<void>((r) => (release = r))
    const slow: Pick<Store, 'getServiceAccount' | 'onChange'> = {
      getServiceAccount: async (email) => {
        count++
        const read = await store.getServiceAccount(email)
        await gate
        return read
      },
      onChange: (listener) => store.onChange(listener),
    }
    return { slow, release: () => release(), reads: () => count }
  }

  it('reads an account once, then answers from memory until a service account change', async () => {
    const standing = new AccountStanding(store, OWN)
    try {
      expect(standing.now({ member: 'user:a@example.com', email: 'a@example.com' })).toBeNull()
      expect(standing.now(idToken())).toBeUndefined()
      expect(await standing.refusal(idToken())).toBeNull()
      // Another spelling of the email is read (once) as the same account.
      const shouting = idToken({ email: EMAIL.toUpperCase() })
      expect(standing.now(shouting)).toBeUndefined()
      expect(await standing.refusal(shouting)).toBeNull()
      expect(standing.now(shouting)).toBeNull()
      await setDisabled(true)
      expect(standing.now(idToken())).toBeUndefined()
      expect(await standing.refusal(idToken())).toMatch(/is disabled$/)
      expect(standing.now(idToken())).toMatch(/is disabled$/)
      expect(standing.now(shouting)).toBeUndefined()
      expect(await standing.refusal(shouting)).toMatch(/is disabled$/)
      await setDisabled(false)
      expect(await standing.refusal(idToken())).toBeNull()
    } finally {
      standing.close()
    }
  })

  it('does not remember a read that raced with a change', async () => {
    const { slow, release } = gated()
    const standing = new AccountStanding(slow, OWN)
    try {
      const pending = standing.refusal(idToken())
      // The read has its (enabled) answer; the account is disabled before it is remembered.
      await new Promise((r) => setTimeout(r, 20))
      await setDisabled(true)
      release()
      expect(await pending).toBeNull()
      expect(standing.now(idToken())).toBeUndefined()
      expect(await standing.refusal(idToken())).toMatch(/is disabled$/)
    } finally {
      standing.close()
      await setDisabled(false)
    }
  })

  it('shares one read among requests arriving together; one started after a change reads afresh', async () => {
    const { slow, release, reads } = gated()
    const standing = new AccountStanding(slow, OWN)
    try {
      const burst = Array.from({ length: 20 }, () => standing.refusal(idToken()))
      expect(reads()).toBe(1)
      await new Promise((r) => setTimeout(r, 20))
      await setDisabled(true)
      const after = standing.refusal(idToken())
      expect(reads()).toBe(2)
      release()
      expect(await Promise.all(burst)).toEqual(Array.from({ length: 20 }, () => null))
      expect(await after).toMatch(/is disabled$/)
      expect(standing.now(idToken())).toMatch(/is disabled$/)
    } finally {
      standing.close()
      await setDisabled(false)
    }
  })

  it('makes a verifier refuse, synchronously once known, with the check the access log names', async () => {
    const standing = new AccountStanding(store, OWN)
    const inner: TokenVerifier = {
      remembered: () => idToken(),
      verify: () => Promise.resolve(idToken()),
    }
    const verifier = withAccountStanding(inner, standing)
    try {
      expect(verifier.remembered('t', [])).toBeUndefined()
      expect(await verifier.verify('t', [])).toEqual(idToken())
      expect(verifier.remembered('t', [])).toEqual(idToken())
      await setDisabled(true)
      await expect(verifier.verify('t', [])).rejects.toMatchObject({
        code: Code.UNAUTHENTICATED,
        reason: 'ID_TOKEN_INVALID',
        metadata: { check: 'account-not-in-force' },
        message: `The access token could not be verified: service account [${EMAIL}] is disabled.`,
      })
      expect(() => verifier.remembered('t', [])).toThrow(/is disabled/)
    } finally {
      standing.close()
      await setDisabled(false)
    }
  })
})
