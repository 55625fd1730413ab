// Who has access: for a principal, every role it holds on every resource, and why (direct, through
// a group, public, inherited from the project or organization); for a Cloud Run service, who may
// invoke it — including everyone, when allUsers holds the invoker role or the invoker check is
// disabled, said plainly at the top. Answers come from Cloud Asset's analyzeIamPolicy on the scope
// chosen (the organization by default, so inherited access is included).
import type { Service } from '@runiam/api/client'
import { useState, type FormEvent } from 'react'
import {
  accessRows,
  analyze,
  invokerRows,
  resourceLabel,
  runServiceName,
  throughWhat,
  type AccessRow,
  type InvokerRow,
} from '../api/analyzer.js'
import { api, isPermissionDenied } from '../api/console-api.js'
import { memberProblem } from '../api/iam-policy.js'
import { segment } from '../api/path-segment.js'
import { loadOrganization, loadRoles } from '../api/resource-iam.js'
import { useLoad } from '../api/use-load.js'
import { ErrorPanel } from '../components/error-panel.js'
import { Loading } from '../components/loading.js'
import { navigate } from '../router.js'
import '../iam-pages.css'

type Mode = 'principal' | 'service'

async function loadScopes(): Promise<{ value: string; label: string }[]> {
  const org = await loadOrganization().catch(() => undefined)
  const projects = await api()
    .listProjects()
    .then((p) => p.projects ?? [])
    .catch(() => [])
  return [
    ...(org === undefined
      ? []
      : [{ value: org.name, label: `Organization ${org.displayName ?? org.name}` }]),
    ...projects.map((p) => ({ value: `projects/${p.projectId}`, label: `Project ${p.projectId}` })),
  ]
}

export function WhoHasAccessPage({ query }: { query: URLSearchParams }) {
  const scopes = useLoad(loadScopes, [])
  const mode: Mode = query.get('service') !== null ? 'service' : 'principal'
  const setMode = (m: Mode) => navigate(m === 'service' ? '/access?service=' : '/access')
  if (scopes.state === 'loading') return <Loading />
  if (scopes.state === 'error') return <ErrorPanel error={scopes.error} onRetry={scopes.reload} />
  const scope = query.get('scope') ?? scopes.value[0]?.value ?? ''
  return (
    <section>
      <h1>Who has access</h1>
      <p className="subtitle">
        Every role a principal holds and why, or everyone who may invoke a service.
      </p>
      <div className="tabs" role="tablist" aria-label="Question">
        <button
          type="button"
          role="tab"
          aria-selected={mode === 'principal'}
          onClick={() => setMode('principal')}
        >
          A principal&apos;s access
        </button>
        <button
          type="button"
          role="tab"
          aria-selected={mode === 'service'}
          onClick={() => setMode('service')}
        >
          Who may invoke a service
        </button>
      </div>
      {mode === 'principal' ? (
        <PrincipalAccess scopes={scopes.value} scope={scope} query={query} />
      ) : (
        <ServiceInvokers scopes={scopes.value} scope={scope} query={query} />
      )}
    </section>
  )
}

function ScopeSelect(props: {
  scopes: readonly { value: string; label: string }[]
  value: string
  onChange: (v: string) => void
}) {
  return (
    <div>
      <label htmlFor="scope">Look in</label>
      <select id="scope" value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        {props.scopes.map((s) => (
          <option key={s.value} value={s.value}>
            {s.label}
          </option>
        ))}
      </select>
    </div>
  )
}

const go = (params: Record<string, string>) => navigate(`/access?${new URLSearchParams(params)}`)

function PrincipalAccess(props: {
  scopes: readonly { value: string; label: string }[]
  scope: string
  query: URLSearchParams
}) {
  const asked = props.query.get('principal') ?? ''
  const [text, setText] = useState(asked)
  const [scope, setScope] = useState(props.scope)
  const problem = text.trim() === '' ? undefined : memberProblem(text.trim())
  const onSubmit = (e: FormEvent) => {
    e.preventDefault()
    if (problem === undefined && text.trim() !== '') go({ principal: text.trim(), scope })
  }
  return (
    <>
      <form className="form-inline" onSubmit={onSubmit} aria-label="Principal's access">
        <div className="grow">
          <label htmlFor="principal">Principal</label>
          <input
            id="principal"
            value={text}
            placeholder="user:alice@example.com"
            aria-invalid={problem !== undefined}
            aria-describedby="principal-help"
            onChange={(e) => setText(e.target.value)}
          />
        </div>
        <ScopeSelect scopes={props.scopes} value={scope} onChange={setScope} />
        <button type="submit" className="primary" disabled={problem !== undefined}>
          Show access
        </button>
      </form>
      <p className="hint" id="principal-help">
        {problem ??
          'A user:, group:, serviceAccount: or domain: principal. Access through groups, domains and the public counts too.'}
      </p>
      {asked === '' ? null : (
        <PrincipalResults
          identity={asked}
          scope={props.scope}
          scopeLabel={props.scopes.find((x) => x.value === props.scope)?.label ?? props.scope}
        />
      )}
    </>
  )
}

