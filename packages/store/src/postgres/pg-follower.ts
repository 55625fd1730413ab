// How one replica follows the others on a shared PostgreSQL database. Every transaction that writes
// notifies `runiam_changes` with its last revision (pg-rows.ts appendChanges; delivered at commit).
// A dedicated connection, outside the pool, LISTENs and refreshes the store on each notice, so the
// caches of this process learn of another replica's write within milliseconds. The same connection
// holds a session advisory lock naming this replica, which is how the others know who is live: a
// replica that dies (even kill -9) loses its connection and with it the lock, at once.
//
// After each refresh a replica announces what it applied (`runiam_applied`, "id:revision"), and a
// writer's settle() waits until every other live replica has announced its revision: then the
// writer answers, and the caller's next request is decided under the new policy wherever it lands.
//
// A replica that joins (or reconnects) is not waited for by a writer that has not yet read its
// lock, so it decides nothing until every other live replica has said it has (#join).
//
// Notices can be missed (a lost connection, a restart), so on (re)connect the follower refreshes
// before it says it is following again, and a cheap refresh every half second is the safety net.
// While it is not connected, has not had a recent heartbeat answered (a black-holed connection looks
// alive), or has been told of a change it has not applied for too long, `following`
// is false and the server refuses to decide (it fences) rather than decide on stale policy.
import { createHash, randomInt } from 'node:crypto'
import pg from 'pg'
import type { FeedFollower } from '../store.js'
import { queued } from './pg-serial.js'

export interface FollowerOptions {
  /** Connection settings of the store's pool (the follower opens its own connection with them). */
  readonly connection: pg.ClientConfig
  /** The store's schema, when not the default: replicas of different schemas do not mix. */
  readonly schema: string | undefined
  /** Brings this process's listeners up to date; resolves with the applied revision. */
  refresh(): Promise<number>
  appliedRevision(): number
  /** How long a joining replica waits for the others to know it (JOIN_WAIT_MS; tests set it). */
  readonly joinWaitMs?: number
}

/** Channel names and the advisory lock namespace of one runiam database (or schema). */
export interface FeedNames {
  readonly changes: string
  readonly applied: string
  /** The first key of every replica's advisory lock (the second is the replica id). */
  readonly lockSpace: string
}

export function feedNames(schema: string | undefined): FeedNames {
  // Channel names are identifiers (at most 63 bytes): a schema is folded into a short digest.
  const suffix =
    schema === undefined ? '' : `_${createHash('sha256').update(schema).digest('hex').slice(0, 12)}`
  return {
    changes: `runiam_changes${suffix}`,
    applied: `runiam_applied${suffix}`,
    lockSpace: `runiam.replicas:${schema ?? ''}`,
  }
}

/**
 * Every interval here (freshness, lag) is read on the monotonic clock: with the wall clock, a step
 * back (NTP, a VM restored) kept `now - freshSince` below the bound for as long as the step, so a
 * black-holed replica went on deciding as if fresh.
 */
const monotonicNow = (): number => performance.now()

/** The safety-net refresh, and the follower connection's heartbeat, ms. */
const TICK_MS = 500
/**
 * A replica decides only while a heartbeat sent less than this long ago has been answered. Every
 * notice committed before that heartbeat reached the server came before its answer, so a replica
 * whose connection is black-holed (no RST, no FIN: a NAT or firewall dropped its state) fences
 * within this bound, below the 2 s a write waits for its peers (main.ts), instead of deciding on
 * the old policy until the heartbeat timeout below.
 */
const FRESH_LIMIT_MS = 1_500
/**
 * A heartbeat on the follower connection with no answer this long: reconnect. Only a connection
 * that died without a word (a partition) needs it; a closed or terminated one is noticed at once.
 */
const HEARTBEAT_TIMEOUT_MS = 3_000
/**
 * A notice not applied this long after it arrived: the replica is lagging and fences. Below the
 * bound a write waits for its peers (main.ts: 2 s), so when a write is answered every live replica
 * has either applied it or stopped deciding.
 */
