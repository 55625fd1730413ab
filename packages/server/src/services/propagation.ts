// A write is acknowledged only once every peer has applied it: the other workers of this server
// (node:cluster) and the other replicas on the same database. The admin API calls settle() after
// a write and before it answers, so the caller's next request, wherever it lands, is decided under
// the new policy. Each kind of peer is a PropagationPeer; this composes them with one bound.
export interface PropagationPeer {
  /** A short name for logs ("workers", "replicas"). */
  readonly name: string
  /**
   * Resolves when every peer of this kind has applied every change up to `revision`. Peers that
   * are gone (crashed, stopped) do not count. May reject; `signal` aborts when the bound passes.
   */
  settle(revision: number, signal: AbortSignal): Promise<void>
}

export interface PropagationOptions {
  /** How long a write's answer waits for peers at most, ms. */
  readonly timeoutMs: number
  readonly log?: (entry: Record<string, unknown>) => void
}

export class Propagation {
  readonly #peers: PropagationPeer[] = []
  readonly #options: PropagationOptions

  constructor(options: PropagationOptions) {
    this.#options = options
  }

  add(peer: PropagationPeer): void {
    this.#peers.push(peer)
  }

  /**
   * Waits until every peer has applied `revision`, at most timeoutMs. A peer that does not answer
   * in time is logged and the write is answered anyway: it is durable, and a peer that cannot
   * follow the feed refuses decisions itself (it fences) rather than decide on stale policy.
   */
  async settle(revision: number): Promise<void> {
    if (revision <= 0 || this.#peers.length === 0) return
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(), this.#options.timeoutMs)
    try {
      const results = await Promise.allSettled(
        this.#peers.map((p) => p.settle(revision, controller.signal)),
      )
      results.forEach((r, i) => {
        if (r.status === 'rejected') {
          this.#options.log?.({
            event: 'propagation_incomplete',
            peers: this.#peers[i]?.name,
            revision,
            error: r.reason instanceof Error ? r.reason.message : String(r.reason),
          })
        }
      })
    } finally {
      clearTimeout(timer)
    }
  }
}
