// A project's service accounts (IAM API): the list (email, name, enabled), Create service account,
// and Disable / Enable on each row. Keys and the accounts' own policies are managed with the CLI.
import { useState, type FormEvent } from 'react'
import { api } from '../api/console-api.js'
import { namePath, segment } from '../api/path-segment.js'
import { useLoad } from '../api/use-load.js'
import { ErrorPanel } from '../components/error-panel.js'
import { Loading } from '../components/loading.js'
import '../iam-pages.css'

interface ServiceAccount {
  readonly name: string
  readonly email: string
  readonly displayName?: string
  readonly description?: string
  readonly disabled?: boolean
}

const saPath = (project: string) => `/v1/projects/${segment(project, 'project ID')}/serviceAccounts`

async function listAccounts(project: string): Promise<ServiceAccount[]> {
  const out: ServiceAccount[] = []
  let pageToken: string | undefined
  do {
    const page = await api().request<{ accounts?: ServiceAccount[]; nextPageToken?: string }>(
      'GET',
      saPath(project),
      { query: { pageSize: 100, pageToken } },
    )
    out.push(...(page.accounts ?? []))
    pageToken = page.nextPageToken === '' ? undefined : page.nextPageToken
  } while (pageToken !== undefined)
  return out.sort((a, b) => a.email.localeCompare(b.email))
}

export function ServiceAccountsPage({ project }: { project: string }) {
  const data = useLoad(() => listAccounts(project), [project])
  const [creating, setCreating] = useState(false)
  const [accountId, setAccountId] = useState('')
  const [displayName, setDisplayName] = useState('')
  const [error, setError] = useState<unknown>()
  const [busy, setBusy] = useState(false)
  const [notice, setNotice] = useState<string | undefined>()

  async function run(what: () => Promise<unknown>, done: string): Promise<void> {
    setBusy(true)
    setError(undefined)
    try {
      await what()
      setNotice(done)
      data.reload()
      return
    } catch (err) {
      setError(err)
      throw err
    } finally {
      setBusy(false)
    }
  }

  const onCreate = (e: FormEvent) => {
    e.preventDefault()
    run(
      () =>
        api().request('POST', saPath(project), {
          body: { accountId, serviceAccount: displayName === '' ? {} : { displayName } },
        }),
      `Created service account ${accountId}@${project}.iam.gserviceaccount.com.`,
    ).then(
      () => {
        setCreating(false)
        setAccountId('')
        setDisplayName('')
      },
      () => undefined,
    )
  }

  const toggle = (sa: ServiceAccount) =>
    void run(
      () =>
        api().request(
          'POST',
          `/v1/${namePath(sa.name, 'service account')}:${sa.disabled === true ? 'enable' : 'disable'}`,
          { body: {} },
        ),
      `${sa.disabled === true ? 'Enabled' : 'Disabled'} ${sa.email}.`,
    ).catch(() => undefined)

  return (
    <section>
      <div className="page-head">
        <div>
          <h1>Service accounts</h1>
          <p className="subtitle">Project {project}</p>
        </div>
        <button type="button" className="primary" onClick={() => setCreating((c) => !c)}>
          Create service account
        </button>
      </div>
      {creating ? (
        <form className="form-inline" onSubmit={onCreate} aria-label="Create service account">
          <div>
            <label htmlFor="sa-id">Service account ID</label>
            <input
              id="sa-id"
              required
              pattern="[a-z][a-z0-9\-]{4,28}[a-z0-9]"
              title="6 to 30 lower-case letters, digits and dashes, starting with a letter"
              value={accountId}
              onChange={(e) => setAccountId(e.target.value)}
            />
          </div>
          <div>
            <label htmlFor="sa-name">Display name</label>
            <input
              id="sa-name"
              value={displayName}
              onChange={(e) => setDisplayName(e.target.value)}
            />
          </div>
          <button type="submit" className="primary" disabled={busy}>
            Create
          </button>
          <button type="button" onClick={() => setCreating(false)}>
            Cancel
          </button>
        </form>
      ) : null}
      {notice === undefined ? null : (
        <p className="success" role="status">
          {notice}
        </p>
      )}
      {error === undefined ? null : <ErrorPanel error={error} />}
      {data.state === 'loading' ? <Loading label="Loading service accounts…" /> : null}
      {data.state === 'error' ? <ErrorPanel error={data.error} onRetry={data.reload} /> : null}
      {data.state === 'ready' ? (
        data.value.length === 0 ? (
          <p className="hint">This project has no service accounts yet.</p>
        ) : (
          <table className="table" aria-label="Service accounts">
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col" className="actions-col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data.value.map((sa) => (
                <tr key={sa.email}>
                  <td className="principal">{sa.email}</td>
                  <td>{sa.displayName ?? ''}</td>
                  <td>
                    <span className={sa.disabled === true ? 'state off' : 'state'}>
                      {sa.disabled === true ? 'Disabled' : 'Enabled'}
                    </span>
                  </td>
                  <td className="row-actions">
                    <button
                      type="button"
                      className="link-button"
                      disabled={busy}
                      aria-label={`${sa.disabled === true ? 'Enable' : 'Disable'} ${sa.email}`}
                      onClick={() => toggle(sa)}
                    >
                      {sa.disabled === true ? 'Enable' : 'Disable'}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      ) : null}
    </section>
  )
}
