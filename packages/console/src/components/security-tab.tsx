// A service's Security tab: Authentication, either *Allow public access* (the invoker IAM check
// disabled: invokerIamDisabled, as Cloud Run v2 and Google's console do) or *Require
// authentication* with *Identity and Access Management (IAM)*. Making it public asks for the
// explicit confirmation first. Requiring authentication can also take allUsers /
// allAuthenticatedUsers out of the invoker roles, since they would keep the service public.
// Every write carries the etag read when the tab loaded: a concurrent change is shown, with
// "Reload and retry", rather than overwritten.
import { useId, useRef, useState } from 'react'
import type { Policy } from '@runiam/core'
import { useLoad } from '../api/use-load.js'
import { findPublicInvokers } from '../iam/invoker-roles.js'
import { removeMembers, type PublicInvokers } from '../iam/policy-changes.js'
import {
  getRun,
  getRunPolicy,
  setInvokerIamDisabled,
  setRunPolicy,
  type RunRef,
  type RunResource,
} from '../api/run-resources.js'
import { missingReason, usePermissions } from '../iam/use-permissions.js'
import { ActionError } from './action-error.js'
import { ConfirmPublicAccess } from './confirm-public-access.js'
import { ErrorPanel } from './error-panel.js'
import { Loading } from './loading.js'
import './actions.css'

const NEEDED = ['run.services.update', 'run.services.setIamPolicy'] as const

type Choice = 'public' | 'iam'

interface Loaded {
  readonly service: RunResource
  readonly policy: Policy
  readonly invokers: PublicInvokers
}

async function load(ref: RunRef): Promise<Loaded> {
  const [service, policy] = await Promise.all([getRun(ref), getRunPolicy(ref)])
  return { service, policy, invokers: await findPublicInvokers(policy) }
}

/** The service's public state in a sentence, as this tab shows it. */
export function publicStateText(invokerIamDisabled: boolean, invokers: readonly string[]): string {
  if (invokerIamDisabled) return 'Public: the invoker IAM check is disabled, anyone can call it'
  if (invokers.length > 0) return `Public: ${invokers.join(' and ')} can invoke it (IAM)`
  return 'Authentication required (IAM)'
}

/** Applies the choice to what `loaded` holds, with its etags. */
async function apply(
  ref: RunRef,
  loaded: Loaded,
  choice: Choice,
  removePublic: boolean,
): Promise<void> {
  if (choice === 'public') {
    if (loaded.service.invokerIamDisabled !== true)
      await setInvokerIamDisabled(ref, true, loaded.service.etag)
    return
  }
  const { members, roles } = loaded.invokers
  if (removePublic && members.length > 0) {
    const next = removeMembers(loaded.policy, members, roles)
    await setRunPolicy(ref, next.policy)
  }
  if (loaded.service.invokerIamDisabled === true)
    await setInvokerIamDisabled(ref, false, loaded.service.etag)
}

