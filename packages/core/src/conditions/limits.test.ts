// The lexical pre-scan: logical-operator counting and bracket/string problems, found without
// parsing.
import { describe, expect, it } from 'vitest'
import { countLogicalOperators, scanExpression } from './limits.js'

describe('countLogicalOperators', () => {
  const table: [expression: string, count: number][] = [
    ['true', 0],
    ['a && b', 1],
    ['a || b && c', 2],
    ['!a && !b', 1],
    ['a != b', 0],
    ['"&&" == x', 0],
    ["'a || b' == x || y", 1],
    ['"a \\" && b" == x', 0],
    ["r'\\' && true", 1],
    ['"""x && "y" || z""" == w && v', 1],
    ['a // && b\n && c', 1],
    ['x.matches("a||b") && y', 1],
  ]
  it.each(table)('%j has %i', (expression, count) => {
    expect(countLogicalOperators(expression)).toBe(count)
  })
})

describe('scanExpression', () => {
  it('counts unary ! separately', () => {
    expect(scanExpression('!a && !(b != c)').notOperators).toBe(2)
  })

  it('reports nesting depth', () => {
    expect(scanExpression('((a) && [b, (c)])').maxDepth).toBe(3)
    expect(scanExpression('"((((" == a').maxDepth).toBe(0)
  })

  const problems: [expression: string, message: string, offset: number][] = [
    ['(a', "unclosed '('", 0],
    ['a)', "unmatched ')'", 1],
    ['(a]', "unmatched ']'", 2],
    ['[a, (b]', "unmatched ']'", 6],
    ['a == "x', 'unterminated string literal', 5],
    ["a == 'x\n'", 'unterminated string literal', 5],
    ['a == """x', 'unterminated string literal', 5],
    [`${'['.repeat(33)}${']'.repeat(33)}`, 'expression nests deeper than 32 levels', 32],
  ]
  it.each(problems)('%j: %s at %i', (expression, message, offset) => {
    expect(scanExpression(expression).problem).toEqual({ message, offset })
  })

  const operands: [expression: string, count: number][] = [
    ['true', 1],
    ['request.path.startsWith("/a")', 4],
    ['request.host in ["a", "b"]', 5],
    ['request.time.getHours("UTC") >= 9 && x', 6],
    ['size(request.path) > 1.5e3', 4],
    ['0x1F == 31u', 2],
    ["r'a' == b\"x\" && rb'y' == R'z'", 4],
    ['"a // not a comment" == a // b c d', 2],
    ['a_b1.c2', 2],
  ]
  it.each(operands)('counts the names and literals of %j: %i', (expression, count) => {
    expect(scanExpression(expression).operands).toBe(count)
  })

  it('finds no problem in balanced input', () => {
    expect(scanExpression('f((a), [b], "(")').problem).toBeUndefined()
  })
})
