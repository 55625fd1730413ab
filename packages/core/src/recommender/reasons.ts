// The error reasons of '@runiam/core/recommender', registered in core's catalog when the entry
// point is loaded (docs/errors.md lists them).
import { Code } from '../errors/code.js'
import { IamError } from '../errors/iam-error.js'
import { registerReasons } from '../errors/reasons.js'

export const RECOMMENDER_REASONS = {
  RECOMMENDATION_STATE: {
    code: Code.FAILED_PRECONDITION,
    doc: "Recommender: the mark is not allowed from the recommendation's current state (e.g. markDismissed on a CLAIMED one).",
  },
  RECOMMENDATION_ETAG_MISMATCH: {
    code: Code.ABORTED,
    doc: "Recommender: the etag sent with a mark is not the recommendation's current etag (list or describe it again).",
  },
} as const

registerReasons(RECOMMENDER_REASONS)

export function invalidTransition(name: string, from: string, mark: string): IamError {
  return new IamError(
    RECOMMENDER_REASONS.RECOMMENDATION_STATE.code,
    'RECOMMENDATION_STATE',
    `Recommendation ${name} is ${from}; ${mark} is not allowed from that state.`,
    { metadata: { recommendation: name, state: from } },
  )
}

export function recommendationEtagMismatch(name: string, given: string, current: string): IamError {
  return new IamError(
    RECOMMENDER_REASONS.RECOMMENDATION_ETAG_MISMATCH.code,
    'RECOMMENDATION_ETAG_MISMATCH',
    `The etag ${given} does not match the current etag ${current} of recommendation ${name}.`,
    { metadata: { recommendation: name, requestEtag: given, currentEtag: current } },
  )
}
