// The custom roles the permission checker compiles policies with: loaded from the store by name
// before a policy that binds them is compiled, kept in memory, and dropped one by one when the
// store's change feed says a role changed (so an update, delete or undelete decides the next
// request, at the gateway too). The resolver it hands compilePolicy grants a role's permissions
// only where the role may grant: live, not DISABLED, and in the policy's hierarchy.
import { isCustomRoleName, parseCustomRoleName, type Policy } from '@runiam/core'
import type { CustomRoleResolver } from '@runiam/core/authorizer'
import type { CustomRoleRecord, StoreReader } from '@runiam/store'
import { inHierarchy } from './custom-role-scope.js'

/** Roles kept before the cache is dropped wholesale (bounded memory, simple). */
const MAX_CACHED = 100_000

interface Entry {
  readonly record: CustomRoleRecord | null
  /** The permissions it grants, or undefined when it grants nothing (deleted, DISABLED, absent). */
  readonly permissions: ReadonlySet<string> | undefined
}

/** The custom roles a policy's bindings name (none for most policies). */
export function customRolesOf(policy: Policy): string[] {
  const names: string[] = []
  for (const b of policy.bindings ?? []) if (isCustomRoleName(b.role)) names.push(b.role)
  return names
}

export class CustomRoleCache {
  readonly #store: StoreReader
  readonly #roles = new Map<string, Entry>()
  /** Bumped on every invalidation: a load that raced with one is not kept. */
  #generation = 0
  /** Roles kept before the cache is dropped whole. */
  readonly #max: number

  constructor(store: StoreReader, max = MAX_CACHED) {
    this.#store = store
    this.#max = max
  }

  /** Loads the roles not cached yet. */
  async load(names: readonly string[]): Promise<void> {
    const missing = [...new Set(names)].filter((n) => !this.#roles.has(n))
    if (missing.length === 0) return
    const generation = this.#generation
    const found = await this.#store.getCustomRoles(missing)
    if (generation !== this.#generation) return
    if (this.#roles.size >= this.#max) this.#roles.clear()
    for (const name of missing) {
      const record = found.get(name) ?? null
      // Compat: a deleted role's bindings "have no effect"; a DISABLED one "will not contribute
      // permissions to any principals it is granted to" (google.iam.admin.v1.Role).
      const grants =
        record !== null && record.deleteTime === undefined && record.stage !== 'DISABLED'
      this.#roles.set(name, {
        record,
        permissions: grants ? new Set(record.includedPermissions) : undefined,
      })
    }
  }

  /** Forgets every role (the change feed was reset: anything may have changed). */
  clear(): void {
    this.#generation++
    this.#roles.clear()
  }

  /** Forgets a role (the change feed said it changed). */
  invalidate(name: string): void {
    this.#generation++
    this.#roles.delete(name)
  }

  /**
   * The resolver for the policy of `resource` (its canonical name). A role not loaded grants
   * nothing: load() the roles a policy names before compiling it.
   */
  resolverFor(resource: string, orgId: string | undefined): CustomRoleResolver {
    return (role) => {
      const parsed = parseCustomRoleName(role)
      if (parsed === undefined || !inHierarchy(parsed, resource, orgId)) return undefined
      return this.#roles.get(role)?.permissions
    }
  }
}
