// The recommendation state machine and the stateMetadata rules, pure.
// Compat: google/cloud/recommender/v1/recommender_service.proto: markClaimed, markSucceeded and
// markFailed accept a recommendation in ACTIVE, CLAIMED, SUCCEEDED or FAILED; markDismissed accepts
// ACTIVE only (runiam also lets a DISMISSED one be dismissed again: idempotent). stateMetadata keys
// match /^[a-z0-9][a-z0-9_.-]{0,62}$/, values /^[a-zA-Z0-9_./-]{0,255}$/; a new map replaces the old.
import { invalidField } from '../errors/reasons.js'
import { invalidTransition } from './reasons.js'
import type { RecommendationState } from './types.js'

export type RecommendationMark = 'markClaimed' | 'markSucceeded' | 'markFailed' | 'markDismissed'

const TARGET: Readonly<Record<RecommendationMark, RecommendationState>> = {
  markClaimed: 'CLAIMED',
  markSucceeded: 'SUCCEEDED',
  markFailed: 'FAILED',
  markDismissed: 'DISMISSED',
}

const WORKING = new Set<RecommendationState>(['ACTIVE', 'CLAIMED', 'SUCCEEDED', 'FAILED'])

/** The state after `mark`, or FAILED_PRECONDITION / RECOMMENDATION_STATE. */
export function nextState(
  name: string,
  from: RecommendationState,
  mark: RecommendationMark,
): RecommendationState {
  const allowed =
    mark === 'markDismissed' ? from === 'ACTIVE' || from === 'DISMISSED' : WORKING.has(from)
  if (!allowed) throw invalidTransition(name, from, mark)
  return TARGET[mark]
}

const KEY = /^[a-z0-9][a-z0-9_.-]{0,62}$/
const VALUE = /^[a-zA-Z0-9_./-]{0,255}$/

/** Checks a request's stateMetadata (INVALID_FIELD naming the bad key or value). */
export function readStateMetadata(x: unknown): Record<string, string> {
  if (x === undefined || x === null) return {}
  if (typeof x !== 'object' || Array.isArray(x)) {
    throw invalidField('stateMetadata', 'stateMetadata must be a map of strings to strings.')
  }
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(x)) {
    if (!KEY.test(k)) {
      throw invalidField(
        `stateMetadata`,
        `Invalid stateMetadata key "${k}": keys must match ${KEY.source}.`,
      )
    }
    if (typeof v !== 'string' || !VALUE.test(v)) {
      throw invalidField(
        `stateMetadata.${k}`,
        `Invalid stateMetadata value for "${k}": values must be strings matching ${VALUE.source}.`,
      )
    }
    out[k] = v
  }
  return out
}
