// The Store contract for Cloud Identity groups and memberships, run on every engine beside the main
// suite (store.contract.ts) by the *.contract.test.ts wiring files. Fresh store per test.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Code, isIamError } from '@runiam/core'
import type { GroupRecord, MembershipRecord } from './group-records.js'
import type { Change } from './records.js'
import type { Store } from './store.js'
import type { StoreContractOptions } from './store.contract.js'

const T0 = '2026-01-02T03:04:05.000Z'
const T1 = '2026-01-02T03:04:06.000Z'
const CUSTOMER = 'customers/C123456789012'

function group(id: string, email: string, extra: Partial<GroupRecord> = {}): GroupRecord {
  return {
    id,
    email,
    parent: CUSTOMER,
    displayName: `Group ${email}`,
    description: 'é✓ description',
    labels: { 'cloudidentity.googleapis.com/groups.discussion_forum': '' },
    createTime: T0,
    updateTime: T0,
    ...extra,
  }
}

function member(
  groupId: string,
  id: string,
  memberKey: string,
  extra: Partial<MembershipRecord> = {},
): MembershipRecord {
  return {
    groupId,
    id,
    memberKey,
    type: 'USER',
    roles: ['MEMBER'],
    createTime: T0,
    updateTime: T0,
    ...extra,
  }
}

async function errorOf(p: Promise<unknown>): Promise<{ code: number; reason: string }> {
  try {
    await p
  } catch (e) {
    if (isIamError(e)) return { code: e.code, reason: e.reason }
    throw e
  }
  throw new Error('expected an IamError')
}

const edgesOf = async (store: Store): Promise<string[]> =>
  (await store.listMembershipEdges()).map((e) => `${e.groupEmail} ${e.type} ${e.memberKey}`).sort()

