// Who is in which group, for decisions (SPEC §3: "an identity's principals are its own member
// string, its groups (transitively), domain: of its email, allAuthenticatedUsers and allUsers").
// Every membership edge is kept in memory, loaded from the store in one read and dropped whenever
// a group or a membership changes, so that a change counts from the very next decision; while the
// index is loaded a caller's principal set is computed synchronously (the gateway's hot path).
// Nested groups are followed breadth-first with a visited set: a membership cycle ends the walk,
// it does not hang it, and it only ever adds groups the caller really is in through some path.
import { asciiLower, parseMember } from '@runiam/core'
import { principalSetFor, type PrincipalSet } from '@runiam/core/authorizer'
import type { Change, MembershipEdge, StoreReader } from '@runiam/store'
import type { Caller } from '../caller.js'

/** Principal sets kept before the cache is dropped wholesale (bounded memory, simple). */
const MAX_CACHED_SETS = 10_000

interface Index {
  /** A user's or service account's email → the groups it is directly in. */
  readonly direct: ReadonlyMap<string, readonly string[]>
  /** A group's email → the groups it is directly in (nested groups). */
  readonly parents: ReadonlyMap<string, readonly string[]>
}

function buildIndex(edges: readonly MembershipEdge[]): Index {
  const direct = new Map<string, string[]>()
  const parents = new Map<string, string[]>()
  for (const e of edges) {
    const into = e.type === 'GROUP' ? parents : direct
    const list = into.get(e.memberKey)
    if (list === undefined) into.set(e.memberKey, [e.groupEmail])
    else list.push(e.groupEmail)
  }
  return { direct, parents }
}

/** The email a member string names, for users and service accounts; otherwise undefined. */
function emailOf(member: string): string | undefined {
  try {
    const m = parseMember(member)
    return m.type === 'user' || m.type === 'serviceAccount' ? asciiLower(m.email) : undefined
  } catch {
    return undefined
  }
}

/** Every group `email` is in, directly or through nested groups; each group once. */
export function groupsOf(
  email: string,
  direct: (email: string) => readonly string[] | undefined,
  parents: (group: string) => readonly string[] | undefined,
): string[] {
  const seen = new Set<string>(direct(email) ?? [])
  const queue = [...seen]
  for (let i = 0; i < queue.length; i++) {
    for (const parent of parents(queue[i] ?? '') ?? []) {
      if (seen.has(parent)) continue
      seen.add(parent)
      queue.push(parent)
    }
  }
  return [...seen]
}

export class GroupDirectory {
  readonly #store: Pick<StoreReader, 'listMembershipEdges'>
  #index: Index | undefined
  #loading: { readonly epoch: number; readonly promise: Promise<Index> } | undefined
  /** Bumped on every group or membership change. */
  #epoch = 0
  readonly #sets = new Map<string, PrincipalSet>()

  constructor(store: Pick<StoreReader, 'listMembershipEdges'>) {
    this.#store = store
  }

  /** Drops what a group or membership change made stale (PermissionChecker's `changed` hook). */
  changed(changes: readonly Change[]): void {
    const stale = (kind: string): boolean =>
      kind === 'group' || kind === 'groupMembership' || kind === 'reset'
    if (!changes.some((c) => stale(c.kind))) return
    this.#epoch++
    this.#index = undefined
    this.#loading = undefined
    this.#sets.clear()
  }

  /** The caller's principal set if it can be had without a store read; otherwise undefined. */
  principalsNow(caller: Caller | undefined): PrincipalSet | undefined {
    if (caller === undefined) return principalSetFor(undefined)
    const hit = this.#sets.get(caller.member)
    if (hit !== undefined) return hit
    const index = this.#index
    return index === undefined ? undefined : this.#compute(caller.member, index, true)
  }

  /** The caller's principal set, loading the membership index when it is not in memory. */
  async principals(caller: Caller | undefined): Promise<PrincipalSet> {
    const now = this.principalsNow(caller)
    if (now !== undefined) return now
    const member = caller?.member ?? 'allUsers'
    const epoch = this.#epoch
    const index = await this.#load()
    return this.#compute(member, index, epoch === this.#epoch)
  }

  /** The groups `member` is in, transitively, as lower-case emails (for tests and tools). */
  async groupsOfMember(member: string): Promise<string[]> {
    const email = emailOf(member)
    if (email === undefined) return []
    const index = await this.#load()
    return groupsOf(
      email,
      (e) => index.direct.get(e),
      (g) => index.parents.get(g),
    ).sort()
  }

  #compute(member: string, index: Index, cache: boolean): PrincipalSet {
    const email = emailOf(member)
    const groups =
      email === undefined
        ? []
        : groupsOf(
            email,
            (e) => index.direct.get(e),
            (g) => index.parents.get(g),
          )
    const set = principalSetFor(member, { groups })
    if (cache) {
      if (this.#sets.size >= MAX_CACHED_SETS) this.#sets.clear()
      this.#sets.set(member, set)
    }
    return set
  }

  /**
   * The index, loading it when needed. A load that started after the last change sees every
   * commit made before it started, so a decision may use one already under way; it is kept as
   * the current index only if nothing changed while it loaded.
   */
  async #load(): Promise<Index> {
    const current = this.#index
    if (current !== undefined) return current
    let loading = this.#loading
    if (loading === undefined || loading.epoch !== this.#epoch) {
      const started = {
        epoch: this.#epoch,
        promise: this.#store.listMembershipEdges().then(buildIndex),
      }
      this.#loading = loading = started
      // A failed load is forgotten, so the next decision tries again.
      started.promise.catch(() => {
        if (this.#loading === started) this.#loading = undefined
      })
    }
    const index = await loading.promise
    if (loading.epoch === this.#epoch && this.#index === undefined) this.#index = index
    return index
  }
}
