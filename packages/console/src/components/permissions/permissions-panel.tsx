// The info panel's Permissions tab for one resource: its allow policy grouped by role (each role
// with its title) or by principal, a "Filter by principal or role" box, Add principal, and a
// trash can beside each principal in a role. Without the resource's setIamPolicy permission the
// policy is shown read-only and the controls say why.
import type { Binding, Policy } from '@runiam/core'
import { useState } from 'react'
import {
  grantableRoles,
  predefinedChoices,
  roleTitle,
  type RoleChoice,
} from '../../api/grantable-roles.js'
import { addPrincipals, removePrincipal, type PolicyStore } from '../../api/policy-edits.js'
import {
  getRunPolicy,
  KIND_INFO,
  setRunPolicy,
  testRunPermissions,
  type RunRef,
} from '../../api/run-resources.js'
import { useLoad } from '../../api/use-load.js'
import { ErrorPanel } from '../error-panel.js'
import { Loading } from '../loading.js'
import { AddPrincipalDialog, type AddPrincipalRequest } from './add-principal-dialog.js'
import { RemovePrincipalDialog } from './remove-principal-dialog.js'

interface Loaded {
  readonly policy: Policy
  readonly canEdit: boolean
  readonly roles: readonly RoleChoice[]
}

async function load(ref: RunRef): Promise<Loaded> {
  const permission = KIND_INFO[ref.kind].setIamPermission
  const [policy, held] = await Promise.all([
    getRunPolicy(ref),
    testRunPermissions(ref, [permission]).catch(() => new Set<string>()),
  ])
  const canEdit = held.has(permission)
  // The roles to offer matter only to someone who may change the policy (and custom roles
  // cannot be listed by everyone): a viewer sees predefined titles, custom roles by name.
  const roles = canEdit
    ? await grantableRoles(ref.project, KIND_INFO[ref.kind].resourceType)
    : predefinedChoices(KIND_INFO[ref.kind].resourceType)
  return { policy, canEdit, roles }
}

type Removal = { member: string; binding: Binding }

