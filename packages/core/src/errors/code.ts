// google.rpc.Code values and names. Kept as a const object (no TS enum) so the names double as the
// JSON envelope's "status" string.
export const Code = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const

export type CodeName = keyof typeof Code
export type Code = (typeof Code)[CodeName]

const names = Object.fromEntries(Object.entries(Code).map(([k, v]) => [v, k])) as Record<
  Code,
  CodeName
>

/** The canonical name of a numeric code, e.g. 7 → "PERMISSION_DENIED". */
export function codeName(code: Code): CodeName {
  return names[code]
}

/** The HTTP status Google's front end uses for each code (google/rpc/code.proto comments). */
export function httpStatusOf(code: Code): number {
  switch (code) {
    case Code.OK:
      return 200
    case Code.CANCELLED:
      return 499
    case Code.UNKNOWN:
      return 500
    case Code.INVALID_ARGUMENT:
      return 400
    case Code.DEADLINE_EXCEEDED:
      return 504
    case Code.NOT_FOUND:
      return 404
    case Code.ALREADY_EXISTS:
      return 409
    case Code.PERMISSION_DENIED:
      return 403
    case Code.RESOURCE_EXHAUSTED:
      return 429
    case Code.FAILED_PRECONDITION:
      return 400
    case Code.ABORTED:
      return 409
    case Code.OUT_OF_RANGE:
      return 400
    case Code.UNIMPLEMENTED:
      return 501
    case Code.INTERNAL:
      return 500
    case Code.UNAVAILABLE:
      return 503
    case Code.DATA_LOSS:
      return 500
    case Code.UNAUTHENTICATED:
      return 401
    default:
      return assertNever(code)
  }
}

/** Exhaustiveness guard for switches over unions. */
export function assertNever(x: never): never {
  throw new Error(`unexpected value: ${String(x)}`)
}