const LAG_LIMIT_MS = 1_500
/** While a write waits for peers, the live set is re-read this often (a peer may have died). */
const RECHECK_MS = 250
/**
 * How long a (re)joining replica waits for every other live replica to say it knows it, before it
 * decides anything. One that has not answered by then is an older version (it never answers) or
 * cannot hear the feed, and fences itself within FRESH_LIMIT_MS, writes included.
 */
const JOIN_WAIT_MS = 2_000
/** Join questions held for the next live-set read at most (anyone may NOTIFY "?id"). */
const MAX_JOIN_QUESTIONS = 1_024
/** Reconnect backoff bounds, ms. */
const BACKOFF_MIN_MS = 100
const BACKOFF_MAX_MS = 2_000

/**
 * Who is live, and the backend (pid) that speaks for each: `pg_locks` rows of the two-key advisory
 * form (objsubid 2) in this database and lock space. classid/objid are oids (unsigned), hence the mask.
 */
const LIVE_SQL = `
  SELECT objid::text::bigint AS id, pid
  FROM pg_locks
  WHERE locktype = 'advisory' AND objsubid = 2 AND granted
    AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
    AND classid::text::bigint = (hashtext($1)::bigint & 4294967295)`

interface Waiter {
  readonly revision: number
  resolve(): void
}

type State = FeedFollower['state']

export class PgFollower implements FeedFollower {
  readonly #options: FollowerOptions
  readonly #names: FeedNames
  #replicaId: number
  #client: pg.Client | undefined
  #state: State = 'connecting'
  #following = false
  /**
   * Notices heard so far (a counter) and when the newest arrived. A notice's payload is only a
   * hint (any database user can NOTIFY the channel): what it names is never trusted; a notice is
   * applied once a refresh that began after it arrived has finished.
   */
  #notices = 0
  #noticeAt = 0
  /** The oldest notice no finished refresh covers: its number and when it arrived. */
  #behind: { readonly notice: number; readonly since: number } | undefined
  /** When the newest answered heartbeat (or the catch-up at connect) was sent. */
  #freshSince = 0
  #lagTimer: NodeJS.Timeout | undefined
  #lastAnnounced = -1
  /**
   * Other live replicas (lock holders) as last read, each with the backend pid holding its lock.
   * Only that backend may announce for it: any database user can NOTIFY, and a forged "applied"
   * (or "leaving") would let a write be answered before the replica it names has applied it.
   */
  #live = new Map<number, number>()
  /** What each other replica last announced. */
  readonly #announced = new Map<number, number>()
  /**
   * While (re)joining: the other live replicas (id → the backend holding its lock) that have not
   * yet said they know this one, and how the wait ends.
   */
  #joining:
    { readonly generation: number; readonly pending: Map<number, number>; end(): void } | undefined
  /** Replicas that asked "do you know me?" since the live-set read under way began. */
  #asked = new Set<number>()
  readonly #waiters = new Set<Waiter>()
  /** The generation whose live-set read is under way, and whether another must follow it. */
  #liveReading: number | undefined
  #liveAgain = false
  #recheck: NodeJS.Timeout | undefined
  #tick: NodeJS.Timeout | undefined
  #backoff = BACKOFF_MIN_MS
  #reconnect: NodeJS.Timeout | undefined
  /** Bumped on every (re)connection: events of an older connection are ignored. */
  #generation = 0

  constructor(options: FollowerOptions) {
    this.#options = options
    this.#names = feedNames(options.schema)
    this.#replicaId = randomInt(1, 2 ** 31 - 1)
  }

  get replicaId(): number {
    return this.#replicaId
  }

  get following(): boolean {
    return this.#following && monotonicNow() - this.#freshSince < FRESH_LIMIT_MS
  }

  get state(): State {
    return this.#state === 'ok' && !this.following ? 'lagging' : this.#state
  }

