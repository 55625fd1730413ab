// The resource an IAM policy call (getIamPolicy, setIamPolicy, testIamPermissions) is about, as
// each API family describes its resources to the shared IAMPolicy service.
import type { IamError, ResourceType } from '@runiam/core'

/** The resource a policy call is about. */
export interface PolicyTarget {
  /** The name as the caller wrote it (in messages and for authorization). */
  readonly name: string
  readonly type: ResourceType
  /** e.g. `run.services`: the permissions are `${prefix}.getIamPolicy` / `.setIamPolicy`. */
  readonly permissionPrefix: string
  /** The canonical name the policy is stored under; undefined when the resource does not exist. */
  resolve(): Promise<string | undefined>
  /** The NOT_FOUND error for this resource. */
  notFound(): IamError
}
