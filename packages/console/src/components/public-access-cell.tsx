// The services list's "Authentication" column: whether a service is public, and how. The invoker
// check (invokerIamDisabled) comes with the list; whether allUsers / allAuthenticatedUsers holds
// an invoker role needs the service's policy, read only once the row scrolls into view and a few
// at a time, so a list of a thousand services stays quick.
import { useEffect, useRef, useState } from 'react'
import { publicInvokers } from '../iam/policy-changes.js'
import { getPolicy, type RunResource } from '../iam/run-resources.js'

type Answer = { readonly invokers: readonly string[] } | { readonly unknown: string }

const MAX_IN_FLIGHT = 4
let inFlight = 0
const waiting: (() => void)[] = []

/** Runs `task` when fewer than MAX_IN_FLIGHT policy reads are under way. */
async function queued<T>(task: () => Promise<T>): Promise<T> {
  if (inFlight >= MAX_IN_FLIGHT) await new Promise<void>((go) => waiting.push(go))
  inFlight++
  try {
    return await task()
  } finally {
    inFlight--
    waiting.shift()?.()
  }
}

export function publicAccessText(invokerIamDisabled: boolean, invokers: readonly string[]): string {
  if (invokerIamDisabled) return 'Public (IAM check disabled)'
  if (invokers.length > 0) return `Public (${invokers.join(', ')})`
  return 'Require authentication'
}

export function PublicAccessCell({
  service,
  generation = 0,
}: {
  service: RunResource
  /** Bumped by the list after a change, to read the policy again. */
  generation?: number
}) {
  const ref = useRef<HTMLSpanElement>(null)
  const [visible, setVisible] = useState(false)
  const [answer, setAnswer] = useState<Answer | undefined>()

  useEffect(() => {
    const el = ref.current
    if (el === null || visible) return
    const seen = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) setVisible(true)
    })
    seen.observe(el)
    return () => seen.disconnect()
  }, [visible])

  useEffect(() => {
    if (!visible || service.invokerIamDisabled) return
    let live = true
    queued(() => getPolicy(service)).then(
      (policy) => live && setAnswer({ invokers: publicInvokers(policy) }),
      () => live && setAnswer({ unknown: 'Its policy could not be read' }),
    )
    return () => {
      live = false
    }
  }, [visible, service.resourceName, service.invokerIamDisabled, generation])

  let text: string
  let isPublic = false
  if (service.invokerIamDisabled) {
    text = publicAccessText(true, [])
    isPublic = true
  } else if (answer === undefined) text = '…'
  else if ('unknown' in answer)
    text = `Require authentication (allUsers unknown: ${answer.unknown})`
  else {
    text = publicAccessText(false, answer.invokers)
    isPublic = answer.invokers.length > 0
  }
  return (
    <span
      ref={ref}
      className={isPublic ? 'badge badge-public' : 'badge'}
      aria-busy={answer === undefined && !service.invokerIamDisabled}
    >
      {text}
    </span>
  )
}
