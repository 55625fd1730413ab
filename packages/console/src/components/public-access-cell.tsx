// The services list's "Authentication" column: whether a service is public, and how. The invoker
// check (invokerIamDisabled) comes with the list; whether allUsers / allAuthenticatedUsers holds
// an invoker role needs the service's policy, read only once the row scrolls into view and a few
// at a time, so a list of a thousand services stays quick.
import { useEffect, useRef, useState } from 'react'
import { findPublicInvokers } from '../iam/invoker-roles.js'
import { getRunPolicy, refKey, type RunRef } from '../api/run-resources.js'

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

/** One IntersectionObserver for every cell (a list may have a thousand rows). */
const onVisible = new WeakMap<Element, () => void>()
let observer: IntersectionObserver | undefined

function whenVisible(el: Element, then: () => void): () => void {
  observer ??= new IntersectionObserver((entries) => {
    for (const e of entries) {
      if (!e.isIntersecting) continue
      const run = onVisible.get(e.target)
      onVisible.delete(e.target)
      observer?.unobserve(e.target)
      run?.()
    }
  })
  onVisible.set(el, then)
  observer.observe(el)
  return () => {
    onVisible.delete(el)
    observer?.unobserve(el)
  }
}

export function PublicAccessCell({
  service,
  invokerIamDisabled,
  generation = 0,
}: {
  /** The service (the lists' reference shape: kind, project, location, name). */
  service: RunRef
  /** From the list: the service's invoker check is off. */
  invokerIamDisabled: boolean
  /** Bumped by the list after a change, to read the policy again. */
  generation?: number
}) {
  const ref = useRef<HTMLSpanElement>(null)
  const [visible, setVisible] = useState(false)
  const [answer, setAnswer] = useState<Answer | undefined>()

  useEffect(() => {
    const el = ref.current
    if (el === null || visible) return
    return whenVisible(el, () => setVisible(true))
  }, [visible])

  const key = refKey(service)
  useEffect(() => {
    if (!visible || invokerIamDisabled) return
    let live = true
    queued(async () => findPublicInvokers(await getRunPolicy(service))).then(
      (found) => live && setAnswer({ invokers: found.members }),
      () => live && setAnswer({ unknown: 'its policy could not be read' }),
    )
    return () => {
      live = false
    }
  }, [visible, key, invokerIamDisabled, generation])

  let text: string
  let isPublic = false
  if (invokerIamDisabled) {
    text = publicAccessText(true, [])
    isPublic = true
  } else if (answer === undefined) text = 'Checking…'
  else if ('unknown' in answer) text = `Unknown (${answer.unknown})`
  else {
    text = publicAccessText(false, answer.invokers)
    isPublic = answer.invokers.length > 0
  }
  return (
    <span
      ref={ref}
      className={isPublic ? 'badge badge-public' : 'badge'}
      aria-busy={answer === undefined && !invokerIamDisabled}
    >
      {text}
    </span>
  )
}
