// The grammar of `runiam identity groups create|describe|list|delete` and `runiam identity groups
// memberships add|list|delete`, for the command table; the implementations (identity-groups.ts)
// load only when a command runs. Compat: gcloud identity groups (GA).
import type { FlagSpec } from '../args/spec.js'
import type { CommandDef } from './command-def.js'

const groups = () => import('./identity-groups.js')

const email = (help: string) => ({ name: 'EMAIL', help, required: true })

const organization: FlagSpec = {
  name: 'organization',
  kind: 'string',
  metavar: 'ORGANIZATION',
  help: 'The organization the group belongs to: its ID ("123456789") or its domain ("example.com").',
}
const customer: FlagSpec = {
  name: 'customer',
  kind: 'string',
  metavar: 'CUSTOMER',
  help: "The organization's Cloud Identity customer ID, e.g. C123456789.",
}
const groupEmail: FlagSpec = {
  name: 'group-email',
  kind: 'string',
  required: true,
  metavar: 'GROUP_EMAIL',
  help: 'The email address of the group.',
}
const memberEmail: FlagSpec = {
  name: 'member-email',
  kind: 'string',
  required: true,
  metavar: 'MEMBER_EMAIL',
  help: 'The email address of the user, service account or group that is the member.',
}
const view: FlagSpec = {
  name: 'view',
  kind: 'string',
  metavar: 'VIEW',
  help: 'basic (the default) or full (adds descriptions, member types and times).',
}
const listFlags: readonly FlagSpec[] = [
  view,
  {
    name: 'limit',
    kind: 'string',
    metavar: 'LIMIT',
    help: 'The maximum number of items to list (default: all).',
  },
  {
    name: 'page-size',
    kind: 'string',
    metavar: 'PAGE_SIZE',
    help: 'How many items to ask the server for per page.',
  },
]

export const IDENTITY_GROUPS_COMMANDS: readonly CommandDef[] = [
  {
    path: ['identity', 'groups', 'create'],
    summary: 'Create a new group.',
    args: {
      positionals: [email('The email address of the group to be created.')],
      flags: [
        organization,
        customer,
        {
          name: 'display-name',
          kind: 'string',
          metavar: 'DISPLAY_NAME',
          help: "The group's display name.",
        },
        {
          name: 'description',
          kind: 'string',
          metavar: 'DESCRIPTION',
          help: 'What the group is for (at most 4,096 characters).',
        },
        {
          name: 'labels',
          kind: 'string',
          metavar: 'LABELS',
          help: 'Labels for the group, comma-separated, e.g. cloudidentity.googleapis.com/groups.discussion_forum.',
        },
        {
          name: 'group-type',
          kind: 'string',
          metavar: 'GROUP_TYPE',
          help: 'discussion (the default) or security: sets the labels of that kind of group.',
        },
        {
          name: 'with-initial-owner',
          kind: 'string',
          metavar: 'WITH_INITIAL_OWNER',
          help: 'with-initial-owner (the default: you become the group owner) or empty.',
        },
      ],
      exclusive: [
        ['organization', 'customer'],
        ['labels', 'group-type'],
      ],
    },
    load: async () => (await groups()).create,
  },
  {
    path: ['identity', 'groups', 'describe'],
    summary: 'Describe an existing group.',
    args: { positionals: [email('The email address of the group being described.')], flags: [] },
    load: async () => (await groups()).describe,
  },
  {
    path: ['identity', 'groups', 'list'],
    summary: "List the organization's groups.",
    args: {
      positionals: [],
      flags: [organization, customer, ...listFlags],
      exclusive: [['organization', 'customer']],
    },
    load: async () => (await groups()).list,
  },
  {
    path: ['identity', 'groups', 'delete'],
    summary: 'Delete an existing group (its memberships go with it).',
    args: { positionals: [email('The email address of the group being deleted.')], flags: [] },
    load: async () => (await groups()).remove,
  },
  {
    path: ['identity', 'groups', 'memberships', 'add'],
    summary: 'Create a new membership in an existing group.',
    args: {
      positionals: [],
      flags: [
        groupEmail,
        memberEmail,
        {
          name: 'roles',
          kind: 'string',
          metavar: 'ROLES',
          help: 'Comma-separated membership roles: OWNER, MANAGER, MEMBER (default MEMBER).',
        },
        {
          ...organization,
          help: 'Accepted for gcloud compatibility; runiam has one organization.',
        },
      ],
    },
    load: async () => (await groups()).membershipsAdd,
  },
  {
    path: ['identity', 'groups', 'memberships', 'list'],
    summary: 'List the memberships of a group.',
    args: { positionals: [], flags: [groupEmail, ...listFlags] },
    load: async () => (await groups()).membershipsList,
  },
  {
    path: ['identity', 'groups', 'memberships', 'delete'],
    summary: 'Delete a membership from an existing group.',
    args: { positionals: [], flags: [groupEmail, memberEmail] },
    load: async () => (await groups()).membershipsDelete,
  },
]
