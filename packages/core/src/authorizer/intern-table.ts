// InternTable: a bounded map from a key to the one shared value made for it. A server compiles one
// policy per resource, and across a million policies the same few thousand members, roles and
// conditions recur in almost every one; holding each once (instead of a fresh string, array and
// closure per binding) is most of the memory a large decision index would otherwise take, and
// normalising a member once is most of the compile time. Bounded so that arbitrary input cannot
// grow it without end: when full it starts over, which forgets only the sharing (a value made again
// is equal, just not the same object), never changes a decision.
export class InternTable<V> {
  readonly #map = new Map<string, V>()
  readonly #limit: number

  constructor(limit: number) {
    this.#limit = limit
  }

  /** The value kept for `key`, made with `make` (and kept) the first time. */
  get(key: string, make: (key: string) => V): V {
    const known = this.#map.get(key)
    if (known !== undefined) return known
    const made = make(key)
    if (this.#map.size >= this.#limit) this.#map.clear()
    this.#map.set(key, made)
    return made
  }

  get size(): number {
    return this.#map.size
  }
}
