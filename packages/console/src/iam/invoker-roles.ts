// Which roles let their holders invoke a service (carry run.routes.invoke), for telling whether a
// public member makes a service public. Predefined roles are known (reference/roles.json); a
// custom role is read from the server once. A custom role that cannot be read (the viewer may not
// read roles) counts as an invoker role: the console would rather say "public" than hide it.
import type { Policy } from '@runiam/core'
import { api } from '../api/console-api.js'
import { publicInvokers, type PublicInvokers } from './policy-changes.js'

/** The predefined roles that include run.routes.invoke (reference/roles.json). */
const PREDEFINED_INVOKER_ROLES: ReadonlySet<string> = new Set([
  'roles/run.invoker',
  'roles/run.servicesInvoker',
  'roles/run.developer',
  'roles/run.admin',
  'roles/run.editor',
  'roles/run.sourceDeveloper',
  'roles/run.serviceAgent',
])

const isCustom = (role: string): boolean =>
  role.startsWith('projects/') || role.startsWith('organizations/')

const customRoles = new Map<string, Promise<boolean>>()

function customGrantsInvoke(role: string): Promise<boolean> {
  let answer = customRoles.get(role)
  if (answer === undefined) {
    answer = api()
      .request<{ includedPermissions?: string[] }>('GET', `/v1/${role}`)
      .then(
        (r) => (r.includedPermissions ?? []).includes('run.routes.invoke'),
        () => true,
      )
    customRoles.set(role, answer)
  }
  return answer
}

/** The public members that may invoke the service under this policy, and through which roles. */
export async function findPublicInvokers(policy: Policy): Promise<PublicInvokers> {
  const custom = [...new Set((policy.bindings ?? []).map((b) => b.role).filter(isCustom))]
  const invoking = new Set<string>()
  await Promise.all(
    custom.map(async (role) => {
      if (await customGrantsInvoke(role)) invoking.add(role)
    }),
  )
  return publicInvokers(policy, (role) => PREDEFINED_INVOKER_ROLES.has(role) || invoking.has(role))
}
