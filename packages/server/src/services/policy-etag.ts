// Policy etags on the server: core's computeEtag with node:crypto's SHA-256 instead of core's pure
// JavaScript one (core also runs in browsers, so it cannot import node:). Same bytes, same etags
// (policy-etag.test.ts compares them on random policies); several times less CPU per write.
import { hash } from 'node:crypto'
import { computeEtag, type Policy } from '@runiam/core'

/**
 * SHA-256 of `text`'s UTF-8 bytes (node encodes lone surrogates as U+FFFD, as core does). The
 * one-shot crypto.hash (Node ≥ 20.12) costs less than createHash().update().digest().
 */
export function nodeSha256(text: string): Uint8Array {
  return hash('sha256', text, 'buffer')
}

/** The etag of a canonical policy: computeEtag(canonical), through node:crypto. */
export function policyEtag(canonical: Policy): string {
  return computeEtag(canonical, nodeSha256)
}
