// SHA-256 (FIPS 180-4) over a string's UTF-8 bytes, pure and synchronous: core may use neither
// node:crypto nor WebCrypto (which is async), and etags must be computed inside a transaction.

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
])

/**
 * Writes the UTF-8 bytes of `s` into `out` from `at` (lone surrogates become U+FFFD, as
 * TextEncoder does) and returns where they end. `out` has room for 3 bytes per UTF-16 unit.
 */
function encodeUtf8(s: string, out: Uint8Array, at: number): number {
  let n = at
  const len = s.length
  for (let i = 0; i < len; i++) {
    let c = s.charCodeAt(i)
    if (c < 0x80) {
      out[n++] = c
      continue
    }
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < len) {
      const d = s.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00)
        i++
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd
    if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6)
      out[n++] = 0x80 | (c & 63)
    } else if (c < 0x10000) {
      out[n++] = 0xe0 | (c >> 12)
      out[n++] = 0x80 | ((c >> 6) & 63)
      out[n++] = 0x80 | (c & 63)
    } else {
      out[n++] = 0xf0 | (c >> 18)
      out[n++] = 0x80 | ((c >> 12) & 63)
      out[n++] = 0x80 | ((c >> 6) & 63)
      out[n++] = 0x80 | (c & 63)
    }
  }
  return n
}

/** UTF-8 bytes of a string (lone surrogates become U+FFFD, as TextEncoder does). */
export function utf8(s: string): Uint8Array {
  // At most 3 bytes per UTF-16 unit (a surrogate pair, 2 units, becomes 4 bytes).
  const out = new Uint8Array(s.length * 3)
  return out.subarray(0, encodeUtf8(s, out, 0))
}

// Scratch space reused by every digest (sha256 is synchronous, so calls never overlap): the
// message with its padding, and the message schedule. Policies are hashed on every write; a
// digest that allocated and copied its input each time cost several times more (issue 8).
const SCRATCH_KEEP = 64 * 1024
let scratch = new Uint8Array(SCRATCH_KEEP)
let scratchView = new DataView(scratch.buffer)
const w = new Int32Array(64)

/** The 32-byte SHA-256 digest of bytes (or of a string's UTF-8 encoding). */
export function sha256(input: string | Uint8Array): Uint8Array {
  // Room for the message (3 bytes per UTF-16 unit at most), the 0x80 byte and the length.
  const need = (((typeof input === 'string' ? input.length * 3 : input.length) + 9 + 63) >> 6) << 6
  let buf = scratch
  let view = scratchView
  if (need > buf.length) {
    // A large message gets its own buffer; only a moderate one is kept for the next call.
    buf = new Uint8Array(need)
    view = new DataView(buf.buffer)
    if (need <= SCRATCH_KEEP * 16) {
      scratch = buf
      scratchView = view
    }
  }
  let n: number
  if (typeof input === 'string') {
    n = encodeUtf8(input, buf, 0)
  } else {
    buf.set(input)
    n = input.length
  }
  const end = (((n + 9 + 63) >> 6) << 6) >>> 0
  buf[n] = 0x80
  buf.fill(0, n + 1, end - 8)
  const bitLen = n * 8
  view.setUint32(end - 8, Math.floor(bitLen / 0x100000000))
  view.setUint32(end - 4, bitLen >>> 0)

  // Int32 arithmetic throughout (| 0): V8 keeps every value an untagged 32-bit integer. Indexes
  // are within w and K (64 each) by construction, hence the `as number`.
  let h0 = 0x6a09e667 | 0
  let h1 = 0xbb67ae85 | 0
  let h2 = 0x3c6ef372 | 0
  let h3 = 0xa54ff53a | 0
  let h4 = 0x510e527f | 0
  let h5 = 0x9b05688c | 0
  let h6 = 0x1f83d9ab | 0
  let h7 = 0x5be0cd19 | 0
  for (let off = 0; off < end; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getInt32(off + i * 4)
    for (let i = 16; i < 64; i++) {
      const x = w[i - 15] as number
      const y = w[i - 2] as number
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10)
      w[i] = ((w[i - 16] as number) + s0 + (w[i - 7] as number) + s1) | 0
    }
    let a = h0
    let b = h1
    let c = h2
    let d = h3
    let e = h4
    let f = h5
    let g = h6
    let hh = h7
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))
      const ch = (e & f) ^ (~e & g)
      const t1 = (hh + S1 + ch + (K[i] as number) + (w[i] as number)) | 0
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))
      const maj = (a & b) ^ (a & c) ^ (b & c)
      const t2 = (S0 + maj) | 0
      hh = g
      g = f
      f = e
      e = (d + t1) | 0
      d = c
      c = b
      b = a
      a = (t1 + t2) | 0
    }
    h0 = (h0 + a) | 0
    h1 = (h1 + b) | 0
    h2 = (h2 + c) | 0
    h3 = (h3 + d) | 0
    h4 = (h4 + e) | 0
    h5 = (h5 + f) | 0
    h6 = (h6 + g) | 0
    h7 = (h7 + hh) | 0
  }
  const out = new Uint8Array(32)
  const outView = new DataView(out.buffer)
  outView.setInt32(0, h0)
  outView.setInt32(4, h1)
  outView.setInt32(8, h2)
  outView.setInt32(12, h3)
  outView.setInt32(16, h4)
  outView.setInt32(20, h5)
  outView.setInt32(24, h6)
  outView.setInt32(28, h7)
  return out
}

export function toHex(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += b.toString(16).padStart(2, '0')
  return s
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

/** Standard base64 with padding (what proto3 JSON uses for bytes). */
export function toBase64(bytes: Uint8Array): string {
  let s = ''
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i] ?? 0
    const b = bytes[i + 1]
    const c = bytes[i + 2]
    const n = (a << 16) | ((b ?? 0) << 8) | (c ?? 0)
    s += B64[(n >> 18) & 63]
    s += B64[(n >> 12) & 63]
    s += b === undefined ? '=' : B64[(n >> 6) & 63]
    s += c === undefined ? '=' : B64[n & 63]
  }
  return s
}
