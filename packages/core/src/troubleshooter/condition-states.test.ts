// Splitting a condition at its top-level operators (never inside strings or parentheses, `||`
// before `&&`, nothing with a top-level `?:`), and each operand's evaluation state in the
// troubleshooter's conditionExplanation, unknown attributes included.
import { describe, expect, it } from 'vitest'
import { principalSetFor } from '../authorizer/index.js'
import { topLevelOperands } from './condition-states.js'
import { troubleshoot } from './troubleshoot.js'
import { inputFor, SERVICE } from './test-world.js'

const texts = (e: string) => topLevelOperands(e)?.map((o) => o.text)

describe('topLevelOperands', () => {
  it('splits on || first, then &&, outside strings and brackets', () => {
    expect(texts('a && b || c')).toEqual(['a && b', 'c'])
    expect(texts('a && (b || c)')).toEqual(['a', '(b || c)'])
    expect(texts('request.path == "x && y" && request.host == \'||\'')).toEqual([
      'request.path == "x && y"',
      "request.host == '||'",
    ])
    expect(texts('request.path.matches("a|b") && f("\\"&&")')).toEqual([
      'request.path.matches("a|b")',
      'f("\\"&&")',
    ])
    expect(texts('(a || b)')).toBeUndefined()
    expect(texts('a ? b && c : d')).toBeUndefined()
    expect(texts('request.path == "/"')).toBeUndefined()
  })

  it('gives inclusive offsets into the expression', () => {
    const e = '  a  &&  bb '
    const ops = topLevelOperands(e) ?? []
    expect(ops.map((o) => e.slice(o.start, o.end + 1))).toEqual(['a', 'bb'])
  })
})

describe('conditionExplanation states', () => {
  const ann = 'user:ann@example.com'
  const answer = (expression: string, attributes: { host?: string; path?: string }) =>
    troubleshoot(
      inputFor({
        principal: 'ann@example.com',
        principals: principalSetFor(ann),
        permission: 'run.routes.invoke',
        attributes,
        levels: [
          {
            resource: SERVICE,
            policy: {
              version: 3,
              bindings: [{ role: 'roles/run.invoker', members: [ann], condition: { expression } }],
            },
          },
        ],
      }),
    ).allowPolicyExplanation.explainedPolicies[0]?.bindingExplanations?.[0]?.conditionExplanation

  it('reports each top-level operand, one of them unknown', () => {
    const e = 'request.host == "x" || request.path == "/"'
    const c = answer(e, { path: '/' })
    expect(c?.value).toBe(true)
    expect(c?.evaluationStates).toEqual([
      {
        start: 0,
        end: 18,
        errors: [{ code: 3, message: 'It reads request.host, which the request did not supply.' }],
      },
      { start: 23, end: e.length - 1, value: true },
    ])
  })

  it('reports the false operand of a false conjunction', () => {
    const c = answer('request.path.startsWith("/a") && request.host == "h"', {
      path: '/a/b',
      host: 'g',
    })
    expect(c?.value).toBe(false)
    expect(c?.evaluationStates.map((s) => s.value)).toEqual([true, false])
  })
})
