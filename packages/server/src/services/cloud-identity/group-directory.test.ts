// The group directory over a real SQLite store: transitive groups (cycles walked once), who gets
// domain:, and that an index loaded while a membership changed is used for the decision that
// started it but never kept for later ones.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { GroupRecord, MembershipRecord, Store } from '@runiam/store'
import { openSqliteStore } from '@runiam/store/sqlite'
import { GroupDirectory, groupsOf } from './group-directory.js'

const T = '2026-01-01T00:00:00.000Z'

const group = (id: string, email: string): GroupRecord => ({
  id,
  email,
  parent: 'customers/C1',
  displayName: '',
  description: '',
  labels: {},
  createTime: T,
  updateTime: T,
})

const member = (
  groupId: string,
  id: string,
  key: string,
  groupMember?: string,
): MembershipRecord => ({
  groupId,
  id,
  memberKey: key,
  ...(groupMember === undefined
    ? { type: key.endsWith('.gserviceaccount.com') ? 'SERVICE_ACCOUNT' : 'USER' }
    : { type: 'GROUP', memberGroupId: groupMember }),
  roles: ['MEMBER'],
  createTime: T,
  updateTime: T,
})

let dir: string
let store: Store

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'runiam-group-dir-'))
  store = await openSqliteStore({ path: join(dir, 'db.sqlite') })
  await store.transact(async (tx) => {
    await tx.createGroup(group('0a', 'a@example.com'))
    await tx.createGroup(group('0b', 'b@example.com'))
    await tx.createGroup(group('0c', 'c@example.com'))
    // a ⊂ b ⊂ c ⊂ a: a cycle; alice in a, the robot in c.
    await tx.createMembership(member('0b', '0a', 'a@example.com', '0a'))
    await tx.createMembership(member('0c', '0b', 'b@example.com', '0b'))
    await tx.createMembership(member('0a', '0c', 'c@example.com', '0c'))
    await tx.createMembership(member('0a', '1', 'alice@example.com'))
    await tx.createMembership(member('0c', '2', 'robot@p.iam.gserviceaccount.com'))
  })
})

afterEach(async () => {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('groupsOf', () => {
  it('walks nested groups once each, cycles included', () => {
    const direct = new Map([['u', ['g1']]])
    const parents = new Map([
      ['g1', ['g2', 'g3']],
      ['g2', ['g1', 'g3']],
      ['g3', ['g1']],
    ])
    expect(
      groupsOf(
        'u',
        (e) => direct.get(e),
        (g) => parents.get(g),
      ).sort(),
    ).toEqual(['g1', 'g2', 'g3'])
    expect(
      groupsOf(
        'nobody',
        (e) => direct.get(e),
        (g) => parents.get(g),
      ),
    ).toEqual([])
  })
})

describe('GroupDirectory', () => {
  it('gives a user its groups (through the cycle), domain:, and the public members', async () => {
    const d = new GroupDirectory(store)
    const set = await d.principals({ member: 'user:Alice@Example.com' })
    expect([...set.members].sort()).toEqual([
      'allAuthenticatedUsers',
      'allUsers',
      'domain:example.com',
      'group:a@example.com',
      'group:b@example.com',
      'group:c@example.com',
      'user:alice@example.com',
    ])
  })

  it('gives a service account its groups but no domain:', async () => {
    const d = new GroupDirectory(store)
    const set = await d.principals({ member: 'serviceAccount:robot@p.iam.gserviceaccount.com' })
    expect(set.members.has('group:a@example.com')).toBe(true)
    expect([...set.members].some((m) => m.startsWith('domain:'))).toBe(false)
  })

  it('gives principal:// identities and anonymous callers no groups', async () => {
    const d = new GroupDirectory(store)
    const fed = await d.principals({
      member:
        'principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/subject/s',
    })
    expect([...fed.members].filter((m) => m.startsWith('group:'))).toEqual([])
    expect([...(await d.principals(undefined)).members]).toEqual(['allUsers'])
  })

  it('answers synchronously once loaded, and not after a group change until it reloads', async () => {
    const d = new GroupDirectory(store)
    const stop = store.onChange((c) => d.changed(c))
    const alice = { member: 'user:alice@example.com' }
    expect(d.principalsNow(alice)).toBeUndefined()
    await d.principals(alice)
    expect(d.principalsNow(alice)?.members.has('group:c@example.com')).toBe(true)
    expect(
      d.principalsNow({ member: 'user:bob@example.com' })?.members.has('group:a@example.com'),
    ).toBe(false)
    await store.transact((tx) => tx.deleteMembership('0a', '1'))
    expect(d.principalsNow(alice)).toBeUndefined()
    expect((await d.principals(alice)).members.has('group:a@example.com')).toBe(false)
    stop()
  })

  it('never keeps an index that was loading while a membership changed', async () => {
    let release: () => void = () => undefined
    const gate = new Promise<void>((r) => (release = r))
    let slow = true
    const d = new GroupDirectory({
      // The real store's edges, held back until the test lets the first load finish.
      listMembershipEdges: async () => {
        const edges = await store.listMembershipEdges()
        if (slow) {
          slow = false
          await gate
        }
        return edges
      },
    })
    const stop = store.onChange((c) => d.changed(c))
    const alice = { member: 'user:alice@example.com' }
    // SQLite reads synchronously: the first load has its edges (alice included) before this line.
    const first = d.principals(alice)
    await store.transact((tx) => tx.deleteMembership('0a', '1'))
    release()
    // The decision that started before the change may see the old membership…
    expect((await first).members.has('group:a@example.com')).toBe(true)
    // …but nothing after the change does.
    expect(d.principalsNow(alice)).toBeUndefined()
    expect((await d.principals(alice)).members.has('group:a@example.com')).toBe(false)
    expect(d.principalsNow(alice)?.members.has('group:a@example.com')).toBe(false)
    stop()
  })
})
