// The organization's groups (Cloud Identity): each group with its email and name; choosing one
// shows its members (users, service accounts, nested groups) and their membership roles.
import { useState } from 'react'
import { api } from '../api/console-api.js'
import { namePath } from '../api/path-segment.js'
import { useLoad } from '../api/use-load.js'
import { ErrorPanel } from '../components/error-panel.js'
import { Loading } from '../components/loading.js'
import '../iam-pages.css'

interface Group {
  readonly name: string
  readonly groupKey: { readonly id: string }
  readonly displayName?: string
  readonly description?: string
}

interface Membership {
  readonly name: string
  readonly preferredMemberKey: { readonly id: string }
  readonly roles?: readonly { readonly name: string }[]
  readonly type?: string
}

async function listGroups(): Promise<Group[]> {
  const out: Group[] = []
  let pageToken: string | undefined
  do {
    const page = await api().request<{ groups?: Group[]; nextPageToken?: string }>(
      'GET',
      '/v1/groups',
      // FULL: the BASIC view (the default) leaves out the description this page shows.
      { query: { parent: 'customers/my_customer', view: 'FULL', pageSize: 200, pageToken } },
    )
    out.push(...(page.groups ?? []))
    pageToken = page.nextPageToken === '' ? undefined : page.nextPageToken
  } while (pageToken !== undefined)
  return out.sort((a, b) => a.groupKey.id.localeCompare(b.groupKey.id))
}

async function listMembers(group: string): Promise<Membership[]> {
  const out: Membership[] = []
  let pageToken: string | undefined
  do {
    const page = await api().request<{ memberships?: Membership[]; nextPageToken?: string }>(
      'GET',
      `/v1/${namePath(group, 'group')}/memberships`,
      { query: { view: 'FULL', pageSize: 200, pageToken } },
    )
    out.push(...(page.memberships ?? []))
    pageToken = page.nextPageToken === '' ? undefined : page.nextPageToken
  } while (pageToken !== undefined)
  return out.sort((a, b) => a.preferredMemberKey.id.localeCompare(b.preferredMemberKey.id))
}

const KIND: Record<string, string> = {
  USER: 'user',
  SERVICE_ACCOUNT: 'service account',
  GROUP: 'group',
}

export function GroupsPage() {
  const groups = useLoad(listGroups, [])
  const [open, setOpen] = useState<Group | undefined>()
  return (
    <section>
      <h1>Groups</h1>
      <p className="subtitle">
        The organization&apos;s groups. Grant a role to <code>group:EMAIL</code> and every member
        holds it.
      </p>
      {groups.state === 'loading' ? <Loading label="Loading groups…" /> : null}
      {groups.state === 'error' ? (
        <ErrorPanel error={groups.error} onRetry={groups.reload} />
      ) : null}
      {groups.state === 'ready' ? (
        groups.value.length === 0 ? (
          <p className="hint">
            The organization has no groups yet (runiam identity groups create).
          </p>
        ) : (
          <table className="table" aria-label="Groups">
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Name</th>
                <th scope="col">Description</th>
              </tr>
            </thead>
            <tbody>
              {groups.value.map((g) => (
                <tr key={g.name}>
                  <td>
                    <button
                      type="button"
                      className="link-button cell-link"
                      aria-expanded={open?.name === g.name}
                      onClick={() => setOpen(open?.name === g.name ? undefined : g)}
                    >
                      {g.groupKey.id}
                    </button>
                  </td>
                  <td>{g.displayName ?? ''}</td>
                  <td className="muted">{g.description ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      ) : null}
      {open === undefined ? null : <Members group={open} />}
    </section>
  )
}

function Members({ group }: { group: Group }) {
  const members = useLoad(() => listMembers(group.name), [group.name])
  return (
    <section aria-label={`Members of ${group.groupKey.id}`}>
      <h2>Members of {group.groupKey.id}</h2>
      {members.state === 'loading' ? <Loading label="Loading members…" /> : null}
      {members.state === 'error' ? (
        <ErrorPanel error={members.error} onRetry={members.reload} />
      ) : null}
      {members.state === 'ready' ? (
        members.value.length === 0 ? (
          <p className="hint">This group has no members.</p>
        ) : (
          <table className="table" aria-label={`Members of ${group.groupKey.id}`}>
            <thead>
              <tr>
                <th scope="col">Member</th>
                <th scope="col">Type</th>
                <th scope="col">Membership roles</th>
              </tr>
            </thead>
            <tbody>
              {members.value.map((m) => (
                <tr key={m.name}>
                  <td className="principal">{m.preferredMemberKey.id}</td>
                  <td className="kind">{KIND[m.type ?? ''] ?? (m.type ?? '').toLowerCase()}</td>
                  <td>{(m.roles ?? []).map((r) => r.name.toLowerCase()).join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      ) : null}
    </section>
  )
}
