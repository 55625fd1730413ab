import { describe, expect, it } from 'vitest'
import { isIamError } from '../errors/iam-error.js'
import { parseConditionArgument, parseConditionFile } from './condition-argument.js'

const MAIN =
  'condition must be either `None` or a list of key=value pairs. If not `None`, `expression` and `title` are required keys.'

function errorOf(f: () => unknown): string {
  try {
    f()
  } catch (e) {
    if (isIamError(e)) {
      expect(e.reason).toBe('INVALID_CONDITION_ARGUMENT')
      expect(e.status).toBe('INVALID_ARGUMENT')
      return e.message
    }
    throw e
  }
  throw new Error('expected a throw')
}

describe('parseConditionArgument', () => {
  it.each([
    ['None', 'None'],
    [
      'expression=request.time < timestamp("2019-01-01T00:00:00Z"),title=expires_end_of_2021,description=Expires at midnight on 2021-12-31',
      {
        expression: 'request.time < timestamp("2019-01-01T00:00:00Z")',
        title: 'expires_end_of_2021',
        description: 'Expires at midnight on 2021-12-31',
      },
    ],
    ['title=t,expression=a==b', { expression: 'a==b', title: 't' }],
    [
      '^:^title=admin:expression=request.path.startsWith("/a") || request.host in ["x", "y"]',
      {
        expression: 'request.path.startsWith("/a") || request.host in ["x", "y"]',
        title: 'admin',
      },
    ],
    ['^;^title=t;expression=f(a,b)', { expression: 'f(a,b)', title: 't' }],
    ['expression=x,title=', { expression: 'x', title: '' }],
  ])('%s', (value, expected) => {
    expect(parseConditionArgument(value)).toEqual(expected)
  })

  it.each([
    ['title=only', MAIN],
    ['expression=only', MAIN],
    ['', MAIN],
    ['None,title=x', MAIN],
    ['none', 'Bad syntax for dict arg: [none].'],
    ['expression=f(a,b),title=t', 'Bad syntax for dict arg: [b)].'],
    [
      'expression=x,title=t,foo=bar',
      'valid keys are [description, expression, title]; received: foo',
    ],
  ])('rejects %j', (value, message) => {
    expect(errorOf(() => parseConditionArgument(value))).toContain(message)
  })
})

describe('parseConditionFile', () => {
  it('reads expression, title, description', () => {
    expect(parseConditionFile({ expression: 'x', title: 't', description: 'd' })).toEqual({
      expression: 'x',
      title: 't',
      description: 'd',
    })
  })

  it.each([
    [{ expression: 'x' }, MAIN],
    ['x', MAIN],
    [null, MAIN],
    [{ expression: 'x', title: 't', other: 1 }, 'received: other'],
    [{ expression: 1, title: 't' }, 'must be a string'],
  ])('rejects %j', (content, message) => {
    expect(errorOf(() => parseConditionFile(content))).toContain(message)
  })
})
