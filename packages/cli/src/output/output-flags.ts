// The global flags that shape output besides --format: --flatten and --filter (gcloud's global
// --flatten, and the --filter of its list and get-iam-policy commands). Kept free of the
// formatter's code: main.ts reads these on every command line and must start fast.
import type { FlagSpec, ParsedArgs } from '../args/spec.js'
import type { OutputRequest } from './format.js'

export const OUTPUT_FLAGS: readonly FlagSpec[] = [
  {
    name: 'flatten',
    kind: 'multi',
    metavar: 'KEY',
    help: 'Flatten name[] output resource slices in KEY into separate records for each item, e.g. --flatten="bindings[].members". Comma-separated or repeated.',
  },
  {
    name: 'filter',
    kind: 'string',
    metavar: 'EXPRESSION',
    help: 'Print only the records (after --flatten) the expression selects, e.g. --filter="bindings.members:alice@example.com".',
  },
]

/** --format alone as a string; with --flatten or --filter, all three. */
export function outputRequest(args: ParsedArgs): string | OutputRequest | undefined {
  const format = args.flags.get('format')
  const flatten = args.flags.get('flatten')
  const filter = args.flags.get('filter')
  const f = typeof format === 'string' ? format : undefined
  if (flatten === undefined && filter === undefined) return f
  return {
    format: f,
    flatten: Array.isArray(flatten) ? flatten : undefined,
    filter: typeof filter === 'string' ? filter : undefined,
  }
}
