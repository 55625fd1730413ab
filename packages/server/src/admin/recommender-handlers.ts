// The admin API handlers of Recommender v1: the parent or name from the path, the query and the
// mark's body go to the transport-free RecommenderService, which authorizes, computes and answers.
import { routeKey } from '@runiam/api'
import type { RecommendationMark } from '@runiam/core/recommender'
import type { Services } from '../services/create-services.js'
import type { Handler } from './handler.js'

const ID = 'recommender.projects.locations.recommenders.recommendations'
const MARKS: readonly RecommendationMark[] = [
  'markClaimed',
  'markSucceeded',
  'markFailed',
  'markDismissed',
]

export function recommenderHandlers(s: Services): [string, Handler][] {
  const key = (verb: string): string => routeKey({ api: 'recommender/v1', id: `${ID}.${verb}` })
  return [
    [key('list'), (c) => s.recommender.list(c.caller, c.params['parent'] ?? '', c.query)],
    [key('get'), (c) => s.recommender.get(c.caller, c.params['name'] ?? '')],
    ...MARKS.map((m): [string, Handler] => [
      key(m),
      (c) => s.recommender.mark(c.caller, c.params['name'] ?? '', m, c.body),
    ]),
  ]
}
