// memberBit: which of 32 buckets a member string falls in, from its content alone (FNV-1a). A
// compiled plan keeps each pair's member bit beside its role (policy-index.ts) and a caller's
// principal set keeps the union of its members' bits (principal-set.ts), so a check skips the
// pairs naming none of the caller's buckets with one bit test, without reading the caller's Set.
// From the content, not from an interning id: equal strings always share a bit, whatever the
// intern tables forgot in between, so the pre-filter can never reject a true match.

/** A mask with every bucket set: a principal set whose members' bits are unknown. */
export const ALL_MEMBER_BITS = -1

/** The bucket (0 … 31) of a member string. */
export function memberBit(member: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < member.length; i++) h = Math.imul(h ^ member.charCodeAt(i), 0x01000193)
  return (h ^ (h >>> 16)) & 31
}
