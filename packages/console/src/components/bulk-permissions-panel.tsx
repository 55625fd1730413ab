// Bulk: add principals to roles, or remove them, on every selected service (job, worker pool) in
// one action. Each resource is its own read-modify-write (a concurrent change is retried, not
// lost) and gets its own line in the results. Granting allUsers or allAuthenticatedUsers asks for
// the explicit "Allow public access" confirmation first, as Google's console does.
import { useEffect, useId, useMemo, useState, type FormEvent } from 'react'
import { useLoad } from '../api/use-load.js'
import { applyBulk, type BulkChange, type BulkOutcome } from '../iam/bulk-change.js'
import {
  KIND_INFO,
  refKey,
  testRunPermissions,
  type RunKind,
  type RunRef,
} from '../api/run-resources.js'
import { publicMembersOf } from '../iam/policy-changes.js'
import { listRunRoles } from '../iam/run-roles.js'
import { ConfirmPublicAccess, publicGrantText } from './confirm-public-access.js'
import { ErrorPanel } from './error-panel.js'
import { Loading } from './loading.js'
import { parsePrincipals } from './permissions/parse-principals.js'

export type BulkAction = 'add' | 'remove'

/** Which selected resources the user may not change (testIamPermissions on each). */
async function lockedResources(
  kind: RunKind,
  refs: readonly RunRef[],
): Promise<ReadonlySet<string>> {
  const needed = KIND_INFO[kind].setIamPermission
  const answers = await Promise.all(
    refs.map(async (ref) => ((await testRunPermissions(ref, [needed])).has(needed) ? [] : [ref])),
  )
  return new Set(answers.flat().map(refKey))
}

function outcomeText(o: BulkOutcome, action: BulkAction): string {
  switch (o.state) {
    case 'pending':
      return 'Saving…'
    case 'updated':
      return o.attempts > 1
        ? `Updated (someone changed it at the same time; applied again on their version, attempt ${o.attempts})`
        : 'Updated'
    case 'unchanged':
      return action === 'add'
        ? 'Already granted: nothing to change'
        : 'Not granted there: nothing to remove'
    case 'failed':
      return `${o.title}: ${o.message}`
  }
}

