// gcloud's --condition and --condition-from-file values, parsed as gcloud parses them (ArgDict with
// the keys expression, title, description; bare `None`; the `^DELIM^` alternate delimiter).
import { iamError } from '../errors/reasons.js'
import type { Expr } from '../policy/types.js'

/** What --condition may say: a condition, or explicitly none. */
export type ConditionArgument = Expr | 'None'

const KEYS = ['description', 'expression', 'title'] as const
type Key = (typeof KEYS)[number]

// Compat: gcloud iam_util.ValidateConditionArgument's message.
const CONDITION_ARG_MESSAGE =
  'condition must be either `None` or a list of key=value pairs. If not `None`, `expression` ' +
  'and `title` are required keys.'

function conditionArgError(message: string = CONDITION_ARG_MESSAGE) {
  return iamError('INVALID_CONDITION_ARGUMENT', message)
}

function isKey(k: string): k is Key {
  return (KEYS as readonly string[]).includes(k)
}

function toExpr(dict: Partial<Record<Key, string>>): Expr {
  if (dict.expression === undefined || dict.title === undefined) throw conditionArgError()
  const out: Expr = { expression: dict.expression, title: dict.title }
  if (dict.description !== undefined) out.description = dict.description
  return out
}

/**
 * Parses a --condition value: `None`, `expression=…,title=…[,description=…]`, or with gcloud's
 * alternate delimiter `^:^title=…:expression=…` (needed when the expression contains commas).
 */
// Compat: gcloud arg_parsers.ArgDict + iam_util.ValidateConditionArgument.
export function parseConditionArgument(value: string): ConditionArgument {
  if (value === 'None') return 'None'
  let delimiter = ','
  let body = value
  if (value.startsWith('^')) {
    const end = value.indexOf('^', 1)
    if (end > 1) {
      delimiter = value.slice(1, end)
      body = value.slice(end + 1)
    }
  }
  const dict: Partial<Record<Key, string>> = {}
  for (const part of body.split(delimiter)) {
    if (part === '') continue
    const eq = part.indexOf('=')
    if (eq < 0) {
      if (part === 'None') throw conditionArgError()
      throw conditionArgError(
        `Bad syntax for dict arg: [${part}]. Please see \`gcloud topic flags-file\` or ` +
          '`gcloud topic escaping` for information on providing list or dictionary flag values ' +
          'with special characters.',
      )
    }
    const key = part.slice(0, eq)
    if (!isKey(key)) {
      throw conditionArgError(`valid keys are [${KEYS.join(', ')}]; received: ${key}`)
    }
    dict[key] = part.slice(eq + 1)
  }
  return toExpr(dict)
}

/** Reads the parsed YAML/JSON of a --condition-from-file: an object with the same keys. */
export function parseConditionFile(content: unknown): Expr {
  if (typeof content !== 'object' || content === null || Array.isArray(content)) {
    throw conditionArgError()
  }
  const dict: Partial<Record<Key, string>> = {}
  for (const [k, v] of Object.entries(content as Record<string, unknown>)) {
    if (!isKey(k)) throw conditionArgError(`valid keys are [${KEYS.join(', ')}]; received: ${k}`)
    if (typeof v !== 'string') throw conditionArgError(`The value of \`${k}\` must be a string.`)
    dict[k] = v
  }
  return toExpr(dict)
}
