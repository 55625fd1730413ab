// Organization policies (Org Policy v2), read-only: every constraint runiam knows with what is set
// on the organization or on a project, and on a project what is in effect there (the inherited
// organization policy included). They are changed with `runiam org-policies`.
import type { ListConstraintsResponse, OrgPolicy, OrgPolicyConstraint } from '@runiam/api'
import { api } from '../api/console-api.js'
import { namePath } from '../api/path-segment.js'
import { loadOrganization } from '../api/resource-iam.js'
import { useLoad } from '../api/use-load.js'
import { ErrorPanel } from '../components/error-panel.js'
import { Loading } from '../components/loading.js'
import '../iam-pages.css'

interface Row {
  readonly constraint: OrgPolicyConstraint
  /** Set on this resource itself. */
  readonly own?: OrgPolicy
  /** In effect here (getEffectivePolicy). */
  readonly effective?: OrgPolicy
}

const path = (name: string) => `/v2/${namePath(name, 'resource name')}`

async function loadRows(parent: string): Promise<Row[]> {
  const org = await loadOrganization()
  if (org === undefined) return []
  const constraints = await api().request<ListConstraintsResponse>(
    'GET',
    `${path(org.name)}/constraints`,
  )
  const own = await api().request<{ policies?: OrgPolicy[] }>('GET', `${path(parent)}/policies`)
  const byConstraint = new Map(
    (own.policies ?? []).map((p) => [p.name.slice(p.name.indexOf('/policies/') + 10), p]),
  )
  return Promise.all(
    (constraints.constraints ?? []).map(async (constraint) => {
      const id = constraint.name.slice(constraint.name.indexOf('/constraints/') + 13)
      const effective = await api().request<OrgPolicy>(
        'GET',
        `${path(`${parent}/policies/${id}`)}:getEffectivePolicy`,
      )
      const mine = byConstraint.get(id)
      return { constraint, effective, ...(mine === undefined ? {} : { own: mine }) }
    }),
  )
}

/** A policy in words: Enforced, Not enforced, Allowed: …, Denied: … */
export function describePolicy(policy: OrgPolicy | undefined, boolean: boolean): string {
  const rules = policy?.spec?.rules ?? []
  if (rules.length === 0) return policy?.spec?.reset === true ? 'Reset to default' : 'Default'
  return rules
    .map((r) => {
      if (r.enforce !== undefined) return r.enforce ? 'Enforced' : 'Not enforced'
      if (r.allowAll === true) return 'Allow all'
      if (r.denyAll === true) return 'Deny all'
      const parts: string[] = []
      if ((r.values?.allowedValues ?? []).length > 0)
        parts.push(`Allowed: ${(r.values?.allowedValues ?? []).join(', ')}`)
      if ((r.values?.deniedValues ?? []).length > 0)
        parts.push(`Denied: ${(r.values?.deniedValues ?? []).join(', ')}`)
      return parts.join('; ') || (boolean ? 'Not enforced' : 'Default')
    })
    .join(' · ')
}

function OrgPoliciesTable({ parent, label }: { parent: string; label: string }) {
  const rows = useLoad(() => loadRows(parent), [parent])
  return (
    <section>
      <h1>Organization policies</h1>
      <p className="subtitle">
        Constraints on {label}. Read-only here; change them with <code>runiam org-policies</code>.
      </p>
      {rows.state === 'loading' ? <Loading label="Loading policies…" /> : null}
      {rows.state === 'error' ? <ErrorPanel error={rows.error} onRetry={rows.reload} /> : null}
      {rows.state === 'ready' ? (
        <table className="table" aria-label="Organization policies">
          <thead>
            <tr>
              <th scope="col">Constraint</th>
              <th scope="col">Set here</th>
              <th scope="col">In effect</th>
            </tr>
          </thead>
          <tbody>
            {rows.value.map(({ constraint, own, effective }) => {
              const boolean = constraint.booleanConstraint !== undefined
              const inEffect = describePolicy(effective, boolean)
              return (
                <tr key={constraint.name}>
                  <td>
                    <strong>{constraint.displayName}</strong>
                    <div className="hint">
                      <code>{constraint.name.slice(constraint.name.indexOf('constraints/'))}</code>
                    </div>
                    <div className="hint">{constraint.description}</div>
                  </td>
                  <td>
                    {own === undefined ? (
                      <span className="muted">—</span>
                    ) : (
                      describePolicy(own, boolean)
                    )}
                  </td>
                  <td>
                    <span className={inEffect === 'Enforced' ? 'badge warn' : 'badge muted'}>
                      {inEffect}
                    </span>
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      ) : null}
    </section>
  )
}

export function OrganizationPoliciesPage() {
  const org = useLoad(loadOrganization, [])
  if (org.state === 'loading') return <Loading label="Loading the organization…" />
  if (org.state === 'error') return <ErrorPanel error={org.error} onRetry={org.reload} />
  if (org.value === undefined) return <p>You can see no organization.</p>
  return (
    <OrgPoliciesTable
      parent={org.value.name}
      label={`organization ${org.value.displayName ?? org.value.name}`}
    />
  )
}

export function ProjectPoliciesPage({ project }: { project: string }) {
  return <OrgPoliciesTable parent={`projects/${project}`} label={`project ${project}`} />
}
