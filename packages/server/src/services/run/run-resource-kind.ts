// What the shared Cloud Run v2 methods (run-resources.ts) need to know about one kind of resource:
// services, jobs and worker pools each describe themselves once (names, permissions, store kind,
// wire type, body rules) and, where a kind has rules of its own (a service's invoker check and
// upstream policy, a job's executions), add them as RunResourceRules.
import type { ProjectRecord, ResourceRecord, StoreReader, StoreTx } from '@runiam/store'
import type { Caller } from '../caller.js'
import type { ServiceContext } from '../context.js'
import type { RuntimeAccountPath } from './runtime-account.js'

export type Json = Record<string, unknown>

/** `projects/P/locations/L/{collection}/ID` split, with P as the caller spelled it. */
export interface RunRef {
  readonly project: string
  readonly location: string
  readonly id: string
}

/** What a kind's body builder is given, for a create (no previous) or an update. */
export interface RunBuildArgs {
  /** The canonical name (project id). */
  readonly name: string
  readonly ref: RunRef
  readonly project: ProjectRecord
  readonly input: Json
  readonly actor: string
  readonly nowMs: number
  /** The current body, on update. */
  readonly previous?: Readonly<Json>
}

export interface RunResourceKind {
  /** The store's record kind, which is also the policy target's resource type. */
  readonly kind: 'service' | 'job' | 'workerPool'
  /** The v2 collection in a name: `services`, `jobs`, `workerPools`. */
  readonly collection: string
  /** Permissions are `{prefix}.get`, `{prefix}.create`…: `run.services`, `run.workerpools`… */
  readonly permissionPrefix: string
  /** `type.googleapis.com/google.cloud.run.v2.Service`… (Operation metadata and response). */
  readonly typeUrl: string
  /** The kind a NOT_FOUND names: `SERVICE`, `JOB`, `WORKER_POOL`. */
  readonly notFoundKind: string
  /** The list answer's field: `services`, `jobs`, `workerPools`. */
  readonly listField: string
  /** The create query parameter naming the new resource: `serviceId`, `jobId`, `workerPoolId`. */
  readonly idField: string
  /** The field a patch's name is checked as (allowMissing creates): `service.name`… */
  readonly nameField: string
  /** Splits a v2 name; INVALID_ARGUMENT (naming `field`, where the kind names one) otherwise. */
  parse(name: string, field?: string): RunRef
  /** The writable part of a request body, validated (400 naming the field). */
  readInput(body: unknown): Json
  /** The writable fields of a stored body (the base an update mask applies to). */
  writableOf(body: Readonly<Json>): Json
  /** Applies an update mask (paths dotted, camelCase or snake_case; `*` for every field). */
  applyMask(base: Json, incoming: Json, mask: string): Json
  /** What a create and an update need whatever the fields say (a template, for jobs and pools). */
  requireComplete?(input: Json): void
  /** The full stored body. */
  build(a: RunBuildArgs, ctx: ServiceContext): Json
  /**
   * Where a body names the service account the resource runs as, and the field a bad value is
   * reported as (runtime-account.ts: deploying it needs iam.serviceAccounts.actAs).
   */
  readonly runtimeAccount: { readonly path: RuntimeAccountPath; readonly field: string }
  /**
   * A patch builds on the record as read again in its transaction (jobs: a run in between
   * changed executionCount), rather than failing on its changed etag.
   */
  readonly readAgainOnUpdate?: boolean
}

/** A kind's own rules around the shared methods; each is optional. */
export interface RunResourceRules {
  /** After a create's body is read, before the project is looked up: extra permissions. */
  authorizeCreate?(caller: Caller, input: Json, name: string, shownAs?: string): Promise<void>
  /** After the project is looked up, before a create: organization constraints. */
  admitCreate?(input: Json, canonical: string): Promise<void>
  /** Before an update (its input merged, the etag not yet compared): permissions, constraints. */
  admitUpdate?(
    caller: Caller,
    merged: Json,
    current: ResourceRecord,
    name: string,
    canonical: string,
    shownAs?: string,
  ): Promise<void>
  /** Just before a create or update is written (or a validateOnly one answered). */
  checkBody?(reader: StoreReader, canonical: string, body: Json, previous?: Json): Promise<void>
  /** A delete, once the resource is known to exist, before its transaction. */
  beforeDelete?(canonical: string, ref: RunRef): Promise<void>
  /** A delete, in its transaction, before the resource goes: what goes with it. */
  alsoDelete?(tx: StoreTx, canonical: string): Promise<void>
}
