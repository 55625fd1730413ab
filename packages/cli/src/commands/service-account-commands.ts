// The grammar of `runiam iam service-accounts …`, `runiam auth activate-service-account`,
// `runiam auth print-identity-token` and `runiam metadata-server`, for the command table; the
// implementations load only when a command runs.
import type { FlagSpec } from '../args/spec.js'
import type { CommandDef } from './command-def.js'

const sa = () => import('./service-accounts.js')
const auth = () => import('./auth-service-account.js')

const iamAccountFlag: FlagSpec = {
  name: 'iam-account',
  kind: 'string',
  required: true,
  metavar: 'IAM_ACCOUNT',
  help: 'The service account (email).',
}
const account = {
  name: 'SERVICE_ACCOUNT',
  help: 'The service account: its email or unique id.',
  required: true,
}

export const SERVICE_ACCOUNT_COMMANDS: readonly CommandDef[] = [
  {
    path: ['iam', 'service-accounts', 'create'],
    summary: 'Create a service account in the project.',
    args: {
      positionals: [
        {
          name: 'NAME',
          help: 'The account id: 6 to 30 lowercase letters, digits and hyphens.',
          required: true,
        },
      ],
      flags: [
        { name: 'display-name', kind: 'string', metavar: 'DISPLAY_NAME', help: 'A display name.' },
        { name: 'description', kind: 'string', metavar: 'DESCRIPTION', help: 'A description.' },
      ],
    },
    load: async () => (await sa()).create,
  },
  {
    path: ['iam', 'service-accounts', 'list'],
    summary: "List the project's service accounts.",
    args: { positionals: [], flags: [] },
    load: async () => (await sa()).list,
  },
  {
    path: ['iam', 'service-accounts', 'describe'],
    summary: 'Show a service account.',
    args: { positionals: [account], flags: [] },
    load: async () => (await sa()).describe,
  },
  {
    path: ['iam', 'service-accounts', 'delete'],
    summary: 'Delete a service account (and its keys).',
    args: { positionals: [account], flags: [] },
    load: async () => (await sa()).remove,
  },
  {
    path: ['iam', 'service-accounts', 'disable'],
    summary: 'Disable a service account: its tokens are refused until it is enabled again.',
    args: { positionals: [account], flags: [] },
    load: async () => (await sa()).disable,
  },
  {
    path: ['iam', 'service-accounts', 'enable'],
    summary: 'Enable a disabled service account: its unexpired tokens are accepted again.',
    args: { positionals: [account], flags: [] },
    load: async () => (await sa()).enable,
  },
  {
    path: ['iam', 'service-accounts', 'keys', 'create'],
    summary: 'Create a key for a service account and write its JSON key file (mode 0600).',
    args: {
      positionals: [{ name: 'OUTPUT_FILE', help: 'Where to write the key file.', required: true }],
      flags: [
        iamAccountFlag,
        {
          name: 'key-file-type',
          kind: 'string',
          metavar: 'KEY_FILE_TYPE',
          help: 'The key file type: json (the only one runiam issues).',
        },
      ],
    },
    load: async () => (await sa()).keysCreate,
  },
  {
    path: ['iam', 'service-accounts', 'keys', 'list'],
    summary: "List a service account's keys.",
    args: {
      positionals: [],
      flags: [
        iamAccountFlag,
        {
          name: 'managed-by',
          kind: 'string',
          metavar: 'MANAGED_BY',
          help: 'Which keys: user, system or any (default).',
        },
      ],
    },
    load: async () => (await sa()).keysList,
  },
  {
    path: ['iam', 'service-accounts', 'keys', 'delete'],
    summary: "Delete a service account's key; it stops working at once.",
    args: {
      positionals: [{ name: 'KEY_ID', help: 'The key id.', required: true }],
      flags: [iamAccountFlag],
    },
    load: async () => (await sa()).keysDelete,
  },
  {
    path: ['auth', 'activate-service-account'],
    summary: 'Use a service account key file as credentials and make the account active.',
    args: {
      positionals: [
        { name: 'ACCOUNT', help: "The key file's account (optional).", required: false },
      ],
      flags: [
        {
          name: 'key-file',
          kind: 'string',
          required: true,
          metavar: 'KEY_FILE',
          help: 'The JSON key file (from iam service-accounts keys create).',
        },
      ],
    },
    load: async () => (await auth()).activateServiceAccount,
  },
  {
    path: ['auth', 'print-identity-token'],
    summary: 'Print an ID token for the active account (or an impersonated service account).',
    args: {
      positionals: [],
      flags: [
        {
          name: 'audiences',
          kind: 'string',
          metavar: 'AUDIENCES',
          help: "The token's audience, e.g. a service URL (default: the API endpoint).",
        },
        {
          name: 'impersonate-service-account',
          kind: 'string',
          metavar: 'SERVICE_ACCOUNT',
          help: 'Mint the token for this service account (needs a token creator role on it).',
        },
        {
          name: 'include-email',
          kind: 'bool',
          help: 'Ask for the email claims (runiam always includes them).',
        },
      ],
    },
    load: async () => (await auth()).printIdentityToken,
  },
  {
    path: ['metadata-server'],
    summary:
      "Serve the GCE metadata endpoints google-auth-library reads, minting a service account's tokens.",
    args: {
      positionals: [],
      flags: [
        {
          name: 'impersonate-service-account',
          kind: 'string',
          required: true,
          metavar: 'SERVICE_ACCOUNT',
          help: 'The service account whose tokens applications get.',
        },
        {
          name: 'port',
          kind: 'string',
          metavar: 'PORT',
          help: 'The port on 127.0.0.1 (default 8090); use GCE_METADATA_HOST=127.0.0.1:PORT.',
        },
      ],
    },
    load: async () => (await import('./metadata-server.js')).metadataServer,
  },
]
