// The Cloud Identity group graph as the analyzer walks it: down from a group to its members
// (expandGroups) and up from an identity to every group it is in, transitively (identity
// selector). Cycles end a walk; each node is visited once.
import type { AnalysisEdge, GroupMembership } from './types.js'

export class GroupGraph {
  /** `group:EMAIL` → its direct members (member strings). */
  readonly #members = new Map<string, string[]>()
  /** A member string → the groups (`group:EMAIL`) it is directly in. */
  readonly #parents = new Map<string, string[]>()

  constructor(memberships: Iterable<GroupMembership>) {
    for (const m of memberships) {
      const group = `group:${m.group}`
      push(this.#members, group, m.member)
      push(this.#parents, m.member, group)
    }
  }

  /** Every group `member` is in, directly or through nested groups (not itself). */
  ancestors(member: string): Set<string> {
    const seen = new Set<string>()
    const queue = [member]
    for (let i = 0; i < queue.length; i++) {
      for (const parent of this.#parents.get(queue[i] as string) ?? []) {
        if (seen.has(parent) || parent === member) continue
        seen.add(parent)
        queue.push(parent)
      }
    }
    return seen
  }

  /** Every member of `group`, transitively, in breadth-first order, and the edges walked. */
  expand(group: string): { members: string[]; edges: AnalysisEdge[] } {
    const seen = new Set<string>([group])
    const members: string[] = []
    const edges: AnalysisEdge[] = []
    const queue = [group]
    for (let i = 0; i < queue.length; i++) {
      const source = queue[i] as string
      for (const target of this.#members.get(source) ?? []) {
        edges.push({ sourceNode: source, targetNode: target })
        if (seen.has(target)) continue
        seen.add(target)
        members.push(target)
        if (target.startsWith('group:')) queue.push(target)
      }
    }
    return { members, edges }
  }

  /**
   * The membership edges on the paths from `group` down to `member` (`within`: the groups
   * `member` is in, from ancestors()).
   */
  pathEdges(group: string, member: string, within: ReadonlySet<string>): AnalysisEdge[] {
    const edges: AnalysisEdge[] = []
    const seen = new Set<string>([group])
    const queue = [group]
    for (let i = 0; i < queue.length; i++) {
      const source = queue[i] as string
      for (const target of this.#members.get(source) ?? []) {
        if (target !== member && !within.has(target)) continue
        edges.push({ sourceNode: source, targetNode: target })
        if (target === member || seen.has(target)) continue
        seen.add(target)
        queue.push(target)
      }
    }
    return edges
  }
}

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key)
  if (list === undefined) map.set(key, [value])
  else if (!list.includes(value)) list.push(value)
}
