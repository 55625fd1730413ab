// The roles the bulk form offers: Cloud Run's predefined roles, with their titles and
// descriptions, read from the server's role list (GET /v1/roles, no permission needed). The
// server still checks on every write that a role is grantable on the resource.
import { api } from '../api/console-api.js'

export interface RoleInfo {
  readonly name: string
  readonly title: string
  readonly description: string
}

interface ListRolesResponse {
  readonly roles?: readonly { name: string; title?: string; description?: string }[]
  readonly nextPageToken?: string
}

export async function listRunRoles(): Promise<RoleInfo[]> {
  const out: RoleInfo[] = []
  let pageToken: string | undefined
  do {
    const page = await api().request<ListRolesResponse>('GET', '/v1/roles', {
      query: { pageSize: 1000, pageToken },
    })
    for (const r of page.roles ?? [])
      if (r.name.startsWith('roles/run.'))
        out.push({ name: r.name, title: r.title ?? r.name, description: r.description ?? '' })
    pageToken = page.nextPageToken === '' ? undefined : page.nextPageToken
  } while (pageToken !== undefined)
  // The invoker first: it is what most grants on a service are.
  const rank = (n: string): number => (n === 'roles/run.invoker' ? 0 : 1)
  return out.sort((a, b) => rank(a.name) - rank(b.name) || a.title.localeCompare(b.title))
}
