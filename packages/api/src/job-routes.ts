// Cloud Run jobs, their executions and tasks, as data for routes.ts: the v2 methods Google's
// client libraries and Terraform call, and the v1 IAM methods gcloud's `run jobs *-iam-policy*`
// commands call. Compat: paths and permissions follow job.proto, execution.proto, task.proto and
// reference §1.2, §1.6, §1.7, §1.8a.
import type { ApiName, RouteSpec } from './route-spec.js'

const PARENT = 'projects/*/locations/*'
const JOB = `${PARENT}/jobs/*`
const EXECUTION = `${JOB}/executions/*`
const TASK = `${EXECUTION}/tasks/*`

function jobIamRoutes(api: ApiName, prefix: '/v1' | '/v2'): RouteSpec[] {
  const t = (verb: string): string => `${prefix}/{resource=${JOB}}:${verb}`
  const id = (verb: string): string => `run.projects.locations.jobs.${verb}`
  return [
    {
      api,
      id: id('getIamPolicy'),
      method: 'GET',
      template: t('getIamPolicy'),
      permission: 'run.jobs.getIamPolicy',
      resourceType: 'job',
      body: false,
    },
    {
      api,
      id: id('setIamPolicy'),
      method: 'POST',
      template: t('setIamPolicy'),
      permission: 'run.jobs.setIamPolicy',
      resourceType: 'job',
      body: true,
    },
    {
      api,
      id: id('testIamPermissions'),
      method: 'POST',
      template: t('testIamPermissions'),
      resourceType: 'job',
      body: true,
      note: 'no permission required (proto comment)',
    },
  ]
}

export const JOB_ROUTES: readonly RouteSpec[] = [
  {
    api: 'run/v2',
    id: 'run.projects.locations.jobs.create',
    method: 'POST',
    template: `/v2/{parent=${PARENT}}/jobs`,
    permission: 'run.jobs.create',
    resourceType: 'job',
    body: true,
    note: 'checked on the new job name',
  },
  {
    api: 'run/v2',
    id: 'run.projects.locations.jobs.get',
    method: 'GET',
    template: `/v2/{name=${JOB}}`,
    permission: 'run.jobs.get',
    resourceType: 'job',
    body: false,
  },
  {
    api: 'run/v2',
    id: 'run.projects.locations.jobs.list',
    method: 'GET',
    template: `/v2/{parent=${PARENT}}/jobs`,
    permission: 'run.jobs.list',
    resourceType: 'location',
    body: false,
  },
  {
    api: 'run/v2',
    id: 'run.projects.locations.jobs.patch',
    method: 'PATCH',
    template: `/v2/{job.name=${JOB}}`,
    permission: 'run.jobs.update',
    resourceType: 'job',
    body: true,
    note: 'also run.jobs.create when allowMissing creates it',
  },
  {
    api: 'run/v2',
    id: 'run.projects.locations.jobs.delete',
    method: 'DELETE',
    template: `/v2/{name=${JOB}}`,
    permission: 'run.jobs.delete',
    resourceType: 'job',
    body: false,
  },
  {
    api: 'run/v2',
    id: 'run.projects.locations.jobs.run',
    method: 'POST',
    template: `/v2/{name=${JOB}}:run`,
    permission: 'run.jobs.run',
    resourceType: 'job',
    body: true,
    note: 'also run.jobs.runWithOverrides when the body has overrides',
  },
  ...jobIamRoutes('run/v2', '/v2'),
  {
    api: 'run/v2',
    id: 'run.projects.locations.jobs.executions.get',
    method: 'GET',
    template: `/v2/{name=${EXECUTION}}`,
    permission: 'run.executions.get',
    resourceType: 'execution',
    body: false,
  },
  {
    api: 'run/v2',
    id: 'run.projects.locations.jobs.executions.list',
    method: 'GET',
    template: `/v2/{parent=${JOB}}/executions`,
    permission: 'run.executions.list',
    resourceType: 'job',
    body: false,
  },
  {
    api: 'run/v2',
    id: 'run.projects.locations.jobs.executions.delete',
    method: 'DELETE',
    template: `/v2/{name=${EXECUTION}}`,
    permission: 'run.executions.delete',
    resourceType: 'execution',
    body: false,
  },
  {
    api: 'run/v2',
    id: 'run.projects.locations.jobs.executions.cancel',
    method: 'POST',
    template: `/v2/{name=${EXECUTION}}:cancel`,
    permission: 'run.executions.cancel',
    resourceType: 'execution',
    body: true,
  },
  {
    api: 'run/v2',
    id: 'run.projects.locations.jobs.executions.tasks.get',
    method: 'GET',
    template: `/v2/{name=${TASK}}`,
    permission: 'run.tasks.get',
    resourceType: 'task',
    body: false,
  },
  {
    api: 'run/v2',
    id: 'run.projects.locations.jobs.executions.tasks.list',
    method: 'GET',
    template: `/v2/{parent=${EXECUTION}}/tasks`,
    permission: 'run.tasks.list',
    resourceType: 'execution',
    body: false,
  },
  // Cloud Run Admin API v1: the job IAM methods gcloud calls.
  ...jobIamRoutes('run/v1', '/v1'),
]
