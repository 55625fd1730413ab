// What the signed-in user may do on a resource, asked of the server (:testIamPermissions, which
// needs no permission itself), so a page can show the policy but disable the controls it cannot
// use, and say why. The server still decides every call; this only keeps the page honest.
import { useLoad, type Load } from '../api/use-load.js'
import { testRunPermissions, type RunRef } from '../api/run-resources.js'

export type Permissions = Load<ReadonlySet<string>> & { reload: () => void }

export function usePermissions(
  ref: RunRef | undefined,
  permissions: readonly string[],
): Permissions {
  return useLoad(
    () =>
      ref === undefined ? Promise.resolve(new Set<string>()) : testRunPermissions(ref, permissions),
    [ref?.kind, ref?.project, ref?.location, ref?.name, permissions.join(',')],
  )
}

/**
 * Why a control is disabled, or undefined when the user holds every permission it needs. While
 * the answer is loading the control is disabled too ("Checking your permissions…").
 */
export function missingReason(
  perms: Permissions,
  needed: readonly string[],
  what: string,
): string | undefined {
  if (perms.state === 'loading') return 'Checking your permissions…'
  if (perms.state === 'error') return 'Your permissions could not be checked; try reloading.'
  const missing = needed.filter((p) => !perms.value.has(p))
  if (missing.length === 0) return undefined
  return `You cannot ${what}: it needs ${missing.join(' and ')}, which you do not have here. Ask an owner for a role that includes ${missing.length === 1 ? 'it' : 'them'} (e.g. Cloud Run Admin).`
}