export function SecurityTab({ serviceRef }: { serviceRef: RunRef }) {
  const ids = { public: useId(), iam: useId(), iamCheck: useId(), removePublic: useId() }
  const data = useLoad(
    () => load(serviceRef),
    [serviceRef.project, serviceRef.location, serviceRef.name],
  )
  const perms = usePermissions(serviceRef, NEEDED)
  const [choice, setChoice] = useState<Choice | undefined>()
  const [removePublic, setRemovePublic] = useState(true)
  const [confirming, setConfirming] = useState(false)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>()
  const [saved, setSaved] = useState<string | undefined>()
  const last = useRef<Loaded | undefined>(undefined)

  // After a save the tab reads the service again; until then it keeps showing what it had (so
  // the focus stays where it was), marked busy.
  if (data.state === 'ready') last.current = data.value
  const shown = last.current
  if (shown === undefined) {
    if (data.state === 'error') return <ErrorPanel error={data.error} onRetry={data.reload} />
    return <Loading label="Loading the service’s security…" />
  }
  const { service } = shown
  const invokers = shown.invokers.members
  const refreshing = data.state === 'loading'
  const current: Choice = service.invokerIamDisabled === true ? 'public' : 'iam'
  const selected = choice ?? current
  const reason = missingReason(perms, NEEDED, 'change how this service authenticates callers')
  const changes =
    selected !== current || (selected === 'iam' && removePublic && invokers.length > 0)

  async function save(fresh: Loaded): Promise<void> {
    setBusy(true)
    setError(undefined)
    setSaved(undefined)
    try {
      await apply(serviceRef, fresh, selected, removePublic)
      setSaved(
        selected === 'public'
          ? 'Saved: the service is public. Anyone can call it.'
          : 'Saved: callers must be authenticated and hold run.routes.invoke.',
      )
      setChoice(undefined)
      data.reload()
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
    }
  }

  async function reloadAndRetry(): Promise<void> {
    setBusy(true)
    try {
      const fresh = await load(serviceRef)
      await save(fresh)
    } catch (err) {
      setError(err)
      setBusy(false)
    }
  }

  return (
    <section
      className="security"
      aria-labelledby={`${ids.public}-h`}
      aria-busy={refreshing || busy}
    >
      <h2 id={`${ids.public}-h`}>Authentication</h2>
      <p className="state-line" aria-label="Public access state">
        {publicStateText(service.invokerIamDisabled === true, invokers)}
      </p>
      {data.state === 'error' ? <ErrorPanel error={data.error} onRetry={data.reload} /> : null}
      {reason === undefined ? null : (
        <p className="notice" role="note">
          {reason}
        </p>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault()
          if (!changes || reason !== undefined || busy || refreshing) return
          if (selected === 'public') setConfirming(true)
          else void save(shown)
        }}
      >
        <fieldset disabled={reason !== undefined || busy} className="choices">
          <legend className="visually-hidden">Authentication</legend>
          <div className="choice">
            <input
              type="radio"
              name="auth"
              id={ids.public}
              checked={selected === 'public'}
              onChange={() => setChoice('public')}
            />
            <label htmlFor={ids.public}>
              Allow public access
              <span className="hint">
                No authentication check: the invoker IAM check is disabled, so anyone who has the
                URL can call the service.
              </span>
            </label>
          </div>
          <div className="choice">
            <input
              type="radio"
              name="auth"
              id={ids.iam}
              checked={selected === 'iam'}
              onChange={() => setChoice('iam')}
            />
            <label htmlFor={ids.iam}>
              Require authentication
              <span className="hint">Callers must prove who they are.</span>
            </label>
          </div>
          {selected === 'iam' ? (
            <div className="sub-choices">
              <div className="choice">
                <input type="checkbox" id={ids.iamCheck} checked readOnly disabled />
                <label htmlFor={ids.iamCheck}>
                  Identity and Access Management (IAM)
                  <span className="hint">
                    A caller needs run.routes.invoke on the service (e.g. Cloud Run Invoker).
                  </span>
                </label>
              </div>
              {invokers.length > 0 ? (
                <div className="choice">
                  <input
                    type="checkbox"
                    id={ids.removePublic}
                    checked={removePublic}
                    onChange={(e) => setRemovePublic(e.target.checked)}
                  />
                  <label htmlFor={ids.removePublic}>
                    Also remove {invokers.join(' and ')} from the invoker roles
                    <span className="hint">
                      While {invokers.join(' and ')} {invokers.length === 1 ? 'holds' : 'hold'} an
                      invoker role, the service stays public even with the IAM check on.
                    </span>
                  </label>
                </div>
              ) : null}
            </div>
          ) : null}
        </fieldset>
        <div className="form-actions">
          <button
            type="submit"
            className="primary"
            disabled={!changes || reason !== undefined || busy || refreshing}
          >
            {busy ? 'Saving…' : 'Save'}
          </button>
        </div>
      </form>
      {saved === undefined ? null : (
        <p role="status" className="saved">
          {saved}
        </p>
      )}
      {error === undefined ? null : (
        <ActionError error={error} busy={busy} onReloadRetry={() => void reloadAndRetry()} />
      )}
      {confirming ? (
        <ConfirmPublicAccess
          onCancel={() => setConfirming(false)}
          onConfirm={() => {
            setConfirming(false)
            void save(shown)
          }}
        >
          <p>
            Are you sure you want to make <strong>{serviceRef.name}</strong> public? The invoker IAM
            check will be disabled: anyone on the internet who has its URL will be able to call it,
            without authentication.
          </p>
        </ConfirmPublicAccess>
      ) : null}
    </section>
  )
}
