// The contract of IAM conditions: what a compiled condition is and what it is evaluated against.
// Implemented with @bufbuild/cel in this folder; imported only through '@runiam/core/conditions'.

/** The request attributes a condition may read. Absent attributes make a reading condition error. */
export interface RequestAttributes {
  /** request.time, in epoch milliseconds. Always present. */
  readonly timeMs: number
  /** request.host (invocations only), e.g. "svc-123.us-central1.run.localhost". */
  readonly host?: string
  /** request.path (invocations only), e.g. "/admin/x". */
  readonly path?: string
  /** resource.name, resource.type, resource.service (declared; not recognised by Cloud Run). */
  readonly resourceName?: string
  readonly resourceType?: string
  readonly resourceService?: string
}

export type ConditionResult =
  { readonly ok: true; readonly value: boolean } | { readonly ok: false; readonly error: string }

/** An evaluation's result and the work it cost, in the units of EVALUATION_BUDGET. */
export interface MeteredResult {
  readonly result: ConditionResult
  readonly cost: number
}

export interface CompiledCondition {
  readonly expression: string
  /**
   * Never throws: an evaluation error is returned, and the caller treats it as "no grant". An
   * evaluation that needs more than EVALUATION_BUDGET units of work is such an error.
   */
  evaluate(attributes: RequestAttributes): ConditionResult
  /** evaluate(), also reporting the work spent; `budget` overrides EVALUATION_BUDGET (tests). */
  evaluateMetered(attributes: RequestAttributes, budget?: number): MeteredResult
}
