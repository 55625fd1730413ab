// The admin API handlers of Policy Troubleshooter's iam:troubleshoot (v3, v1, v2alpha1): the
// request body goes as is to the transport-free TroubleshooterService, which reads the access
// tuple, decides which policies the caller may see and answers.
import { routeKey } from '@runiam/api'
import type { Services } from '../services/create-services.js'
import type { Handler } from './handler.js'

const ID = 'policytroubleshooter.iam.troubleshoot'

export function troubleshooterHandlers(s: Services): [string, Handler][] {
  return [
    [
      routeKey({ api: 'policytroubleshooter/v3', id: ID }),
      (c) => s.troubleshooter.troubleshootV3(c.caller, c.body),
    ],
    [
      routeKey({ api: 'policytroubleshooter/v1', id: ID }),
      (c) => s.troubleshooter.troubleshootV1(c.caller, c.body),
    ],
    [
      routeKey({ api: 'policytroubleshooter/v2alpha1', id: ID }),
      (c) => s.troubleshooter.troubleshootV2alpha1(c.caller, c.body),
    ],
  ]
}
