// The Knative serving v1 JSON shapes Cloud Run's v1 API speaks (`run.namespaces.services.*` and
// `run.projects.locations.services.*`), and the annotation and label names that carry Cloud Run's
// settings in them. runiam stores one service; these are its v1 view (the v2 Service is the other).
// Compat: googlecloudsdk run_v1_messages (Service, ObjectMeta, RevisionTemplate, Container,
// TrafficTarget, Status) and api_lib/run/k8s_object.py.

/** `apiVersion` of a v1 Service. */
export const KNATIVE_SERVING_API_VERSION = 'serving.knative.dev/v1'

/** The label that names a v1 Service's region (gcloud's REGION_LABEL). */
export const LOCATION_LABEL = 'cloud.googleapis.com/location'
/** v1 twin of v2 `invokerIamDisabled`: `'true'` turns the invoker IAM check off. */
export const INVOKER_IAM_DISABLED_ANNOTATION = 'run.googleapis.com/invoker-iam-disabled'
/** v1 twin of v2 `customAudiences`: a JSON array in a string. */
export const CUSTOM_AUDIENCES_ANNOTATION = 'run.googleapis.com/custom-audiences'

/**
 * Annotations gcloud's export printer (`--format export`) removes, with metadata.creationTimestamp,
 * generation, resourceVersion, selfLink, uid and status. Compat: command_lib/run/printers/
 * export_printer.py `_OMITTED_ANNOTATIONS`.
 */
export const EXPORT_OMITTED_ANNOTATIONS: readonly string[] = [
  'serving.knative.dev/creator',
  'serving.knative.dev/lastModifier',
  'run.googleapis.com/client-name',
  'run.googleapis.com/client-version',
  'run.googleapis.com/creatorEmail',
  'run.googleapis.com/lastModifierEmail',
  'run.googleapis.com/operation-id',
]
/** The metadata fields the export printer removes. */
export const EXPORT_OMITTED_METADATA: readonly string[] = [
  'creationTimestamp',
  'generation',
  'resourceVersion',
  'selfLink',
  'uid',
]

/** k8s ObjectMeta (the fields Cloud Run serves). `generation` is an int32 number. */
export interface KnativeObjectMeta {
  readonly name?: string
  readonly namespace?: string
  readonly labels?: Readonly<Record<string, string>>
  readonly annotations?: Readonly<Record<string, string>>
  readonly uid?: string
  readonly generation?: number
  readonly creationTimestamp?: string
  readonly resourceVersion?: string
  readonly selfLink?: string
}

export interface KnativeEnvVar {
  readonly name: string
  readonly value?: string
  readonly valueFrom?: {
    readonly secretKeyRef?: { readonly name: string; readonly key?: string }
  }
}

export interface KnativeContainer {
  readonly name?: string
  readonly image: string
  readonly command?: readonly string[]
  readonly args?: readonly string[]
  readonly env?: readonly KnativeEnvVar[]
  readonly ports?: readonly {
    readonly name?: string
    readonly containerPort?: number
    readonly protocol?: string
  }[]
  readonly resources?: { readonly limits?: Readonly<Record<string, string>> }
  readonly workingDir?: string
}

export interface KnativeRevisionTemplate {
  readonly metadata?: KnativeObjectMeta
  readonly spec?: {
    readonly containerConcurrency?: number
    readonly timeoutSeconds?: number
    readonly serviceAccountName?: string
    readonly containers?: readonly KnativeContainer[]
  }
}

export interface KnativeTrafficTarget {
  readonly revisionName?: string
  readonly latestRevision?: boolean
  readonly percent?: number
  readonly tag?: string
  readonly url?: string
}

export interface KnativeCondition {
  readonly type: string
  /** "True", "False" or "Unknown". */
  readonly status: string
  readonly reason?: string
  readonly message?: string
  readonly severity?: string
  readonly lastTransitionTime?: string
}

/** serving.knative.dev/v1 Service as Cloud Run's v1 API answers it. */
export interface KnativeService {
  readonly apiVersion: string
  readonly kind: 'Service'
  readonly metadata: KnativeObjectMeta
  readonly spec: {
    readonly template?: KnativeRevisionTemplate
    readonly traffic?: readonly KnativeTrafficTarget[]
  }
  readonly status?: {
    readonly observedGeneration?: number
    readonly conditions?: readonly KnativeCondition[]
    readonly latestReadyRevisionName?: string
    readonly latestCreatedRevisionName?: string
    readonly traffic?: readonly KnativeTrafficTarget[]
    readonly url?: string
    readonly address?: { readonly url?: string }
  }
}

/** `run.namespaces.services.list`'s answer. */
export interface KnativeServiceList {
  readonly apiVersion: string
  readonly kind: 'ServiceList'
  readonly items: readonly KnativeService[]
  readonly metadata: { readonly continue?: string; readonly selfLink?: string }
}

/** The k8s Status `run.namespaces.services.delete` answers. */
export interface KnativeStatus {
  readonly status: 'Success' | 'Failure'
  readonly metadata: Readonly<Record<string, unknown>>
  readonly details?: {
    readonly name?: string
    readonly group?: string
    readonly kind?: string
    readonly uid?: string
  }
  readonly message?: string
  readonly reason?: string
  readonly code?: number
}
