// "Add principal": New principals (validated as typed), Assign roles (several, each with its
// description and an optional IAM condition of its own: role-row.tsx), then Save = one
// read-modify-write setIamPolicy with the etag. A public grant asks "Allow public access?" first.
import type { Expr } from '@runiam/core'
import { useId, useMemo, useState, type FormEvent } from 'react'
import type { RoleChoice } from '../../api/grantable-roles.js'
import { publicMembersOf } from '../../iam/policy-changes.js'
import { ConfirmPublicAccess, publicGrantText } from '../confirm-public-access.js'
import { Dialog } from '../dialog.js'
import { ErrorPanel } from '../error-panel.js'
import { parsePrincipals } from './parse-principals.js'
import { RoleRow, type RoleDraft } from './role-row.js'

/** One role to grant, under a condition or not. */
export interface Grant {
  readonly role: string
  readonly condition?: Expr
}

export interface AddPrincipalRequest {
  readonly members: readonly string[]
  readonly grants: readonly Grant[]
}

function grantOf(draft: RoleDraft): Grant {
  const c = draft.condition
  if (c === undefined) return { role: draft.role }
  return {
    role: draft.role,
    condition: {
      title: c.title.trim(),
      expression: c.expression.trim(),
      ...(c.description.trim() === '' ? {} : { description: c.description.trim() }),
    },
  }
}

export function AddPrincipalDialog(props: {
  /** e.g. `service "hello"`, shown in the title. */
  resourceLabel: string
  roles: readonly RoleChoice[]
  onSave: (request: AddPrincipalRequest) => Promise<void>
  onClose: () => void
}) {
  const id = useId()
  const [principals, setPrincipals] = useState('')
  const [touched, setTouched] = useState(false)
  const [rows, setRows] = useState<RoleDraft[]>([{ role: '' }])
  const [error, setError] = useState<unknown>()
  const [saving, setSaving] = useState(false)
  const [confirmingPublic, setConfirmingPublic] = useState(false)

  const parsed = useMemo(() => parsePrincipals(principals), [principals])
  const chosen = rows.filter((r) => r.role !== '')
  const conditionIncomplete = chosen.some(
    (r) =>
      r.condition !== undefined &&
      (r.condition.title.trim() === '' || r.condition.expression.trim() === ''),
  )
  const canSave =
    parsed.members.length > 0 &&
    parsed.problems.length === 0 &&
    chosen.length > 0 &&
    !conditionIncomplete &&
    !saving

  const publicMembers = publicMembersOf(parsed.members)

  async function save(e?: FormEvent, publicConfirmed = false): Promise<void> {
    e?.preventDefault()
    setTouched(true)
    if (!canSave) return
    // Compat: Google's console asks before granting a role to allUsers / allAuthenticatedUsers.
    if (publicMembers.length > 0 && !publicConfirmed) {
      setConfirmingPublic(true)
      return
    }
    setConfirmingPublic(false)
    setSaving(true)
    setError(undefined)
    try {
      await props.onSave({ members: parsed.members, grants: chosen.map(grantOf) })
      props.onClose()
    } catch (err) {
      setError(err)
      setSaving(false)
    }
  }

  const showProblems =
    (touched || principals.endsWith(' ') || principals.includes(',')) && parsed.problems.length > 0
  return (
    <Dialog
      title={`Add principals to ${props.resourceLabel}`}
      onClose={props.onClose}
      wide
      actions={
        <>
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" form={`${id}-form`} className="primary" disabled={!canSave}>
            {saving ? 'Saving…' : 'Save'}
          </button>
        </>
      }
    >
      <form id={`${id}-form`} onSubmit={(e) => void save(e)} noValidate>
        <fieldset className="fieldset">
          <legend>Add principals</legend>
          <label htmlFor={`${id}-principals`}>New principals</label>
          <textarea
            id={`${id}-principals`}
            rows={2}
            value={principals}
            onChange={(e) => setPrincipals(e.target.value)}
            onBlur={() => setTouched(true)}
            aria-invalid={showProblems}
            aria-describedby={`${id}-principals-help ${id}-principals-problems`}
            placeholder="alice@example.com, group:team@example.com"
          />
          <p className="hint" id={`${id}-principals-help`}>
            One or more, separated by commas: emails, or members such as group:…, domain:…,
            serviceAccount:…, allUsers.
          </p>
          <div id={`${id}-principals-problems`} aria-live="polite">
            {showProblems
              ? parsed.problems.map((p) => (
                  <p key={p} className="field-error">
                    {p}
                  </p>
                ))
              : null}
          </div>
        </fieldset>
        <fieldset className="fieldset">
          <legend>Assign roles</legend>
          {rows.map((row, i) => (
            <RoleRow
              key={i}
              id={`${id}-row-${i}`}
              index={i}
              draft={row}
              roles={props.roles}
              onChange={(d) => setRows(rows.map((r, j) => (j === i ? d : r)))}
              {...(rows.length > 1
                ? { onRemove: () => setRows(rows.filter((_, j) => j !== i)) }
                : {})}
            />
          ))}
          <button
            type="button"
            className="link-button"
            onClick={() => setRows([...rows, { role: '' }])}
          >
            + Add another role
          </button>
        </fieldset>
        {error === undefined ? null : <ErrorPanel error={error} />}
      </form>
      {confirmingPublic ? (
        <ConfirmPublicAccess
          onCancel={() => setConfirmingPublic(false)}
          onConfirm={() => void save(undefined, true)}
        >
          <p>{publicGrantText(publicMembers, props.resourceLabel)}</p>
        </ConfirmPublicAccess>
      ) : null}
    </Dialog>
  )
}
