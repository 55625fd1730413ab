// The grammar of `runiam admin …`: runiam's own operations with no gcloud counterpart (rotating
// the signing key of runiam's token issuer), for the command table; admin.ts loads on use.
import type { CommandDef } from './command-def.js'

const admin = () => import('./admin.js')

export const ADMIN_COMMANDS: readonly CommandDef[] = [
  {
    path: ['admin', 'rotate-keys'],
    summary:
      "Rotate the signing key of runiam's token issuer: publish a new key now, sign with it after the server's activation delay.",
    args: { positionals: [], flags: [] },
    load: async () => (await admin()).rotateKeys,
  },
]
