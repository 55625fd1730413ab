// The pure-JS SHA-256 against a plain reference (FIPS 180-4 written for clarity, bytes in fresh
// arrays) on random strings and byte arrays, in random order: sha256 reuses one scratch buffer,
// so a digest must never see bytes left from a longer message before it. (Core imports no
// node:*, so node:crypto cannot be the reference here.)
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { sha256, toHex, utf8 } from './sha256.js'

const K = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]

const rotr = (x: number, n: number): number => ((x >>> n) | (x << (32 - n))) >>> 0
const at = (a: readonly number[], i: number): number => a[i] ?? 0

function referenceSha256(bytes: Uint8Array): string {
  const msg = [...bytes, 0x80]
  while (msg.length % 64 !== 56) msg.push(0)
  const bits = bytes.length * 8
  for (let i = 7; i >= 0; i--) msg.push(Math.floor(bits / 2 ** (8 * i)) & 0xff)
  const h = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ]
  for (let off = 0; off < msg.length; off += 64) {
    const w: number[] = []
    for (let i = 0; i < 16; i++) {
      const j = off + i * 4
      w.push(
        ((at(msg, j) << 24) | (at(msg, j + 1) << 16) | (at(msg, j + 2) << 8) | at(msg, j + 3)) >>>
          0,
      )
    }
    for (let i = 16; i < 64; i++) {
      const s0 = rotr(at(w, i - 15), 7) ^ rotr(at(w, i - 15), 18) ^ (at(w, i - 15) >>> 3)
      const s1 = rotr(at(w, i - 2), 17) ^ rotr(at(w, i - 2), 19) ^ (at(w, i - 2) >>> 10)
      w.push((at(w, i - 16) + s0 + at(w, i - 7) + s1) >>> 0)
    }
    let [a, b, c, d, e, f, g, hh] = h.map((x) => x)
    for (let i = 0; i < 64; i++) {
      const t1 =
        ((hh ?? 0) +
          (rotr(e ?? 0, 6) ^ rotr(e ?? 0, 11) ^ rotr(e ?? 0, 25)) +
          (((e ?? 0) & (f ?? 0)) ^ (~(e ?? 0) & (g ?? 0))) +
          at(K, i) +
          at(w, i)) >>>
        0
      const t2 =
        ((rotr(a ?? 0, 2) ^ rotr(a ?? 0, 13) ^ rotr(a ?? 0, 22)) +
          (((a ?? 0) & (b ?? 0)) ^ ((a ?? 0) & (c ?? 0)) ^ ((b ?? 0) & (c ?? 0)))) >>>
        0
      ;[hh, g, f, e, d, c, b, a] = [g, f, e, ((d ?? 0) + t1) >>> 0, c, b, a, (t1 + t2) >>> 0]
    }
    const next = [a, b, c, d, e, f, g, hh]
    for (let i = 0; i < 8; i++) h[i] = (at(h, i) + (next[i] ?? 0)) >>> 0
  }
  return h.map((x) => x.toString(16).padStart(8, '0')).join('')
}

describe('sha256 against a reference implementation', () => {
  it('the reference itself gives the FIPS 180-4 digest of "abc"', () => {
    expect(referenceSha256(utf8('abc'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    )
  })

  it('agrees on random strings and bytes, long and short in any order', () => {
    const input = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 600 }),
      fc.string({ unit: 'grapheme-ascii', maxLength: 2_000 }),
      fc.uint8Array({ maxLength: 300 }),
    )
    fc.assert(
      fc.property(fc.array(input, { minLength: 1, maxLength: 6 }), (inputs) => {
        for (const x of inputs) {
          const bytes = typeof x === 'string' ? utf8(x) : x
          expect(toHex(sha256(x))).toBe(referenceSha256(bytes))
        }
      }),
      { numRuns: 300 },
    )
  })

  it('a short message after a long one is not disturbed by its bytes', () => {
    sha256('x'.repeat(5_000))
    expect(toHex(sha256('abc'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    )
    sha256(new Uint8Array(3_000).fill(0xff))
    expect(toHex(sha256(''))).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    )
  })
})
