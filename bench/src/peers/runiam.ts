// runiam's authorizer as a benchmark peer: every policy compiled once, the ancestry of each
// service held as an array of compiled policies, principal sets built once per caller.
import {
  check,
  compilePolicy,
  principalSetFor,
  type CheckRequest,
  type CompiledPolicy,
} from '@runiam/core/authorizer'
import type { World } from '../dataset.js'
import type { LoadedPeer, Peer } from './peer.js'

export const runiamPeer: Peer = {
  name: 'runiam',
  load(world: World): LoadedPeer {
    const org = compilePolicy(world.org.name, world.org.policy)
    const projects = new Map(
      world.projects.map((p) => [p.name, compilePolicy(p.name, p.policy)] as const),
    )
    const ancestry: (readonly CompiledPolicy[])[] = world.services.map((s) => {
      const project = projects.get(s.project)
      if (project === undefined) throw new Error(`no project ${s.project}`)
      return [compilePolicy(s.name, s.policy), project, org]
    })
    const principals = world.principals.map((p) => principalSetFor(p.member, { groups: p.groups }))
    return {
      conditions: true,
      prepare(r): { request: CheckRequest; policies: readonly CompiledPolicy[] } {
        return {
          request: {
            principals: principals[r.principal] ?? principalSetFor(undefined),
            permission: r.permission,
            resource: world.services[r.service]?.name ?? '',
            attributes: { timeMs: world.timeMs, host: r.host, path: r.path },
          },
          policies: ancestry[r.service] ?? [],
        }
      },
      check(prepared): boolean {
        const p = prepared as { request: CheckRequest; policies: readonly CompiledPolicy[] }
        return check(p.request, p.policies).allowed
      },
    }
  },
}
