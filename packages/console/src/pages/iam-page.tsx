// The IAM page of a project or of the organization, like Google's: every principal with its roles
// (on a project, the roles inherited from the organization too, marked), a filter, the edit pencil
// (change roles, Add another role, Save), Grant access (new principals and roles) and Remove. Every
// write sends the etag the policy was read with; a concurrent change (409) offers to read the
// policy again and apply the same change to it.
import { PencilIcon, TrashIcon } from '../components/icons.js'
import type { Policy } from '@runiam/api/client'
import { useCallback, useMemo, useState, type ReactNode } from 'react'
import { describeError } from '../components/error-panel.js'
import {
  forWrite,
  memberKind,
  memberProblem,
  principalsOf,
  splitMembers,
  withGrants,
  withMemberRoles,
  withoutMember,
  type Grant,
} from '../api/iam-policy.js'
import {
  getPolicy,
  loadOrganization,
  loadRoles,
  projectOrganization,
  setPolicy,
  testPermissions,
  type IamTarget,
  type RoleInfo,
} from '../api/resource-iam.js'
import { isPermissionDenied } from '../api/console-api.js'
import { useLoad } from '../api/use-load.js'
import { ConfirmDialog, Drawer } from '../components/drawer.js'
import { ErrorPanel } from '../components/error-panel.js'
import { Loading } from '../components/loading.js'
import { RoleRows } from '../components/role-picker.js'
import { isIamError } from '@runiam/core/errors'

interface PageData {
  readonly policy: Policy
  /** The organization's policy (a project's inherited roles); undefined when not readable. */
  readonly inherited?: Policy
  readonly inheritedHidden: boolean
  readonly canEdit: boolean
  readonly roles: readonly RoleInfo[]
}

const SET_PERMISSION = {
  project: 'resourcemanager.projects.setIamPolicy',
  organization: 'resourcemanager.organizations.setIamPolicy',
} as const

async function loadPage(target: IamTarget): Promise<PageData> {
  const [policy, granted, roles] = await Promise.all([
    getPolicy(target),
    testPermissions(target, [SET_PERMISSION[target.kind]]),
    loadRoles(),
  ])
  let inherited: Policy | undefined
  let inheritedHidden = false
  if (target.kind === 'project') {
    try {
      const org = await projectOrganization(target.project)
      if (org !== undefined)
        inherited = await getPolicy({ kind: 'organization', organization: org })
    } catch (err) {
      if (!isPermissionDenied(err)) throw err
      inheritedHidden = true
    }
  }
  return {
    policy,
    ...(inherited === undefined ? {} : { inherited }),
    inheritedHidden,
    canEdit: granted.has(SET_PERMISSION[target.kind]),
    roles,
  }
}

type Change = (p: Policy) => Policy
type Editing =
  | { readonly mode: 'edit'; readonly member: string }
  | { readonly mode: 'grant' }
  | { readonly mode: 'remove'; readonly member: string }

interface Row {
  readonly member: string
  readonly grants: readonly Grant[]
  readonly inherited: readonly Grant[]
}

