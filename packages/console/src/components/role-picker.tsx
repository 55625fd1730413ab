// The roles of a grant as Google's IAM page edits them: one row per role, a select listing every
// role by title, the chosen role's description under it, a trash can, and "Add another role".
import { TrashIcon } from './icons.js'
import type { RoleInfo } from '../api/resource-iam.js'

export function RoleRows(props: {
  roles: readonly RoleInfo[]
  value: readonly string[]
  onChange: (next: string[]) => void
}) {
  const { roles, value, onChange } = props
  const byName = new Map(roles.map((r) => [r.name, r]))
  const set = (i: number, role: string) => onChange(value.map((v, j) => (j === i ? role : v)))
  return (
    <div className="role-rows">
      {value.map((role, i) => {
        const info = byName.get(role)
        return (
          <div className="role-row" key={i}>
            <div className="role-field">
              <label htmlFor={`role-${i}`}>{value.length > 1 ? `Role ${i + 1}` : 'Role'}</label>
              <select
                id={`role-${i}`}
                value={role}
                onChange={(e) => set(i, e.target.value)}
                aria-describedby={`role-${i}-desc`}
              >
                <option value="">Select a role</option>
                {role !== '' && info === undefined ? <option value={role}>{role}</option> : null}
                {roles.map((r) => (
                  <option key={r.name} value={r.name}>
                    {r.title ?? r.name} ({r.name})
                  </option>
                ))}
              </select>
              <p className="hint" id={`role-${i}-desc`}>
                {info?.description ?? (role === '' ? 'Choose what this principal may do.' : '')}
              </p>
            </div>
            <button
              type="button"
              className="icon-button"
              aria-label={`Delete role ${info?.title ?? role}`.trim()}
              title="Delete role"
              onClick={() => onChange(value.filter((_, j) => j !== i))}
            >
              <TrashIcon />
            </button>
          </div>
        )
      })}
      <button type="button" className="link-button" onClick={() => onChange([...value, ''])}>
        + Add another role
      </button>
    </div>
  )
}
