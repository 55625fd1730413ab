// No folder cycles in packages/server/src: the import graph between folders (services/ counted by
// its sub-folders, since they are rooms of their own) must be acyclic, so every rule has one home
// and a folder can be understood from those below it. Lint forbids the known wrong directions;
// this test catches any cycle lint's lists did not foresee. Tests are composition roots: skipped.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = dirname(fileURLToPath(import.meta.url))

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) sources(path, out)
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && name !== 'test-harness.ts')
      out.push(path)
  }
  return out
}

/**
 * The room a file belongs to: its top folder, or services/<sub> for services' sub-folders.
 * services/create-services.ts composes every services room (as main.ts composes the server), so
 * it is a room of its own above them.
 */
function roomOf(file: string): string {
  const parts = relative(ROOT, file).split('/')
  if (parts.length === 1) return '.'
  if (parts[0] === 'services' && parts[1] === 'create-services.ts') return 'services (composition)'
  if (parts[0] === 'services' && parts.length > 2) return `services/${parts[1]}`
  return parts[0] ?? '.'
}

export function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>()
  for (const file of sources(ROOT)) {
    const from = roomOf(file)
    const edges = graph.get(from) ?? new Set<string>()
    graph.set(from, edges)
    const text = readFileSync(file, 'utf8')
    for (const m of text.matchAll(/(?:from|import)\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const target = roomOf(resolve(dirname(file), m[1] as string))
      if (target !== from) edges.add(target)
    }
  }
  return graph
}

function cycles(graph: Map<string, Set<string>>): string[][] {
  const found: string[][] = []
  const state = new Map<string, 'visiting' | 'done'>()
  const stack: string[] = []
  const visit = (node: string): void => {
    state.set(node, 'visiting')
    stack.push(node)
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'visiting') found.push([...stack.slice(stack.indexOf(next)), next])
      else if (state.get(next) === undefined) visit(next)
    }
    stack.pop()
    state.set(node, 'done')
  }
  for (const node of graph.keys()) if (state.get(node) === undefined) visit(node)
  return found
}

describe('packages/server folders', () => {
  it('import each other without cycles', () => {
    const graph = folderGraph()
    expect(graph.size).toBeGreaterThan(8)
    expect(cycles(graph).map((c) => c.join(' → '))).toEqual([])
  })

  it('main.ts is the only file that imports from every room (it only wires)', () => {
    const graph = folderGraph()
    // The root files (main.ts, serve.ts, index.ts) may import anything; nothing imports them.
    for (const [room, edges] of graph) if (room !== '.') expect(edges.has('.')).toBe(false)
  })

  it('finds a cycle when there is one (the check can fail)', () => {
    const g = new Map([
      ['a', new Set(['b'])],
      ['b', new Set(['c'])],
      ['c', new Set(['a'])],
    ])
    expect(cycles(g)).toEqual([['a', 'b', 'c', 'a']])
  })
})
