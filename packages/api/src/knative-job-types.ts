// The JSON shapes of Cloud Run's v1 jobs API (`run.namespaces.jobs.*`, `run.namespaces.executions.*`
// on `/apis/run.googleapis.com/v1/namespaces/{ns}/…`): a job as the k8s-style `run.googleapis.com/v1`
// `Job` that `gcloud run jobs describe --format export` prints and `gcloud run jobs replace` sends,
// and its executions. runiam stores one job; these are its v1 view (the v2 Job is the other).
// Compat: googlecloudsdk run_v1_messages (Job, JobSpec, ExecutionTemplateSpec, ExecutionSpec,
// TaskTemplateSpec, TaskSpec, JobStatus, ExecutionReference, Execution, ExecutionStatus,
// RunJobRequest, Overrides, ContainerOverride) and api_lib/run/job.py, execution.py.
import type {
  KnativeCondition,
  KnativeContainer,
  KnativeEnvVar,
  KnativeObjectMeta,
} from './knative-types.js'

/** `apiVersion` of a v1 Job and Execution. */
export const KNATIVE_RUN_API_VERSION = 'run.googleapis.com/v1'

/** The label of a v1 Execution that names its job (gcloud's execution.JOB_LABEL). */
export const EXECUTION_JOB_LABEL = 'run.googleapis.com/job'

/** v1 TaskSpec. `timeoutSeconds` is an int64, so a string in JSON (`'600'`). */
export interface KnativeTaskSpec {
  readonly containers?: readonly KnativeContainer[]
  readonly maxRetries?: number
  readonly timeoutSeconds?: string
  readonly serviceAccountName?: string
}

/** v1 ExecutionSpec: what each execution of the job runs. */
export interface KnativeExecutionSpec {
  readonly parallelism?: number
  readonly taskCount?: number
  readonly template?: { readonly spec?: KnativeTaskSpec }
}

/** v1 ExecutionTemplateSpec (`spec.template` of a Job). */
export interface KnativeExecutionTemplate {
  readonly metadata?: KnativeObjectMeta
  readonly spec?: KnativeExecutionSpec
}

/** v1 ExecutionReference (`status.latestCreatedExecution`). */
export interface KnativeExecutionReference {
  readonly name?: string
  readonly creationTimestamp?: string
  readonly completionTimestamp?: string
  readonly deletionTimestamp?: string
  readonly completionStatus?: string
}

/** run.googleapis.com/v1 Job as Cloud Run's v1 API answers it. */
export interface KnativeJob {
  readonly apiVersion: string
  readonly kind: 'Job'
  readonly metadata: KnativeObjectMeta
  readonly spec: { readonly template?: KnativeExecutionTemplate }
  readonly status?: {
    readonly observedGeneration?: number
    readonly conditions?: readonly KnativeCondition[]
    readonly executionCount?: number
    readonly latestCreatedExecution?: KnativeExecutionReference
  }
}

/** `run.namespaces.jobs.list`'s answer. */
export interface KnativeJobList {
  readonly apiVersion: string
  readonly kind: 'JobsList'
  readonly items: readonly KnativeJob[]
  readonly metadata: { readonly continue?: string }
}

/** run.googleapis.com/v1 Execution. */
export interface KnativeExecution {
  readonly apiVersion: string
  readonly kind: 'Execution'
  readonly metadata: KnativeObjectMeta & { readonly deletionTimestamp?: string }
  readonly spec: KnativeExecutionSpec
  readonly status?: {
    readonly observedGeneration?: number
    readonly conditions?: readonly KnativeCondition[]
    readonly startTime?: string
    readonly completionTime?: string
    readonly runningCount?: number
    readonly succeededCount?: number
    readonly failedCount?: number
    readonly cancelledCount?: number
    readonly retriedCount?: number
  }
}

/** `run.namespaces.executions.list`'s answer. */
export interface KnativeExecutionList {
  readonly apiVersion: string
  readonly kind: 'ExecutionsList'
  readonly items: readonly KnativeExecution[]
  readonly metadata: { readonly continue?: string }
}

/** v1 RunJobRequest (`POST …/jobs/{name}:run`). */
export interface KnativeRunJobRequest {
  readonly overrides?: {
    readonly containerOverrides?: readonly {
      readonly name?: string
      readonly args?: readonly string[]
      readonly env?: readonly KnativeEnvVar[]
      readonly clearArgs?: boolean
    }[]
    readonly taskCount?: number
    readonly timeoutSeconds?: number
  }
}