export function IamPage({ target, label }: { target: IamTarget; label: string }) {
  const key = target.kind === 'project' ? target.project : target.organization
  const data = useLoad(() => loadPage(target), [key])
  const [filter, setFilter] = useState('')
  const [editing, setEditing] = useState<Editing | undefined>()
  const [saveError, setSaveError] = useState<{ error: unknown; change: Change } | undefined>()
  const [busy, setBusy] = useState(false)
  const [notice, setNotice] = useState<string | undefined>()
  const close = useCallback(() => setEditing(undefined), [])

  const rows = useMemo<Row[]>(() => {
    if (data.state !== 'ready') return []
    const own = principalsOf(data.value.policy)
    const up = data.value.inherited === undefined ? new Map() : principalsOf(data.value.inherited)
    const members = [...new Set([...own.keys(), ...up.keys()])].sort()
    return members.map((member) => ({
      member,
      grants: own.get(member) ?? [],
      inherited: (up.get(member) as Grant[] | undefined) ?? [],
    }))
  }, [data])

  if (data.state === 'loading') return <Loading label="Loading the policy…" />
  if (data.state === 'error') return <ErrorPanel error={data.error} onRetry={data.reload} />
  const { policy, canEdit, roles, inheritedHidden } = data.value
  const titles = new Map(roles.map((r) => [r.name, r.title ?? r.name]))
  const title = (role: string) => titles.get(role) ?? role
  const needle = filter.trim().toLowerCase()
  const shown = rows.filter(
    (r) =>
      needle === '' ||
      r.member.toLowerCase().includes(needle) ||
      [...r.grants, ...r.inherited].some(
        (g) =>
          g.role.toLowerCase().includes(needle) || title(g.role).toLowerCase().includes(needle),
      ),
  )
  const why = `You need ${SET_PERMISSION[target.kind]} on this ${target.kind} to change its policy.`

  async function apply(change: Change, done: string, from: Policy = policy): Promise<void> {
    setBusy(true)
    setSaveError(undefined)
    try {
      await setPolicy(target, forWrite(change(from)))
      setEditing(undefined)
      setNotice(done)
      data.reload()
    } catch (error) {
      setSaveError({ error, change })
    } finally {
      setBusy(false)
    }
  }

  async function reapply(change: Change): Promise<void> {
    setBusy(true)
    try {
      const fresh = await getPolicy(target)
      await apply(change, 'Applied your change to the newest policy.', fresh)
    } catch (error) {
      setSaveError({ error, change })
      setBusy(false)
    }
  }

  const saveProblem =
    saveError === undefined ? null : (
      <SaveError
        error={saveError.error}
        onReapply={() => void reapply(saveError.change)}
        busy={busy}
      />
    )

  return (
    <section className="iam-page">
      <div className="page-head">
        <div>
          <h1>IAM</h1>
          <p className="subtitle">Permissions for {label}</p>
        </div>
        <button
          type="button"
          className="primary"
          disabled={!canEdit}
          title={canEdit ? undefined : why}
          onClick={() => {
            setSaveError(undefined)
            setEditing({ mode: 'grant' })
          }}
        >
          Grant access
        </button>
      </div>
      {canEdit ? null : (
        <p className="notice" role="note">
          You can view this policy but not change it. {why}
        </p>
      )}
      {inheritedHidden ? (
        <p className="hint">
          Roles inherited from the organization are not shown: you may not view the
          organization&apos;s policy.
        </p>
      ) : null}
      {notice === undefined ? null : (
        <p className="success" role="status">
          {notice}
        </p>
      )}
      {editing === undefined ? saveProblem : null}
      <div className="toolbar">
        <input
          type="search"
          className="filter"
          aria-label="Filter by principal or role"
          placeholder="Filter by principal or role"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
        />
        <span className="hint">
          {shown.length} of {rows.length} principals
        </span>
      </div>
      <table className="table" aria-label="Principals">
        <thead>
          <tr>
            <th scope="col">Principal</th>
            <th scope="col">Type</th>
            <th scope="col">Roles</th>
            <th scope="col" className="actions-col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {shown.map((r) => (
            <tr key={r.member} data-member={r.member}>
              <td className="principal">{r.member}</td>
              <td className="kind">{memberKind(r.member)}</td>
              <td>
                <ul className="role-list">
                  {r.grants.map((g, i) => (
                    <li key={`own-${i}`}>
                      <span title={g.role}>{title(g.role)}</span>
                      {g.condition === undefined ? null : (
                        <span className="badge" title={g.condition.expression}>
                          Condition: {g.condition.title}
                        </span>
                      )}
                    </li>
                  ))}
                  {r.inherited.map((g, i) => (
                    <li key={`up-${i}`} className="inherited">
                      <span title={g.role}>{title(g.role)}</span>
                      <span className="badge muted">Inherited from organization</span>
                    </li>
                  ))}
                </ul>
              </td>
              <td className="row-actions">
                <button
                  type="button"
                  className="icon-button edit"
                  aria-label={`Edit principal ${r.member}`}
                  title={canEdit ? 'Edit principal' : why}
                  disabled={!canEdit}
                  onClick={() => {
                    setSaveError(undefined)
                    setEditing({ mode: 'edit', member: r.member })
                  }}
                >
                  <PencilIcon />
                </button>
                {r.grants.length === 0 ? null : (
                  <button
                    type="button"
                    className="icon-button"
                    aria-label={`Remove principal ${r.member}`}
                    title={canEdit ? 'Remove principal' : why}
                    disabled={!canEdit}
                    onClick={() => {
                      setSaveError(undefined)
                      setEditing({ mode: 'remove', member: r.member })
                    }}
                  >
                    <TrashIcon />
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {shown.length === 0 ? <p className="hint">No principal matches the filter.</p> : null}

      {editing?.mode === 'edit' ? (
        <EditPrincipal
          member={editing.member}
          label={label}
          held={(rows.find((r) => r.member === editing.member)?.grants ?? [])
            .filter((g) => g.condition === undefined)
            .map((g) => g.role)}
          conditional={(rows.find((r) => r.member === editing.member)?.grants ?? []).filter(
            (g) => g.condition !== undefined,
          )}
          inherited={rows.find((r) => r.member === editing.member)?.inherited ?? []}
          roles={roles}
          title={title}
          busy={busy}
          problem={saveProblem}
          onCancel={close}
          onSave={(next) =>
            void apply(
              (p) => withMemberRoles(p, editing.member, next),
              `Updated the roles of ${editing.member}.`,
            )
          }
        />
      ) : null}
      {editing?.mode === 'grant' ? (
        <GrantAccess
          label={label}
          roles={roles}
          busy={busy}
          problem={saveProblem}
          onCancel={close}
          onSave={(members, chosen) =>
            void apply(
              (p) => withGrants(p, members, chosen),
              `Granted ${chosen.length === 1 ? 'a role' : `${chosen.length} roles`} to ${members.join(', ')}.`,
            )
          }
        />
      ) : null}
      {editing?.mode === 'remove' ? (
        <ConfirmDialog
          title={`Remove ${editing.member}?`}
          confirmLabel="Remove"
          busy={busy}
          onCancel={close}
          onConfirm={() =>
            void apply(
              (p) => withoutMember(p, editing.member),
              `Removed ${editing.member} from ${label}.`,
            )
          }
        >
          <p>
            This removes every role <strong>{editing.member}</strong> holds on {label}
            {target.kind === 'project' ? ' (roles inherited from the organization stay)' : ''}.
          </p>
          {saveProblem}
        </ConfirmDialog>
      ) : null}
    </section>
  )
}

function SaveError(props: { error: unknown; onReapply: () => void; busy: boolean }) {
  const aborted = isIamError(props.error) && props.error.status === 'ABORTED'
  if (!aborted) return <ErrorPanel error={props.error} />
  const { message } = describeError(props.error)
  return (
    <div className="error-panel" role="alert">
      <strong>Someone else changed this policy while you were editing it.</strong>
      <p>{message}</p>
      <button type="button" disabled={props.busy} onClick={props.onReapply}>
        Reload and apply my change again
      </button>
    </div>
  )
}

function EditPrincipal(props: {
  member: string
  label: string
  held: readonly string[]
  conditional: readonly Grant[]
  inherited: readonly Grant[]
  roles: readonly RoleInfo[]
  title: (role: string) => string
  busy: boolean
  problem: ReactNode
  onCancel: () => void
  onSave: (roles: string[]) => void
}) {
  const [value, setValue] = useState<string[]>(() => [...props.held])
  const chosen = value.filter((r) => r !== '')
  return (
    <Drawer title={`Edit access to ${props.label}`} onClose={props.onCancel}>
      <p>
        Principal: <strong className="principal">{props.member}</strong>
      </p>
      <RoleRows roles={props.roles} value={value} onChange={setValue} />
      {props.conditional.length === 0 ? null : (
        <p className="hint">
          Conditional roles (kept as they are):{' '}
          {props.conditional
            .map((g) => `${props.title(g.role)} (${g.condition?.title ?? ''})`)
            .join(', ')}
        </p>
      )}
      {props.inherited.length === 0 ? null : (
        <p className="hint">
          Inherited from the organization (change them on the organization&apos;s IAM page):{' '}
          {props.inherited.map((g) => props.title(g.role)).join(', ')}
        </p>
      )}
      {props.problem}
      <div className="actions">
        <button
          type="button"
          className="primary"
          disabled={props.busy}
          onClick={() => props.onSave([...new Set(chosen)])}
        >
          {props.busy ? 'Saving…' : 'Save'}
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </Drawer>
  )
}

function GrantAccess(props: {
  label: string
  roles: readonly RoleInfo[]
  busy: boolean
  problem: ReactNode
  onCancel: () => void
  onSave: (members: string[], roles: string[]) => void
}) {
  const [text, setText] = useState('')
  const [value, setValue] = useState<string[]>([''])
  const members = splitMembers(text)
  const problems = members.map(memberProblem).filter((p) => p !== undefined)
  const chosen = [...new Set(value.filter((r) => r !== ''))]
  const ready = members.length > 0 && problems.length === 0 && chosen.length > 0
  return (
    <Drawer title={`Grant access to ${props.label}`} onClose={props.onCancel}>
      <label htmlFor="new-principals">New principals</label>
      <textarea
        id="new-principals"
        rows={3}
        value={text}
        aria-invalid={problems.length > 0}
        aria-describedby="new-principals-help"
        placeholder="user:alice@example.com, group:team@example.com"
        onChange={(e) => setText(e.target.value)}
      />
      <p className="hint" id="new-principals-help">
        {problems[0] ??
          'One or more principals, separated by commas: user:, group:, serviceAccount:, domain:.'}
      </p>
      <h3 className="section-label">Assign roles</h3>
      <RoleRows roles={props.roles} value={value} onChange={setValue} />
      {props.problem}
      <div className="actions">
        <button
          type="button"
          className="primary"
          disabled={!ready || props.busy}
          onClick={() => props.onSave(members, chosen)}
        >
          {props.busy ? 'Saving…' : 'Save'}
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </Drawer>
  )
}

/** The project IAM page (route /projects/:project/iam). */
export function ProjectIamPage({ project }: { project: string }) {
  return <IamPage target={{ kind: 'project', project }} label={`project ${project}`} />
}

/** The organization IAM page (route /organization/iam): finds the organization first. */
export function OrganizationIamPage() {
  const org = useLoad(loadOrganization, [])
  if (org.state === 'loading') return <Loading label="Loading the organization…" />
  if (org.state === 'error') return <ErrorPanel error={org.error} onRetry={org.reload} />
  if (org.value === undefined)
    return <p>You can see no organization. Ask an owner of the organization for a role on it.</p>
  return (
    <IamPage
      target={{ kind: 'organization', organization: org.value.name }}
      label={`organization ${org.value.displayName ?? org.value.name}`}
    />
  )
}
