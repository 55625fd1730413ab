// One row of "Assign roles": the role picker (grouped, each role's name and description shown
// under it) and, as in Google's console, an optional IAM condition on that role alone (title,
// description, CEL expression; the server compiles and checks it on Save).
import type { RoleChoice } from '../../api/grantable-roles.js'

export interface ConditionDraft {
  readonly title: string
  readonly description: string
  readonly expression: string
}

export interface RoleDraft {
  readonly role: string
  /** undefined: no condition on this role. */
  readonly condition?: ConditionDraft
}

const GROUPS: readonly RoleChoice['group'][] = ['Cloud Run', 'Basic', 'Other predefined', 'Custom']

export function RoleRow(props: {
  /** Unique prefix for the row's ids. */
  id: string
  index: number
  draft: RoleDraft
  roles: readonly RoleChoice[]
  onChange: (draft: RoleDraft) => void
  /** Absent for the only row. */
  onRemove?: () => void
}) {
  const { id, index, draft } = props
  const n = index + 1
  const choice = props.roles.find((r) => r.name === draft.role)
  const cond = draft.condition
  const setCond = (c: Partial<ConditionDraft>) =>
    props.onChange({
      ...draft,
      condition: { title: '', description: '', expression: '', ...cond, ...c },
    })
  return (
    <div className="role-block">
      <div className="role-row">
        <div className="role-pick">
          <label htmlFor={`${id}-role`}>{`Role ${n}`}</label>
          <select
            id={`${id}-role`}
            value={draft.role}
            aria-describedby={`${id}-description`}
            onChange={(e) => props.onChange({ ...draft, role: e.target.value })}
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
          <p className="hint" id={`${id}-description`}>
            {choice === undefined ? '' : `${choice.name}: ${choice.description}`}
          </p>
        </div>
        {props.onRemove === undefined ? null : (
          <button
            type="button"
            className="icon-button"
            aria-label={`Delete role row ${n}`}
            onClick={props.onRemove}
          >
            ✕
          </button>
        )}
      </div>
      {cond === undefined ? (
        <button type="button" className="link-button" onClick={() => setCond({})}>
          {`+ Add IAM condition to role ${n}`}
        </button>
      ) : (
        <fieldset className="condition-fields">
          <legend>{`IAM condition on role ${n}`}</legend>
          <label htmlFor={`${id}-cond-title`}>{`Condition title (role ${n})`}</label>
          <input
            id={`${id}-cond-title`}
            value={cond.title}
            required
            onChange={(e) => setCond({ title: e.target.value })}
          />
          <label htmlFor={`${id}-cond-description`}>{`Condition description (role ${n})`}</label>
          <input
            id={`${id}-cond-description`}
            value={cond.description}
            onChange={(e) => setCond({ description: e.target.value })}
          />
          <label htmlFor={`${id}-cond-expression`}>{`Condition expression (role ${n})`}</label>
          <textarea
            id={`${id}-cond-expression`}
            rows={3}
            value={cond.expression}
            required
            onChange={(e) => setCond({ expression: e.target.value })}
            placeholder={'request.path.startsWith("/public/")'}
          />
          <p className="hint">CEL, checked by the server when you save.</p>
          <button
            type="button"
            className="link-button"
            onClick={() => props.onChange({ role: draft.role })}
          >
            {`Remove the condition on role ${n}`}
          </button>
        </fieldset>
      )}
    </div>
  )
}
