// The admin API handler of Cloud Asset's analyzeIamPolicy: the scope from the path and the
// `analysisQuery.*` query parameters go to the transport-free PolicyAnalysisService, which
// authorizes, checks the query and answers.
import { routeKey } from '@runiam/api'
import type { Services } from '../services/create-services.js'
import type { Handler } from './handler.js'

export function assetHandlers(s: Services): [string, Handler][] {
  return [
    [
      routeKey({ api: 'cloudasset/v1', id: 'cloudasset.analyzeIamPolicy' }),
      (c) => s.assets.analyze(c.caller, c.params['analysisQuery.scope'] ?? '', c.query),
    ],
  ]
}