export function describeGroupContract(options: StoreContractOptions): void {
  describe(`Store contract (groups): ${options.name}`, () => {
    let store: Store

    beforeEach(async () => {
      store = await options.create()
    })
    afterEach(async () => {
      await options.destroy(store)
    })

    it('creates a group and reads it by id and by email (any case)', async () => {
      const g = group('01eng', 'eng@example.com')
      await store.transact((tx) => tx.createGroup(g))
      expect(await store.getGroup('01eng')).toEqual(g)
      expect(await store.getGroupByEmail('ENG@Example.com')).toEqual(g)
      expect(await store.getGroup('01nope')).toBeUndefined()
      expect(await store.getGroupByEmail('nope@example.com')).toBeUndefined()
    })

    it('refuses a taken id or email with ALREADY_EXISTS, and writes nothing', async () => {
      await store.transact((tx) => tx.createGroup(group('01eng', 'eng@example.com')))
      const before = await store.revision()
      expect(
        await errorOf(store.transact((tx) => tx.createGroup(group('01eng', 'other@example.com')))),
      ).toEqual({ code: Code.ALREADY_EXISTS, reason: 'ALREADY_EXISTS' })
      expect(
        await errorOf(store.transact((tx) => tx.createGroup(group('01new', 'eng@example.com')))),
      ).toEqual({ code: Code.ALREADY_EXISTS, reason: 'ALREADY_EXISTS' })
      expect(await store.revision()).toBe(before)
      expect(await store.getGroup('01new')).toBeUndefined()
    })

    it('lists a customer’s groups by email, in pages', async () => {
      for (const [id, email] of [
        ['01c', 'c@example.com'],
        ['01a', 'a@example.com'],
        ['01b', 'b@example.com'],
      ] as const) {
        await store.transact((tx) => tx.createGroup(group(id, email)))
      }
      await store.transact((tx) =>
        tx.createGroup(group('01x', 'x@other.com', { parent: 'customers/C999' })),
      )
      const first = await store.listGroups(CUSTOMER, { pageSize: 2 })
      expect(first.items.map((g) => g.email)).toEqual(['a@example.com', 'b@example.com'])
      expect(first.nextPageToken).toBeDefined()
      const second = await store.listGroups(CUSTOMER, {
        pageSize: 2,
        pageToken: first.nextPageToken ?? '',
      })
      expect(second.items.map((g) => g.email)).toEqual(['c@example.com'])
      expect(second.nextPageToken).toBeUndefined()
      expect((await store.listGroups('customers/C999')).items.map((g) => g.id)).toEqual(['01x'])
    })

    it('updates a group (never its email); NOT_FOUND when missing', async () => {
      await store.transact((tx) => tx.createGroup(group('01eng', 'eng@example.com')))
      const next = group('01eng', 'eng@example.com', { displayName: 'Engineers', updateTime: T1 })
      await store.transact((tx) => tx.updateGroup(next))
      expect(await store.getGroup('01eng')).toEqual(next)
      expect(
        await errorOf(store.transact((tx) => tx.updateGroup(group('01eng', 'moved@example.com')))),
      ).toEqual({ code: Code.NOT_FOUND, reason: 'NOT_FOUND' })
      expect(
        await errorOf(store.transact((tx) => tx.updateGroup(group('01nope', 'n@example.com')))),
      ).toEqual({ code: Code.NOT_FOUND, reason: 'NOT_FOUND' })
    })

    it('adds memberships, finds them by member (any case) and lists them by member, in pages', async () => {
      await store.transact((tx) => tx.createGroup(group('01eng', 'eng@example.com')))
      const bob = member('01eng', '2', 'bob@example.com', { roles: ['MEMBER', 'OWNER'] })
      await store.transact(async (tx) => {
        await tx.createMembership(member('01eng', '1', 'carol@example.com'))
        await tx.createMembership(bob)
        await tx.createMembership(
          member('01eng', '3', 'robot@p1.iam.gserviceaccount.com', { type: 'SERVICE_ACCOUNT' }),
        )
      })
      expect(await store.getMembership('01eng', '2')).toEqual(bob)
      expect(await store.findMembership('01eng', 'BOB@example.com')).toEqual(bob)
      expect(await store.findMembership('01eng', 'dave@example.com')).toBeUndefined()
      expect(await store.getMembership('01eng', '9')).toBeUndefined()
      const first = await store.listMemberships('01eng', { pageSize: 2 })
      expect(first.items.map((m) => m.memberKey)).toEqual(['bob@example.com', 'carol@example.com'])
      const rest = await store.listMemberships('01eng', {
        pageSize: 2,
        pageToken: first.nextPageToken ?? '',
      })
      expect(rest.items.map((m) => m.memberKey)).toEqual(['robot@p1.iam.gserviceaccount.com'])
      expect(rest.nextPageToken).toBeUndefined()
    })

    it('refuses a second membership of the same member or id, and one in a missing group', async () => {
      await store.transact((tx) => tx.createGroup(group('01eng', 'eng@example.com')))
      await store.transact((tx) => tx.createMembership(member('01eng', '1', 'bob@example.com')))
      expect(
        await errorOf(
          store.transact((tx) => tx.createMembership(member('01eng', '2', 'bob@example.com'))),
        ),
      ).toEqual({ code: Code.ALREADY_EXISTS, reason: 'ALREADY_EXISTS' })
      expect(
        await errorOf(
          store.transact((tx) => tx.createMembership(member('01eng', '1', 'carol@example.com'))),
        ),
      ).toEqual({ code: Code.ALREADY_EXISTS, reason: 'ALREADY_EXISTS' })
      expect(
        await errorOf(
          store.transact((tx) => tx.createMembership(member('01nope', '1', 'bob@example.com'))),
        ),
      ).toEqual({ code: Code.NOT_FOUND, reason: 'NOT_FOUND' })
      expect(
        await errorOf(
          store.transact((tx) =>
            tx.createMembership(
              member('01eng', '3', 'ghost@example.com', {
                type: 'GROUP',
                memberGroupId: '01ghost',
              }),
            ),
          ),
        ),
      ).toEqual({ code: Code.NOT_FOUND, reason: 'NOT_FOUND' })
      // A failed write inside a transaction that goes on does not poison it (PostgreSQL aborts a
      // transaction on a failed statement: the engine must check before it writes).
      await store.transact(async (tx) => {
        await errorOf(tx.createMembership(member('01nope', '1', 'x@example.com')))
        await tx.createMembership(member('01eng', '4', 'dave@example.com'))
      })
      expect(await store.findMembership('01eng', 'dave@example.com')).toBeDefined()
    })

    it('gives the membership edges, nested groups included', async () => {
      await store.transact(async (tx) => {
        await tx.createGroup(group('01eng', 'eng@example.com'))
        await tx.createGroup(group('01all', 'all@example.com'))
        await tx.createMembership(member('01eng', '1', 'bob@example.com'))
        await tx.createMembership(
          member('01all', '01eng', 'eng@example.com', { type: 'GROUP', memberGroupId: '01eng' }),
        )
      })
      expect(await edgesOf(store)).toEqual([
        'all@example.com GROUP eng@example.com',
        'eng@example.com USER bob@example.com',
      ])
    })

    it('deletes a group with its memberships and the memberships naming it; a new group of the same email starts afresh', async () => {
      await store.transact(async (tx) => {
        await tx.createGroup(group('01eng', 'eng@example.com'))
        await tx.createGroup(group('01all', 'all@example.com'))
        await tx.createMembership(member('01eng', '1', 'bob@example.com'))
        await tx.createMembership(member('01all', '2', 'carol@example.com'))
        await tx.createMembership(
          member('01all', '01eng', 'eng@example.com', { type: 'GROUP', memberGroupId: '01eng' }),
        )
      })
      await store.transact((tx) => tx.deleteGroup('01eng'))
      expect(await store.getGroup('01eng')).toBeUndefined()
      expect(await store.getMembership('01eng', '1')).toBeUndefined()
      expect(await edgesOf(store)).toEqual(['all@example.com USER carol@example.com'])
      await store.transact((tx) => tx.createGroup(group('01eng2', 'eng@example.com')))
      expect(await store.findMembership('01all', 'eng@example.com')).toBeUndefined()
      expect(await errorOf(store.transact((tx) => tx.deleteGroup('01eng')))).toEqual({
        code: Code.NOT_FOUND,
        reason: 'NOT_FOUND',
      })
    })

    it('deletes a membership; NOT_FOUND when missing', async () => {
      await store.transact(async (tx) => {
        await tx.createGroup(group('01eng', 'eng@example.com'))
        await tx.createMembership(member('01eng', '1', 'bob@example.com'))
      })
      await store.transact((tx) => tx.deleteMembership('01eng', '1'))
      expect(await store.getMembership('01eng', '1')).toBeUndefined()
      expect(await edgesOf(store)).toEqual([])
      expect(await errorOf(store.transact((tx) => tx.deleteMembership('01eng', '1')))).toEqual({
        code: Code.NOT_FOUND,
        reason: 'NOT_FOUND',
      })
    })

    it('reports every group write in the change feed and to listeners, nothing for a rollback', async () => {
      const seen: Change[] = []
      const stop = store.onChange((c) => seen.push(...c))
      const start = await store.revision()
      await store.transact((tx) => tx.createGroup(group('01eng', 'eng@example.com')))
      await store.transact((tx) => tx.createMembership(member('01eng', '7', 'bob@example.com')))
      await store.transact((tx) =>
        tx.updateGroup(group('01eng', 'eng@example.com', { updateTime: T1 })),
      )
      await store.transact((tx) => tx.deleteMembership('01eng', '7'))
      await store.transact((tx) => tx.deleteGroup('01eng'))
      await expect(
        store.transact(async (tx) => {
          await tx.createGroup(group('01tmp', 'tmp@example.com'))
          throw new Error('roll back')
        }),
      ).rejects.toThrow('roll back')
      stop()
      const expected = [
        ['group', 'groups/01eng'],
        ['groupMembership', 'groups/01eng/memberships/7'],
        ['group', 'groups/01eng'],
        ['groupMembership', 'groups/01eng/memberships/7'],
        ['group', 'groups/01eng'],
      ]
      expect(seen.map((c) => [c.kind, c.name])).toEqual(expected)
      const feed = await store.changesSince(start)
      expect(feed.changes.map((c) => [c.kind, c.name])).toEqual(expected)
      expect(await store.getGroup('01tmp')).toBeUndefined()
    })

    it('never keeps a membership whose member group was deleted at the same time', async () => {
      // Concurrent transactions: one deletes a group while another adds it to a second group.
      // Whichever wins, no edge may name a group that no longer exists.
      for (let i = 0; i < 10; i++) {
        await store.transact(async (tx) => {
          await tx.createGroup(group(`01a${i}`, `a${i}@example.com`))
          await tx.createGroup(group(`01b${i}`, `b${i}@example.com`))
        })
        const results = await Promise.allSettled([
          store.transact((tx) => tx.deleteGroup(`01a${i}`)),
          store.transact((tx) =>
            tx.createMembership(
              member(`01b${i}`, `01a${i}`, `a${i}@example.com`, {
                type: 'GROUP',
                memberGroupId: `01a${i}`,
              }),
            ),
          ),
        ])
        expect(results[0].status).toBe('fulfilled')
        if (results[1].status === 'rejected') {
          expect(isIamError(results[1].reason) && results[1].reason.code).toBe(Code.NOT_FOUND)
        }
        expect(await store.findMembership(`01b${i}`, `a${i}@example.com`)).toBeUndefined()
      }
    })

    it('keeps groups and memberships across a reopen', async () => {
      if (options.openSame === undefined) return
      await store.transact(async (tx) => {
        await tx.createGroup(group('01eng', 'eng@example.com'))
        await tx.createMembership(member('01eng', '1', 'bob@example.com'))
      })
      const again = await options.openSame(store)
      try {
        expect((await again.getGroupByEmail('eng@example.com'))?.id).toBe('01eng')
        expect(await again.listMembershipEdges()).toEqual([
          { groupEmail: 'eng@example.com', memberKey: 'bob@example.com', type: 'USER' },
        ])
      } finally {
        await again.close()
      }
    })
  })
}