export function BulkPermissionsPanel({
  kind,
  action,
  refs,
  onClose,
  onDone,
}: {
  kind: RunKind
  action: BulkAction
  refs: readonly RunRef[]
  onClose: () => void
  /** Called once every resource has its result (e.g. to refresh the list's public column). */
  onDone?: () => void
}) {
  const info = KIND_INFO[kind]
  const ids = { principals: useId(), errors: useId(), roles: useId() }
  const roles = useLoad(listRunRoles, [])
  const locked = useLoad(() => lockedResources(kind, refs), [kind, refs.map(refKey).join()])
  const [text, setText] = useState('')
  const [chosen, setChosen] = useState<readonly string[]>([])
  const [confirming, setConfirming] = useState(false)
  const [results, setResults] = useState<BulkOutcome[] | undefined>()
  const [lastChange, setLastChange] = useState<BulkChange | undefined>()
  const running = results?.some((r) => r.state === 'pending') ?? false
  const parsed = useMemo(() => parsePrincipals(text), [text])
  const title =
    action === 'add'
      ? `Add principals to ${refs.length} ${refs.length === 1 ? info.singular : info.plural.toLowerCase()}`
      : `Remove principals from ${refs.length} ${refs.length === 1 ? info.singular : info.plural.toLowerCase()}`

  useEffect(() => {
    if (results !== undefined && !running) onDone?.()
    // onDone is the caller's; only the end of a run matters here.
  }, [running])

  const lockedSet = locked.state === 'ready' ? locked.value : new Set<string>()
  const changeable = refs.filter((r) => !lockedSet.has(refKey(r)))
  const readOnly =
    locked.state === 'ready' && changeable.length === 0
      ? `You cannot change the permissions of ${refs.length === 1 ? `this ${info.singular}` : `these ${info.plural.toLowerCase()}`}: it needs ${info.setIamPermission}, which you do not have on ${refs.length === 1 ? 'it' : 'any of them'}. Ask an owner for a role that includes it (e.g. Cloud Run Admin).`
      : undefined
  const canSave =
    readOnly === undefined &&
    locked.state === 'ready' &&
    parsed.members.length > 0 &&
    parsed.problems.length === 0 &&
    chosen.length > 0 &&
    !running

  /**
   * Runs the change on every resource, or (a retry) the change last run on those at `only`, even
   * if the fields were edited since.
   */
  function run(only?: ReadonlySet<number>): void {
    const change: BulkChange =
      only !== undefined && lastChange !== undefined
        ? lastChange
        : { action, members: parsed.members, roles: chosen }
    setLastChange(change)
    const start: BulkOutcome[] = refs.map((r, i) =>
      lockedSet.has(refKey(r))
        ? {
            state: 'failed',
            title: 'Not changed',
            message: `You do not have ${info.setIamPermission} on this ${info.singular}.`,
            error: undefined,
          }
        : only === undefined || only.has(i)
          ? { state: 'pending' }
          : (results?.[i] ?? { state: 'pending' }),
    )
    setResults(start)
    const indexes = refs.flatMap((r, i) =>
      lockedSet.has(refKey(r)) || (only !== undefined && !only.has(i)) ? [] : [i],
    )
    void applyBulk(
      indexes.map((i) => refs[i] as RunRef),
      change,
      (j, outcome) =>
        setResults((prev) => {
          const next = [...(prev ?? [])]
          next[indexes[j] as number] = outcome
          return next
        }),
    )
  }

  function onSubmit(e: FormEvent): void {
    e.preventDefault()
    if (!canSave) return
    if (action === 'add' && publicMembersOf(parsed.members).length > 0) setConfirming(true)
    else run()
  }

  function retryFailed(): void {
    run(new Set(retryable))
  }

  const done = results !== undefined && !running
  const failed = results?.filter((r) => r.state === 'failed').length ?? 0
  /** Failed for a reason other than a permission the form already knew was missing. */
  const retryable = refs.flatMap((r, i) =>
    results?.[i]?.state === 'failed' && !lockedSet.has(refKey(r)) ? [i] : [],
  )

  return (
    <section className="bulk-panel" aria-label={title}>
      <h2>{title}</h2>
      <p className="hint">
        Selected: {refs.map((r) => r.name).join(', ')}. Each {info.singular}&apos;s policy is read
        and written on its own; a change someone makes at the same time is kept, and yours applied
        on top of it.
      </p>
      {readOnly === undefined ? null : (
        <p className="notice" role="note">
          {readOnly}
        </p>
      )}
      {locked.state === 'loading' ? <Loading label="Checking your permissions…" /> : null}
      {locked.state === 'error' ? (
        <ErrorPanel error={locked.error} onRetry={locked.reload} />
      ) : null}
      {locked.state === 'ready' && readOnly === undefined && lockedSet.size > 0 ? (
        <p className="notice" role="note">
          You cannot change {[...lockedSet].length} of them (
          {refs
            .filter((r) => lockedSet.has(refKey(r)))
            .map((r) => r.name)
            .join(', ')}
          ): that needs {info.setIamPermission}. The others will be changed.
        </p>
      ) : null}
      <form onSubmit={onSubmit}>
        <label htmlFor={ids.principals}>
          {action === 'add' ? 'New principals' : 'Principals to remove'}
        </label>
        <textarea
          id={ids.principals}
          rows={2}
          autoFocus
          value={text}
          disabled={readOnly !== undefined || running}
          aria-invalid={parsed.problems.length > 0}
          aria-describedby={ids.errors}
          placeholder="user:alice@example.com, group:team@example.com, allUsers"
          onChange={(e) => setText(e.target.value)}
        />
        <div id={ids.errors} aria-live="polite">
          {parsed.problems.map((m) => (
            <p key={m} className="field-error">
              {m}
            </p>
          ))}
          {action === 'add' && publicMembersOf(parsed.members).length > 0 ? (
            <p className="hint">
              {publicMembersOf(parsed.members).join(' and ')} makes{' '}
              {refs.length === 1 ? 'it' : 'them'} public: you will be asked to confirm.
            </p>
          ) : null}
        </div>
        <fieldset className="roles" aria-describedby={ids.roles} disabled={readOnly !== undefined}>
          <legend>{action === 'add' ? 'Assign roles' : 'From roles'}</legend>
          <p id={ids.roles} className="hint">
            Choose one or more roles.
          </p>
          {roles.state === 'loading' ? <Loading label="Loading roles…" /> : null}
          {roles.state === 'error' ? (
            <ErrorPanel error={roles.error} onRetry={roles.reload} />
          ) : null}
          {roles.state === 'ready'
            ? roles.value.map((r) => (
                <div className="role-choice" key={r.name}>
                  <input
                    type="checkbox"
                    id={`${ids.roles}-${r.name}`}
                    checked={chosen.includes(r.name)}
                    onChange={(e) =>
                      setChosen((c) =>
                        e.target.checked ? [...c, r.name] : c.filter((x) => x !== r.name),
                      )
                    }
                  />
                  <label htmlFor={`${ids.roles}-${r.name}`}>
                    {r.title}
                    <span className="role-name"> {r.name}</span>
                    <span className="role-description">{r.description}</span>
                  </label>
                </div>
              ))
            : null}
        </fieldset>
        <div className="form-actions">
          <button type="submit" className="primary" disabled={!canSave}>
            {running ? 'Saving…' : action === 'add' ? 'Save' : 'Remove'}
          </button>
          <button type="button" onClick={onClose} disabled={running}>
            {done ? 'Close' : 'Cancel'}
          </button>
        </div>
      </form>
      {confirming ? (
        <ConfirmPublicAccess
          onCancel={() => setConfirming(false)}
          onConfirm={() => {
            setConfirming(false)
            run()
          }}
        >
          <p>
            {publicGrantText(
              publicMembersOf(parsed.members),
              `${refs.length} ${refs.length === 1 ? info.singular : info.plural.toLowerCase()}`,
            )}
          </p>
        </ConfirmPublicAccess>
      ) : null}
      {results === undefined ? null : (
        <>
          <p role="status" aria-live="polite" className={failed > 0 ? 'field-error' : 'hint'}>
            {running
              ? 'Saving…'
              : failed === 0
                ? `Done: all ${refs.length} saved.`
                : `Done: ${failed} of ${refs.length} could not be changed; see below.`}
          </p>
          {done && retryable.length > 0 ? (
            <button type="button" onClick={retryFailed}>
              Retry the {retryable.length} that failed
            </button>
          ) : null}
          <table className="table" aria-label="Results">
            <thead>
              <tr>
                <th scope="col">{info.singular[0]?.toUpperCase() + info.singular.slice(1)}</th>
                <th scope="col">Region</th>
                <th scope="col">Result</th>
              </tr>
            </thead>
            <tbody>
              {refs.map((r, i) => {
                const o = results[i] ?? { state: 'pending' }
                return (
                  <tr key={refKey(r)} className={`result-${o.state}`}>
                    <td>{r.name}</td>
                    <td>{r.location}</td>
                    <td>{outcomeText(o, action)}</td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        </>
      )}
    </section>
  )
}
