// "Allow public access?": the one confirmation before anything is made public (a grant to allUsers
// or allAuthenticatedUsers from Add principal or a bulk grant, or the Security tab turning the
// invoker check off), as Google's console asks. Built on Dialog: Cancel has the focus, Escape
// cancels, nothing is written before "Allow public access".
import type { ReactNode } from 'react'
import { Dialog } from './dialog.js'

/** What granting a role to public members means, in a sentence about `what`. */
export function publicGrantText(members: readonly string[], what: string): string {
  return `You are about to grant ${members.join(' and ')} a role on ${what}. ${
    members.includes('allUsers')
      ? 'Anyone on the internet, signed in or not, will get it.'
      : 'Anyone with an account, from any organization, will get it.'
  }`
}

export function ConfirmPublicAccess(props: {
  onConfirm: () => void
  onCancel: () => void
  /** What will be public and how (e.g. publicGrantText). */
  children: ReactNode
}) {
  return (
    <Dialog
      title="Allow public access?"
      onClose={props.onCancel}
      actions={
        <>
          <button type="button" onClick={props.onCancel} data-autofocus>
            Cancel
          </button>
          <button type="button" className="danger" onClick={props.onConfirm}>
            Allow public access
          </button>
        </>
      }
    >
      {props.children}
    </Dialog>
  )
}
