// "Add principal": New principals (validated as typed), Assign roles (several, each with its
// description), an optional IAM condition (title, description, expression: the server compiles
// and checks it on Save), then Save = one read-modify-write setIamPolicy with the etag.
import type { Expr } from '@runiam/core'
import { useId, useMemo, useState, type FormEvent } from 'react'
import type { RoleChoice } from '../../api/grantable-roles.js'
import { Dialog } from '../dialog.js'
import { ErrorPanel } from '../error-panel.js'
import { parsePrincipals } from './parse-principals.js'

export interface AddPrincipalRequest {
  readonly members: readonly string[]
  readonly roles: readonly string[]
  readonly condition?: Expr
}

const GROUPS: readonly RoleChoice['group'][] = ['Cloud Run', 'Basic', 'Other predefined', 'Custom']

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
  const [roles, setRoles] = useState<string[]>([''])
  const [withCondition, setWithCondition] = useState(false)
  const [condition, setCondition] = useState({ title: '', description: '', expression: '' })
  const [error, setError] = useState<unknown>()
  const [saving, setSaving] = useState(false)
  const [confirmingPublic, setConfirmingPublic] = useState(false)

  const parsed = useMemo(() => parsePrincipals(principals), [principals])
  const chosen = roles.filter((r) => r !== '')
  const conditionIncomplete =
    withCondition && (condition.title.trim() === '' || condition.expression.trim() === '')
  const canSave =
    parsed.members.length > 0 &&
    parsed.problems.length === 0 &&
    chosen.length > 0 &&
    !conditionIncomplete &&
    !saving

  const publicMembers = parsed.members.filter(
    (m) => m === 'allUsers' || m === 'allAuthenticatedUsers',
  )

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
      const cond: Expr | undefined = withCondition
        ? {
            title: condition.title.trim(),
            expression: condition.expression.trim(),
            ...(condition.description.trim() === ''
              ? {}
              : { description: condition.description.trim() }),
          }
        : undefined
      await props.onSave({
        members: parsed.members,
        roles: [...new Set(chosen)],
        ...(cond === undefined ? {} : { condition: cond }),
      })
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
          {roles.map((role, i) => {
            const choice = props.roles.find((r) => r.name === role)
            return (
              <div className="role-row" key={i}>
                <div className="role-pick">
                  <label htmlFor={`${id}-role-${i}`}>{`Role ${i + 1}`}</label>
                  <select
                    id={`${id}-role-${i}`}
                    value={role}
                    aria-describedby={`${id}-role-${i}-description`}
                    onChange={(e) => setRoles(roles.map((r, j) => (j === i ? e.target.value : r)))}
                  >
                    <option value="">Select a role</option>
                    {GROUPS.map((g) => {
                      const inGroup = props.roles.filter((r) => r.group === g)
                      return inGroup.length === 0 ? null : (
                        <optgroup key={g} label={g}>
                          {inGroup.map((r) => (
                            <option key={r.name} value={r.name}>
                              {r.title}
                            </option>
                          ))}
                        </optgroup>
                      )
                    })}
                  </select>
                  <p className="hint" id={`${id}-role-${i}-description`}>
                    {choice === undefined ? '' : `${choice.name}: ${choice.description}`}
                  </p>
                </div>
                {roles.length > 1 ? (
                  <button
                    type="button"
                    className="icon-button"
                    aria-label={`Remove role ${i + 1}`}
                    onClick={() => setRoles(roles.filter((_, j) => j !== i))}
                  >
                    ✕
                  </button>
                ) : null}
              </div>
            )
          })}
          <button type="button" className="link-button" onClick={() => setRoles([...roles, ''])}>
            + Add another role
          </button>
        </fieldset>
        <fieldset className="fieldset">
          <legend>IAM condition (optional)</legend>
          <label className="check-label">
            <input
              type="checkbox"
              checked={withCondition}
              onChange={(e) => setWithCondition(e.target.checked)}
            />
            Add an IAM condition to these roles
          </label>
          {withCondition ? (
            <>
              <label htmlFor={`${id}-cond-title`}>Condition title</label>
              <input
                id={`${id}-cond-title`}
                value={condition.title}
                required
                onChange={(e) => setCondition({ ...condition, title: e.target.value })}
              />
              <label htmlFor={`${id}-cond-description`}>Condition description</label>
              <input
                id={`${id}-cond-description`}
                value={condition.description}
                onChange={(e) => setCondition({ ...condition, description: e.target.value })}
              />
              <label htmlFor={`${id}-cond-expression`}>Condition expression (CEL)</label>
              <textarea
                id={`${id}-cond-expression`}
                rows={3}
                value={condition.expression}
                required
                onChange={(e) => setCondition({ ...condition, expression: e.target.value })}
                placeholder={'request.path.startsWith("/public/")'}
              />
              <p className="hint">The server checks the expression when you save.</p>
            </>
          ) : null}
        </fieldset>
        {error === undefined ? null : <ErrorPanel error={error} />}
      </form>
      {confirmingPublic ? (
        <Dialog
          title="Allow public access?"
          onClose={() => setConfirmingPublic(false)}
          actions={
            <>
              <button type="button" onClick={() => setConfirmingPublic(false)} data-autofocus>
                Cancel
              </button>
              <button type="button" className="primary" onClick={() => void save(undefined, true)}>
                Allow public access
              </button>
            </>
          }
        >
          <p>
            You are about to grant {publicMembers.join(' and ')} a role on {props.resourceLabel}.{' '}
            {publicMembers.includes('allUsers')
              ? 'Anyone on the internet, signed in or not, will get it.'
              : 'Anyone with an account, from any organization, will get it.'}
          </p>
        </Dialog>
      ) : null}
    </Dialog>
  )
}
