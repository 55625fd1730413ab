// The IAM condition language as a table: declared attributes and the function/operator overloads
// the write-time checker accepts. Everything not in here is rejected when the policy is written.
// Compat: the union of what Google's IAM attribute reference lists (reference §7), nothing more.

/** Checker types, named as CEL names them. Lists carry their element type: "list(string)". */
export type CelTypeName =
  | 'bool'
  | 'int'
  | 'uint'
  | 'double'
  | 'string'
  | 'timestamp'
  | 'duration'
  | 'dyn'
  | `list(${string})`

export const listOf = (t: CelTypeName): CelTypeName => `list(${t})`

export function elementOf(t: CelTypeName): CelTypeName | undefined {
  return t.startsWith('list(') ? (t.slice(5, -1) as CelTypeName) : undefined
}

/** The attributes a condition may read, by full name. */
export const ATTRIBUTES: ReadonlyMap<string, CelTypeName> = new Map<string, CelTypeName>([
  ['request.time', 'timestamp'],
  ['request.host', 'string'],
  ['request.path', 'string'],
  ['resource.name', 'string'],
  ['resource.type', 'string'],
  ['resource.service', 'string'],
])

/** Identifiers that only exist as attribute prefixes or function namespaces. */
export const NAMESPACES: ReadonlySet<string> = new Set(['request', 'resource', 'api'])

export interface Overload {
  /** Receiver type for methods (`x.f()`); undefined for global functions and operators. */
  readonly target?: CelTypeName
  readonly args: readonly CelTypeName[]
  /** Result type; 'arg1' means "the type of the second argument" (api.getAttribute's default). */
  readonly result: CelTypeName | 'arg1'
}

const NUMERIC: readonly CelTypeName[] = ['int', 'uint', 'double']
const ORDERED_PAIRS: readonly (readonly [CelTypeName, CelTypeName])[] = [
  ...NUMERIC.flatMap((a) => NUMERIC.map((b) => [a, b] as const)),
  ['string', 'string'],
  ['timestamp', 'timestamp'],
  ['duration', 'duration'],
]
const comparison: readonly Overload[] = ORDERED_PAIRS.map(([a, b]) => ({
  args: [a, b],
  result: 'bool',
}))

/** The ten timestamp accessors, each with and without a time-zone argument. */
export const TIME_ACCESSORS = [
  'getDate',
  'getDayOfMonth',
  'getDayOfWeek',
  'getDayOfYear',
  'getFullYear',
  'getHours',
  'getMilliseconds',
  'getMinutes',
  'getMonth',
  'getSeconds',
] as const
export type TimeAccessor = (typeof TIME_ACCESSORS)[number]

const DURATION_ACCESSORS = ['getHours', 'getMilliseconds', 'getMinutes', 'getSeconds']

function accessorOverloads(name: string): Overload[] {
  const o: Overload[] = [
    { target: 'timestamp', args: [], result: 'int' },
    { target: 'timestamp', args: ['string'], result: 'int' },
  ]
  if (DURATION_ACCESSORS.includes(name)) o.push({ target: 'duration', args: [], result: 'int' })
  return o
}

/**
 * Overloads by CEL function name. Equality (`_==_`, `_!=_`) and `@in` are checked by rule in the
 * checker (any two comparable types) rather than listed.
 */
export const OVERLOADS: ReadonlyMap<string, readonly Overload[]> = new Map<
  string,
  readonly Overload[]
>([
  ['_&&_', [{ args: ['bool', 'bool'], result: 'bool' }]],
  ['_||_', [{ args: ['bool', 'bool'], result: 'bool' }]],
  ['!_', [{ args: ['bool'], result: 'bool' }]],
  ['_<_', comparison],
  ['_<=_', comparison],
  ['_>_', comparison],
  ['_>=_', comparison],
  [
    '_+_',
    [
      { args: ['timestamp', 'duration'], result: 'timestamp' },
      { args: ['duration', 'timestamp'], result: 'timestamp' },
      { args: ['duration', 'duration'], result: 'duration' },
    ],
  ],
  [
    '_-_',
    [
      { args: ['timestamp', 'duration'], result: 'timestamp' },
      { args: ['timestamp', 'timestamp'], result: 'duration' },
      { args: ['duration', 'duration'], result: 'duration' },
    ],
  ],
  ['startsWith', [{ target: 'string', args: ['string'], result: 'bool' }]],
  ['endsWith', [{ target: 'string', args: ['string'], result: 'bool' }]],
  ['matches', [{ target: 'string', args: ['string'], result: 'bool' }]],
  ['extract', [{ target: 'string', args: ['string'], result: 'string' }]],
  [
    'size',
    [
      { args: ['string'], result: 'int' },
      { args: ['list(dyn)'], result: 'int' },
      { target: 'string', args: [], result: 'int' },
      { target: 'list(dyn)', args: [], result: 'int' },
    ],
  ],
  ['timestamp', [{ args: ['string'], result: 'timestamp' }]],
  ['date', [{ args: ['string'], result: 'timestamp' }]],
  ['duration', [{ args: ['string'], result: 'duration' }]],
  ...TIME_ACCESSORS.map((n) => [n, accessorOverloads(n)] as const),
  ['hasOnly', [{ target: 'list(dyn)', args: ['list(dyn)'], result: 'bool' }]],
  ['api.getAttribute', [{ args: ['string', 'dyn'], result: 'arg1' }]],
  ['resource.hasTagKey', [{ args: ['string'], result: 'bool' }]],
  ['resource.hasTagKeyId', [{ args: ['string'], result: 'bool' }]],
  ['resource.matchTag', [{ args: ['string', 'string'], result: 'bool' }]],
  ['resource.matchTagId', [{ args: ['string', 'string'], result: 'bool' }]],
])

/** How an operator is shown in messages: `_==_` → `==`. */
export function displayName(fn: string): string {
  switch (fn) {
    case '@in':
      return 'in'
    case '!_':
      return '!'
    case '-_':
      return '-'
    default:
      return /^_.+_$/.test(fn) ? fn.slice(1, -1) : fn
  }
}
