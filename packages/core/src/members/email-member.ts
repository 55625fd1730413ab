// Emails as IAM members: the one place that decides which member an email speaks for. Emails are
// compared with ASCII-only case folding (ascii-lower.ts), and an email with any non-ASCII
// character is not an IAM email at all.
import { asciiLower } from './ascii-lower.js'
import { isValidEmail } from './member.js'

/** Compat: every service account email, Google's and user-managed, ends in gserviceaccount.com. */
export function isServiceAccountEmail(email: string): boolean {
  return asciiLower(email).endsWith('.gserviceaccount.com')
}

/**
 * The IAM member an email speaks for: `serviceAccount:` for service account addresses, `user:`
 * otherwise, lower-cased (ASCII) as policies store them. undefined for anything that is not a
 * valid ASCII email address.
 */
export function memberForEmail(email: string): string | undefined {
  if (!isValidEmail(email)) return undefined
  const e = asciiLower(email)
  return isServiceAccountEmail(e) ? `serviceAccount:${e}` : `user:${e}`
}
