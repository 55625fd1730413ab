// memberHash: a 17-bit hash of a member string, from its content alone (FNV-1a). A compiled plan
// keeps each pair's member hash inside the pair's one number (policy-index.ts) and a caller's
// principal set keeps its members' hashes and the union of their buckets (the hash's low 5 bits,
// principal-set.ts). A check rejects the pairs naming none of the caller's members from that
// number alone: one bit test for the bucket, then a few integer comparisons; it reads the pair's
// member string (another cache line) and the caller's Set only when the hash matches one of the
// caller's. From the content, not from an interning id: equal strings always share a hash,
// whatever the intern tables forgot in between, so the pre-filter can never reject a true match.

/** Bits of a member hash: what fits in a plan's code beside the role slot and flags. */
export const MEMBER_HASH_BITS = 17

/** A mask with every bucket set: a principal set whose members' hashes are unknown. */
export const ALL_MEMBER_BITS = -1

/** The hash (0 … 2^17 - 1) of a member string. */
export function memberHash(member: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < member.length; i++) h = Math.imul(h ^ member.charCodeAt(i), 0x01000193)
  return (h ^ (h >>> 16)) & ((1 << MEMBER_HASH_BITS) - 1)
}

/** The bucket (0 … 31) of a member hash: its bit in a caller's mask. */
export function memberBucket(hash: number): number {
  return hash & 31
}