  peers(): readonly number[] {
    return [...this.#live.keys()].sort((a, b) => a - b)
  }

  /** Connects, catches up and starts following; rejects when the first connection fails. */
  async start(): Promise<void> {
    await this.#connect()
    this.#tick = setInterval(() => this.#onTick(), TICK_MS)
    this.#tick.unref()
  }

  async close(): Promise<void> {
    if (this.#state === 'closed') return
    this.#setState('closed')
    this.#generation++
    clearInterval(this.#tick)
    clearTimeout(this.#reconnect)
    clearTimeout(this.#recheck)
    clearTimeout(this.#lagTimer)
    this.#joining?.end()
    for (const w of this.#waiters) w.resolve()
    this.#waiters.clear()
    const client = this.#client
    this.#client = undefined
    if (client === undefined) return
    // Leaving: the others stop waiting for this replica at once (its lock goes with the connection).
    await queued(client, 'SELECT pg_notify($1, $2)', [
      this.#names.applied,
      `${this.#replicaId}:-1`,
    ]).catch(() => undefined)
    await client.end().catch(() => undefined)
  }

  settle(revision: number, signal: AbortSignal): Promise<void> {
    if (this.#state === 'closed') return Promise.resolve()
    if (this.#client === undefined) {
      // Without the connection no announcement can be heard; the other replicas follow on their own.
      return Promise.reject(new Error('this replica is not connected to the change feed'))
    }
    if (this.#pending(revision).length === 0) return Promise.resolve()
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        revision,
        resolve: () => {
          signal.removeEventListener('abort', onAbort)
          this.#waiters.delete(waiter)
          resolve()
        },
      }
      const onAbort = (): void => {
        this.#waiters.delete(waiter)
        const late = this.#pending(revision)
        // A settle that timed out may have waited on a replica that is gone: read the set again.
        this.#readLive(this.#generation)
        reject(new Error(`replicas ${late.join(', ')} did not apply revision ${revision} in time`))
      }
      if (signal.aborted) return onAbort()
      signal.addEventListener('abort', onAbort, { once: true })
      this.#waiters.add(waiter)
      this.#scheduleRecheck()
    })
  }

  #pending(revision: number): number[] {
    return [...this.#live.keys()].filter((id) => (this.#announced.get(id) ?? 0) < revision)
  }

  #wake(): void {
    for (const w of [...this.#waiters]) if (this.#pending(w.revision).length === 0) w.resolve()
  }

  #scheduleRecheck(): void {
    if (this.#recheck !== undefined || this.#waiters.size === 0) return
    this.#recheck = setTimeout(() => {
      this.#recheck = undefined
      if (this.#waiters.size === 0) return
      this.#readLive(this.#generation)
      this.#scheduleRecheck()
    }, RECHECK_MS)
    this.#recheck.unref()
  }

  #setState(state: State): void {
    this.#state = state
    this.#following = state === 'ok'
  }

  async #connect(): Promise<void> {
    const generation = ++this.#generation
    const client = new pg.Client({
      ...this.#options.connection,
      // Its own: heartbeats must fail fast, and LISTEN is never a long statement.
      query_timeout: HEARTBEAT_TIMEOUT_MS * 5,
    })
    const lost = (): void => this.#lost(generation, client)
    client.on('error', lost)
    client.on('end', lost)
    client.on('notification', (msg) =>
      this.#onNotice(generation, msg.channel, msg.payload, msg.processId),
    )
    try {
      await client.connect()
      // Our id must be ours alone: another replica (or our own old session, not yet gone) may hold it.
      for (;;) {
        const { rows } = await queued<{ ok: boolean }>(
          client,
          'SELECT pg_try_advisory_lock(hashtext($1), $2) AS ok',
          [this.#names.lockSpace, this.#replicaId],
        )
        if (rows[0]?.ok === true) break
        this.#replicaId = randomInt(1, 2 ** 31 - 1)
      }
      await queued(client, `LISTEN "${this.#names.changes}"`)
      await queued(client, `LISTEN "${this.#names.applied}"`)
    } catch (error) {
      client.removeAllListeners('end')
      client.on('error', () => undefined)
      await client.end().catch(() => undefined)
      throw error
    }
    if (generation !== this.#generation) {
      await client.end().catch(() => undefined)
      return
    }
    this.#client = client
    try {
      await this.#join(generation, client)
    } catch (error) {
      this.#lost(generation, client)
      throw error
    }
    if (generation !== this.#generation) return
    // Caught up only once a refresh that began after LISTEN has finished: from then on every
    // commit is either in what it read or announced by a notice still to come. Begun after the
    // join, it also holds every write answered without waiting for this replica.
    const caughtUp = monotonicNow()
    const covered = this.#notices
    try {
      await this.#options.refresh()
    } catch (error) {
      this.#lost(generation, client)
      throw error
    }
    if (generation !== this.#generation) return
    this.#backoff = BACKOFF_MIN_MS
    // Notices that came during the refresh have refreshes of their own under way (#onNotice).
    this.#caughtUpTo(covered)
    this.#freshSince = caughtUp
    this.#setState('ok')
    this.#readLive(generation)
    // Hello, and a question: the others announce what they applied (they may have been idle).
    this.#announce(generation, true)
    this.#notify(generation, '?')
  }

  /**
   * Joining (at start and after every reconnection): a writer answers once every live replica it
   * knows of has applied its write, and it knows of a replica once it has read that replica's
   * lock. Until every other live replica has, this one must not decide: a write answered by one
   * that has not would not have waited for it. So it asks "?id" on the applied channel; each
   * other replica answers "its-id:revision:id" after a live-set read begun after the question
   * (#readLive), from the backend holding its lock. Bounded by joinWaitMs (JOIN_WAIT_MS).
   */
  async #join(generation: number, client: pg.Client): Promise<void> {
    const { rows } = await queued<{ id: string; pid: number }>(client, LIVE_SQL, [
      this.#names.lockSpace,
    ])
    if (generation !== this.#generation) return
    const others = new Map(
      rows.map((r) => [Number(r.id), r.pid] as const).filter(([id]) => id !== this.#replicaId),
    )
    if (others.size === 0) return
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => joining.end(), this.#options.joinWaitMs ?? JOIN_WAIT_MS)
      const joining = {
        generation,
        pending: new Map(others),
        end: () => {
          clearTimeout(timer)
          if (this.#joining === joining) this.#joining = undefined
          resolve()
        },
      }
      this.#joining = joining
      this.#setLive(generation, others)
      this.#notify(generation, `?${this.#replicaId}`)
    })
  }

  #lost(generation: number, client: pg.Client): void {
    client.on('error', () => undefined)
    if (this.#joining?.generation === generation) this.#joining.end()
    if (generation !== this.#generation || this.#state === 'closed') return
    this.#generation++
    this.#client = undefined
    client.end().catch(() => undefined)
    // Writers waiting for peers keep waiting (until their bound): nothing can be heard meanwhile.
    this.#setState('disconnected')
    this.#scheduleReconnect()
  }

  #scheduleReconnect(): void {
    if (this.#state === 'closed' || this.#reconnect !== undefined) return
    const delay = this.#backoff / 2 + Math.random() * (this.#backoff / 2)
    this.#backoff = Math.min(this.#backoff * 2, BACKOFF_MAX_MS)
    this.#reconnect = setTimeout(() => {
      this.#reconnect = undefined
      if (this.#state === 'closed') return
      this.#connect().catch(() => {
        if (this.#state !== 'closed' && this.#client === undefined) {
          this.#setState('disconnected')
          this.#scheduleReconnect()
        }
      })
    }, delay)
    this.#reconnect.unref()
  }

  #onNotice(generation: number, channel: string, payload: string | undefined, pid: number): void {
    if (generation !== this.#generation) return
    if (channel === this.#names.changes) {
      // Only a hint: a revision this replica already applied needs no refresh; anything else
      // (malformed, spoofed, huge) makes it read the changes table, which is the only truth.
      const revision = Number(payload)
      if (Number.isSafeInteger(revision) && revision <= this.#options.appliedRevision()) return
      const notice = ++this.#notices
      this.#noticeAt = monotonicNow()
      this.#behind ??= { notice, since: this.#noticeAt }
      this.#armLagCheck()
      this.#refresh(generation)
      return
    }
    if (channel !== this.#names.applied || payload === undefined) return
    if (payload === '?') {
      this.#announce(generation, true)
      return
    }
    const question = /^\?([1-9][0-9]{0,9})$/.exec(payload)
    if (question !== null) {
      // "Do you know me?": answered after a live-set read begun now (#readLive).
      const asker = Number(question[1])
      if (asker !== this.#replicaId && this.#asked.size < MAX_JOIN_QUESTIONS) {
        this.#asked.add(asker)
        this.#readLive(generation)
      }
      return
    }
    const [idText, revisionText, toText] = payload.split(':')
    const id = Number(idText)
    const revision = Number(revisionText)
    if (!Number.isSafeInteger(id) || !Number.isSafeInteger(revision) || id === this.#replicaId) {
      return
    }
    if (this.#live.get(id) !== pid) {
      // Not (yet) known to speak for that replica: a newcomer, a reconnection or a forgery. Read
      // who holds the locks; a replica found unheard is asked to announce again.
      this.#readLive(generation)
      return
    }
    if (revision < 0) {
      this.#live.delete(id)
      this.#announced.delete(id)
    } else if (revision > (this.#announced.get(id) ?? -1)) {
      this.#announced.set(id, revision)
    }
    if (toText !== undefined && Number(toText) === this.#replicaId) {
      // It knows this replica now: one fewer to wait for before deciding.
      const joining = this.#joining
      if (joining?.generation === generation) {
        joining.pending.delete(id)
        if (joining.pending.size === 0) joining.end()
      }
    }
    this.#wake()
  }

  #refresh(generation: number): void {
    // A refresh sees everything committed before it was called (ChangeListeners.refresh), so it
    // covers every notice heard by now.
    const covered = this.#notices
    this.#options.refresh().then(
      () => {
        if (generation !== this.#generation) return
        this.#caughtUpTo(covered)
        this.#announce(generation, false)
      },
      () => {
        // The pool cannot read the feed (an outage): what this process knows may be stale.
        if (generation === this.#generation && this.#state === 'ok') this.#setState('lagging')
      },
    )
  }

  /**
   * After a refresh: the notices it covered are no longer pending. Under a steady stream of writes
   * some notice is always pending, so lag is measured from the oldest one not yet applied
   * (approximated by the newest notice's arrival once the older ones are applied).
   */
  #caughtUpTo(covered: number): void {
    if (this.#behind !== undefined && covered >= this.#behind.notice) {
      this.#behind =
        covered >= this.#notices ? undefined : { notice: this.#notices, since: this.#noticeAt }
    }
    if (this.#behind === undefined && this.#state === 'lagging') this.#setState('ok')
    if (this.#behind !== undefined) this.#armLagCheck()
  }

  #armLagCheck(): void {
    if (this.#lagTimer !== undefined || this.#behind === undefined) return
    const wait = Math.max(0, this.#behind.since + LAG_LIMIT_MS - monotonicNow()) + 10
    this.#lagTimer = setTimeout(() => {
      this.#lagTimer = undefined
      // As for the heartbeat: a refresh that finished during a stall is read before judging.
      setImmediate(() => this.#checkLag())
    }, wait)
    this.#lagTimer.unref()
  }

  #checkLag(): void {
    const behind = this.#behind
    if (behind === undefined || this.#state !== 'ok') return
    if (monotonicNow() - behind.since >= LAG_LIMIT_MS) this.#setState('lagging')
    else this.#armLagCheck()
  }

  #announce(generation: number, always: boolean): void {
    const applied = this.#options.appliedRevision()
    if (!always && applied <= this.#lastAnnounced) return
    this.#lastAnnounced = Math.max(this.#lastAnnounced, applied)
    this.#notify(generation, `${this.#replicaId}:${applied}`)
  }

  #notify(generation: number, payload: string): void {
    const client = this.#client
    if (client === undefined || generation !== this.#generation) return
    queued(client, 'SELECT pg_notify($1, $2)', [this.#names.applied, payload]).catch(() =>
      this.#lost(generation, client),
    )
  }

  /**
   * Reads who holds a replica lock now (the live set), then wakes writers it no longer concerns.
   * One read at a time: calls meanwhile share one more read after it, so a flood of announcements
   * from unknown backends (anyone may NOTIFY) cannot queue a query each ahead of the heartbeat.
   */
  #readLive(generation: number): void {
    const client = this.#client
    if (client === undefined || generation !== this.#generation) return
    if (this.#liveReading === generation) {
      this.#liveAgain = true
      return
    }
    this.#liveReading = generation
    this.#liveAgain = false
    // Questions heard before this read began are answered by it; later ones by the next read.
    const asked = this.#asked
    this.#asked = new Set()
    const done = (): void => {
      if (this.#liveReading !== generation) return
      this.#liveReading = undefined
      if (this.#liveAgain) this.#readLive(generation)
    }
    queued<{ id: string; pid: number }>(client, LIVE_SQL, [this.#names.lockSpace]).then(
      ({ rows }) => {
        if (generation !== this.#generation) return
        const live = new Map(
          rows.map((r) => [Number(r.id), r.pid] as const).filter(([id]) => id !== this.#replicaId),
        )
        this.#setLive(generation, live)
        const applied = this.#options.appliedRevision()
        for (const asker of asked)
          if (live.has(asker)) this.#notify(generation, `${this.#replicaId}:${applied}:${asker}`)
        done()
      },
      () => {
        this.#lost(generation, client)
        done()
      },
    )
  }

  /** The live set as just read: forgets what it makes stale, asks the unheard to announce. */
  #setLive(generation: number, live: Map<number, number>): void {
    // What a replica announced through another backend (before it reconnected) is forgotten.
    for (const id of this.#announced.keys())
      if (live.get(id) !== this.#live.get(id)) this.#announced.delete(id)
    const unheard = [...live.keys()].some((id) => !this.#announced.has(id))
    this.#live = live
    // Joining: one that reconnected (another backend) or left since did so after this replica's
    // lock was taken, so it read that lock when it joined: it need not answer.
    const joining = this.#joining
    if (joining?.generation === generation) {
      for (const [id, pid] of joining.pending) if (live.get(id) !== pid) joining.pending.delete(id)
      if (joining.pending.size === 0) joining.end()
    }
    if (unheard) this.#notify(generation, '?')
    this.#wake()
  }

  #onTick(): void {
    if (this.#state === 'closed') return
    const generation = this.#generation
    const client = this.#client
    if (client === undefined) return
    this.#checkLag()
    // The heartbeat: a connection that died silently (a partition) is noticed within seconds.
    let answered = false
    const sent = monotonicNow()
    const timer = setTimeout(() => {
      // After a stall of the whole process, timers run before the I/O that arrived meanwhile:
      // let that I/O be read first (setImmediate runs after the poll phase), then judge.
      setImmediate(() => {
        if (!answered) this.#lost(generation, client)
      })
    }, HEARTBEAT_TIMEOUT_MS)
    timer.unref()
    queued(client, 'SELECT 1').then(
      () => {
        answered = true
        clearTimeout(timer)
        // Every notice committed before it was sent has arrived (they come before its answer).
        if (generation === this.#generation) this.#freshSince = Math.max(this.#freshSince, sent)
      },
      () => {
        answered = true
        clearTimeout(timer)
        this.#lost(generation, client)
      },
    )
    // The safety net: a notice lost in transit is caught up within a tick.
    this.#refresh(generation)
  }
}
