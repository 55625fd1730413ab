// The troubleshooter: may this principal do this on this resource, and why? A principal's email,
// a permission and a resource (a Cloud Run service, a project or the organization, as a full
// resource name), optionally the request's host and path for conditions; the answer from Policy
// Troubleshooter v3 — the verdict in words and the bindings that decide it, one row each.
import type { TroubleshootIamPolicyResponse } from '@runiam/api'
import { useState, type FormEvent } from 'react'
import { resourceLabel } from '../api/analyzer.js'
import { bindingRows, hiddenPolicies, troubleshootAccess } from '../api/troubleshooter.js'
import { useLoad } from '../api/use-load.js'
import { ErrorPanel } from '../components/error-panel.js'
import { Loading } from '../components/loading.js'
import { navigate } from '../router.js'
import '../iam-pages.css'

const VERDICT: Record<string, string> = {
  CAN_ACCESS: 'has',
  CANNOT_ACCESS: 'does not have',
  UNKNOWN_CONDITIONAL: 'may have (it depends on a condition you did not give enough to decide)',
  UNKNOWN_INFO: 'may have (some policies or group memberships you may not read could decide it)',
}

const STATE: Record<string, string> = {
  GRANTED: 'Grants it',
  NOT_GRANTED: 'Does not grant it',
  UNKNOWN_CONDITIONAL: 'Depends on its condition',
  UNKNOWN_INFO: 'Unknown (group membership you may not read)',
}

function Field(props: {
  id: string
  label: string
  value: string
  placeholder?: string
  onChange: (v: string) => void
}) {
  return (
    <div className="grow">
      <label htmlFor={props.id}>{props.label}</label>
      <input
        id={props.id}
        value={props.value}
        placeholder={props.placeholder}
        onChange={(e) => props.onChange(e.target.value)}
      />
    </div>
  )
}

export function TroubleshooterPage({ query }: { query: URLSearchParams }) {
  const asked = {
    principal: query.get('principal') ?? '',
    permission: query.get('permission') ?? 'run.routes.invoke',
    fullResourceName: query.get('resource') ?? '',
    host: query.get('host') ?? '',
    path: query.get('path') ?? '',
  }
  const [principal, setPrincipal] = useState(asked.principal)
  const [permission, setPermission] = useState(asked.permission)
  const [resource, setResource] = useState(asked.fullResourceName)
  const [host, setHost] = useState(asked.host)
  const [path, setPath] = useState(asked.path)
  const ready = principal.trim() !== '' && permission.trim() !== '' && resource.trim() !== ''
  const onSubmit = (e: FormEvent) => {
    e.preventDefault()
    if (!ready) return
    const params = new URLSearchParams({
      principal: principal.trim(),
      permission: permission.trim(),
      resource: resource.trim(),
    })
    if (host.trim() !== '') params.set('host', host.trim())
    if (path.trim() !== '') params.set('path', path.trim())
    navigate(`/troubleshoot?${params}`)
  }
  return (
    <section>
      <h1>Troubleshooter</h1>
      <p className="subtitle">
        Whether a principal holds a permission on a resource, and which bindings decide it.
      </p>
      <form className="form-inline" onSubmit={onSubmit} aria-label="Troubleshoot access">
        <Field
          id="ts-principal"
          label="Principal email"
          value={principal}
          placeholder="alice@example.com"
          onChange={setPrincipal}
        />
        <Field id="ts-permission" label="Permission" value={permission} onChange={setPermission} />
        <Field
          id="ts-resource"
          label="Resource"
          value={resource}
          placeholder="//run.googleapis.com/projects/P/locations/L/services/S"
          onChange={setResource}
        />
        <Field
          id="ts-host"
          label="Request host"
          value={host}
          placeholder="(unknown)"
          onChange={setHost}
        />
        <Field
          id="ts-path"
          label="Request path"
          value={path}
          placeholder="(unknown)"
          onChange={setPath}
        />
        <button type="submit" className="primary" disabled={!ready}>
          Troubleshoot
        </button>
      </form>
      <p className="hint">
        Request host and path feed conditions on request.host and request.path; left empty, they are
        unknown.
      </p>
      {asked.principal === '' || asked.fullResourceName === '' ? null : <Answer question={asked} />}
    </section>
  )
}

function Answer(props: {
  question: {
    principal: string
    permission: string
    fullResourceName: string
    host: string
    path: string
  }
}) {
  const q = props.question
  const res = useLoad(
    () => troubleshootAccess(q),
    [q.principal, q.permission, q.fullResourceName, q.host, q.path],
  )
  if (res.state === 'loading') return <Loading label="Troubleshooting…" />
  if (res.state === 'error') return <ErrorPanel error={res.error} onRetry={res.reload} />
  return <Explanation answer={res.value} question={q} />
}

function Explanation(props: {
  answer: TroubleshootIamPolicyResponse
  question: { principal: string; permission: string; fullResourceName: string }
}) {
  const { answer, question } = props
  const rows = bindingRows(answer)
  const hidden = hiddenPolicies(answer)
  return (
    <>
      <p role="status" data-verdict={answer.overallAccessState}>
        <strong>{question.principal}</strong>{' '}
        {VERDICT[answer.overallAccessState] ?? answer.overallAccessState}{' '}
        <code>{question.permission}</code> on {resourceLabel(question.fullResourceName)}.
      </p>
      {hidden === 0 ? null : (
        <p className="hint">
          {hidden} polic{hidden === 1 ? 'y' : 'ies'} on the path {hidden === 1 ? 'is' : 'are'} not
          shown: you may not read {hidden === 1 ? 'it' : 'them'}.
        </p>
      )}
      {rows.length === 0 ? (
        <p>No binding on the path names this principal with a role holding the permission.</p>
      ) : (
        <table className="table" aria-label="Bindings">
          <thead>
            <tr>
              <th scope="col">Policy of</th>
              <th scope="col">Role</th>
              <th scope="col">Matching members</th>
              <th scope="col">Verdict</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={i} data-state={r.state}>
                <td>{r.resource === undefined ? '(hidden)' : resourceLabel(r.resource)}</td>
                <td>
                  {r.role}
                  {r.roleHolds ? null : <div className="hint">Does not hold the permission</div>}
                  {r.condition === undefined ? null : (
                    <span className="badge">Condition: {r.condition}</span>
                  )}
                </td>
                <td>{r.members.length === 0 ? '—' : r.members.join(', ')}</td>
                <td>{STATE[r.state] ?? r.state}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  )
}
