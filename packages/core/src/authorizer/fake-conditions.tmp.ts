// TEMPORARY stand-in for ../conditions/index.js until it lands (tests only).
import type { CompiledCondition, RequestAttributes } from '../conditions/types.js'
import { IamError } from '../errors/iam-error.js'
import { Code } from '../errors/code.js'
export function compileCondition(expression: string): CompiledCondition {
  const fns: ((a: RequestAttributes) => boolean)[] = []
  const parts = expression.split(/\s*(&&|\|\|)\s*/)
  const ops: string[] = []
  for (const part of parts) {
    if (part === '&&' || part === '||') {
      ops.push(part)
      continue
    }
    let m
    const neg = part.startsWith('!')
    const p = neg ? part.slice(1) : part
    const need = (v: string | undefined, n: string): string => {
      if (v === undefined) throw new Error(`no such key: ${n}`)
      return v
    }
    let f: (a: RequestAttributes) => boolean
    if ((m = /^request\.(path|host)\.(startsWith|endsWith)\("([^"]*)"\)$/.exec(p))) {
      const [, k, fn, arg] = m as unknown as [
        string,
        'path' | 'host',
        'startsWith' | 'endsWith',
        string,
      ]
      f = (a) => need(a[k], k)[fn](arg)
    } else if ((m = /^request\.(path|host) == "([^"]*)"$/.exec(p))) {
      const [, k, arg] = m as unknown as [string, 'path' | 'host', string]
      f = (a) => need(a[k], k) === arg
    } else if ((m = /^request\.time (<|>=) timestamp\("([^"]*)"\)$/.exec(p))) {
      const t = Date.parse(m[2] as string)
      const lt = m[1] === '<'
      f = (a) => (lt ? a.timeMs < t : a.timeMs >= t)
    } else throw new IamError(Code.INVALID_ARGUMENT, 'INVALID_CONDITION', `bad: ${expression}`)
    fns.push(neg ? (a) => !f(a) : f)
  }
  return {
    expression,
    evaluate(a) {
      try {
        let v = (fns[0] as (a: RequestAttributes) => boolean)(a)
        for (let i = 0; i < ops.length; i++) {
          const next = fns[i + 1] as (a: RequestAttributes) => boolean
          v = ops[i] === '&&' ? v && next(a) : v || next(a)
        }
        return { ok: true, value: v }
      } catch (e) {
        return { ok: false, error: (e as Error).message }
      }
    },
  }
}
