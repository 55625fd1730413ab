// InternTable: a bounded map from a key to the one shared value made for it. A server compiles one
// policy per resource, and across a million policies the same few thousand members, roles and
// conditions recur in almost every one; holding each once (instead of a fresh string, array and
// closure per binding) is most of the memory a large decision index would otherwise take, and
// normalising a member once is most of the compile time. Bounded so that arbitrary input cannot
// grow it without end: when full it starts over, which forgets only the sharing (a value made again
// is equal, just not the same object), never changes a decision.
//
// Its own open-addressing table rather than a Map: the keys asked for are fresh strings (from
// JSON.parse) and the kept keys lie scattered over the heap, so a Map's look-up reads one kept
// string per entry it passes (a cache miss each, at a million policies). Here each slot's full
// hash sits in one small Int32Array and a kept string is read only when its hash is the key's
// (measured at a million policies, interleaved with the Map version in one process: compilePolicy
// 10–14 % less CPU). The hash is seeded per process, so which keys collide cannot be chosen in
// advance; a table is at most half full, so a look-up passes few slots.

/** Seeds the hash: a key's slot differs from one process to the next. */
const SEED = (Math.random() * 2 ** 32) | 0

/** Slots a table starts with (a power of two); it doubles while at most half full. */
const INITIAL_SLOTS = 1 << 10

export class InternTable<V> {
  readonly #limit: number
  #hashes: Int32Array
  #keys: (string | undefined)[]
  #values: (V | undefined)[]
  #size = 0

  constructor(limit: number) {
    this.#limit = limit
    this.#hashes = new Int32Array(INITIAL_SLOTS)
    this.#keys = new Array<undefined>(INITIAL_SLOTS).fill(undefined)
    this.#values = new Array<undefined>(INITIAL_SLOTS).fill(undefined)
  }

  /** The value kept for `key`, made with `make` (and kept) the first time. */
  get(key: string, make: (key: string) => V): V {
    const hash = slotHash(key)
    const hashes = this.#hashes
    const keys = this.#keys
    const mask = keys.length - 1
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const known = keys[slot]
      if (known === undefined) break
      if (hashes[slot] === hash && known === key) return this.#values[slot] as V
    }
    const made = make(key)
    if (this.#size >= this.#limit) this.#resize(INITIAL_SLOTS, false)
    else if (2 * (this.#size + 1) > this.#keys.length) this.#resize(2 * this.#keys.length, true)
    this.#put(hash, key, made)
    return made
  }

  get size(): number {
    return this.#size
  }

  #put(hash: number, key: string, value: V): void {
    const keys = this.#keys
    const mask = keys.length - 1
    let slot = hash & mask
    while (keys[slot] !== undefined) slot = (slot + 1) & mask
    this.#hashes[slot] = hash
    keys[slot] = key
    this.#values[slot] = value
    this.#size++
  }

  /** Empty tables of `slots` slots, the entries moved into them when `keep` (else forgotten). */
  #resize(slots: number, keep: boolean): void {
    const hashes = this.#hashes
    const keys = this.#keys
    const values = this.#values
    this.#hashes = new Int32Array(slots)
    this.#keys = new Array<undefined>(slots).fill(undefined)
    this.#values = new Array<undefined>(slots).fill(undefined)
    this.#size = 0
    if (!keep) return
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k]
      if (key !== undefined) this.#put(hashes[k] as number, key, values[k] as V)
    }
  }
}

/** FNV-1a over the key's UTF-16 code units from the process's seed, mixed (a signed 32-bit int). */
function slotHash(key: string): number {
  let h = 0x811c9dc5 ^ SEED
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193)
  return h ^ (h >>> 15)
}