export function PermissionsPanel({ resource }: { resource: RunRef }) {
  const data = useLoad(
    () => load(resource),
    [resource.kind, resource.project, resource.location, resource.name],
  )
  const [view, setView] = useState<'role' | 'principal'>('role')
  const [filter, setFilter] = useState('')
  const [adding, setAdding] = useState(false)
  const [removing, setRemoving] = useState<Removal | undefined>()
  const info = KIND_INFO[resource.kind]
  const label = `${info.singular} "${resource.name}"`
  const store: PolicyStore = {
    get: () => getRunPolicy(resource),
    set: (p) => setRunPolicy(resource, p),
  }

  if (data.state === 'loading') return <Loading label="Loading permissions…" />
  if (data.state === 'error') return <ErrorPanel error={data.error} onRetry={data.reload} />
  const { policy, canEdit, roles } = data.value
  const title = (role: string) => roleTitle(role, roles)
  const bindings = policy.bindings ?? []
  const needle = filter.trim().toLowerCase()
  const matches = (member: string, role: string) =>
    needle === '' ||
    member.toLowerCase().includes(needle) ||
    role.toLowerCase().includes(needle) ||
    title(role).toLowerCase().includes(needle)
  const why = `You need the permission ${info.setIamPermission} on this ${info.singular} to change its permissions.`
  const roleCount = (member: string) => bindings.filter((b) => b.members.includes(member)).length

  const trash = (member: string, binding: Binding) => (
    <button
      type="button"
      className="icon-button"
      aria-label={`Remove ${member} from ${title(binding.role)}`}
      title={canEdit ? `Remove ${member} from ${title(binding.role)}` : why}
      disabled={!canEdit}
      onClick={() => setRemoving({ member, binding })}
    >
      <TrashIcon />
    </button>
  )

  const byRole = bindings
    .map((b) => ({ binding: b, members: b.members.filter((m) => matches(m, b.role)) }))
    .filter((g) => g.members.length > 0)
    .sort((a, b) => title(a.binding.role).localeCompare(title(b.binding.role)))

  const principals = [...new Set(bindings.flatMap((b) => b.members))].sort()
  const byPrincipal = principals
    .map((m) => ({
      member: m,
      bindings: bindings.filter((b) => b.members.includes(m) && matches(m, b.role)),
    }))
    .filter((p) => p.bindings.length > 0)

  return (
    <div className="permissions">
      <div className="toolbar">
        <button
          type="button"
          className="primary"
          disabled={!canEdit}
          title={canEdit ? undefined : why}
          onClick={() => setAdding(true)}
        >
          Add principal
        </button>
        <div className="segmented" role="group" aria-label="View">
          <button type="button" aria-pressed={view === 'role'} onClick={() => setView('role')}>
            By role
          </button>
          <button
            type="button"
            aria-pressed={view === 'principal'}
            onClick={() => setView('principal')}
          >
            By principal
          </button>
        </div>
      </div>
      {canEdit ? null : (
        <p className="notice" role="note">
          {why}
        </p>
      )}
      <label htmlFor="permissions-filter" className="visually-hidden">
        Filter by principal or role
      </label>
      <input
        id="permissions-filter"
        type="search"
        className="filter"
        placeholder="Filter by principal or role"
        value={filter}
        onChange={(e) => setFilter(e.target.value)}
      />
      {bindings.length === 0 ? (
        <p className="hint">
          No principal has a role on this {info.singular} itself. Roles granted on the project still
          apply.
        </p>
      ) : view === 'role' ? (
        <ul className="role-groups" aria-label="Principals by role">
          {byRole.map(({ binding, members }) => (
            <li
              key={`${binding.role}|${binding.condition?.expression ?? ''}`}
              className="role-group"
            >
              <details open>
                <summary>
                  <span className="role-title">{title(binding.role)}</span>{' '}
                  <span className="count">({members.length})</span>
                  <span className="role-name">{binding.role}</span>
                  {binding.condition === undefined ? null : (
                    <span className="condition" title={binding.condition.expression}>
                      Condition: {binding.condition.title ?? binding.condition.expression}
                    </span>
                  )}
                </summary>
                <ul className="members">
                  {members.map((m) => (
                    <li key={m}>
                      <span className="member">{m}</span>
                      {trash(m, binding)}
                    </li>
                  ))}
                </ul>
              </details>
            </li>
          ))}
          {byRole.length === 0 ? <li className="hint">Nothing matches the filter.</li> : null}
        </ul>
      ) : (
        <table className="table compact" aria-label="Principals and their roles">
          <thead>
            <tr>
              <th scope="col">Principal</th>
              <th scope="col">Roles</th>
            </tr>
          </thead>
          <tbody>
            {byPrincipal.map((p) => (
              <tr key={p.member}>
                <td className="member">{p.member}</td>
                <td>
                  <ul className="chips">
                    {p.bindings.map((b) => (
                      <li key={`${b.role}|${b.condition?.expression ?? ''}`}>
                        {title(b.role)}
                        {b.condition === undefined ? '' : ` (${b.condition.title ?? 'condition'})`}
                        {trash(p.member, b)}
                      </li>
                    ))}
                  </ul>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {adding ? (
        <AddPrincipalDialog
          resourceLabel={label}
          roles={roles}
          onClose={() => setAdding(false)}
          onSave={async (req: AddPrincipalRequest) => {
            await addPrincipals(store, req.members, req.grants)
            data.reload()
          }}
        />
      ) : null}
      {removing === undefined ? null : (
        <RemovePrincipalDialog
          member={removing.member}
          roleTitle={title(removing.binding.role)}
          resourceLabel={label}
          roleCount={roleCount(removing.member)}
          onClose={() => setRemoving(undefined)}
          onRemove={async (all) => {
            await removePrincipal(store, removing.member, removing.binding, all)
            data.reload()
          }}
        />
      )}
    </div>
  )
}

function TrashIcon() {
  return (
    <svg width="18" height="18" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path
        fill="currentColor"
        d="M9 3h6l1 1h4v2H4V4h4l1-1zm-3 5h12l-1 13H7L6 8zm4 2v9h2v-9h-2zm4 0v9h2v-9h-2z"
      />
    </svg>
  )
}
