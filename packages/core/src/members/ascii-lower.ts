// ASCII-only lower-casing for emails and domains. Unicode case folding maps look-alikes onto ASCII
// (the Kelvin sign U+212A lower-cases to "k"), which would let one address pose as another.

/** Lower-cases A-Z and nothing else. */
export function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase())
}