function PrincipalResults(props: { identity: string; scope: string; scopeLabel: string }) {
  const { identity, scope } = props
  const res = useLoad(
    () => Promise.all([analyze({ scope, identity, expandResources: true }), roleTitles()]),
    [identity, scope],
  )
  if (res.state === 'loading') return <Loading label="Analyzing access…" />
  if (res.state === 'error') return <ErrorPanel error={res.error} onRetry={res.reload} />
  const [answer, titles] = res.value
  const rows = accessRows(answer, identity)
  const resources = new Set(rows.map((r) => r.resource)).size
  return (
    <>
      <p role="status">
        <strong>{identity}</strong> holds {rows.length} role{rows.length === 1 ? '' : 's'} on{' '}
        {resources} resource{resources === 1 ? '' : 's'} in {props.scopeLabel.toLowerCase()}.
      </p>
      <Incomplete explored={answer.mainAnalysis.fullyExplored} />
      {rows.length === 0 ? null : <AccessTable rows={rows} identity={identity} titles={titles} />}
    </>
  )
}

function AccessTable(props: {
  rows: readonly AccessRow[]
  identity: string
  titles: ReadonlyMap<string, string>
}) {
  const { rows, identity, titles } = props
  return (
    <table className="table" aria-label="Access">
      <thead>
        <tr>
          <th scope="col">Resource</th>
          <th scope="col">Role</th>
          <th scope="col">Why</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r, i) => (
          <tr key={i}>
            <td>{resourceLabel(r.resource)}</td>
            <td>
              <RoleCell role={r.role} titles={titles} />
              {r.condition === undefined ? null : (
                <span className="badge" title={r.evaluation}>
                  Condition: {r.condition}
                  {r.evaluation === 'FALSE' ? ' (not now)' : ''}
                </span>
              )}
            </td>
            <td>
              {r.via.map((m) => (
                <div key={m}>{throughWhat(m, identity)}</div>
              ))}
              <div className="hint">
                {r.attached === r.resource
                  ? 'Granted on this resource'
                  : `Inherited from ${resourceLabel(r.attached)}`}
              </div>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

function ServiceInvokers(props: {
  scopes: readonly { value: string; label: string }[]
  scope: string
  query: URLSearchParams
}) {
  const asked = props.query.get('service') ?? ''
  const parts = /^projects\/([^/]+)\/locations\/([^/]+)\/services\/([^/]+)$/.exec(asked)
  const [project, setProject] = useState(parts?.[1] ?? '')
  const [region, setRegion] = useState(parts?.[2] ?? 'us-central1')
  const [service, setService] = useState(parts?.[3] ?? '')
  const [scope, setScope] = useState(props.scope)
  const onSubmit = (e: FormEvent) => {
    e.preventDefault()
    go({ service: `projects/${project}/locations/${region}/services/${service}`, scope })
  }
  return (
    <>
      <form className="form-inline" onSubmit={onSubmit} aria-label="Who may invoke a service">
        <NarrowField id="svc-project" label="Project" value={project} onChange={setProject} />
        <NarrowField id="svc-region" label="Region" value={region} onChange={setRegion} />
        <NarrowField id="svc-name" label="Service" value={service} onChange={setService} />
        <ScopeSelect scopes={props.scopes} value={scope} onChange={setScope} />
        <button type="submit" className="primary">
          Show invokers
        </button>
      </form>
      {parts === null ? null : (
        <InvokerResults
          project={parts[1] ?? ''}
          region={parts[2] ?? ''}
          service={parts[3] ?? ''}
          scope={props.scope}
        />
      )}
    </>
  )
}

async function loadInvokers(
  project: string,
  region: string,
  service: string,
  scope: string,
): Promise<{
  svc: Service | undefined
  rows: InvokerRow[]
  titles: ReadonlyMap<string, string>
  explored: boolean
}> {
  for (const [v, what] of [
    [project, 'project ID'],
    [region, 'region'],
    [service, 'service name'],
  ] as const)
    segment(v, what)
  // Without run.services.get the invokers are still listed; the check's state is then unknown.
  const svc = await api()
    .getService({ project, region, service })
    .catch((err: unknown) => {
      if (isPermissionDenied(err)) return undefined
      throw err
    })
  const res = await analyze({
    scope,
    fullResourceName: runServiceName(project, region, service),
    permissions: ['run.routes.invoke'],
    expandGroups: true,
  })
  return {
    svc,
    rows: invokerRows(res),
    titles: await roleTitles(),
    explored: res.mainAnalysis.fullyExplored,
  }
}

/** A required, labelled text field of the inline query forms. */
function NarrowField(props: {
  id: string
  label: string
  value: string
  onChange: (value: string) => void
}) {
  return (
    <div className="narrow">
      <label htmlFor={props.id}>{props.label}</label>
      <input
        id={props.id}
        required
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
      />
    </div>
  )
}

function InvokerResults(props: {
  project: string
  region: string
  service: string
  scope: string
}) {
  const { project, region, service, scope } = props
  const res = useLoad(
    () => loadInvokers(project, region, service, scope),
    [project, region, service, scope],
  )
  if (res.state === 'loading') return <Loading label="Analyzing access…" />
  if (res.state === 'error') return <ErrorPanel error={res.error} onRetry={res.reload} />
  const { svc, rows, titles, explored } = res.value
  const disabled =
    (svc as { invokerIamDisabled?: boolean } | undefined)?.invokerIamDisabled === true
  const publicRows = rows.filter((r) => r.principal === 'allUsers')
  const signedIn = rows.filter((r) => r.principal === 'allAuthenticatedUsers')
  return (
    <>
      {disabled ? (
        <div className="plain danger" role="status">
          <strong>Anyone can invoke {service}.</strong> Its invoker IAM check is disabled (
          <em>Allow public access</em>): the gateway forwards every request without looking at a
          token, whatever the policy below says.
        </div>
      ) : publicRows.length > 0 ? (
        <div className="plain danger" role="status">
          <strong>Anyone can invoke {service}.</strong> <code>allUsers</code> holds{' '}
          {publicRows.map((r) => r.role).join(', ')}
          {publicRows.some((r) => r.attached !== runServiceName(project, region, service))
            ? ' (inherited)'
            : ''}
          : no sign-in is needed.
        </div>
      ) : signedIn.length > 0 ? (
        <div className="plain danger" role="status">
          <strong>Anyone with a Google-style account signed in can invoke {service}</strong> (
          <code>allAuthenticatedUsers</code> holds {signedIn.map((r) => r.role).join(', ')}).
        </div>
      ) : (
        <div className={svc === undefined ? 'plain unknown' : 'plain ok'} role="status">
          {svc === undefined ? (
            <>
              <strong>The principals below may invoke {service}.</strong> You may not view the
              service (<code>run.services.get</code>), so whether its invoker check is disabled —
              which would let anyone invoke it — is not known here.
            </>
          ) : (
            <>
              <strong>Only the principals below may invoke {service}.</strong> The invoker IAM check
              is on: callers need a valid ID token and <code>run.routes.invoke</code>.
            </>
          )}
        </div>
      )}
      <Incomplete explored={explored} />
      {rows.length === 0 ? (
        <p className="hint">No principal holds run.routes.invoke on this service.</p>
      ) : (
        <table className="table" aria-label="Invokers">
          <thead>
            <tr>
              <th scope="col">Principal</th>
              <th scope="col">Role</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={i}>
                <td className="principal">{r.principal}</td>
                <td>
                  <RoleCell role={r.role} titles={titles} />
                  {r.condition === undefined ? null : (
                    <span className="badge">Condition: {r.condition}</span>
                  )}
                </td>
                <td>
                  <div>
                    {r.via === r.principal ? throughWhat(r.via, r.via) : throughWhat(r.via, '')}
                  </div>
                  <div className="hint">
                    {r.attached === runServiceName(project, region, service)
                      ? 'Granted on the service'
                      : `Inherited from ${resourceLabel(r.attached)}`}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  )
}

/** Role titles by name (a role the catalog does not list is shown by name). */
async function roleTitles(): Promise<ReadonlyMap<string, string>> {
  const roles = await loadRoles().catch(() => [])
  return new Map(roles.map((r) => [r.name, r.title ?? r.name]))
}

function RoleCell({ role, titles }: { role: string; titles: ReadonlyMap<string, string> }) {
  const title = titles.get(role)
  return (
    <>
      {title ?? <code>{role}</code>}
      {title === undefined ? null : (
        <div className="hint">
          <code>{role}</code>
        </div>
      )}
    </>
  )
}

/** The server could not explore everything (e.g. group memberships the caller may not list). */
function Incomplete({ explored }: { explored: boolean }) {
  if (explored) return null
  return (
    <p className="notice" role="note">
      This answer may be incomplete: the server did not explore everything for you. Group
      memberships are only followed for people who may list them (
      <code>cloudidentity.groups.memberships.list</code> on the organization), so access through
      groups may be missing.
    </p>
  )
}
