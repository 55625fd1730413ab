// Google's JSON shapes for Cloud Run v2 jobs, their executions and tasks (proto3 JSON:
// lowerCamelCase, int64 as strings, zero-valued numbers omitted). Compat: google.cloud.run.v2
// Job, Execution, Task, RunJobRequest (job.proto, execution.proto, task.proto).
import type { Container, RunCondition } from './types.js'

/** google.cloud.run.v2.TaskTemplate. */
export interface TaskTemplate {
  readonly containers?: readonly Container[]
  readonly maxRetries?: number
  /** google.protobuf.Duration, e.g. "600s". */
  readonly timeout?: string
  readonly serviceAccount?: string
  readonly executionEnvironment?: string
  readonly [key: string]: unknown
}

/** google.cloud.run.v2.ExecutionTemplate. */
export interface ExecutionTemplate {
  readonly labels?: Readonly<Record<string, string>>
  readonly annotations?: Readonly<Record<string, string>>
  readonly parallelism?: number
  readonly taskCount?: number
  readonly template: TaskTemplate
}

/** google.cloud.run.v2.ExecutionReference.CompletionStatus. */
export type CompletionStatus =
  | 'COMPLETION_STATUS_UNSPECIFIED'
  | 'EXECUTION_SUCCEEDED'
  | 'EXECUTION_FAILED'
  | 'EXECUTION_RUNNING'
  | 'EXECUTION_PENDING'
  | 'EXECUTION_CANCELLED'

/** google.cloud.run.v2.ExecutionReference. */
export interface ExecutionReference {
  readonly name: string
  readonly createTime: string
  readonly completionTime?: string
  readonly completionStatus: CompletionStatus
}

/** A v2 Condition as executions and tasks carry it (with `executionReason`). */
export interface ExecutionCondition extends RunCondition {
  readonly executionReason?: string
}

/** google.cloud.run.v2.Job. */
export interface Job {
  readonly name: string
  readonly uid: string
  readonly generation: string
  readonly labels?: Readonly<Record<string, string>>
  readonly annotations?: Readonly<Record<string, string>>
  readonly createTime: string
  readonly updateTime: string
  readonly deleteTime?: string
  readonly creator: string
  readonly lastModifier: string
  readonly client?: string
  readonly clientVersion?: string
  readonly launchStage?: string
  readonly template: ExecutionTemplate
  readonly observedGeneration: string
  readonly terminalCondition: RunCondition
  readonly conditions?: readonly RunCondition[]
  readonly executionCount?: number
  readonly latestCreatedExecution?: ExecutionReference
  readonly reconciling?: boolean
  readonly etag: string
}

export interface ListJobsResponse {
  readonly jobs?: readonly Job[]
  readonly nextPageToken?: string
}

/** google.cloud.run.v2.Execution. */
export interface Execution {
  readonly name: string
  readonly uid: string
  readonly creator?: string
  readonly generation: string
  readonly labels?: Readonly<Record<string, string>>
  readonly annotations?: Readonly<Record<string, string>>
  readonly createTime: string
  readonly startTime?: string
  readonly completionTime?: string
  readonly updateTime: string
  readonly deleteTime?: string
  readonly launchStage?: string
  readonly job: string
  readonly parallelism?: number
  readonly taskCount?: number
  readonly template: TaskTemplate
  readonly reconciling?: boolean
  readonly conditions: readonly ExecutionCondition[]
  readonly observedGeneration: string
  readonly runningCount?: number
  readonly succeededCount?: number
  readonly failedCount?: number
  readonly cancelledCount?: number
  readonly retriedCount?: number
  readonly etag: string
}

export interface ListExecutionsResponse {
  readonly executions?: readonly Execution[]
  readonly nextPageToken?: string
}

/** google.cloud.run.v2.TaskAttemptResult. */
export interface TaskAttemptResult {
  readonly status?: { readonly code?: number; readonly message?: string }
  readonly exitCode?: number
  readonly termSignal?: number
}

/** google.cloud.run.v2.Task. */
export interface Task {
  readonly name: string
  readonly uid: string
  readonly generation: string
  readonly labels?: Readonly<Record<string, string>>
  readonly annotations?: Readonly<Record<string, string>>
  readonly createTime: string
  readonly scheduledTime?: string
  readonly startTime?: string
  readonly completionTime?: string
  readonly updateTime: string
  readonly job: string
  readonly execution: string
  readonly containers?: readonly Container[]
  readonly maxRetries?: number
  readonly timeout?: string
  readonly serviceAccount?: string
  readonly reconciling?: boolean
  readonly conditions: readonly ExecutionCondition[]
  readonly observedGeneration: string
  readonly index?: number
  readonly retried?: number
  readonly lastAttemptResult?: TaskAttemptResult
  readonly etag: string
}

export interface ListTasksResponse {
  readonly tasks?: readonly Task[]
  readonly nextPageToken?: string
}

/** google.cloud.run.v2.RunJobRequest's body. */
export interface RunJobRequest {
  readonly validateOnly?: boolean
  readonly etag?: string
  readonly overrides?: {
    readonly containerOverrides?: readonly {
      readonly name?: string
      readonly args?: readonly string[]
      readonly env?: readonly { readonly name: string; readonly value?: string }[]
      readonly clearArgs?: boolean
    }[]
    readonly taskCount?: number
    readonly timeout?: string
  }
}
