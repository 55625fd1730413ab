// The ListRecommendations `filter`, pure: terms `field = value` (stateInfo.state,
// recommenderSubtype, priority) and `targetResources : value`, joined by AND and OR (AND binds
// tighter, no parentheses).
// Compat: google/cloud/recommender/v1/recommender_service.proto ListRecommendationsRequest.filter
// (AIP-160 subset, at most 500 characters).
import { invalidField } from '../errors/reasons.js'
import type { Recommendation } from './types.js'

type Predicate = (r: Recommendation) => boolean

const FIELDS: Readonly<Record<string, (r: Recommendation) => readonly string[]>> = {
  'stateInfo.state': (r) => [r.stateInfo.state],
  recommenderSubtype: (r) => [r.recommenderSubtype],
  priority: (r) => [r.priority],
  targetResources: (r) => r.targetResources,
}

function term(text: string, filter: string): Predicate {
  const m = /^\s*([A-Za-z.]+)\s*(=|:)\s*"?([^"\s]*)"?\s*$/.exec(text)
  const get = m?.[1] === undefined ? undefined : FIELDS[m[1]]
  if (m === null || get === undefined) {
    throw invalidField(
      'filter',
      `Invalid filter "${filter}": expected terms such as stateInfo.state = ACTIVE, recommenderSubtype = REMOVE_ROLE, priority = P1 or targetResources : NAME, joined by AND or OR; got "${text.trim()}".`,
    )
  }
  const value = m[3] ?? ''
  return (r) => get(r).includes(value)
}

/** A predicate for `filter` (everything when empty); INVALID_FIELD naming a bad term. */
export function recommendationFilter(filter: string | undefined): Predicate {
  if (filter === undefined || filter.trim() === '') return () => true
  if (filter.length > 500) {
    throw invalidField(
      'filter',
      `The filter is ${filter.length} characters long; at most 500 are allowed.`,
    )
  }
  const anyOf = filter
    .split(/\s+OR\s+/)
    .map((disjunct) => disjunct.split(/\s+AND\s+/).map((t) => term(t, filter)))
  return (r) => anyOf.some((all) => all.every((p) => p(r)))
}
