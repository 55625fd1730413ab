// Cloud Logging's roles/logging.viewer and the logging permission Google's basic roles hold, for
// scripts/gen-roles.mjs: runiam serves logging.entries.list (the output of local service
// processes), checked with logging.logEntries.list on the project. Neither is in
// shared/reference/roles.json (a Cloud Run dump); written out from Google's IAM roles and
// permissions index ("Logging roles", checked 2026-11), core permissions only: the BigQuery,
// Observability and Cloud Asset ones the role also lists are left out.

export const LOGGING_ROLES = {
  'roles/logging.viewer': {
    title: 'Logs Viewer',
    description: 'Access to view logs, except for logs with private contents.',
    stage: 'GA',
    permissions: [
      'logging.buckets.get',
      'logging.buckets.list',
      'logging.exclusions.get',
      'logging.exclusions.list',
      'logging.locations.get',
      'logging.locations.list',
      'logging.logEntries.list',
      'logging.logMetrics.get',
      'logging.logMetrics.list',
      'logging.logServiceIndexes.list',
      'logging.logServices.list',
      'logging.logs.list',
      'logging.operations.get',
      'logging.operations.list',
      'logging.queries.create',
      'logging.queries.delete',
      'logging.queries.get',
      'logging.queries.list',
      'logging.queries.listShared',
      'logging.queries.update',
      'logging.sinks.get',
      'logging.sinks.list',
      'logging.usage.get',
      'logging.views.get',
      'logging.views.list',
      'resourcemanager.projects.get',
    ],
  },
}

// Compat: roles/viewer, roles/editor and roles/owner all read log entries on Google.
export const BASIC_ROLE_LOGGING_EXTRA = {
  'roles/owner': ['logging.logEntries.list'],
  'roles/editor': ['logging.logEntries.list'],
  'roles/viewer': ['logging.logEntries.list'],
}
