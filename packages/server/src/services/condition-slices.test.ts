// A policy with many long conditions is compiled in slices: other callbacks run between them, and
// compile failures are reported by expression. Over the size cap nothing is compiled at all.
import { describe, expect, it } from 'vitest'
import { MAX_CONDITION_TEXT_PER_POLICY } from '@runiam/core'
import { compileConditionsInSlices } from './condition-slices.js'

/** A valid condition of about `n` characters, distinct per `i`. */
function longCondition(i: number, n: number): string {
  const clauses: string[] = []
  let text = ''
  for (let k = 0; text.length < n - 60; k++) {
    clauses.push(`request.path.startsWith("/p${i}/${k}/${'x'.repeat(40)}")`)
    text = clauses.join(' || ')
    if (clauses.length === 12) break
  }
  return text
}

describe('compileConditionsInSlices', () => {
  it('lets other callbacks run while it compiles many long conditions', async () => {
    const bindings = Array.from({ length: 60 }, (_, i) => ({
      role: 'roles/run.invoker',
      members: ['user:a@example.com'],
      condition: { title: `t${i}`, expression: longCondition(i, 1000) },
    }))
    let turns = 0
    let done = false
    const tick = (): void => {
      if (done) return
      turns++
      setImmediate(tick)
    }
    setImmediate(tick)
    const failures = await compileConditionsInSlices(bindings)
    done = true
    expect(failures.size).toBe(0)
    expect(turns).toBeGreaterThan(1)
  })

  it('reports each expression that does not compile, once', async () => {
    const bad = 'request.path.startsWith('
    const failures = await compileConditionsInSlices([
      { condition: { title: 'a', expression: bad } },
      { condition: { title: 'b', expression: bad } },
      { condition: { title: 'c', expression: 'request.host == "x"' } },
    ])
    expect([...failures.keys()]).toEqual([bad])
    expect(failures.get(bad)).toMatchObject({ reason: 'INVALID_CONDITION' })
  })

  it('compiles nothing for a policy over the size cap (validation refuses it)', async () => {
    const huge = 'request.path.startsWith(' // invalid: would be a failure if it were compiled
    const filler = 'x'.repeat(MAX_CONDITION_TEXT_PER_POLICY)
    const failures = await compileConditionsInSlices([
      { condition: { title: 'a', expression: huge } },
      { condition: { title: 'b', expression: `request.host == "${filler}"` } },
    ])
    expect(failures.size).toBe(0)
  })
})
